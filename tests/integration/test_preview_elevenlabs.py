"""POST /tts/preview with provider elevenlabs: the real elevenlabs SDK against a loopback HTTP fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.fakes.elevenlabs_fake import API_KEY, AUDIO_SECONDS, ElevenLabsFake, ElevenLabsMode
from testsupport.fakes.preview_checks import assert_error, assert_preview_wav, post_preview
from testsupport.fakes.tts_loopback import LoopbackServer, closed_port
from testsupport.wiring import FunctionWiring


@pytest.fixture
def elevenlabs(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> Iterator[ElevenLabsFake]:
    fake = ElevenLabsFake()
    fake.server = LoopbackServer(fake.app).start()
    wiring.set(
        OPENTALKING_TTS_ELEVENLABS_BASE_URL=fake.server.base_url,
        OPENTALKING_TTS_ELEVENLABS_API_KEY=API_KEY,
        OPENTALKING_TTS_ELEVENLABS_VOICE_ID="DefaultVoice01",
    )
    yield fake
    fake.server.stop()


def test_pcm_at_the_session_rate_is_requested_and_wrapped(elevenlabs: ElevenLabsFake) -> None:
    response = post_preview({"text": "Hello there.", "provider": "elevenlabs", "voice": "Voice123"})
    assert_preview_wav(response, 16000, AUDIO_SECONDS)
    call = elevenlabs.calls[-1]
    assert (call.voice_id, call.output_format, call.api_key) == ("Voice123", "pcm_16000", API_KEY)
    assert call.body["text"] == "Hello there."
    assert call.body["model_id"] == "eleven_flash_v2_5"


def test_web_client_spelling_default_voice_and_24k(
    elevenlabs: ElevenLabsFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="24000")
    response = post_preview({"text": "你好，我正在测试音色。", "tts_provider": "ElevenLabs", "tts_model": "eleven_v3"})
    assert_preview_wav(response, 24000, AUDIO_SECONDS)
    call = elevenlabs.calls[-1]
    assert (call.voice_id, call.output_format, call.body["model_id"]) == ("DefaultVoice01", "pcm_24000", "eleven_v3")


def test_other_session_rates_are_resampled_from_24k(
    elevenlabs: ElevenLabsFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="48000")
    assert_preview_wav(post_preview({"text": "hi", "provider": "elevenlabs"}), 48000, AUDIO_SECONDS)
    assert elevenlabs.calls[-1].output_format == "pcm_24000"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("http_401", "the API answered HTTP 401 (Invalid API key: ***)."),
        ("http_500_html", "the API answered HTTP 500 (<html><body>Internal Server Error</body></html>)."),
        ("http_422", "the API answered HTTP 422 (field required)."),
        ("close_mid_stream", "the connection dropped before the audio was complete."),
        ("no_audio", "it returned no audio."),
    ],
)
def test_upstream_failures_are_502_without_the_key(
    elevenlabs: ElevenLabsFake, mode: ElevenLabsMode, reason: str
) -> None:
    elevenlabs.mode = mode
    response = post_preview({"text": "hi", "provider": "elevenlabs"})
    assert_error(response, 502, f"The elevenlabs provider failed: {reason}")
    assert API_KEY not in response.text


def test_stall_past_the_deadline_is_502(
    elevenlabs: ElevenLabsFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS="0.5")
    elevenlabs.mode = "stall"
    response = post_preview({"text": "hi", "provider": "elevenlabs"})
    assert_error(response, 502, "The elevenlabs provider failed: it did not finish within 0.5 seconds.")


def test_refused_connection_is_502(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(
        OPENTALKING_TTS_ELEVENLABS_BASE_URL=f"http://127.0.0.1:{closed_port()}",
        OPENTALKING_TTS_ELEVENLABS_API_KEY=API_KEY,
    )
    response = post_preview({"text": "hi", "provider": "elevenlabs", "voice": "Voice123"})
    assert_error(response, 502, "The elevenlabs provider failed: the server could not be reached.")


def test_missing_key_is_503_naming_the_setting(
    elevenlabs: ElevenLabsFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.unset("OPENTALKING_TTS_ELEVENLABS_API_KEY")
    response = post_preview({"text": "hi", "provider": "elevenlabs"})
    assert_error(response, 503, "The elevenlabs provider is not configured: set OPENTALKING_TTS_ELEVENLABS_API_KEY.")
    assert elevenlabs.calls == []


def test_voice_id_with_path_characters_is_400(elevenlabs: ElevenLabsFake) -> None:
    response = post_preview({"text": "hi", "provider": "elevenlabs", "voice": "../../v1/voices"})
    assert response.status_code == 400
    assert elevenlabs.calls == []


def test_no_voice_and_no_default_voice_is_503_naming_the_setting(
    elevenlabs: ElevenLabsFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.unset("OPENTALKING_TTS_ELEVENLABS_VOICE_ID")
    response = post_preview({"text": "hi", "provider": "elevenlabs"})
    assert_error(
        response,
        503,
        "The elevenlabs provider is not configured: set OPENTALKING_TTS_ELEVENLABS_VOICE_ID (or send a voice).",
    )
    assert elevenlabs.calls == []
