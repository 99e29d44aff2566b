"""The official `openai` SDK against this service: through `lambda_handler` (API Gateway events) and `make run`'s app.

Every provider's loopback fake speaks its real wire protocol to the real provider SDK; eSpeak NG runs in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import openai
import pytest

from functions.local_api import create_local_app
from functions.openai_speech.app import lambda_handler
from testsupport.fakes.edge_fake import AUDIO_SECONDS
from testsupport.fakes.openai_support import (
    OPENAI_SAMPLE_RATE,
    LambdaTransport,
    ProviderFakes,
    all_provider_fakes,
    decode,
    parse_sse_like_livekit,
    serve_local_app,
)
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice
from voice_service.services.speech import RESPONSE_FORMATS

# Formats whose decoders return exactly the encoded samples; ADTS AAC and the MP3 (no LAME tag) carry no priming
# info, so a decoder keeps the encoder's delay (AAC 1,024 samples, LAME about 1,100) and pads the last frame.
TOLERANCE_SECONDS = {"aac": 0.12, "mp3": 0.1}
DEFAULT_TOLERANCE_SECONDS = 0.03
MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
# Each provider's voice in `provider:voice` form, and what the provider's fake must have been asked for.
PROVIDER_VOICES = {
    "edge": "edge:en-US-AriaNeural",
    "dashscope": "dashscope:Cherry",
    "cosyvoice": "cosyvoice:longxiaochun_v2",
    "elevenlabs": "elevenlabs:Voice123",
    "espeak": "espeak:en-us",
}
HOST = "https://abc123.execute-api.eu-west-1.amazonaws.com"


@pytest.fixture
def fakes(wiring: FunctionWiring) -> Iterator[ProviderFakes]:
    with all_provider_fakes(wiring) as running:
        yield running


@pytest.fixture(params=["lambda_handler", "make_run_app"])
def client(request: pytest.FixtureRequest, fakes: ProviderFakes) -> Iterator[openai.OpenAI]:
    if request.param == "lambda_handler":
        http_client = httpx.Client(transport=LambdaTransport(lambda_handler))
        yield openai.OpenAI(api_key="sk-test", base_url=f"{HOST}/v1", http_client=http_client, max_retries=0)
        http_client.close()
    else:
        app = create_local_app()
        request.getfixturevalue("wiring").attach(app)
        with (
            serve_local_app(app) as url,
            openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0) as local,
        ):
            yield local


def expected_seconds(client: openai.OpenAI, provider: str) -> float:
    """The fakes send AUDIO_SECONDS of tone; eSpeak NG's real speech is measured from its raw PCM answer."""
    if provider != "espeak":
        return AUDIO_SECONDS
    raw = client.audio.speech.create(model="espeak", voice="espeak:en-us", input="Hello from the speech API.")
    pcm = client.audio.speech.create(
        model="espeak", voice="espeak:en-us", input="Hello from the speech API.", response_format="pcm"
    )
    assert raw.response.headers["content-type"] == "audio/mpeg"
    return decode("pcm", pcm.content).seconds


@pytest.mark.parametrize("provider", list(PROVIDER_VOICES))
def test_every_format_decodes_to_24k_mono_of_the_expected_length(client: openai.OpenAI, provider: str) -> None:
    seconds = expected_seconds(client, provider)
    for audio_format in RESPONSE_FORMATS:
        # WHEN the SDK asks for this format
        answer = client.audio.speech.create(
            model=provider,
            voice=PROVIDER_VOICES[provider],
            input="Hello from the speech API.",
            response_format=audio_format,  # type: ignore[arg-type]
        )
        # THEN the answer says what it is, and decodes to 24 kHz mono audio of the spoken length
        assert answer.response.headers["content-type"] == MEDIA_TYPES[audio_format], audio_format
        decoded = decode(audio_format, answer.content)
        assert (decoded.sample_rate, decoded.channels) == (OPENAI_SAMPLE_RATE, 1), audio_format
        tolerance = TOLERANCE_SECONDS.get(audio_format, DEFAULT_TOLERANCE_SECONDS)
        assert abs(decoded.seconds - seconds) <= tolerance, (audio_format, decoded.seconds, seconds)


