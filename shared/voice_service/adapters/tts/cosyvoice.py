"""DashScope CosyVoice TTS through the `dashscope` SDK's tts_v2 SpeechSynthesizer, asking for PCM at the session rate.

A synthesizer is single-use, so each request builds a fresh one. Its blocking `call()` always gets `timeout_millis`
(without it a dropped connection blocks forever) and runs in a helper thread; the request thread waits for the first
terminal event (audio, task-failed, transport error, early close) up to the deadline.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from voice_service.adapters.audio_pcm import resample_pcm16
from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.tts.common import (
    StreamOutcome,
    deadline_reason,
    drive_websocket_stream,
    websocket_failure_reason,
)
from voice_service.adapters.upstream_text import quote_upstream
from voice_service.errors import ProviderNotConfiguredError
from voice_service.services.preview import PLAIN_STYLE, SpeechStyle
from voice_service.settings import CosyVoiceTtsSettings

PROVIDER = "cosyvoice"
# The SDK's AudioFormat has PCM members at these rates; any other session rate is resampled from 24 kHz.
PCM_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
FALLBACK_PCM_RATE = 24000


class CosyVoiceSynthesizer:
    """Implements `SpeechSynthesizer`. A cloned CosyVoice voice works with the model it was cloned for."""

    def __init__(self, settings: CosyVoiceTtsSettings, sdk: DashScopeSdk) -> None:
        self._settings = settings
        self._sdk = sdk

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        settings = self._settings
        return voice or settings.default_voice, model or settings.default_model

    async def synthesize(
        self,
        text: str,
        voice: str,
        model: str,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        try:
            dashscope = self._sdk.configured()  # the key and DASHSCOPE_WEBSOCKET_BASE_URL
        except ProviderNotConfiguredError as exc:
            raise ProviderNotConfiguredError(PROVIDER, exc.setting) from exc
        synthesizer_class, audio_format = _sdk()
        native_rate = sample_rate if sample_rate in PCM_RATES else FALLBACK_PCM_RATE
        outcome = StreamOutcome(PROVIDER)
        synthesizer = synthesizer_class(
            outcome=outcome,
            model=model,
            voice=voice,
            format=audio_format[f"PCM_{native_rate}HZ_MONO_16BIT"],
            url=dashscope.base_websocket_api_url,
            speech_rate=style.speed,
            instruction=style.instructions or None,
        )

        def drive() -> None:
            from dashscope.common.error import RequestFailure

            try:
                audio = synthesizer.call(text, timeout_millis=max(1, int(timeout * 1000)))
            except RequestFailure as exc:
                outcome.fail(f"the server reported an error ({quote_upstream(f'{exc.name}: {exc.message}')}).")
            except TimeoutError:
                outcome.fail(deadline_reason(timeout))
            except Exception as exc:  # the SDK's connection errors
                outcome.fail(websocket_failure_reason(exc))
            else:
                if audio:
                    outcome.add_audio(audio)
                outcome.succeed()

        pcm = await drive_websocket_stream(drive, synthesizer, outcome, timeout, thread_name="tts-cosyvoice")
        return resample_pcm16(pcm, native_rate, sample_rate)


@cache
def _sdk() -> tuple[Any, Any]:
    """The SDK's synthesizer, extended to report transport errors and early closes to a StreamOutcome."""
    from dashscope.audio.tts_v2 import AudioFormat, SpeechSynthesizer
    from websocket import WebSocketConnectionClosedException

    class Synthesizer(SpeechSynthesizer):
        def __init__(self, *, outcome: StreamOutcome, **kwargs: Any) -> None:
            self._outcome = outcome
            super().__init__(**kwargs)

        def on_error(self, ws: object, error: object) -> None:
            super().on_error(ws, error)  # type: ignore[no-untyped-call]  # the dashscope SDK leaves it unannotated
            # Once the task ended, call() closes the socket while the receive thread may still answer the server's
            # close frame on it (EBADF): that is teardown, and call() itself reports the task's outcome.
            if self.complete_event.is_set():
                return
            if not isinstance(error, WebSocketConnectionClosedException):
                self._outcome.fail(websocket_failure_reason(error))

        def on_close(self, ws: object, close_status_code: object, close_msg: object) -> None:
            super().on_close(ws, close_status_code, close_msg)  # type: ignore[no-untyped-call]  # unannotated in the SDK
            # task-finished and task-failed set complete_event before the socket closes; anything else is a drop.
            if not self.complete_event.is_set():
                self._outcome.fail("the connection closed before the audio was complete.")

    return Synthesizer, AudioFormat
