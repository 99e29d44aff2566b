"""Upstream faults the per-provider preview tests do not cover: garbage frames inside a session, an endpoint that
answers with bytes that are not HTTP at all, 5xx at the DashScope handshakes, and an Edge stream cut mid-audio.
Each must be a 502 naming the provider, within the deadline, quoting no key, and writing nothing.

Covered elsewhere (tests/integration/test_preview_*.py): error replies, 401/403/422/5xx, refused connections,
streams dropped midway, stalls past the deadline and empty audio, for every provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from testsupport.fakes import dashscope_cosyvoice_fake, dashscope_qwen_fake, edge_fake, elevenlabs_fake
from testsupport.fakes.preview_checks import post_preview
from testsupport.fakes.tts_loopback import GarbageServer, LoopbackServer
from testsupport.wiring import FunctionWiring

# Short enough that a fault which makes a client wait (rather than fail) still ends the test quickly.
DEADLINE_SECONDS = "3"
KEYS = (dashscope_qwen_fake.API_KEY, dashscope_cosyvoice_fake.API_KEY, elevenlabs_fake.API_KEY)


def _point_at(
    provider: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring, base_url: str, ws_base_url: str
) -> None:
    """Configure `provider` for an endpoint at these base URLs (with the paths its fake serves)."""
    if provider == "edge":
        wiring.set(OPENTALKING_EDGE_TTS_URL=f"{ws_base_url}/edge/v1?TrustedClientToken=fake-token")
    elif provider == "dashscope":
        wiring.set(
            OPENTALKING_QWEN_TTS_WS_URL=f"{ws_base_url}/api-ws/v1/realtime",
            DASHSCOPE_API_KEY=dashscope_qwen_fake.API_KEY,
        )
    elif provider == "cosyvoice":
        wiring.set(
            DASHSCOPE_WEBSOCKET_BASE_URL=f"{ws_base_url}/api-ws/v1/inference",
            DASHSCOPE_API_KEY=dashscope_cosyvoice_fake.API_KEY,
        )
    else:
        wiring.set(
            OPENTALKING_TTS_ELEVENLABS_BASE_URL=base_url,
            OPENTALKING_TTS_ELEVENLABS_API_KEY=elevenlabs_fake.API_KEY,
            OPENTALKING_TTS_ELEVENLABS_VOICE_ID="DefaultVoice01",
        )


FAKES: dict[str, Callable[[], Any]] = {
    "edge": edge_fake.EdgeFake,
    "dashscope": dashscope_qwen_fake.QwenRealtimeFake,
    "cosyvoice": dashscope_cosyvoice_fake.CosyVoiceFake,
    "elevenlabs": elevenlabs_fake.ElevenLabsFake,
}


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    wiring.set(OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS=DEADLINE_SECONDS)


@pytest.fixture
def running_fake(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> Iterator[Any]:
    provider, mode = request.param
    fake = FAKES[provider](mode=mode)
    fake.server = LoopbackServer(fake.app).start()
    _point_at(provider, monkeypatch, wiring, fake.server.base_url, fake.server.ws_base_url)
    yield fake
    fake.server.stop()


def assert_bad_gateway(provider: str, body: dict[str, Any], reason: str) -> None:
    response = post_preview(body)
    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert detail == f"The {provider} provider failed: {reason}"
    assert not any(key in detail for key in KEYS)
    assert "Traceback" not in detail


@pytest.mark.parametrize(
    ("running_fake", "reason"),
    [
        (("edge", "garbage_frames"), "unexpected reply (The header length is greater than the length of the data)."),
        (("edge", "close_mid_audio"), "the connection closed before the audio was complete."),
        (("dashscope", "garbage_frames"), "the connection closed before the audio was complete."),
        (("dashscope", "http_503"), "the server refused the connection with HTTP 503."),
        (("cosyvoice", "garbage_frames"), "the connection failed (Exception)."),
        (("cosyvoice", "http_503"), "the server refused the connection with HTTP 503."),
        (("elevenlabs", "garbage_chunks"), "the connection dropped before the audio was complete."),
    ],
    indirect=["running_fake"],
    ids=lambda value: "-".join(value) if isinstance(value, tuple) else "",
)
def test_faults_inside_a_provider_session_are_502_and_write_nothing(
    wiring: FunctionWiring, running_fake: Any, reason: str
) -> None:
    # GIVEN a catalog as it was before the preview
    provider = next(name for name, fake_class in FAKES.items() if isinstance(running_fake, fake_class))
    catalog_before = wiring.catalog().list_entries()
    # WHEN the provider's server misbehaves mid-session, THEN the preview is a 502 naming it
    assert_bad_gateway(provider, {"text": "Hello there, this is a preview.", "provider": provider}, reason)
    # AND the fake was really reached, and nothing was stored
    assert running_fake.calls
    assert wiring.catalog().list_entries() == catalog_before


@pytest.mark.parametrize(
    ("provider", "reason"),
    [
        ("edge", "the connection failed (ClientResponseError)."),
        ("dashscope", "the connection failed (WebSocketException)."),
        ("cosyvoice", "the connection failed (WebSocketException)."),
        ("elevenlabs", "the connection dropped before the audio was complete."),
    ],
)
def test_an_endpoint_that_does_not_speak_http_is_502(
    provider: str, reason: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    with GarbageServer() as garbage:
        _point_at(provider, monkeypatch, wiring, f"http://127.0.0.1:{garbage.port}", f"ws://127.0.0.1:{garbage.port}")
        assert_bad_gateway(provider, {"text": "Hello there.", "provider": provider}, reason)
    assert garbage.connections >= 1