def test_streaming_response_returns_the_same_mp3(client: openai.OpenAI, fakes: ProviderFakes) -> None:
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input="Streaming hello.", response_format="mp3"
    ) as response:
        assert response.headers["content-type"] == "audio/mpeg"
        data = b"".join(response.iter_bytes(4096))
    assert abs(decode("mp3", data).seconds - AUDIO_SECONDS) <= TOLERANCE_SECONDS["mp3"]
    # tts-1 means the default provider (edge) and alloy its mapped voice
    assert fakes.edge.calls[-1].voice == "Microsoft Server Speech Text to Speech Voice (en-US, AvaNeural)"


@pytest.mark.parametrize("audio_format", ["mp3", "pcm"])
def test_sse_parses_the_way_livekit_parses_it(client: openai.OpenAI, fakes: ProviderFakes, audio_format: str) -> None:
    # GIVEN LiveKit's defaults: gpt-4o-mini-tts, voice ash, SSE, instructions and a speed
    with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts",
        voice="ash",
        input="Hello from an agent.",
        response_format=audio_format,  # type: ignore[arg-type]
        instructions="Speak cheerfully.",
        speed=1.25,
        stream_format="sse",
    ) as response:
        # THEN the answer is an event stream whose deltas re-join into the audio, closed by a done event
        assert response.headers["content-type"].startswith("text/event-stream")
        audio, events = parse_sse_like_livekit(response.read().decode("utf-8"))
    assert [event["type"] for event in events[:-1]] == ["speech.audio.delta"] * (len(events) - 1)
    assert events[-1] == {"type": "speech.audio.done"}
    tolerance = TOLERANCE_SECONDS.get(audio_format, DEFAULT_TOLERANCE_SECONDS)
    assert abs(decode(audio_format, audio).seconds - AUDIO_SECONDS) <= tolerance
    # AND Edge applied the speed as its SSML rate (Edge takes no instructions)
    assert fakes.edge.calls[-1].ssml is not None and "rate='+25%'" in fakes.edge.calls[-1].ssml


def test_speed_and_instructions_reach_the_providers_that_take_them(client: openai.OpenAI, fakes: ProviderFakes) -> None:
    for model in ("dashscope", "cosyvoice", "elevenlabs"):
        client.audio.speech.create(model=model, voice="nova", input="Hi.", speed=0.8, instructions="Whisper.")
    assert fakes.qwen.calls[-1].session["speech_rate"] == 0.8
    assert fakes.qwen.calls[-1].session["instructions"] == "Whisper."
    assert fakes.qwen.calls[-1].session["voice"] == "Serena"
    assert fakes.cosyvoice.calls[-1].parameters["rate"] == 0.8
    assert fakes.cosyvoice.calls[-1].parameters["instruction"] == "Whisper."
    assert fakes.cosyvoice.calls[-1].parameters["voice"] == "loongbella_v2"
    assert fakes.elevenlabs.calls[-1].body["voice_settings"]["speed"] == 0.8
    assert fakes.elevenlabs.calls[-1].voice_id == "MF3mGyEYCl7XYWbV9V6O"


def test_a_cloned_voice_is_spoken_with_the_model_it_was_cloned_for(
    client: openai.OpenAI, fakes: ProviderFakes, wiring: FunctionWiring
) -> None:
    # GIVEN a Qwen clone in the catalog
    entry = wiring.catalog().add_entry(
        NewEntry(
            NewVoice("dashscope", "qwen-tts-vc-alice-voice-1", "Alice", "qwen3-tts-vc-realtime-2026-01-15"),
            datetime.now(UTC),
        )
    )
    # WHEN it is used by id (string and object form) with an OpenAI model name or its own model
    for voice in (entry.voice_id, {"id": entry.voice_id}):
        for model in ("tts-1", "dashscope", "dashscope/qwen3-tts-vc-realtime-2026-01-15"):
            client.audio.speech.create(model=model, voice=voice, input="Hi.")  # type: ignore[arg-type]
            # THEN DashScope got the clone with its target model
            assert fakes.qwen.calls[-1].model == "qwen3-tts-vc-realtime-2026-01-15"
            assert fakes.qwen.calls[-1].session["voice"] == "qwen-tts-vc-alice-voice-1"
    # AND another model is a clear 400 that calls no provider
    calls = len(fakes.qwen.calls)
    with pytest.raises(openai.BadRequestError) as raised:
        client.audio.speech.create(model="dashscope/qwen3-tts-flash-realtime", voice=entry.voice_id, input="Hi.")
    assert "cloned for dashscope/qwen3-tts-vc-realtime-2026-01-15" in raised.value.message
    assert (raised.value.type, raised.value.param, raised.value.code) == ("invalid_request_error", "model", None)
    with pytest.raises(openai.BadRequestError):
        client.audio.speech.create(model="cosyvoice", voice=entry.voice_id, input="Hi.")
    assert len(fakes.qwen.calls) == calls


