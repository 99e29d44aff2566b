"""An in-memory VoiceCatalog with the same rules as the SQLite adapter (labels, intents, idempotency records)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from voice_service.models import CloneIntent, IdempotencyRecord, NewVoice, VoiceEntry, VoiceStatus
from voice_service.providers import CloneProvider
from voice_service.services.catalog import deduplicated_label, idempotency_record_is_stale


class InMemoryVoiceCatalog:
    def __init__(self) -> None:
        self._entries: dict[int, VoiceEntry] = {}
        self._next_id = 1
        self._intents: dict[int, CloneIntent] = {}
        self._next_intent_id = 1
        self.records: dict[str, IdempotencyRecord] = {}

    def list_entries(
        self, provider: CloneProvider | None = None, status: VoiceStatus | None = None
    ) -> list[VoiceEntry]:
        return [
            entry
            for entry in self._entries.values()
            if (provider is None or entry.provider == provider) and (status is None or entry.status == status)
        ]

    def get_entry(self, entry_id: int) -> VoiceEntry | None:
        return self._entries.get(entry_id)

    def add_entry(
        self, voice: NewVoice, now: datetime, intent_id: int | None = None, wait_seconds: float | None = None
    ) -> VoiceEntry:
        taken = {(e.provider, e.target_model, e.display_label) for e in self._entries.values()}
        label, attempt = voice.display_label, 0
        while (voice.provider, voice.target_model, label) in taken:
            label = deduplicated_label(voice.display_label, now, attempt)
            attempt += 1
        entry = VoiceEntry(
            self._next_id, None, voice.provider, voice.voice_id, label, voice.target_model, "clone", now, voice.status
        )
        self._entries[entry.id] = entry
        self._next_id += 1
        if intent_id is not None:
            self._intents.pop(intent_id, None)
        return entry

    def set_status(self, entry_id: int, status: VoiceStatus) -> bool:
        entry = self._entries.get(entry_id)
        if entry is None:
            return False
        self._entries[entry_id] = entry._replace(status=status)
        return True

    def delete_entry(self, entry_id: int) -> bool:
        return self._entries.pop(entry_id, None) is not None

    def record_intent(
        self, *, provider: CloneProvider, target_model: str, voice_name: str, display_label: str, now: datetime
    ) -> CloneIntent:
        intent = CloneIntent(self._next_intent_id, provider, target_model, voice_name, display_label, now)
        self._intents[intent.id] = intent
        self._next_intent_id += 1
        return intent

    def drop_intent(self, intent_id: int) -> bool:
        return self._intents.pop(intent_id, None) is not None

    def list_intents(self) -> list[CloneIntent]:
        return list(self._intents.values())

    def get_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        return self.records.get(key)

    def claim_idempotency_record(self, record: IdempotencyRecord, now_ms: int) -> IdempotencyRecord | None:
        existing = self.records.get(record.key)
        if existing is not None and not idempotency_record_is_stale(existing, now_ms):
            return existing
        self.records[record.key] = replace(record)
        return None

    def save_idempotency_record(self, record: IdempotencyRecord) -> None:
        self.records[record.key] = record

    def delete_idempotency_record(self, key: str) -> None:
        self.records.pop(key, None)

    def purge_idempotency_records(self, now_ms: int) -> int:
        expired = [key for key, record in self.records.items() if record.expires_at * 1000 < now_ms]
        for key in expired:
            del self.records[key]
        return len(expired)
