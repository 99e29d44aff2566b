"""Shared adapter helpers: the stream outcome and its deadline, quoting upstream messages, the audio cap."""

from __future__ import annotations

import pytest

from testsupport.coroutines import run_coroutine
from voice_service.adapters.tts import common
from voice_service.adapters.upstream_text import MAX_QUOTED_CHARS, quote_upstream, remember_secret
from voice_service.errors import UpstreamError


def test_stream_outcome_first_terminal_event_wins() -> None:
    outcome = common.StreamOutcome("dashscope")
    outcome.add_audio(b"\x01\x00")
    outcome.succeed()
    outcome.fail("too late to matter.")
    outcome.add_audio(b"\x02\x00")
    assert run_coroutine(outcome.wait(0.01)) == b"\x01\x00"


def test_stream_outcome_failure_and_deadline() -> None:
    failed = common.StreamOutcome("cosyvoice")
    failed.fail("the server reported an error (X: y).")
    with pytest.raises(UpstreamError, match=r"cosyvoice provider failed: the server reported an error \(X: y\)\."):
        run_coroutine(failed.wait(1))
    with pytest.raises(UpstreamError, match="did not finish within 0.01 seconds"):
        run_coroutine(common.StreamOutcome("cosyvoice").wait(0.01))


def test_too_much_upstream_audio_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "MAX_UPSTREAM_AUDIO_BYTES", 8)
    outcome = common.StreamOutcome("dashscope")
    outcome.add_audio(b"12345")
    outcome.add_audio(b"67890")
    with pytest.raises(UpstreamError, match="far more audio than a preview needs"):
        run_coroutine(outcome.wait(1))


def test_a_waiting_loop_wakes_when_an_sdk_thread_settles_the_stream() -> None:
    # GIVEN a stream that an SDK thread finishes after the request started waiting
    import threading

    outcome = common.StreamOutcome("dashscope")

    def sdk_thread() -> None:
        outcome.add_audio(b"\x03\x00")
        outcome.succeed()

    async def request() -> bytes:
        threading.Timer(0.05, sdk_thread).start()
        return await outcome.wait(5)

    # WHEN / THEN the loop gets the audio as soon as the thread settles it, not at the deadline
    assert run_coroutine(request()) == b"\x03\x00"


def test_quoted_upstream_messages_hide_secrets_and_stay_short() -> None:
    remember_secret("sk-123")
    assert quote_upstream("Invalid key sk-123.\n") == "Invalid key ***"
    assert len(quote_upstream("x" * 1000)) == MAX_QUOTED_CHARS
    assert quote_upstream("   ") == "no message"


def test_every_configured_key_is_masked_wherever_it_is_quoted() -> None:
    # GIVEN the keys of a deployment, as the composition root hands them to ProviderKeys
    from voice_service.adapters.provider_keys import ProviderKeys
    from voice_service.settings import ProviderKeySettings

    ProviderKeys(
        ProviderKeySettings.from_environment(
            {"DASHSCOPE_API_KEY": "sk-dash-0001", "OPENTALKING_TTS_ELEVENLABS_API_KEY": "el-key-0002"}
        )
    )
    # WHEN any adapter quotes upstream text that echoes them THEN neither key is shown
    quoted = quote_upstream("bad key sk-dash-0001 (also tried el-key-0002)")
    assert quoted == "bad key *** (also tried ***)"
