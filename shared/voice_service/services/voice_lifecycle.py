"""Use cases of one cloned voice after its creation: read it (refreshing a status still in motion) and delete it.

Deletion frees the provider's slot first and removes the row only then: a provider failure keeps the row, so the
caller can retry and nothing is lost silently. The naming convention that marks this deployment's voices at the
provider lives here too, because the clone (which names voices) and the reconciler (which recognises them) share it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal, Protocol

from voice_service.errors import (
    ProviderNotConfiguredError,
    StorageError,
    UpstreamError,
    VoiceNotFoundError,
    VoiceServiceError,
)
from voice_service.models import SHARED_CATALOG, Owner, ProviderVoice, VoiceEntry, VoiceStatus
from voice_service.observability import logger, record_provider_metric
from voice_service.providers import CLONE_PROVIDERS, CloneProvider
from voice_service.services.catalog import VoiceCatalog, VoicePreviewPurge, entry_id_from
from voice_service.services.consent import ConsentStatementStore
from voice_service.services.speech_cache import CacheStoreError

# Provider-side names are at most 9 of [a-z0-9] (CosyVoice prefix; also valid as a Qwen preferred_name).
VOICE_NAME_LENGTH: Final = 9
VOICE_NAME_TAG_PATTERN: Final = re.compile(r"[a-z][a-z0-9]{0,3}")
# Only `deploying` changes without anyone acting on the voice; the other statuses are final for a read.
FINAL_STATUSES: Final[frozenset[VoiceStatus]] = frozenset({"ready", "failed", "gone"})


class ProviderVoices(Protocol):
    """Port: the voices one provider holds for this account."""

    def ensure_configured(self) -> None:
        """Raise ProviderNotConfiguredError when the API key is missing."""
        ...

    def voice_status(self, voice_id: str) -> VoiceStatus:
        """The voice's status now; `gone` if the provider does not know it. UpstreamError on any failure."""
        ...

    def delete_voice(self, voice_id: str) -> bool:
        """Delete the voice; False if the provider had no such voice. UpstreamError on any failure."""
        ...

    def list_voices_page(self, page_index: int, page_size: int) -> list[ProviderVoice]:
        """One page (0-based) of the account's voices; a page shorter than `page_size` is the last."""
        ...


ProviderDirectory = Mapping[CloneProvider, ProviderVoices]


def clone_provider(entry: VoiceEntry) -> CloneProvider:
    """The entry's provider as the catalog's CHECK constraint guarantees it."""
    provider = entry.provider
    if provider not in CLONE_PROVIDERS:
        raise ValueError(f"Catalog entry {entry.id} names no cloning provider: {provider!r}.")
    return provider  # narrowed by the membership test above


