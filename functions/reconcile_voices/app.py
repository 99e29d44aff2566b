"""Scheduled reconciler of the catalog and the providers' voices (EventBridge schedule; `make reconcile` locally).

It is also where an administrator hands unowned catalog rows to a user: invoked directly (never through the API)
with `{"assign_unowned": {"user_id": ..., "entry_ids": [...]}}` (`make assign-unowned` locally). Only principals
allowed to invoke this function can do that, which is the admin check; the schedule's event is fixed by its rule.

Composition root of ReconcileVoicesFunction: its settings are read and validated at import (the cold start); the
reconciler with the catalog (its catalog function's client in the cloud) and DashScope's voice adapters is built from
them per run (it keeps no warm state). It runs outside the VPC: it asks the provider over the internet.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Final

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_consent_statements import DELETE_STATEMENTS_IAM_ACTIONS
from voice_service.catalog_boundary.operations import (
    ADD_ENTRY,
    ASSIGN_UNOWNED,
    DROP_INTENT,
    LIST_ENTRIES,
    LIST_INTENTS,
    PURGE_IDEMPOTENCY_RECORDS,
    SET_STATUS,
)
from voice_service.observability import logger
from voice_service.services.catalog import MAX_ENTRY_ID, utc_now
from voice_service.services.reconciler import ReconcilePolicy, Reconciler, ReconcileSummary
from voice_service.settings import ReconcileVoicesFunctionSettings, load_settings

SETTINGS = load_settings(ReconcileVoicesFunctionSettings)
# Outside the VPC, the catalog is reached only through the function's own catalog function, for these operations.
CATALOG_OPERATIONS: Final = frozenset(
    {
        LIST_ENTRIES.name,
        LIST_INTENTS.name,
        SET_STATUS.name,
        ADD_ENTRY.name,
        DROP_INTENT.name,
        PURGE_IDEMPOTENCY_RECORDS.name,
        ASSIGN_UNOWNED.name,
    }
)
# The provider key comes from the secret; the run's metrics go out as EMF log lines (no CloudWatch API call); an
# intent it drops takes its recorded consent statement with it.
IAM_ACTIONS: Final = INVOKE_IAM_ACTIONS | PROVIDER_KEYS_IAM_ACTIONS | DELETE_STATEMENTS_IAM_ACTIONS
# Summary field → metric name (one EMF document per run).
SUMMARY_METRICS: Final = {
    "orphans_found": "OrphansFound",
    "orphans_deleted": "OrphansDeleted",
    "statuses_refreshed": "StatusesRefreshed",
    "marked_gone": "VoicesGone",
    "intents_completed": "IntentsCompleted",
    "intents_dropped": "IntentsDropped",
    "provider_calls": "ReconcileProviderCalls",
}


def build_reconciler(settings: ReconcileVoicesFunctionSettings) -> Reconciler:
    from voice_service.adapters.catalog_access import configured_catalog
    from voice_service.adapters.dashscope_sdk import DashScopeSdk
    from voice_service.adapters.enrollment import provider_voices
    from voice_service.adapters.provider_keys import ProviderKeys
    from voice_service.adapters.s3_consent_statements import S3ConsentStatements
    from voice_service.services.voice_lifecycle import VoiceNaming

    sdk = DashScopeSdk(settings.dashscope, ProviderKeys(settings.keys))
    reconcile = settings.reconcile
    return Reconciler(
        catalog=configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS),
        providers=provider_voices(sdk, timeout_seconds=settings.provider_voices.provider_voices_timeout_seconds),
        naming=VoiceNaming(settings.naming.voice_name_tag),
        policy=ReconcilePolicy(
            intent_stale_seconds=reconcile.intent_stale_seconds,
            orphan_grace_seconds=reconcile.orphan_grace_seconds,
            max_provider_calls=reconcile.max_provider_calls,
            time_budget_seconds=reconcile.time_budget_seconds,
        ),
        statements=S3ConsentStatements(
            settings.statements.samples_bucket, region=settings.statements.samples_bucket_region
        ),
    )


def reconcile(settings: ReconcileVoicesFunctionSettings | None = None) -> ReconcileSummary:
    """One reconciliation run (with the function's settings unless others are given), logged and measured."""
    reconciler = build_reconciler(settings or SETTINGS)
    try:
        summary = reconciler.run()
    finally:
        close = getattr(reconciler.catalog, "close", None)
        if callable(close):
            close()
    logger.info("Reconciliation finished", extra={"summary": asdict(summary)})
    # Built per run, so it reads POWERTOOLS_METRICS_* as they are now; flushed as one EMF document.
    run_metrics = Metrics()
    for field_name, metric_name in SUMMARY_METRICS.items():
        run_metrics.add_metric(name=metric_name, unit=MetricUnit.Count, value=getattr(summary, field_name))
    run_metrics.flush_metrics()
    return summary


class AssignUnowned(BaseModel):
    """An administrator's request: give the unowned rows (all, or those of `entry_ids`) to the user `user_id`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The user's `sub` as their tokens carry it (printable, no surrounding blanks).
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^\S(.*\S)?$")]
    entry_ids: list[Annotated[int, Field(ge=1, le=MAX_ENTRY_ID)]] | None = None


def assign_unowned(request: AssignUnowned, settings: ReconcileVoicesFunctionSettings | None = None) -> list[int]:
    """Hand unowned rows to a user through the reconciler's catalog function; return the ids assigned."""
    from voice_service.adapters.catalog_access import configured_catalog

    resolved = settings or SETTINGS
    catalog = configured_catalog(resolved.catalog, resolved.catalog_access, CATALOG_OPERATIONS)
    try:
        assigned = catalog.assign_unowned(request.user_id, utc_now(), request.entry_ids)
    finally:
        close = getattr(catalog, "close", None)
        if callable(close):
            close()
    logger.info("Unowned voices assigned", extra={"user_id": request.user_id, "entry_ids": assigned})
    return assigned


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "assign_unowned" in event:
        # Raises pydantic's ValidationError (the invoke's error) on a malformed request; nothing is written then.
        request = AssignUnowned.model_validate(event["assign_unowned"])
        return {"assigned": assign_unowned(request)}
    return asdict(reconcile())
