"""POST /tts/preview through lambda_handler with events/ files, using espeak: real audio, no network, no key."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from functions.preview.app import lambda_handler
from testsupport.apigw import FakeLambdaContext, binary_body, header, json_body, load_event
from testsupport.fakes.preview_checks import assert_error, post_preview, read_wav
from testsupport.wiring import FunctionWiring
from voice_service.adapters.tts import espeak


def test_web_client_event_returns_base64_wav_for_api_gateway(lambda_context: FakeLambdaContext) -> None:
    # GIVEN the browser client's request: tts_provider, Chinese text, an eSpeak NG voice
    event = load_event("preview_web_client")
    # WHEN API Gateway invokes the function
    response = lambda_handler(event, lambda_context)
    # THEN the WAV travels base64-encoded with its media type, private to the caller, readable cross-origin
    assert response["statusCode"] == 200
    assert header(response, "content-type") == "audio/wav"
    assert header(response, "cache-control") == "private, no-cache"
    assert header(response, "access-control-allow-origin") == "http://localhost:5173"
    # AND a script of that origin may read the ETag (not a CORS-safelisted header)
    exposed = {name.strip().lower() for name in (header(response, "access-control-expose-headers") or "").split(",")}
    assert {"etag", "x-speech-cache"} <= exposed
    info = read_wav(binary_body(response))
    assert (info.channels, info.sample_width, info.sample_rate) == (1, 2, 16000)
    # eSpeak NG speaks the ten characters in one to five seconds.
    assert 1.0 <= info.duration <= 5.0


def test_spec_style_english_request_is_real_speech(lambda_context: FakeLambdaContext) -> None:
    response = lambda_handler(load_event("preview_espeak"), lambda_context)
    data = binary_body(response)
    with wave.open(io.BytesIO(data)) as reader:
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        assert reader.getframerate() == 16000
    assert 1.0 <= len(samples) / 16000 <= 5.0
    # Speech, not silence: a clear share of the samples is loud.
    assert np.mean(np.abs(samples) > 1000) > 0.05


def test_malformed_json_event_is_400_with_cors(lambda_context: FakeLambdaContext) -> None:
    response = lambda_handler(load_event("preview_bad_json"), lambda_context)
    assert response["statusCode"] == 400
    assert json_body(response) == {"detail": "The request body is not valid JSON."}
    assert header(response, "access-control-allow-origin") == "http://localhost:5173"


def test_session_rate_24k_is_honoured(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="24000")
    response = post_preview({"text": "Testing the sample rate.", "provider": "espeak"})
    assert response.status_code == 200
    assert read_wav(response.content).sample_rate == 24000


def test_default_voice_is_configurable(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(OPENTALKING_TTS_ESPEAK_VOICE="xx-missing")
    response = post_preview({"text": "hello", "provider": "espeak"})
    assert_error(response, 400, "Unknown espeak voice 'xx-missing': use an eSpeak NG voice name such as en-us or cmn.")


@pytest.mark.parametrize("voice", ["no-such-voice", "../../etc/passwd", "en us"])
def test_unknown_or_malformed_voice_is_400(voice: str) -> None:
    response = post_preview({"text": "hello", "provider": "espeak", "voice": voice})
    assert_error(response, 400, f"Unknown espeak voice {voice!r}: use an eSpeak NG voice name such as en-us or cmn.")


def test_missing_native_library_is_a_clear_400(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a deployment whose architecture has no libespeak-ng
    import espeakng_loader

    monkeypatch.setattr(espeakng_loader, "get_library_path", lambda: "/nonexistent/libespeak-ng.so")
    espeak._engine.cache_clear()
    try:
        response = post_preview({"text": "hello", "provider": "espeak"})
    finally:
        espeak._engine.cache_clear()
    assert_error(
        response,
        400,
        "The espeak provider is not available in this deployment (its native library could not be loaded); "
        "choose another provider.",
    )


@pytest.mark.parametrize(
    ("body", "raw", "detail"),
    [
        ({"text": "   "}, None, "The text is empty; send a few words to preview."),
        (
            {"text": "a" * 241, "provider": "espeak"},
            None,
            "The text is 241 characters long; a preview takes at most 240 characters.",
        ),
        ({"provider": "espeak"}, None, "The field 'text' is required."),
        ({"text": 42}, None, "The field 'text' must be a string."),
        ({"text": "hi", "provider": ["espeak"]}, None, "The field 'provider' must be a string."),
        (["hello"], None, "The request body must be a JSON object."),
        (None, "text=hello", "The request body is not valid JSON."),
        (None, "", "The request body is missing; send a JSON object."),
        (
            {"text": "hi", "tts_provider": "openai"},
            None,
            "Unknown provider 'openai': use one of edge, dashscope, cosyvoice, elevenlabs, espeak.",
        ),
    ],
)
def test_bad_requests_are_400_sentences(body: object, raw: str | None, detail: str) -> None:
    assert_error(post_preview(body, raw=raw), 400, detail)


def test_text_limit_is_configurable(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(OPENTALKING_TTS_PREVIEW_MAX_CHARS="5")
    response = post_preview({"text": "你好，世界！", "provider": "espeak", "voice": "cmn"})
    assert_error(response, 400, "The text is 6 characters long; a preview takes at most 5 characters.")
