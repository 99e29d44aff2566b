"""Use cases of the cloned-voice catalog: list, delete, and the label de-duplication rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from voice_service.errors import InvalidRequestError, VoiceNotFoundError
from voice_service.models import NewVoice, VoiceEntry
from voice_service.providers import CloneProvider, catalog_filter

# SQLite's INTEGER is a signed 64-bit value; larger ids cannot exist and would overflow the driver.
MAX_ENTRY_ID = 2**63 - 1


class VoiceCatalog(Protocol):
    """Port: persistent storage of cloned voices."""

    def list_entries(self, provider: CloneProvider | None = None) -> list[VoiceEntry]:
        """Return entries oldest first, optionally only one provider's."""
        ...

    def add_entry(self, voice: NewVoice, now: datetime) -> VoiceEntry:
        """Insert `voice`, renaming its label with `deduplicated_label` on conflict, in one transaction."""
        ...

    def delete_entry(self, entry_id: int) -> bool:
        """Delete one entry; return False if it did not exist."""
        ...


def list_voices(catalog: VoiceCatalog, provider_filter: str | None) -> list[VoiceEntry]:
    """Return the cloned voices, oldest first.

    Raises:
        InvalidRequestError: the provider filter names no cloning provider.
    """
    return catalog.list_entries(catalog_filter(provider_filter))


def delete_voice(catalog: VoiceCatalog, entry_id: int) -> None:
    """Delete a catalog entry.

    Raises:
        InvalidRequestError: the id is not a positive 64-bit integer.
        VoiceNotFoundError: no entry has that id.
    """
    if not 1 <= entry_id <= MAX_ENTRY_ID:
        raise InvalidRequestError("entry_id must be a positive integer.")
    if not catalog.delete_entry(entry_id):
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