@dataclass(frozen=True, slots=True)
class VoiceNaming:
    """Names this deployment gives provider-side voices: its tag, then random hex, 9 characters in all.

    The tag (OPENTALKING_VOICE_NAME_TAG) must differ between deployments sharing one DashScope account: the
    reconciler deletes unclaimed voices whose name has this deployment's shape.
    """

    tag: str

    def __post_init__(self) -> None:
        if not VOICE_NAME_TAG_PATTERN.fullmatch(self.tag):
            raise ValueError("The voice name tag must be 1 to 4 lowercase letters or digits, starting with a letter.")

    def new_name(self) -> str:
        hex_digits = VOICE_NAME_LENGTH - len(self.tag)
        return self.tag + secrets.token_hex((hex_digits + 1) // 2)[:hex_digits]

    def is_ours(self, voice_name: str | None) -> bool:
        hex_digits = VOICE_NAME_LENGTH - len(self.tag)
        return voice_name is not None and re.fullmatch(f"{self.tag}[0-9a-f]{{{hex_digits}}}", voice_name) is not None


@dataclass(frozen=True, slots=True)
class VoiceView:
    """One entry as GET /voices/{entry_id} shows it; `status_note` says why the status may be stale."""

    entry: VoiceEntry
    status_checked: bool
    status_note: str | None = None
    # A short-lived URL of the entry's recorded consent statement, for its owner (None: it has none).
    statement_url: str | None = None
    statement_url_expires_in: int | None = None


def get_voice(
    catalog: VoiceCatalog,
    providers: ProviderDirectory,
    raw_entry_id: str,
    *,
    owner: Owner = SHARED_CATALOG,
    statements: ConsentStatementStore | None = None,
) -> VoiceView:
    """Return one of `owner`'s entries; a `deploying` one is first refreshed from the provider (one short request).

    A provider failure never fails the read: the last known status comes back with a note. An entry with a recorded
    consent statement comes with a short-lived URL of it (only ever for its owner: the catalog read is scoped).

    Raises:
        InvalidRequestError: the id is not a canonical positive 64-bit integer.
        VoiceNotFoundError: `owner` has no entry with that id (someone else's is "not found", never "forbidden").
    """
    entry_id = entry_id_from(raw_entry_id)
    entry = catalog.get_entry(entry_id, owner=owner)
    if entry is None:
        raise VoiceNotFoundError(f"No cloned voice has id {entry_id}.")
    view = _refreshed(catalog, providers, entry, owner)
    statement = entry.consent.statement if entry.consent is not None else None
    if statement is None or statements is None:
        return view
    try:
        url = statements.statement_url(statement.key)
    except VoiceServiceError as exc:
        # The read still answers (the statement is said to exist, without a URL): storage is not the voice.
        logger.warning("Consent statement URL not issued", extra={"entry_id": entry_id, "reason": exc.message})
        return view
    return replace(view, statement_url=url, statement_url_expires_in=statements.url_ttl_seconds)


def _refreshed(catalog: VoiceCatalog, providers: ProviderDirectory, entry: VoiceEntry, owner: Owner) -> VoiceView:
    if entry.status in FINAL_STATUSES:
        return VoiceView(entry, status_checked=False)
    registry = providers[clone_provider(entry)]
    try:
        registry.ensure_configured()
        status = registry.voice_status(entry.voice_id)
    except (UpstreamError, ProviderNotConfiguredError) as exc:
        logger.warning("Voice status not refreshed", extra={"entry_id": entry.id, "reason": exc.message})
        return VoiceView(
            entry, status_checked=False, status_note=f"Last known status; refreshing failed: {exc.message}"
        )
    if status != entry.status:
        catalog.set_status(entry.id, status, owner=owner)
        record_provider_metric("StatusesRefreshed", entry.provider)
        entry = entry._replace(status=status)
    return VoiceView(entry, status_checked=True)


ProviderOutcome = Literal["deleted", "already_gone", "kept"]


@dataclass(frozen=True, slots=True)
class DeletionResult:
    """`provider_voice`: what happened at the provider (`kept` when only the catalog row was removed)."""

    entry: VoiceEntry
    provider_voice: ProviderOutcome


def delete_voice(
    catalog: VoiceCatalog,
    providers: ProviderDirectory,
    raw_entry_id: str,
    previews: VoicePreviewPurge,
    *,
    catalog_only: bool = False,
    owner: Owner = SHARED_CATALOG,
    statements: ConsentStatementStore | None = None,
) -> DeletionResult:
    """Delete one of `owner`'s voices at its provider (freeing the slot), then its cached previews and its recorded
    consent statement, then its row.

    "No such voice" at the provider counts as deleted. With `catalog_only`, the provider is not called: for voices
    the provider no longer knows (if it still does, the reconciler deletes the voice after its grace period, when
    its name carries this deployment's tag). The previews go before the row: if they cannot be removed the row
    stays, so a retry finds the entry (the provider then answers "no such voice") and purges again; a deleted voice
    must not keep answering previews from the cache. The statement goes before the row too (services/consent.py):
    the other order could leave a recording of the speaker that no row names, where this one at worst leaves, until
    the retry, a row whose statement is already gone.

    Raises:
        InvalidRequestError: the id is not a canonical positive 64-bit integer.
        VoiceNotFoundError: `owner` has no entry with that id (nothing is called at the provider).
        ProviderNotConfiguredError: the provider's key is missing (the row stays).
        UpstreamError: the provider failed (the row stays; retry).
        StorageError: the cached previews or the statement could not be removed (the row stays; retry).
    """
    entry_id = entry_id_from(raw_entry_id)
    entry = catalog.get_entry(entry_id, owner=owner)
    if entry is None:
        raise VoiceNotFoundError(f"No cloned voice has id {entry_id}.")
    outcome: ProviderOutcome = "kept"
    if not catalog_only:
        registry = providers[clone_provider(entry)]
        registry.ensure_configured()
        outcome = "deleted" if registry.delete_voice(entry.voice_id) else "already_gone"
        record_provider_metric("ProviderVoiceDeleted", entry.provider)
    try:
        previews.purge_voice(entry.provider, entry.voice_id)
    except CacheStoreError as exc:
        logger.error("Could not purge a deleted voice's previews", extra={"entry_id": entry_id, "error": str(exc)})
        raise StorageError(
            "The voice's cached previews could not be removed, so its catalog entry was kept; try again later."
        ) from exc
    statement = entry.consent.statement if entry.consent is not None else None
    if statement is not None:
        if statements is None:
            raise StorageError("The voice's consent statement cannot be removed here, so its catalog entry was kept.")
        try:
            statements.delete_statement(statement.key)
        except StorageError as exc:
            logger.error("Could not delete a voice's consent statement", extra={"entry_id": entry_id})
            raise StorageError(
                "The voice's recorded consent statement could not be removed, so its catalog entry was kept; try "
                "again later."
            ) from exc
    if not catalog.delete_entry(entry_id, owner=owner):
        # A concurrent DELETE removed the row meanwhile: the caller's goal is reached all the same.
        logger.info("Catalog row already removed by a concurrent request", extra={"entry_id": entry_id})
    return DeletionResult(entry, outcome)
