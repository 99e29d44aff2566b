"""An in-memory VoiceCatalog with the same de-duplication rule as the SQLite adapter."""

from __future__ import annotations

from datetime import datetime

from voice_service.models import NewVoice, VoiceEntry
from voice_service.providers import CloneProvider
from voice_service.services.catalog import deduplicated_label


class InMemoryVoiceCatalog:
    def __init__(self) -> None:
        self._entries: dict[int, VoiceEntry] = {}
        self._next_id = 1

    def list_entries(self, provider: CloneProvider | None = None) -> list[VoiceEntry]:
        return [e for e in self._entries.values() if provider is None or e.provider == provider]

    def add_entry(self, voice: NewVoice, now: datetime, wait_seconds: float | None = None) -> VoiceEntry:
        taken = {(e.provider, e.target_model, e.display_label) for e in self._entries.values()}
        label, attempt = voice.display_label, 0
        while (voice.provider, voice.target_model, label) in taken:
            label = deduplicated_label(voice.display_label, now, attempt)
            attempt += 1
        entry = VoiceEntry(self._next_id, None, voice.provider, voice.voice_id, label, voice.target_model, "clone", now)
        self._entries[entry.id] = entry
        self._next_id += 1
        return entry

    def get_entry(self, entry_id: int) -> VoiceEntry | None:
        return self._entries.get(entry_id)

    def delete_entry(self, entry_id: int) -> bool:
        return self._entries.pop(entry_id, None) is not None
