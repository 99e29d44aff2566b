"""POST /tts/preview with provider dashscope: the real dashscope QwenTtsRealtime against a loopback fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.fakes.dashscope_qwen_fake import API_KEY, AUDIO_SECONDS, QwenMode, QwenRealtimeFake
from testsupport.fakes.preview_checks import assert_error, assert_preview_wav, post_preview
from testsupport.fakes.tts_loopback import LoopbackServer, closed_port
from testsupport.wiring import FunctionWiring


@pytest.fixture
def qwen(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> Iterator[QwenRealtimeFake]:
    fake = QwenRealtimeFake()
    fake.server = LoopbackServer(fake.app).start()
    wiring.set(OPENTALKING_QWEN_TTS_WS_URL=fake.url, DASHSCOPE_API_KEY=API_KEY)
    yield fake
    fake.server.stop()


def test_default_model_and_voice_give_a_16k_wav(qwen: QwenRealtimeFake) -> None:
    response = post_preview({"text": "Hello there.", "provider": "dashscope"})
    assert_preview_wav(response, 16000, AUDIO_SECONDS)
    call = qwen.calls[-1]
    assert call.model == "qwen3-tts-flash-realtime"
    assert call.session["voice"] == "Cherry"
    assert (call.session["response_format"], call.session["sample_rate"]) == ("pcm", 24000)
    assert call.text == "Hello there."


@pytest.mark.parametrize("alias", ["bailian", "QWEN", " qwen_tts "])
def test_web_client_alias_with_a_cloned_voice_and_its_model(
    qwen: QwenRealtimeFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring, alias: str
) -> None:
    # GIVEN a voice cloned for a qwen3-tts-vc model, and a 24 kHz session
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="24000")
    body = {
        "text": "你好，我正在测试音色。",
        "tts_provider": alias,
        "voice": "qwen-tts-vc-guanyu-voice-20250812105009984-838b",
        "tts_model": "qwen3-tts-vc-realtime-2026-01-15",
    }
    # WHEN it is previewed
    response = post_preview(body)
    # THEN the voice is used with its model, and the 24 kHz audio is passed through
    assert_preview_wav(response, 24000, AUDIO_SECONDS)
    call = qwen.calls[-1]
    assert call.model == "qwen3-tts-vc-realtime-2026-01-15"
    assert call.session["voice"] == "qwen-tts-vc-guanyu-voice-20250812105009984-838b"
    assert call.text == "你好，我正在测试音色。"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("error_event", "the server reported an error (invalid_value: Voice Cherry not found)."),
        ("http_401", "the server refused the connection with HTTP 401."),
        ("close_mid_stream", "the connection closed before the audio was complete."),
        ("no_audio", "it returned no audio."),
    ],
)
def test_upstream_failures_are_502(qwen: QwenRealtimeFake, mode: QwenMode, reason: str) -> None:
    qwen.mode = mode
    response = post_preview({"text": "hi", "provider": "dashscope"})
    assert_error(response, 502, f"The dashscope provider failed: {reason}")
    assert API_KEY not in response.text


def test_stall_past_the_deadline_is_502(
    qwen: QwenRealtimeFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS="0.5")
    qwen.mode = "stall"
    response = post_preview({"text": "hi", "provider": "dashscope"})
    assert_error(response, 502, "The dashscope provider failed: it did not finish within 0.5 seconds.")


def test_refused_connection_is_502(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(
        OPENTALKING_QWEN_TTS_WS_URL=f"ws://127.0.0.1:{closed_port()}/api-ws/v1/realtime", DASHSCOPE_API_KEY=API_KEY
    )
    response = post_preview({"text": "hi", "provider": "qwen"})
    assert_error(response, 502, "The dashscope provider failed: the server could not be reached.")


def test_missing_key_is_503_naming_the_setting(
    qwen: QwenRealtimeFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.unset("DASHSCOPE_API_KEY")
    response = post_preview({"text": "hi", "provider": "dashscope"})
    assert_error(response, 503, "The dashscope provider is not configured: set DASHSCOPE_API_KEY.")
    assert qwen.calls == []


def test_model_with_query_characters_is_400(qwen: QwenRealtimeFake) -> None:
    response = post_preview({"text": "hi", "provider": "dashscope", "model": "m&api_key=x"})
    assert response.status_code == 400
    assert qwen.calls == []
