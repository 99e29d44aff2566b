"""The `dashscope` preview provider: DashScope Qwen realtime TTS through the SDK's QwenTtsRealtime.

24 kHz PCM events, resampled here.

The SDK has no blocking call and never raises on server errors (they only reach the callback), so the session is
driven from a helper thread while the request's event loop awaits the first terminal event, up to the deadline.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache
from typing import Any

from voice_service.adapters.audio_pcm import resample_pcm16
from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.tts.common import (
    StreamOutcome,
    drive_websocket_stream,
    websocket_failure_reason,
)
from voice_service.adapters.upstream_text import quote_upstream
from voice_service.errors import InvalidRequestError
from voice_service.services.preview import PLAIN_STYLE, SpeechStyle
from voice_service.settings import QwenTtsSettings

PROVIDER = "dashscope"
QWEN_PCM_RATE = 24000
# The SDK appends `?model=<model>` to the URL unescaped.
MODEL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
FAILED_RESPONSE_STATUSES = ("failed", "cancelled", "incomplete")


class QwenRealtimeSynthesizer:
    """Implements `SpeechSynthesizer`. A cloned voice works with the model it was cloned for (its target_model)."""

    def __init__(self, settings: QwenTtsSettings, sdk: DashScopeSdk) -> None:
        self._settings = settings
        self._sdk = sdk

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        settings = self._settings
        model_name = model or settings.default_model
        if not MODEL_NAME.match(model_name):
            raise InvalidRequestError(f"Invalid dashscope model {model_name!r}: use e.g. qwen3-tts-flash-realtime.")
        return voice or settings.default_voice, model_name

    async def synthesize(
        self,
        text: str,
        voice: str,
        model: str,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        settings = self._settings
        model_name, voice_name = model, voice
        self._sdk.configured()  # sets the key (ProviderNotConfiguredError without one)
        session_class, callback_class, audio_format = _sdk()
        outcome = StreamOutcome(PROVIDER)
        session = session_class(
            model=model_name, callback=callback_class(outcome), url=settings.websocket_url, outcome=outcome
        )

        def drive() -> None:
            try:
                session.connect()
                session.update_session(
                    voice=voice_name, response_format=audio_format, mode="server_commit", **_style_options(style)
                )
                session.append_text(text)
                session.finish()
            except Exception as exc:  # the SDK's connect timeout, or a send after the server hung up
                outcome.fail(websocket_failure_reason(exc))

        pcm = await drive_websocket_stream(drive, session, outcome, timeout, thread_name="tts-dashscope")
        return resample_pcm16(pcm, QWEN_PCM_RATE, sample_rate)


def _style_options(style: SpeechStyle) -> dict[str, Any]:
    """session.update fields for a style; none at all for the plain style, as before speed existed."""
    options: dict[str, Any] = {}
    if style.speed != 1.0:
        options["speech_rate"] = style.speed
    if style.instructions:
        options["instructions"] = style.instructions
    return options


@cache
def _sdk() -> tuple[Any, Any, Any]:
    """The SDK classes, extended to report transport failures and events to a StreamOutcome."""
    from dashscope.audio.qwen_tts_realtime import AudioFormat, QwenTtsRealtime, QwenTtsRealtimeCallback
    from websocket import WebSocketConnectionClosedException

    class Session(QwenTtsRealtime):
        def __init__(self, *, outcome: StreamOutcome, **kwargs: Any) -> None:
            self._outcome = outcome
            super().__init__(**kwargs)

        def on_error(self, ws: object, error: object) -> None:
            # The SDK only logs transport errors (refused connection, bad handshake status). A closed connection
            # is judged by the callback's on_close, which knows whether the audio was complete.
            if not isinstance(error, WebSocketConnectionClosedException):
                self._outcome.fail(websocket_failure_reason(error))

    class Callback(QwenTtsRealtimeCallback):
        def __init__(self, outcome: StreamOutcome) -> None:
            self._outcome = outcome
            self._response_done = False

        def on_event(self, message: Any) -> None:
            event = message if isinstance(message, dict) else {}
            kind = event.get("type")
            if kind == "response.audio.delta":
                try:
                    self._outcome.add_audio(base64.b64decode(event.get("delta", ""), validate=True))
                except (binascii.Error, ValueError):
                    self._outcome.fail("it sent audio that is not valid base64.")
            elif kind == "error":
                self._outcome.fail(f"the server reported an error ({_error_text(event.get('error'))}).")
            elif kind == "response.done":
                response = event.get("response") or {}
                status = response.get("status")
                if status in FAILED_RESPONSE_STATUSES:
                    details = quote_upstream(response.get("status_details") or "no details")
                    self._outcome.fail(f"the response ended as {status} ({details}).")
                self._response_done = True
            elif kind == "session.finished":
                self._outcome.succeed()

        def on_close(self, close_status_code: object, close_msg: object) -> None:
            if self._response_done and self._outcome.audio_received():
                self._outcome.succeed()  # all audio arrived; the server just skipped session.finished
            else:
                self._outcome.fail("the connection closed before the audio was complete.")

    return Session, Callback, AudioFormat.PCM_24000HZ_MONO_16BIT


def _error_text(error: object) -> str:
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return quote_upstream(f"{code}: {message}" if code and message else message or code or error)
    return quote_upstream(error or "no details")
