"""Use cases of the cloned-voice catalog: list, delete, and the label de-duplication rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from voice_service.errors import InvalidRequestError, VoiceNotFoundError
from voice_service.models import SHARED_CATALOG, ConsentRecord, NewVoice, Owner, VoiceEntry
from voice_service.providers import CloneProvider, catalog_filter

# SQLite's INTEGER is a signed 64-bit value; larger ids cannot exist and would overflow the driver.
MAX_ENTRY_ID = 2**63 - 1


class VoiceCatalog(Protocol):
    """Port: persistent storage of cloned voices."""

    def list_entries(self, provider: CloneProvider | None = None, owner: Owner = SHARED_CATALOG) -> list[VoiceEntry]:
        """Return `owner`'s entries oldest first, optionally only one provider's."""
        ...

    def add_entry(
        self,
        voice: NewVoice,
        now: datetime,
        owner: Owner = SHARED_CATALOG,
        max_voices: int | None = None,
        consent: ConsentRecord | None = None,
    ) -> VoiceEntry:
        """Insert `voice` for `owner` with its consent record, in one transaction; a label `owner` already uses is
        renamed with `deduplicated_label`.

        Raises:
            QuotaExceededError: `owner` already has `max_voices` entries (checked under the write lock).
        """
        ...

    def delete_entry(self, entry_id: int, owner: Owner = SHARED_CATALOG) -> bool:
        """Delete one of `owner`'s entries; return False if `owner` has no entry with that id."""
        ...


def list_voices(catalog: VoiceCatalog, provider_filter: str | None, owner: Owner = SHARED_CATALOG) -> list[VoiceEntry]:
    """Return `owner`'s cloned voices, oldest first.

    Raises:
        InvalidRequestError: the provider filter names no cloning provider.
    """
    return catalog.list_entries(catalog_filter(provider_filter), owner)


def delete_voice(catalog: VoiceCatalog, entry_id: int, owner: Owner = SHARED_CATALOG) -> None:
    """Delete one of `owner`'s catalog entries (another user's entry is "not found", never "forbidden").

    Raises:
        InvalidRequestError: the id is not a positive 64-bit integer.
        VoiceNotFoundError: `owner` has no entry with that id.
    """
    if not 1 <= entry_id <= MAX_ENTRY_ID:
        raise InvalidRequestError("entry_id must be a positive integer.")
    if not catalog.delete_entry(entry_id, owner):
        raise VoiceNotFoundError(f"No cloned voice has id {entry_id}.")


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
