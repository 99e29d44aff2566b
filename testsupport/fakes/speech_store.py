"""An in-memory SpeechStore with the S3 adapter's layout rule (one voice, one prefix) and switchable failures."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_service.services.speech_cache import CacheStoreError, SpeechKey


@dataclass
class InMemorySpeechStore:
    entries: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    fail_reads: bool = False
    fail_writes: bool = False
    reads: int = 0
    writes: int = 0

    def get_audio(self, key: SpeechKey) -> bytes | None:
        self.reads += 1
        if self.fail_reads:
            raise CacheStoreError("could not read the speech cache (EndpointConnectionError)")
        return self.entries.get((key.provider, key.voice, key.digest()))

    def put_audio(self, key: SpeechKey, audio: bytes) -> None:
        self.writes += 1
        if self.fail_writes:
            raise CacheStoreError("could not write the speech cache (ClientError AccessDenied)")
        self.entries[(key.provider, key.voice, key.digest())] = audio

    def purge_voice(self, provider: str, voice: str) -> int:
        doomed = [entry for entry in self.entries if entry[:2] == (provider, voice)]
        for entry in doomed:
            del self.entries[entry]
        return len(doomed)
