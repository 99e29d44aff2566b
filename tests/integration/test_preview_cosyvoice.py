"""POST /tts/preview with provider cosyvoice: the real dashscope tts_v2 SpeechSynthesizer against a loopback fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.fakes.dashscope_cosyvoice_fake import API_KEY, AUDIO_SECONDS, CosyVoiceFake, CosyVoiceMode
from testsupport.fakes.preview_checks import assert_error, assert_preview_wav, post_preview
from testsupport.fakes.tts_loopback import LoopbackServer, closed_port
from testsupport.wiring import FunctionWiring


@pytest.fixture
def cosyvoice(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> Iterator[CosyVoiceFake]:
    fake = CosyVoiceFake()
    fake.server = LoopbackServer(fake.app).start()
    # Set after `import dashscope` may have happened in an earlier test: the adapter applies it on every call.
    wiring.set(DASHSCOPE_WEBSOCKET_BASE_URL=fake.url, DASHSCOPE_API_KEY=API_KEY)
    yield fake
    fake.server.stop()


def test_pcm_at_the_session_rate_with_default_model_and_voice(cosyvoice: CosyVoiceFake) -> None:
    response = post_preview({"text": "Hello there.", "provider": "cosyvoice"})
    assert_preview_wav(response, 16000, AUDIO_SECONDS)
    call = cosyvoice.calls[-1]
    assert call.model == "cosyvoice-v2"
    assert call.parameters["voice"] == "longxiaochun_v2"
    assert (call.parameters["format"], call.parameters["sample_rate"]) == ("pcm", 16000)
    assert call.text == "Hello there."
    assert call.actions == ["run-task", "continue-task", "finish-task"]


def test_cloned_voice_and_its_model_at_24k(
    cosyvoice: CosyVoiceFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="24000")
    body = {
        "text": "你好，我正在测试音色。",
        "tts_provider": "CosyVoice",
        "voice": "cosyvoice-v2-myvoice-abc123",
        "tts_model": "cosyvoice-v2",
    }
    assert_preview_wav(post_preview(body), 24000, AUDIO_SECONDS)
    call = cosyvoice.calls[-1]
    assert (call.parameters["voice"], call.parameters["sample_rate"]) == ("cosyvoice-v2-myvoice-abc123", 24000)
    assert call.text == "你好，我正在测试音色。"


def test_a_rate_without_pcm_format_is_resampled(
    cosyvoice: CosyVoiceFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="32000")
    assert_preview_wav(post_preview({"text": "hi", "provider": "cosyvoice"}), 32000, AUDIO_SECONDS)
    assert cosyvoice.calls[-1].parameters["sample_rate"] == 24000


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("task_failed_start", "the server reported an error (InvalidParameter: Voice not found)."),
        ("task_failed_mid", "the server reported an error (InternalError: Synthesis engine crashed)."),
        ("http_401", "the server refused the connection with HTTP 401."),
        ("close_mid_stream", "the connection closed before the audio was complete."),
        ("no_audio", "it returned no audio."),
    ],
)
def test_upstream_failures_are_502(cosyvoice: CosyVoiceFake, mode: CosyVoiceMode, reason: str) -> None:
    cosyvoice.mode = mode
    response = post_preview({"text": "hi", "provider": "cosyvoice"})
    assert_error(response, 502, f"The cosyvoice provider failed: {reason}")
    assert API_KEY not in response.text


def test_stall_past_the_deadline_is_502(
    cosyvoice: CosyVoiceFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS="0.5")
    cosyvoice.mode = "stall"
    response = post_preview({"text": "hi", "provider": "cosyvoice"})
    assert_error(response, 502, "The cosyvoice provider failed: it did not finish within 0.5 seconds.")


def test_refused_connection_is_502(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(
        DASHSCOPE_WEBSOCKET_BASE_URL=f"ws://127.0.0.1:{closed_port()}/api-ws/v1/inference", DASHSCOPE_API_KEY=API_KEY
    )
    response = post_preview({"text": "hi", "provider": "cosyvoice"})
    assert_error(response, 502, "The cosyvoice provider failed: the server could not be reached.")


def test_missing_key_is_503_naming_the_setting(
    cosyvoice: CosyVoiceFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.unset("DASHSCOPE_API_KEY")
    response = post_preview({"text": "hi", "provider": "cosyvoice"})
    assert_error(response, 503, "The cosyvoice provider is not configured: set DASHSCOPE_API_KEY.")
    assert cosyvoice.calls == []


def test_endpoint_variable_changed_after_import_takes_effect(
    cosyvoice: CosyVoiceFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    # GIVEN the SDK already imported (it reads DASHSCOPE_* only at import)
    import dashscope  # noqa: F401

    # WHEN the variable then points at a closed port, and later back at the fake
    wiring.set(DASHSCOPE_WEBSOCKET_BASE_URL=f"ws://127.0.0.1:{closed_port()}/api-ws/v1/inference")
    refused = post_preview({"text": "hi", "provider": "cosyvoice"})
    wiring.set(DASHSCOPE_WEBSOCKET_BASE_URL=cosyvoice.url)
    served = post_preview({"text": "hi", "provider": "cosyvoice"})
    # THEN each request went where the variable said at that time
    assert_error(refused, 502, "The cosyvoice provider failed: the server could not be reached.")
    assert_preview_wav(served, 16000, AUDIO_SECONDS)
    assert len(cosyvoice.calls) == 1


def test_socket_error_after_the_task_finished_is_teardown_not_a_failure() -> None:
    # GIVEN a synthesizer whose task has finished (call() is about to return the audio)
    from voice_service.adapters.tts.common import StreamOutcome
    from voice_service.adapters.tts.cosyvoice import _sdk

    synthesizer_class, audio_format = _sdk()
    outcome = StreamOutcome("cosyvoice")
    synthesizer = synthesizer_class(
        outcome=outcome, model="cosyvoice-v2", voice="v", format=audio_format.PCM_16000HZ_MONO_16BIT, url="ws://x"
    )
    synthesizer.complete_event.set()
    # WHEN the receive thread fails to answer the server's close frame on the socket call() just closed
    synthesizer.on_error(None, OSError(9, "Bad file descriptor"))
    # THEN the outcome is left to call() (a race here used to turn good previews into 502s)
    assert not outcome.settled
    # AND before the task finished, the same error is a failure
    synthesizer.complete_event.clear()
    synthesizer.on_error(None, OSError(9, "Bad file descriptor"))
    assert outcome.settled
