"""Logger, metrics and tracer shared by every function (configured by POWERTOOLS_* variables)."""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.tracing import Tracer

logger = Logger()
metrics = Metrics()


@lru_cache(maxsize=1)
def get_tracer() -> Tracer:
    """The Powertools tracer, built on first use.

    Building it imports the X-Ray SDK and, through it, botocore (about 165 ms here); deferring it keeps the
    functions that never touch AWS APIs (list, delete) near the framework's import floor. The cost moves to the
    first invocation of a container, where it is measured separately.
    """
    return Tracer()


def record_provider_metric(name: str, provider: str, value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
    """Emit one EMF metric with the provider as its dimension (flushed immediately, so no cross-request leaks)."""
    record_metric(name, {"provider": provider}, value, unit)


def record_metric(name: str, dimensions: dict[str, str], value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
    """Emit one EMF metric with these dimensions, flushed immediately."""
    with single_metric(name=name, unit=unit, value=value, namespace=metrics.namespace) as metric:
        for dimension, dimension_value in dimensions.items():
            metric.add_dimension(name=dimension, value=dimension_value)
