"""The OpenAI-compatible function's lambda_handler with the events/ files (eSpeak NG: real speech, no network)."""

from __future__ import annotations

import io

import pytest
import soundfile

from functions.openai_speech.app import lambda_handler
from testsupport.apigw import FakeLambdaContext, binary_body, header, json_body, load_event
from testsupport.fakes.openai_support import decode, parse_sse_like_livekit
from testsupport.wiring import FunctionWiring


@pytest.fixture(autouse=True)
def espeak_is_the_default(wiring: FunctionWiring) -> None:
    # Offline: Edge's voice list falls back at once instead of waiting for a name lookup.
    wiring.set(
        OPENTALKING_TTS_PROVIDER="espeak",
        OPENTALKING_EDGE_VOICE_LIST_URL="http://127.0.0.1:9/voices/list?trustedclienttoken=x",
    )


def test_mp3_event_returns_base64_mpeg_for_api_gateway(lambda_context: FakeLambdaContext) -> None:
    # GIVEN the SDK's request for eSpeak NG speech as mp3
    response = lambda_handler(load_event("openai_speech_espeak_mp3"), lambda_context)
    # THEN the MP3 travels base64-encoded with its true media type
    assert response["statusCode"] == 200
    assert header(response, "content-type") == "audio/mpeg"
    assert header(response, "cache-control") == "no-store"
    with soundfile.SoundFile(io.BytesIO(binary_body(response))) as clip:
        assert (clip.samplerate, clip.channels, clip.format) == (24000, 1, "MP3")
        assert 1.5 <= clip.frames / clip.samplerate <= 6.0


def test_sse_event_returns_text_events(lambda_context: FakeLambdaContext) -> None:
    response = lambda_handler(load_event("openai_speech_sse"), lambda_context)
    assert response["statusCode"] == 200
    assert (header(response, "content-type") or "").startswith("text/event-stream")
    assert response["isBase64Encoded"] is False  # text: API Gateway passes it through as is
    audio, events = parse_sse_like_livekit(response["body"])
    assert events[-1] == {"type": "speech.audio.done"}
    assert 0.5 <= decode("pcm", audio).seconds <= 5.0


def test_unknown_voice_event_is_a_404_envelope(lambda_context: FakeLambdaContext) -> None:
    response = lambda_handler(load_event("openai_speech_unknown_voice"), lambda_context)
    assert response["statusCode"] == 404
    error = json_body(response)["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", "voice", "voice_not_found")


def test_voices_event_lists_openai_names_and_espeak_voices(lambda_context: FakeLambdaContext) -> None:
    response = lambda_handler(load_event("openai_voices"), lambda_context)
    assert response["statusCode"] == 200
    voices = {voice["id"]: voice for voice in json_body(response)["voices"]}
    assert voices["alloy"]["voice"] == "en-us+f3"  # espeak is the default provider here
    assert voices["espeak:en-us"]["language"] == "en-us"
    assert voices["edge:en-US-AriaNeural"]["source"] == "builtin"  # Edge's fallback list, offline
    assert not any(voice["provider"] in ("dashscope", "elevenlabs") for voice in voices.values())  # no keys


@pytest.mark.parametrize(("event", "key"), [("openai_models", "data"), ("openai_audio_models", "models")])
def test_model_list_events(lambda_context: FakeLambdaContext, event: str, key: str) -> None:
    response = lambda_handler(load_event(event), lambda_context)
    assert response["statusCode"] == 200
    body = json_body(response)
    ids = [model["id"] for model in body[key]]
    assert ids == ["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "edge", "espeak"]
    if key == "data":
        assert body["object"] == "list"
        assert {model["object"] for model in body["data"]} == {"model"}
