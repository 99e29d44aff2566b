"""Scheduled reconciler of the catalog and the providers' voices (EventBridge schedule; `make reconcile` locally)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from voice_service.adapters.factories import get_reconciler
from voice_service.observability import logger
from voice_service.services.reconciler import ReconcileSummary

# Summary field → metric name (one EMF document per run).
SUMMARY_METRICS = {
    "orphans_found": "OrphansFound",
    "orphans_deleted": "OrphansDeleted",
    "statuses_refreshed": "StatusesRefreshed",
    "marked_gone": "VoicesGone",
    "intents_completed": "IntentsCompleted",
    "intents_dropped": "IntentsDropped",
    "provider_calls": "ReconcileProviderCalls",
}


def reconcile() -> ReconcileSummary:
    """One reconciliation run, logged and measured."""
    summary = get_reconciler().run()
    logger.info("Reconciliation finished", extra={"summary": asdict(summary)})
    # Built per run, so it reads POWERTOOLS_METRICS_* as they are now; flushed as one EMF document.
    run_metrics = Metrics()
    for field_name, metric_name in SUMMARY_METRICS.items():
        run_metrics.add_metric(name=metric_name, unit=MetricUnit.Count, value=getattr(summary, field_name))
    run_metrics.flush_metrics()
    return summary


@logger.inject_lambda_context  # type: ignore[untyped-decorator]  # Powertools types it loosely
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asdict(reconcile())
