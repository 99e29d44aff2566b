"""The reconciler: brings the catalog and the providers' voice lists back into agreement.

It acts as the system, over every owner's voices and intents (the catalog's shared view), and an entry it
completes from an intent belongs to the intent's owner. One run, per provider whose key is configured:
1. lists the provider's voices (page by page);
2. updates statuses from the listing (`deploying` → `ready`/`failed`; a voice missing from a COMPLETE listing is
   `gone`), and queries entries still deploying that the listing could not settle;
3. resolves stale clone intents: the voice an interrupted clone created (found by the name it sent) becomes its
   entry, or is deleted when the provider could not build it; an intent with no voice is dropped;
4. deletes orphans: voices named with this deployment's tag that no entry or pending intent claims, once older than
   the grace period.
It then purges expired idempotency records. Every provider request counts against a budget, and the run also stops
at a deadline; what it could not reach waits for the next run. The listing is read before the catalog, so a clone
finishing meanwhile is either in the listing and the catalog, or in neither.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from voice_service.errors import ProviderNotConfiguredError, StorageError, VoiceServiceError
from voice_service.models import CloneIntent, NewEntry, NewVoice, Owner, ProviderVoice, VoiceEntry
from voice_service.observability import logger
from voice_service.providers import CLONE_PROVIDERS, CloneProvider
from voice_service.services.catalog import VoiceCatalog, utc_now
from voice_service.services.consent import ConsentStatementStore
from voice_service.services.voice_lifecycle import ProviderDirectory, ProviderVoices, VoiceNaming

LIST_PAGE_SIZE: Final = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReconcilePolicy:
    intent_stale_seconds: float = 600
    orphan_grace_seconds: float = 3600
    max_provider_calls: int = 200
    time_budget_seconds: float = 240


@dataclass
class ReconcileSummary:
    """What one run did; also its log line and its metrics."""

    provider_calls: int = 0
    statuses_refreshed: int = 0
    marked_gone: int = 0
    intents_completed: int = 0
    intents_dropped: int = 0
    orphans_found: int = 0
    orphans_deleted: int = 0
    idempotency_records_purged: int = 0
    budget_exhausted: bool = False
    skipped_providers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class BudgetExhausted(Exception):
    """The run reached its provider-call or time budget."""


@dataclass
class Reconciler:
    catalog: VoiceCatalog
    providers: ProviderDirectory
    naming: VoiceNaming
    policy: ReconcilePolicy = field(default_factory=ReconcilePolicy)
    now: Callable[[], datetime] = utc_now
    monotonic: Callable[[], float] = time.monotonic
    # Where the recorded consent statements of dropped intents are deleted (None: a deployment that stores none).
    statements: ConsentStatementStore | None = None

    def run(self) -> ReconcileSummary:
        summary = ReconcileSummary()
        deadline = self.monotonic() + self.policy.time_budget_seconds
        for provider in CLONE_PROVIDERS:
            registry = self.providers[provider]
            try:
                registry.ensure_configured()
            except ProviderNotConfiguredError:
                summary.skipped_providers.append(provider)
                continue
            run = _ProviderRun(self, provider, registry, summary, deadline)
            try:
                run.reconcile()
            except BudgetExhausted:
                summary.budget_exhausted = True
                break
            except VoiceServiceError as exc:
                # One provider failing (or the catalog) must not stop the other provider's reconciliation.
                summary.errors.append(f"{provider}: {exc.message}")
                logger.warning(
                    "Reconciliation of a provider stopped", extra={"provider": provider, "reason": exc.message}
                )
        try:
            summary.idempotency_records_purged = self.catalog.purge_idempotency_records(
                int(self.now().timestamp() * 1000)
            )
        except VoiceServiceError as exc:
            summary.errors.append(f"catalog: {exc.message}")
        return summary


@dataclass
class _ProviderRun:
    owner: Reconciler
    provider: CloneProvider
    registry: ProviderVoices
    summary: ReconcileSummary
    deadline: float

    def call(self, operation: Callable[..., T], *args: Any) -> T:
        """One provider request, if the budget allows it."""
        if (
            self.summary.provider_calls >= self.owner.policy.max_provider_calls
            or self.owner.monotonic() > self.deadline
        ):
            raise BudgetExhausted
        self.summary.provider_calls += 1
        return operation(*args)

    def reconcile(self) -> None:
        catalog, now = self.owner.catalog, self.owner.now()
        listed, complete = self.list_voices()
        # Read after the listing (see the module docstring).
        entries = catalog.list_entries(self.provider)
        intents = [intent for intent in catalog.list_intents() if intent.provider == self.provider]
        by_id = {voice.voice_id: voice for voice in listed}
        self.refresh_statuses(entries, by_id, complete)
        held = {entry.voice_id for entry in entries}
        stale_before = now - timedelta(seconds=self.owner.policy.intent_stale_seconds)
        pending_names = set()
        for intent in intents:
            if intent.created_at >= stale_before:
                pending_names.add(intent.voice_name)
                continue
            adopted = self.resolve_intent(intent, listed, held, complete)
            if adopted is not None:
                held.add(adopted)
        self.delete_orphans(listed, held, pending_names, now)

    def list_voices(self) -> tuple[list[ProviderVoice], bool]:
        """The provider's voices and whether that is all of them (False when the budget ran out midway).

        The listing may use half of the run's call budget, so that entries still deploying can be asked about one
        by one when it is incomplete.
        """
        voices: list[ProviderVoice] = []
        max_pages = max(1, self.owner.policy.max_provider_calls // 2)
        page_index = 0
        while True:
            if page_index >= max_pages:
                return voices, False
            try:
                page = self.call(self.registry.list_voices_page, page_index, LIST_PAGE_SIZE)
            except BudgetExhausted:
                self.summary.budget_exhausted = True
                return voices, False
            voices.extend(page)
            if len(page) < LIST_PAGE_SIZE:
                return voices, True
            page_index += 1

    def refresh_statuses(self, entries: list[VoiceEntry], listed: dict[str, ProviderVoice], complete: bool) -> None:
        catalog = self.owner.catalog
        for entry in entries:
            voice = listed.get(entry.voice_id)
            if voice is not None:
                status = voice.status
            elif complete:
                status = "gone"
            elif entry.status == "deploying":
                status = self.call(self.registry.voice_status, entry.voice_id)
            else:
                continue
            if status == entry.status:
                continue
            catalog.set_status(entry.id, status)
            if status == "gone":
                self.summary.marked_gone += 1
                logger.info(
                    "Provider no longer has the voice", extra={"entry_id": entry.id, "voice_id": entry.voice_id}
                )
            else:
                self.summary.statuses_refreshed += 1

    def resolve_intent(
        self, intent: CloneIntent, listed: list[ProviderVoice], held: set[str], complete: bool
    ) -> str | None:
        """Complete, undo or drop one stale intent; return the voice id it adopted into the catalog, if any."""
        catalog = self.owner.catalog
        candidates = [
            voice
            for voice in listed
            if voice.voice_name == intent.voice_name
            and voice.voice_id not in held
            and (voice.target_model is None or voice.target_model == intent.target_model)
        ]
        if not candidates:
            if complete:
                # The provider never created it (or it is gone already): nothing to keep.
                self.drop_intent(intent)
                self.summary.intents_dropped += 1
            return None
        voice = candidates[0]
        if voice.status in ("failed", "gone"):
            self.call(self.registry.delete_voice, voice.voice_id)
            self.drop_intent(intent)
            self.summary.intents_dropped += 1
            return None
        # The entry is its cloner's, with the consent they gave; the quota was checked when the clone started.
        entry = catalog.add_entry(
            NewEntry(
                NewVoice(self.provider, voice.voice_id, intent.display_label, intent.target_model, voice.status),
                intent.created_at,
                owner=Owner(user_id=intent.user_id),
                consent=intent.consent,
                intent_id=intent.id,
            )
        )
        self.summary.intents_completed += 1
        logger.info("Interrupted clone completed", extra={"entry_id": entry.id, "voice_id": voice.voice_id})
        return voice.voice_id

    def drop_intent(self, intent: CloneIntent) -> None:
        """Drop an intent, its recorded consent statement first (services/consent.py): if the statement cannot be
        deleted the intent stays, and the next run tries again."""
        statement = intent.consent.statement if intent.consent is not None else None
        if statement is not None:
            statements = self.owner.statements
            if statements is None:
                raise StorageError("The reconciler cannot delete consent statements here; the intent was kept.")
            statements.delete_statement(statement.key)
        self.owner.catalog.drop_intent(intent.id)

    def delete_orphans(self, listed: list[ProviderVoice], held: set[str], pending: set[str], now: datetime) -> None:
        grace = timedelta(seconds=self.owner.policy.orphan_grace_seconds)
        for voice in listed:
            if voice.voice_id in held or not self.owner.naming.is_ours(voice.voice_name) or voice.voice_name in pending:
                continue
            self.summary.orphans_found += 1
            if voice.created_at is None or now - voice.created_at < grace:
                continue
            self.call(self.registry.delete_voice, voice.voice_id)
            self.summary.orphans_deleted += 1
            logger.info(
                "Orphaned provider voice deleted", extra={"provider": self.provider, "voice_id": voice.voice_id}
            )
