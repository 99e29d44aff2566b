"""Microsoft Edge read-aloud TTS through `edge-tts`: `stream()` awaited under one overall deadline, MP3 decoded here.

`stream_sync()` is never used: it hangs forever when the connection fails (its worker's error never arrives).
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from voice_service.adapters.audio_pcm import AudioDecodeError, decode_to_pcm16
from voice_service.adapters.tts.common import MAX_UPSTREAM_AUDIO_BYTES, TOO_MUCH_AUDIO, deadline_reason
from voice_service.adapters.upstream_text import quote_upstream
from voice_service.errors import InvalidRequestError, UpstreamError
from voice_service.settings import EdgeTtsSettings

if TYPE_CHECKING:
    from edge_tts import Communicate

PROVIDER = "edge"


class EdgeSynthesizer:
    """Implements `SpeechSynthesizer`; Edge has no models, so `model` is ignored.

    edge-tts is asyncio-native: the stream is awaited on the request's own event loop (no worker thread, no loop
    per request), under one overall deadline.
    """

    def __init__(self, settings: EdgeTtsSettings) -> None:
        self._settings = settings

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        return voice or self._settings.default_voice, ""

    async def synthesize(self, text: str, voice: str, model: str, sample_rate: int, timeout: float) -> bytes:
        import edge_tts
        import edge_tts.communicate
        import edge_tts.constants

        settings = self._settings
        # The library reads this module global when it connects (it appends its own query parameters).
        edge_tts.communicate.WSS_URL = settings.websocket_url or edge_tts.constants.WSS_URL  # type: ignore[attr-defined]  # edge-tts imports it without re-exporting
        seconds = max(1, math.ceil(timeout))
        try:
            communicate = edge_tts.Communicate(text, voice, connect_timeout=seconds, receive_timeout=seconds)
        except ValueError as exc:
            raise InvalidRequestError(
                f"Invalid edge voice {voice!r}: use a short name such as en-US-AriaNeural."
            ) from exc
        mp3 = await _collect_within(communicate, timeout)
        try:
            return decode_to_pcm16(mp3, sample_rate)
        except AudioDecodeError as exc:
            raise UpstreamError(PROVIDER, "it returned audio that is not valid MP3.") from exc


async def _collect_mp3(communicate: Communicate) -> bytes:
    mp3 = bytearray()
    async for chunk in communicate.stream():
        if chunk["type"] == "audio":
            mp3 += chunk["data"]
            if len(mp3) > MAX_UPSTREAM_AUDIO_BYTES:
                raise UpstreamError(PROVIDER, TOO_MUCH_AUDIO)
    # edge-tts ends the stream quietly when the socket closes before `turn.end`; it moves a turn's audio byte count
    # out of `chunk_audio_bytes` only on `turn.end`, so a count left there means the audio was cut short.
    if communicate.state.get("chunk_audio_bytes"):
        raise UpstreamError(PROVIDER, "the connection closed before the audio was complete.")
    return bytes(mp3)


async def _collect_within(communicate: Communicate, timeout: float) -> bytes:
    """The stream's MP3 within `timeout` seconds, every failure mapped to an UpstreamError."""
    import aiohttp
    from edge_tts import exceptions

    try:
        async with asyncio.timeout(timeout):
            return await _collect_mp3(communicate)
    except TimeoutError as exc:
        raise UpstreamError(PROVIDER, deadline_reason(timeout)) from exc
    except exceptions.NoAudioReceived as exc:
        raise UpstreamError(PROVIDER, "it returned no audio (the voice may not be served).") from exc
    except aiohttp.WSServerHandshakeError as exc:
        raise UpstreamError(PROVIDER, f"the server refused the connection with HTTP {exc.status}.") from exc
    except aiohttp.ClientConnectorError as exc:
        raise UpstreamError(PROVIDER, "the server could not be reached.") from exc
    except exceptions.EdgeTTSException as exc:
        raise UpstreamError(PROVIDER, f"unexpected reply ({quote_upstream(exc)}).") from exc
    except aiohttp.ClientError as exc:
        raise UpstreamError(PROVIDER, f"the connection failed ({type(exc).__name__}).") from exc
