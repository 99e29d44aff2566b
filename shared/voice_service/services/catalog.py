"""The catalog port and its pure rules: filters, label de-duplication, and when an idempotency record is stale."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from voice_service.errors import InvalidRequestError
from voice_service.models import (
    SHARED_CATALOG,
    VOICE_STATUSES,
    CloneIntent,
    ConsentRecord,
    IdempotencyRecord,
    NewEntry,
    Owner,
    VoiceEntry,
    VoiceStatus,
)
from voice_service.providers import CloneProvider, catalog_filter
from voice_service.services.quotas import UsageCounter
from voice_service.text import blank_to_none

# SQLite's INTEGER is a signed 64-bit value; larger ids cannot exist and would overflow the driver.
MAX_ENTRY_ID: Final = 2**63 - 1
# Catalog ids as they appear in a path: canonical decimal, no sign, no leading zero, no separators, ASCII digits.
ENTRY_ID_PATTERN: Final = re.compile(r"[1-9][0-9]{0,18}")


# Status of an idempotency record whose request is still running (Powertools' name for it).
IDEMPOTENCY_IN_PROGRESS = "INPROGRESS"


class VoiceCatalog(UsageCounter, Protocol):
    """Port: persistent storage of cloned voices, of clone intents and of idempotency records, and the per-user
    counts the quotas read (`UsageCounter`).

    Every method is one short transaction, so each can be exposed as one operation of a remote catalog. Every
    method that reads or writes someone's voices takes `owner`: a signed-in user's calls see only their rows (an
    admin's also the unowned ones); `SHARED_CATALOG` (the open and api-key modes, and the reconciler acting as the
    system) sees every row.
    """

    def list_entries(
        self, provider: CloneProvider | None = None, status: VoiceStatus | None = None, *, owner: Owner = SHARED_CATALOG
    ) -> list[VoiceEntry]:
        """Return `owner`'s entries oldest first, optionally only one provider's and/or one status's."""
        ...

    def get_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> VoiceEntry | None:
        """`owner`'s entry with this id, or None (also when it is someone else's)."""
        ...

    def add_entry(self, new: NewEntry) -> VoiceEntry:
        """Insert `new.voice` for `new.owner` with its consent record, renaming its label with `deduplicated_label`
        when the owner already uses it, and remove intent `new.intent_id`, all in one transaction.

        Raises:
            QuotaExceededError: the owner already has `new.max_voices` entries (checked under the write lock).
            StorageBusyError: other writers held the catalog longer than `new.wait_seconds`.
        """
        ...

    def set_status(self, entry_id: int, status: VoiceStatus, *, owner: Owner = SHARED_CATALOG) -> bool:
        """Change one of `owner`'s entries' status; return False if `owner` has no entry with that id."""
        ...

    def delete_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        """Delete one of `owner`'s entries; return False if `owner` has no entry with that id."""
        ...

    def voice_owners(self, provider: str, voice_id: str) -> list[str | None]:
        """The owners (`user_id`s, None for unowned rows) of the entries holding this provider voice; empty when
        the voice is not in the catalog (a provider's own voice)."""
        ...

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
        """Record `owner`'s clone about to be sent to the provider, with its consent (invisible to list_entries)."""
        ...

    def drop_intent(self, intent_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        """Remove one of `owner`'s intents; return False if `owner` has no intent with that id."""
        ...

    def list_intents(self) -> list[CloneIntent]:
        """Every unresolved intent of every owner, oldest first (the reconciler's view)."""
        ...

    def assign_unowned(self, user_id: str, now: datetime, entry_ids: list[int] | None = None) -> list[int]:
        """Give entries with no owner (cloned before users signed in) to `user_id`: all of them, or those of
        `entry_ids`; a label the user already has is renamed as a clone would rename it. Return the ids assigned."""
        ...

    def get_idempotency_record(self, key: str) -> IdempotencyRecord | None: ...

    def claim_idempotency_record(self, record: IdempotencyRecord, now_ms: int) -> IdempotencyRecord | None:
        """Store `record` unless a record with its key exists that is not stale (`idempotency_record_is_stale`);
        return that blocking record, or None when `record` was stored. Atomic across containers."""
        ...

    def save_idempotency_record(self, record: IdempotencyRecord) -> None:
        """Insert or replace `record`."""
        ...

    def delete_idempotency_record(self, key: str) -> None: ...

    def purge_idempotency_records(self, now_ms: int) -> int:
        """Delete records past their retention; return how many."""
        ...


def idempotency_record_is_stale(record: IdempotencyRecord, now_ms: int) -> bool:
    """A record a new request may replace: past its retention, or in progress past the request's own deadline."""
    if record.expires_at * 1000 < now_ms:
        return True
    return (
        record.status == IDEMPOTENCY_IN_PROGRESS
        and record.in_progress_expires_at is not None
        and record.in_progress_expires_at < now_ms
    )


def parse_status_filter(raw: str | None) -> VoiceStatus | None:
    """The `?status=` filter of GET /voices: blank means no filter; an unknown status is an InvalidRequestError."""
    given = blank_to_none(raw)
    if given is None:
        return None
    name = given.lower()
    for status in VOICE_STATUSES:
        if name == status:
            return status
    raise InvalidRequestError(f"Unknown status filter {given!r}: use one of {', '.join(VOICE_STATUSES)}.")


def list_voices(
    catalog: VoiceCatalog,
    provider_filter: str | None,
    status_filter: str | None = None,
    *,
    owner: Owner = SHARED_CATALOG,
) -> list[VoiceEntry]:
    """Return `owner`'s cloned voices, oldest first.

    Raises:
        InvalidRequestError: a filter names no cloning provider or no status.
    """
    return catalog.list_entries(catalog_filter(provider_filter), parse_status_filter(status_filter), owner=owner)


class VoicePreviewPurge(Protocol):
    """Port: removes every cached preview of one voice (`SpeechCache.purge_voice`)."""

    def purge_voice(self, provider: str, voice: str) -> int:
        """Raises: CacheStoreError when the cache could not be emptied."""
        ...


def entry_id_from(raw_entry_id: str) -> int:
    """The catalog id a path segment names.

    Only a canonical decimal id names an entry: `8_3`, `+85`, ` 84 `, `083` or `٨٣` are refused before the
    catalog is touched (int() would read them as 83, 85, 84, 83 and 83).

    Raises:
        InvalidRequestError: the segment is not a canonical id.
    """
    entry_id = parse_entry_id(raw_entry_id)
    if entry_id is None:
        raise InvalidRequestError(
            "entry_id must be a positive decimal number as GET /voices lists it, without sign, spaces, separators "
            "or leading zeros."
        )
    return entry_id


def parse_entry_id(raw: str) -> int | None:
    """The catalog id `raw` names, or None when it is not a canonical id (so it can name no entry)."""
    if not ENTRY_ID_PATTERN.fullmatch(raw):
        return None
    entry_id = int(raw)
    return entry_id if entry_id <= MAX_ENTRY_ID else None


def deduplicated_label(label: str, now: datetime, attempt: int = 0) -> str:
    """The label to use when `label` is taken: `label-YYYYMMDD-HHMMSS-mmm` in UTC (contract rule 10).

    `attempt` moves the stamp forward one millisecond per retry, so a burst of clones within the same millisecond
    still gets distinct labels in the documented format.
    """
    stamp = now.astimezone(UTC) + timedelta(milliseconds=attempt)
    return f"{label}-{stamp:%Y%m%d-%H%M%S}-{stamp.microsecond // 1000:03d}"


def utc_now() -> datetime:
    """The current time in UTC (a seam for tests)."""
    return datetime.now(UTC)
