"""An in-memory VoiceCatalog with the same rules as the SQLite adapter (labels, ownership, quotas, intents,
idempotency records)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from voice_service.models import (
    SHARED_CATALOG,
    CloneIntent,
    ConsentRecord,
    IdempotencyRecord,
    NewEntry,
    NewVoice,
    Owner,
    VoiceEntry,
    VoiceStatus,
)
from voice_service.providers import CloneProvider
from voice_service.services.catalog import deduplicated_label, idempotency_record_is_stale
from voice_service.services.quotas import voice_limit_reached


class InMemoryVoiceCatalog:
    def __init__(self) -> None:
        self._entries: dict[int, VoiceEntry] = {}
        self._next_id = 1
        self.requests: list[tuple[str, str, datetime]] = []
        self._intents: dict[int, CloneIntent] = {}
        self._next_intent_id = 1
        self.records: dict[str, IdempotencyRecord] = {}

    def list_entries(
        self, provider: CloneProvider | None = None, status: VoiceStatus | None = None, *, owner: Owner = SHARED_CATALOG
    ) -> list[VoiceEntry]:
        return [
            entry
            for entry in self._entries.values()
            if owner.sees(entry.user_id)
            and (provider is None or entry.provider == provider)
            and (status is None or entry.status == status)
        ]

    def get_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> VoiceEntry | None:
        entry = self._entries.get(entry_id)
        return entry if entry is not None and owner.sees(entry.user_id) else None

    def add_entry(self, new: NewEntry) -> VoiceEntry:
        voice, owner = new.voice, new.owner
        if new.max_voices is not None and self.count_entries(owner) >= new.max_voices:
            raise voice_limit_reached(self.count_entries(owner), new.max_voices)
        label = self._free_label(voice, voice.display_label, new.now, owner.user_id)
        entry = VoiceEntry(
            self._next_id,
            owner.user_id,
            voice.provider,
            voice.voice_id,
            label,
            voice.target_model,
            "clone",
            new.now,
            voice.status,
            new.consent,
        )
        self._entries[entry.id] = entry
        self._next_id += 1
        if new.intent_id is not None:
            self._intents.pop(new.intent_id, None)
        return entry

    def set_status(self, entry_id: int, status: VoiceStatus, *, owner: Owner = SHARED_CATALOG) -> bool:
        entry = self.get_entry(entry_id, owner=owner)
        if entry is None:
            return False
        self._entries[entry_id] = entry._replace(status=status)
        return True

    def delete_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        if self.get_entry(entry_id, owner=owner) is None:
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

    def assign_unowned(self, user_id: str, now: datetime, entry_ids: list[int] | None = None) -> list[int]:
        assigned = []
        for entry in list(self._entries.values()):
            if entry.user_id is not None or (entry_ids is not None and entry.id not in entry_ids):
                continue
            voice = NewVoice(entry.provider, entry.voice_id, entry.display_label, entry.target_model)  # type: ignore[arg-type]
            label = self._free_label(voice, entry.display_label, now, user_id)
            self._entries[entry.id] = entry._replace(user_id=user_id, display_label=label)
            assigned.append(entry.id)
        return assigned

    def record_intent(
        self,
        *,
        provider: CloneProvider,
        target_model: str,
        voice_name: str,
        display_label: str,
        now: datetime,
        owner: Owner = SHARED_CATALOG,
        consent: ConsentRecord | None = None,
    ) -> CloneIntent:
        intent = CloneIntent(
            self._next_intent_id, provider, target_model, voice_name, display_label, now, owner.user_id, consent
        )
        self._intents[intent.id] = intent
        self._next_intent_id += 1
        return intent

    def drop_intent(self, intent_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        intent = self._intents.get(intent_id)
        if intent is None or not owner.sees(intent.user_id):
            return False
        del self._intents[intent_id]
        return True

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

    def _free_label(self, voice: NewVoice, label: str, now: datetime, user_id: str | None) -> str:
        """`label`, or its de-duplicated form when `user_id` already uses it for this provider and model."""
        taken = {(e.provider, e.target_model, e.display_label) for e in self._entries.values() if e.user_id == user_id}
        wanted, attempt = label, 0
        while (voice.provider, voice.target_model, wanted) in taken:
            wanted = deduplicated_label(label, now, attempt)
            attempt += 1
        return wanted