def test_voices_list_in_the_shape_open_webui_reads(
    client: openai.OpenAI, fakes: ProviderFakes, wiring: FunctionWiring
) -> None:
    wiring.catalog().add_entry(
        NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-bob-1", "Bob", "cosyvoice-v2"), datetime.now(UTC))
    )
    voices = client.get("/audio/voices", cast_to=httpx.Response).json()["voices"]
    by_id = {voice["id"]: voice for voice in voices}
    assert all(isinstance(voice["id"], str) and isinstance(voice["name"], str) for voice in voices)
    assert by_id["alloy"]["voice"] == "en-US-AvaNeural"
    assert by_id["espeak:en-us"]["model"] == "espeak"
    assert by_id["dashscope:Cherry"]["provider"] == "dashscope"
    # Edge's live list (from its fake), with what it says about each voice
    assert by_id["edge:en-GB-RyanNeural"]["name"] == "Microsoft Ryan Online (Natural) - English (United Kingdom)"
    assert (by_id["edge:en-GB-RyanNeural"]["gender"], by_id["edge:en-GB-RyanNeural"]["language"]) == ("Male", "en-GB")
    assert fakes.edge.voice_list_queries[-1]["trustedclienttoken"] == "fake-token"
    assert by_id["cosyvoice-v2-bob-1"] == {
        "id": "cosyvoice-v2-bob-1",
        "name": "Bob",
        "provider": "cosyvoice",
        "voice": "cosyvoice-v2-bob-1",
        "model": "cosyvoice/cosyvoice-v2",
        "source": "clone",
    }


def test_only_ready_clones_are_listed_and_spoken(
    client: openai.OpenAI, fakes: ProviderFakes, wiring: FunctionWiring
) -> None:
    # GIVEN a clone DashScope is still building, and one it no longer has
    catalog = wiring.catalog()
    deploying = catalog.add_entry(
        NewEntry(
            NewVoice("dashscope", "qwen-tts-vc-carol-voice-1", "Carol", "qwen3-tts-vc-realtime-2026-01-15"),
            datetime.now(UTC),
        )
    )
    catalog.set_status(deploying.id, "deploying")
    gone = catalog.add_entry(
        NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-dave-1", "Dave", "cosyvoice-v2"), datetime.now(UTC))
    )
    catalog.set_status(gone.id, "gone")
    # WHEN a client lists voices and asks for speech in either
    voices = client.get("/audio/voices", cast_to=httpx.Response).json()["voices"]
    calls = len(fakes.qwen.calls) + len(fakes.cosyvoice.calls)
    for entry in (deploying, gone):
        with pytest.raises(openai.NotFoundError) as raised:
            client.audio.speech.create(model="tts-1", voice=entry.voice_id, input="Hi.")
        assert raised.value.code == "voice_not_found"
    # THEN neither is listed, and no provider was called
    assert not {deploying.voice_id, gone.voice_id} & {voice["id"] for voice in voices}
    assert len(fakes.qwen.calls) + len(fakes.cosyvoice.calls) == calls


def test_both_model_lists_in_the_shapes_clients_read(client: openai.OpenAI, fakes: ProviderFakes) -> None:
    models = [model.id for model in client.models.list()]
    assert models[:3] == ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
    assert {"edge", "dashscope", "dashscope/qwen3-tts-flash-realtime", "cosyvoice/cosyvoice-v2", "espeak"} <= set(
        models
    )
    audio_models = client.get("/audio/models", cast_to=httpx.Response).json()
    assert [model["id"] for model in audio_models["models"]] == models


