"""Logger, metrics and tracer shared by every function (configured by POWERTOOLS_* variables)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
metrics = Metrics()
tracer = Tracer()


def record_provider_metric(name: str, provider: str, value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
    """Emit one EMF metric with the provider as its dimension (flushed immediately, so no cross-request leaks)."""
    with single_metric(name=name, unit=unit, value=value, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="provider", value=provider)
