"""An in-memory VoiceCatalog with the same de-duplication, ownership and quota rules as the SQLite adapter."""

from __future__ import annotations

from datetime import datetime

from voice_service.models import SHARED_CATALOG, ConsentRecord, NewVoice, Owner, VoiceEntry
from voice_service.providers import CloneProvider
from voice_service.services.catalog import deduplicated_label
from voice_service.services.quotas import voice_limit_reached


class InMemoryVoiceCatalog:
    def __init__(self) -> None:
        self._entries: dict[int, VoiceEntry] = {}
        self._next_id = 1
        self.requests: list[tuple[str, str, datetime]] = []

    def list_entries(self, provider: CloneProvider | None = None, owner: Owner = SHARED_CATALOG) -> list[VoiceEntry]:
        return [
            e for e in self._entries.values() if owner.sees(e.user_id) and (provider is None or e.provider == provider)
        ]

    def add_entry(
        self,
        voice: NewVoice,
        now: datetime,
        wait_seconds: float | None = None,
        *,
        owner: Owner = SHARED_CATALOG,
        max_voices: int | None = None,
        consent: ConsentRecord | None = None,
    ) -> VoiceEntry:
        if max_voices is not None and self.count_entries(owner) >= max_voices:
            raise voice_limit_reached(self.count_entries(owner), max_voices)
        taken = {
            (e.provider, e.target_model, e.display_label) for e in self._entries.values() if e.user_id == owner.user_id
        }
        label, attempt = voice.display_label, 0
        while (voice.provider, voice.target_model, label) in taken:
            label = deduplicated_label(voice.display_label, now, attempt)
            attempt += 1
        entry = VoiceEntry(
            self._next_id,
            owner.user_id,
            voice.provider,
            voice.voice_id,
            label,
            voice.target_model,
            "clone",
            now,
            consent,
        )
        self._entries[entry.id] = entry
        self._next_id += 1
        return entry

    def get_entry(self, entry_id: int, owner: Owner = SHARED_CATALOG) -> VoiceEntry | None:
        entry = self._entries.get(entry_id)
        return entry if entry is not None and owner.sees(entry.user_id) else None

    def delete_entry(self, entry_id: int, owner: Owner = SHARED_CATALOG) -> bool:
        if self.get_entry(entry_id, owner) is None:
            return False
        del self._entries[entry_id]
        return True

    def voice_owners(self, provider: str, voice_id: str) -> list[str | None]:
        return [e.user_id for e in self._entries.values() if (e.provider, e.voice_id) == (provider, voice_id)]

    def count_entries(self, owner: Owner) -> int:
        return sum(1 for e in self._entries.values() if e.user_id == owner.user_id)

    def take_request_slot(self, user_id: str, action: str, now: datetime, limit: int, window_seconds: int) -> bool:
        recent = [
            r for r in self.requests if r[:2] == (user_id, action) and (now - r[2]).total_seconds() < window_seconds
        ]
        if len(recent) >= limit:
            return False
        self.requests.append((user_id, action, now))
        return True