@pytest.mark.parametrize(
    ("arguments", "error", "status", "param", "code"),
    [
        ({"model": "tts-1", "voice": "alloy", "input": "   "}, openai.BadRequestError, 400, "input", None),
        ({"model": "tts-1", "voice": "alloy", "input": "x" * 4097}, openai.BadRequestError, 400, "input", None),
        ({"model": "tts-1", "voice": "alloy", "input": "hi", "speed": 5}, openai.BadRequestError, 400, "speed", None),
        (
            {"model": "elevenlabs", "voice": "alloy", "input": "hi", "speed": 2},
            openai.BadRequestError,
            400,
            "speed",
            None,
        ),
        (
            {"model": "tts-1", "voice": "alloy", "input": "hi", "response_format": "ogg"},
            openai.BadRequestError,
            400,
            "response_format",
            None,
        ),
        (
            {"model": "espeak", "voice": "edge:en-US-AriaNeural", "input": "hi"},
            openai.BadRequestError,
            400,
            "model",
            None,
        ),
        ({"model": "tts-2", "voice": "alloy", "input": "hi"}, openai.NotFoundError, 404, "model", "model_not_found"),
        ({"model": "tts-1", "voice": "nobody", "input": "hi"}, openai.NotFoundError, 404, "voice", "voice_not_found"),
        ({"model": "tts-1", "voice": "acme:x", "input": "hi"}, openai.NotFoundError, 404, "voice", "voice_not_found"),
    ],
)
def test_invalid_requests_get_openais_envelope(
    client: openai.OpenAI,
    fakes: ProviderFakes,
    arguments: dict[str, object],
    error: type[openai.APIStatusError],
    status: int,
    param: str,
    code: str | None,
) -> None:
    with pytest.raises(error) as raised:
        client.audio.speech.create(**arguments)  # type: ignore[arg-type]
    assert raised.value.status_code == status
    assert raised.value.response.headers["content-type"] == "application/json"
    body = raised.value.response.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == "invalid_request_error"
    assert (body["error"]["param"], body["error"]["code"]) == (param, code)
    assert body["error"]["message"].endswith(".")
    assert fakes.edge.calls == [] and fakes.elevenlabs.calls == []


def test_provider_failure_is_502_in_the_envelope(client: openai.OpenAI, fakes: ProviderFakes) -> None:
    fakes.edge.mode = "http_503"
    with pytest.raises(openai.InternalServerError) as raised:
        client.audio.speech.create(model="edge", voice="alloy", input="hi")
    assert raised.value.status_code == 502
    assert raised.value.response.json() == {
        "error": {
            "message": "The edge provider failed: the server refused the connection with HTTP 503.",
            "type": "server_error",
            "param": None,
            "code": "provider_failed",
        }
    }


def test_missing_key_is_503_naming_the_setting(client: openai.OpenAI, wiring: FunctionWiring) -> None:
    wiring.unset("OPENTALKING_TTS_ELEVENLABS_API_KEY")
    with pytest.raises(openai.InternalServerError) as raised:
        client.audio.speech.create(model="elevenlabs", voice="alloy", input="hi")
    assert raised.value.status_code == 503
    assert raised.value.response.json()["error"]["code"] == "provider_not_configured"
    assert "OPENTALKING_TTS_ELEVENLABS_API_KEY" in raised.value.response.json()["error"]["message"]


def test_wav_that_would_not_fit_a_response_is_413_never_truncated(client: openai.OpenAI, fakes: ProviderFakes) -> None:
    # GIVEN a provider answering 100 s of audio: 4.8 MB as 24 kHz 16-bit PCM, over the 4.4 MB a response carries
    fakes.edge.audio_seconds = 100.0
    with pytest.raises(openai.APIStatusError) as raised:
        client.audio.speech.create(model="edge", voice="alloy", input="A long text.", response_format="wav")
    assert raised.value.status_code == 413
    error = raised.value.response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == (
        "invalid_request_error",
        "response_format",
        "request_too_large",
    )
    assert "100 seconds" in error["message"] and "mp3" in error["message"]
    # AND the same speech as mp3 fits
    answer = client.audio.speech.create(model="edge", voice="alloy", input="A long text.", response_format="mp3")
    assert abs(decode("mp3", answer.content).seconds - 100.0) <= TOLERANCE_SECONDS["mp3"]
