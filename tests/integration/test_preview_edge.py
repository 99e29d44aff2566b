"""POST /tts/preview with provider edge: the real edge-tts client against a loopback Edge websocket fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.fakes.edge_fake import AUDIO_SECONDS, SEC_MS_GEC, EdgeFake, EdgeMode
from testsupport.fakes.preview_checks import assert_error, assert_preview_wav, post_preview
from testsupport.fakes.tts_loopback import LoopbackServer, closed_port
from testsupport.wiring import FunctionWiring


@pytest.fixture
def edge(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> Iterator[EdgeFake]:
    fake = EdgeFake()
    fake.server = LoopbackServer(fake.app).start()
    wiring.set(OPENTALKING_EDGE_TTS_URL=fake.url)
    yield fake
    fake.server.stop()
    from edge_tts.drm import DRM

    # edge-tts adjusts a process-global clock skew after a 403; keep it from leaking into other tests.
    DRM.clock_skew_seconds = 0.0


def test_spec_example_returns_16k_wav_of_the_sent_audio(edge: EdgeFake) -> None:
    # GIVEN the spec's own request
    body = {"text": "Hello, this is a voice preview.", "provider": "edge", "voice": "en-US-AriaNeural"}
    # WHEN it is previewed
    response = post_preview(body)
    # THEN the 24 kHz MP3 came back as 16 kHz mono 16-bit WAV of the same length
    assert_preview_wav(response, 16000, AUDIO_SECONDS)
    # AND the client asked for the voice and sent a well-formed token
    call = edge.calls[-1]
    assert call.voice == "Microsoft Server Speech Text to Speech Voice (en-US, AriaNeural)"
    assert call.output_format == "audio-24khz-48kbitrate-mono-mp3"
    assert call.query["TrustedClientToken"] == "fake-token"
    assert SEC_MS_GEC.match(call.query["Sec-MS-GEC"])
    assert call.ssml is not None and "Hello, this is a voice preview." in call.ssml


def test_web_client_request_uses_default_voice_and_24k_rate(
    edge: EdgeFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="24000")
    response = post_preview({"text": "你好，我正在测试音色。", "tts_provider": "edge"})
    assert_preview_wav(response, 24000, AUDIO_SECONDS)
    assert edge.calls[-1].voice == "Microsoft Server Speech Text to Speech Voice (zh-CN, XiaoxiaoNeural)"
    assert edge.calls[-1].ssml is not None and "你好，我正在测试音色。" in edge.calls[-1].ssml


def test_default_provider_is_edge(edge: EdgeFake) -> None:
    assert_preview_wav(post_preview({"text": "hello"}), 16000, AUDIO_SECONDS)
    assert len(edge.calls) == 1


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("http_503", "the server refused the connection with HTTP 503."),
        ("http_403", "the server refused the connection with HTTP 403."),
        ("no_audio", "it returned no audio (the voice may not be served)."),
        ("close_before_audio", "it returned no audio (the voice may not be served)."),
        ("not_mp3", "it returned audio that is not valid MP3."),
    ],
)
def test_upstream_failures_are_502_naming_the_reason(edge: EdgeFake, mode: EdgeMode, reason: str) -> None:
    edge.mode = mode
    assert_error(post_preview({"text": "hello", "provider": "edge"}), 502, f"The edge provider failed: {reason}")


def test_stall_past_the_deadline_is_502(
    edge: EdgeFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS="0.5")
    edge.mode = "stall"
    response = post_preview({"text": "hello", "provider": "edge"})
    assert_error(response, 502, "The edge provider failed: it did not finish within 0.5 seconds.")


def test_refused_connection_is_502(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(OPENTALKING_EDGE_TTS_URL=f"ws://127.0.0.1:{closed_port()}/edge/v1?TrustedClientToken=x")
    response = post_preview({"text": "hello", "provider": "edge"})
    assert_error(response, 502, "The edge provider failed: the server could not be reached.")


def test_malformed_voice_is_400_before_any_call(edge: EdgeFake) -> None:
    response = post_preview({"text": "hello", "provider": "edge", "voice": "not a voice'/>"})
    assert response.status_code == 400
    assert edge.calls == []
