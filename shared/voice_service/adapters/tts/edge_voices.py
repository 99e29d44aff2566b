"""Edge's built-in voices: the live list through edge-tts `list_voices`, cached per warm container, with a fixed
fallback when the list cannot be fetched (no internet, Microsoft refusing the token, a stall)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from voice_service.adapters.upstream_text import quote_upstream
from voice_service.services.builtin_voices import BuiltinVoice, ProviderVoices
from voice_service.settings import EdgeTtsSettings

PROVIDER = "edge"
# Edge's list changes a few times a year; an hour keeps warm containers from asking on every page load.
LIVE_LIST_TTL_SECONDS = 3600.0
# After a failure, try again this soon (the fallback answers meanwhile without waiting on the network).
RETRY_AFTER_FAILURE_SECONDS = 60.0
LIST_TIMEOUT_SECONDS = 5.0
# A few voices Edge has served for years, for when the live list is out of reach.
FALLBACK_VOICES: tuple[BuiltinVoice, ...] = (
    BuiltinVoice("zh-CN-XiaoxiaoNeural", "Xiaoxiao", "zh-CN", "Female"),
    BuiltinVoice("zh-CN-YunxiNeural", "Yunxi", "zh-CN", "Male"),
    BuiltinVoice("zh-CN-XiaoyiNeural", "Xiaoyi", "zh-CN", "Female"),
    BuiltinVoice("zh-CN-YunjianNeural", "Yunjian", "zh-CN", "Male"),
    BuiltinVoice("zh-TW-HsiaoChenNeural", "HsiaoChen", "zh-TW", "Female"),
    BuiltinVoice("zh-HK-HiuMaanNeural", "HiuMaan", "zh-HK", "Female"),
    BuiltinVoice("en-US-AriaNeural", "Aria", "en-US", "Female"),
    BuiltinVoice("en-US-GuyNeural", "Guy", "en-US", "Male"),
    BuiltinVoice("en-US-JennyNeural", "Jenny", "en-US", "Female"),
    BuiltinVoice("en-US-EmmaMultilingualNeural", "Emma Multilingual", "en-US", "Female"),
    BuiltinVoice("en-GB-SoniaNeural", "Sonia", "en-GB", "Female"),
    BuiltinVoice("ja-JP-NanamiNeural", "Nanami", "ja-JP", "Female"),
    BuiltinVoice("ko-KR-SunHiNeural", "SunHi", "ko-KR", "Female"),
    BuiltinVoice("de-DE-KatjaNeural", "Katja", "de-DE", "Female"),
    BuiltinVoice("fr-FR-DeniseNeural", "Denise", "fr-FR", "Female"),
    BuiltinVoice("es-ES-ElviraNeural", "Elvira", "es-ES", "Female"),
)


class _LiveListCache:
    """The last live list and when to ask again; one per process (a warm Lambda container)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.voices: tuple[BuiltinVoice, ...] = ()
        self.failure: str | None = None
        self.next_fetch = 0.0

    def clear(self) -> None:
        with self.lock:
            self.voices, self.failure, self.next_fetch = (), None, 0.0


_cache = _LiveListCache()


class EdgeVoiceDirectory:
    """Implements `VoiceDirectory` for Edge."""

    def __init__(self, settings: EdgeTtsSettings) -> None:
        self._settings = settings

    def list_voices(self) -> ProviderVoices:
        settings = self._settings
        with _cache.lock:
            if time.monotonic() >= _cache.next_fetch:
                try:
                    _cache.voices, _cache.failure = _fetch_live_list(settings.voice_list_url), None
                    _cache.next_fetch = time.monotonic() + LIVE_LIST_TTL_SECONDS
                except Exception as exc:  # every failure means "use the fallback", with its reason
                    _cache.voices, _cache.failure = (), _failure_reason(exc)
                    _cache.next_fetch = time.monotonic() + RETRY_AFTER_FAILURE_SECONDS
            voices, failure = _cache.voices, _cache.failure
        if failure is None:
            return ProviderVoices(PROVIDER, "live", voices, default_voice=settings.default_voice)
        return ProviderVoices(
            PROVIDER,
            "fallback",
            FALLBACK_VOICES,
            default_voice=settings.default_voice,
            note=f"Edge's live voice list could not be fetched ({failure}); showing a fixed selection.",
        )


def _fetch_live_list(voice_list_url: str | None) -> tuple[BuiltinVoice, ...]:
    import edge_tts
    import edge_tts.constants
    import edge_tts.voices

    # The library reads this module global on each call (it appends its own query parameters).
    edge_tts.voices.VOICE_LIST = voice_list_url or edge_tts.constants.VOICE_LIST  # type: ignore[attr-defined]  # edge-tts imports it without re-exporting
    # Routes run in worker threads without an event loop; the list gets its own, under a hard deadline. The JSON
    # is the upstream's: read it as untyped data, whatever edge-tts declares.
    raw: list[Any] = list(asyncio.run(asyncio.wait_for(edge_tts.list_voices(), LIST_TIMEOUT_SECONDS)))
    voices = {
        str(item["ShortName"]): BuiltinVoice(
            id=str(item["ShortName"]),
            name=_friendly_name(item),
            locale=str(item.get("Locale") or "") or None,
            gender=str(item.get("Gender") or "") or None,
        )
        for item in raw
        if isinstance(item, dict) and item.get("ShortName")
    }
    if not voices:
        raise ValueError("the list was empty")
    return tuple(sorted(voices.values(), key=lambda voice: (voice.locale or "", voice.id)))


def _friendly_name(item: dict[str, Any]) -> str:
    """`zh-CN-XiaoxiaoNeural` → `Xiaoxiao`; region variants keep their region (`liaoning-Xiaobei`)."""
    short = str(item["ShortName"])
    locale = str(item.get("Locale") or "")
    name = short[len(locale) + 1 :] if locale and short.startswith(f"{locale}-") else short
    return name.removesuffix("Neural") or short


def _failure_reason(exc: BaseException) -> str:
    import aiohttp

    if isinstance(exc, TimeoutError):
        return f"no answer within {LIST_TIMEOUT_SECONDS:g} seconds"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status}"
    if isinstance(exc, aiohttp.ClientConnectionError):
        return "the server could not be reached"
    return quote_upstream(f"{type(exc).__name__}: {exc}")
