"""Microsoft Edge read-aloud TTS through `edge-tts`: `stream()` awaited under one overall deadline, MP3 decoded here.

`stream_sync()` is never used: it hangs forever when the connection fails (its worker's error never arrives).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING

from voice_service.adapters.audio_pcm import AudioDecodeError, decode_to_pcm16
from voice_service.adapters.tts.common import MAX_UPSTREAM_AUDIO_BYTES, TOO_MUCH_AUDIO, deadline_reason
from voice_service.adapters.upstream_text import quote_upstream
from voice_service.errors import InvalidRequestError, UpstreamError
from voice_service.observability import logger
from voice_service.services.builtin_voices import BuiltinVoice
from voice_service.services.preview import PLAIN_STYLE, SpeechStyle
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

    async def synthesize(
        self,
        text: str,
        voice: str,
        model: str,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        import edge_tts
        import edge_tts.communicate
        import edge_tts.constants

        settings = self._settings
        # The library reads this module global when it connects (it appends its own query parameters).
        edge_tts.communicate.WSS_URL = settings.websocket_url or edge_tts.constants.WSS_URL  # type: ignore[attr-defined]  # edge-tts imports it without re-exporting
        seconds = max(1, math.ceil(timeout))
        try:
            communicate = edge_tts.Communicate(
                text, voice, rate=edge_rate(style.speed), connect_timeout=seconds, receive_timeout=seconds
            )
        except ValueError as exc:
            raise InvalidRequestError(
                f"Invalid edge voice {voice!r}: use a short name such as en-US-AriaNeural."
            ) from exc
        mp3 = await _collect_within(communicate, timeout)
        try:
            return decode_to_pcm16(mp3, sample_rate)
        except AudioDecodeError as exc:
            raise UpstreamError(PROVIDER, "it returned audio that is not valid MP3.") from exc


def edge_rate(speed: float) -> str:
    """SSML prosody rate for a speed factor: 1.5 → '+50%', 0.75 → '-25%' (edge-tts wants a signed percentage)."""
    return f"{round((speed - 1) * 100):+d}%"


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


# How long a warm container keeps Edge's voice list, and how long fetching it may take before the fallback is used.
VOICE_LIST_MAX_AGE_SECONDS = 3600.0
VOICE_LIST_TIMEOUT_SECONDS = 3.0
# Per list URL: when it was fetched, and the voices.
_voice_list_cache: dict[str, tuple[float, list[BuiltinVoice]]] = {}


def list_edge_voices(settings: EdgeTtsSettings, fallback: list[str]) -> list[BuiltinVoice]:
    """Edge's live voice list (edge-tts `list_voices`), cached per warm container; `fallback` names when it fails.

    Never raises: a listing must not fail because Edge is unreachable.
    """
    import edge_tts.constants

    url = settings.voice_list_url or edge_tts.constants.VOICE_LIST
    now = time.monotonic()
    cached = _voice_list_cache.get(url)
    if cached is not None and now - cached[0] < VOICE_LIST_MAX_AGE_SECONDS:
        return cached[1]
    try:
        voices = _fetch_voice_list(url)
    except Exception as exc:  # unreachable, refused, not JSON, stalled: every failure means "use the fallback"
        logger.info("Edge voice list unavailable; using the fallback", extra={"reason": type(exc).__name__})
        return [BuiltinVoice(provider=PROVIDER, voice=name, name=name, language=_locale(name)) for name in fallback]
    _voice_list_cache[url] = (now, voices)
    return voices


def _fetch_voice_list(url: str) -> list[BuiltinVoice]:
    import edge_tts
    import edge_tts.voices

    # Like WSS_URL for synthesis, the module global is read when the request is made.
    edge_tts.voices.VOICE_LIST = url  # type: ignore[attr-defined]  # a module global edge-tts reads per request
    entries = asyncio.run(asyncio.wait_for(edge_tts.list_voices(), VOICE_LIST_TIMEOUT_SECONDS))
    voices = []
    for entry in entries:
        short_name = str(entry["ShortName"])
        friendly = str(entry.get("FriendlyName") or short_name)
        voices.append(
            BuiltinVoice(
                provider=PROVIDER,
                voice=short_name,
                name=friendly,
                language=str(entry.get("Locale") or _locale(short_name)),
                gender=str(entry["Gender"]) if entry.get("Gender") else None,
            )
        )
    if not voices:
        raise ValueError("empty voice list")
    return voices


def _locale(short_name: str) -> str | None:
    parts = short_name.split("-")
    return "-".join(parts[:2]) if len(parts) >= 3 else None
