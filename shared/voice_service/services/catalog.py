"""Use cases of the cloned-voice catalog: list, delete, and the label de-duplication rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from voice_service.errors import InvalidRequestError, StorageError, VoiceNotFoundError
from voice_service.models import NewVoice, VoiceEntry
from voice_service.observability import logger
from voice_service.providers import CloneProvider, catalog_filter
from voice_service.services.speech_cache import CacheStoreError

# SQLite's INTEGER is a signed 64-bit value; larger ids cannot exist and would overflow the driver.
MAX_ENTRY_ID: Final = 2**63 - 1
# Catalog ids as they appear in a path: canonical decimal, no sign, no leading zero, no separators, ASCII digits.
ENTRY_ID_PATTERN: Final = re.compile(r"[1-9][0-9]{0,18}")


class VoiceCatalog(Protocol):
    """Port: persistent storage of cloned voices."""

    def list_entries(self, provider: CloneProvider | None = None) -> list[VoiceEntry]:
        """Return entries oldest first, optionally only one provider's."""
        ...

    def add_entry(self, voice: NewVoice, now: datetime, wait_seconds: float | None = None) -> VoiceEntry:
        """Insert `voice`, renaming its label with `deduplicated_label` on conflict, in one transaction.

        `wait_seconds` bounds the wait for other writers (None: the catalog's busy timeout); StorageBusyError after.
        """
        ...

    def get_entry(self, entry_id: int) -> VoiceEntry | None:
        """The entry with this id, or None."""
        ...

    def delete_entry(self, entry_id: int) -> bool:
        """Delete one entry; return False if it did not exist."""
        ...


class VoicePreviewPurge(Protocol):
    """Port: removes every cached preview of one voice (`SpeechCache.purge_voice`)."""

    def purge_voice(self, provider: str, voice: str) -> int:
        """Raises: CacheStoreError when the cache could not be emptied."""
        ...


def list_voices(catalog: VoiceCatalog, provider_filter: str | None) -> list[VoiceEntry]:
    """Return the cloned voices, oldest first.

    Raises:
        InvalidRequestError: the provider filter names no cloning provider.
    """
    return catalog.list_entries(catalog_filter(provider_filter))


def delete_voice(catalog: VoiceCatalog, raw_entry_id: str, previews: VoicePreviewPurge) -> int:
    """Delete the catalog entry a path segment names, and every cached preview of its voice; return its id.

    Only a canonical decimal id names an entry: `8_3`, `+85`, ` 84 `, `083` or `٨٣` are refused before the
    catalog is touched (int() would read them as 83, 85, 84, 83 and 83). The previews go first: if they cannot be
    removed the entry stays, so a retry finds the voice and purges again (a deleted voice must not keep answering
    previews from the cache).

    Raises:
        InvalidRequestError: the segment is not a canonical id.
        VoiceNotFoundError: no entry has that id.
        StorageError: the cached previews could not be removed; nothing was deleted.
    """
    entry_id = parse_entry_id(raw_entry_id)
    if entry_id is None:
        raise InvalidRequestError(
            "entry_id must be a positive decimal number as GET /voices lists it, without sign, spaces, separators "
            "or leading zeros."
        )
    entry = catalog.get_entry(entry_id)
    if entry is None:
        raise VoiceNotFoundError(f"No cloned voice has id {entry_id}.")
    try:
        previews.purge_voice(entry.provider, entry.voice_id)
    except CacheStoreError as exc:
        logger.error("Could not purge a deleted voice's previews", extra={"entry_id": entry_id, "error": str(exc)})
        raise StorageError(
            "The voice's cached previews could not be removed, so the voice was not deleted; try again later."
        ) from exc
    if not catalog.delete_entry(entry_id):
        raise VoiceNotFoundError(f"No cloned voice has id {entry_id}.")
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
