"""Content-addressed cache of finished synthesis results, for any route that synthesizes speech.

A route builds a `SpeechKey` from the canonical request (provider alias resolved, voice and model defaults applied,
text normalized) and calls `SpeechCache.fetch` with the synthesis to run on a miss. The store is a port (S3 in the
cloud); a store that fails never fails the request: it is logged, counted, and the audio is synthesized.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol, TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from voice_service.observability import logger, record_metric

# Bump when the audio pipeline changes what a request sounds like (decoder, resampler, WAV layout, fakes aside):
# every older entry then stops matching and expires by the store's lifecycle rule.
AUDIO_PIPELINE_VERSION: Final = 1
T = TypeVar("T")


class CacheStoreError(Exception):
    """The store could not be read or written (unreachable, denied, malformed answer)."""


@dataclass(frozen=True, slots=True)
class SpeechKey:
    """Everything that determines the audio, after defaults and normalization.

    `model` is "" for providers without models (a model sent to them is ignored, so it must not split the key).
    `audio_format` names the stored bytes (the preview stores "wav-pcm16"); another route storing another encoding
    of the same speech gets its own entries. `speed` and `instructions` are the speaking style (/v1/audio/speech);
    the plain style (1.0, none) leaves the digest as it was before styles existed, so it matches the preview's.
    """

    provider: str
    voice: str
    model: str
    text: str
    sample_rate: int
    audio_format: str
    speed: float = 1.0
    instructions: str = ""

    def digest(self) -> str:
        """SHA-256 (hex) of the fields and the pipeline version, unambiguously encoded (JSON array)."""
        fields: list[object] = [
            AUDIO_PIPELINE_VERSION,
            self.audio_format,
            self.provider,
            self.model,
            self.voice,
            self.sample_rate,
            self.text,
        ]
        if self.speed != 1.0 or self.instructions:
            fields += [self.speed, self.instructions]  # a longer array: never equal to a plain key's encoding
        encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()


class SpeechStore(Protocol):
    """Port: where finished audio is kept, laid out so that one voice's entries can be purged together."""

    def get_audio(self, key: SpeechKey) -> bytes | None:
        """The stored audio, or None when there is none.

        Raises:
            CacheStoreError: the store failed (not a plain miss).
        """
        ...

    def put_audio(self, key: SpeechKey, audio: bytes) -> None:
        """Store (or replace) the audio of `key`.

        Raises:
            CacheStoreError: the store failed.
        """
        ...

    def purge_voice(self, provider: str, voice: str) -> int:
        """Delete every entry of one voice (all models, texts, rates and formats); return how many.

        Raises:
            CacheStoreError: the store failed; some entries may remain.
        """
        ...


class CacheOutcome(StrEnum):
    HIT = "hit"
    MISS = "miss"
    BYPASS = "bypass"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class CachedSpeech:
    audio: bytes
    etag: str
    outcome: CacheOutcome


def strong_etag(audio: bytes) -> str:
    """A strong validator of exactly these bytes (a bypass that yields different audio yields another ETag)."""
    return f'"{hashlib.blake2b(audio, digest_size=16).hexdigest()}"'


class SpeechCache:
    """Use case: audio for a key from the store, or synthesized, stored and returned.

    Store calls run in a worker thread (boto3 blocks); the synthesis runs on the caller's event loop.
    """

    def __init__(self, store: SpeechStore | None) -> None:
        self._store = store

    @property
    def enabled(self) -> bool:
        return self._store is not None

    async def fetch(
        self, key: SpeechKey, synthesize: Callable[[], Awaitable[bytes]], *, bypass: bool = False
    ) -> CachedSpeech:
        """The audio of `key`: stored (hit) or from `synthesize` (miss, bypass), stored afterwards.

        Only audio that `synthesize` returned completely is stored: any exception it raises propagates and nothing
        is written. With `bypass`, the store is not read and the new audio replaces the stored one.
        """
        started = time.perf_counter()
        store = self._store
        if store is None:
            audio = await synthesize()
            return self._finish(key, audio, CacheOutcome.DISABLED, started)
        if not bypass:
            stored = await self._guarded("read", lambda: store.get_audio(key), key)
            if stored:
                return self._finish(key, stored, CacheOutcome.HIT, started)
        audio = await synthesize()
        await self._guarded("write", lambda: store.put_audio(key, audio), key)
        return self._finish(key, audio, CacheOutcome.BYPASS if bypass else CacheOutcome.MISS, started)

    def purge_voice(self, provider: str, voice: str) -> int:
        """Delete every cached entry of one voice; 0 when the cache is disabled.

        Raises:
            CacheStoreError: the store failed (the caller decides; deleting a voice must not leave its audio).
        """
        if self._store is None:
            return 0
        removed = self._store.purge_voice(provider, voice)
        logger.info("Purged cached speech of a voice", extra={"provider": provider, "entries": removed})
        return removed

    async def _guarded(self, action: str, operation: Callable[[], T], key: SpeechKey) -> T | None:
        try:
            return await asyncio.to_thread(operation)
        except CacheStoreError as exc:
            logger.warning(
                "Speech cache unavailable; synthesizing without it",
                extra={"action": action, "provider": key.provider, "error": str(exc)},
            )
            record_metric("SpeechCacheErrors", {"provider": key.provider, "action": action})
            return None

    @staticmethod
    def _finish(key: SpeechKey, audio: bytes, outcome: CacheOutcome, started: float) -> CachedSpeech:
        elapsed_ms = (time.perf_counter() - started) * 1000
        if outcome is not CacheOutcome.DISABLED:
            record_metric(METRIC_BY_OUTCOME[outcome], {"provider": key.provider})
        record_metric(
            "SpeechLatency", {"provider": key.provider, "path": outcome.value}, elapsed_ms, MetricUnit.Milliseconds
        )
        return CachedSpeech(audio=audio, etag=strong_etag(audio), outcome=outcome)


METRIC_BY_OUTCOME: Final = {
    CacheOutcome.HIT: "SpeechCacheHits",
    CacheOutcome.MISS: "SpeechCacheMisses",
    CacheOutcome.BYPASS: "SpeechCacheBypasses",
}
