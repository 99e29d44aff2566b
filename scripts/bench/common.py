"""Shared pieces of the benchmarks: timing helpers, the result row, and the environment for fresh processes."""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

BENCH_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "voice-service-bench",
    "POWERTOOLS_METRICS_NAMESPACE": "OpenTalkingVoiceBench",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "NO_PROXY": "127.0.0.1,localhost",
}


@dataclass(frozen=True)
class Result:
    """One row of the table: a measurement against its baseline from the same run."""

    benchmark: str
    measure: str
    value: str
    baseline: str
    ratio: float | None
    target: float | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.ratio is None or self.target is None:
            return "n/a"
        return "met" if self.ratio <= self.target else "MISSED"


def median_and_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_calls(call: Callable[[], object], repeat: int) -> list[float]:
    """Wall times in seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def alternated(
    measured: Callable[[], object], baselines: Mapping[str, Callable[[], object]], runs: int, warmup: int
) -> tuple[list[float], dict[str, list[float]]]:
    """Wall times of `measured` and of each baseline called in turn, `runs` rounds after `warmup`, so that the
    machine's noise hits them alike."""
    for _ in range(warmup):
        measured()
        for baseline in baselines.values():
            baseline()
    samples: list[float] = []
    baseline_samples: dict[str, list[float]] = {label: [] for label in baselines}
    for _ in range(runs):
        samples += time_calls(measured, 1)
        for label, baseline in baselines.items():
            baseline_samples[label] += time_calls(baseline, 1)
    return samples, baseline_samples


def compared(
    benchmark: str,
    measure: str,
    samples: list[float],
    baseline_label: str,
    baseline: list[float],
    *,
    target: float | None,
    difference: str,
    note: str,
) -> Result:
    """The row of `samples` against `baseline`: median and p95 of each, the ratio of the medians, and the note
    led by the difference of the medians under the name `difference`."""
    median, p95 = median_and_p95(samples)
    base_median, base_p95 = median_and_p95(baseline)
    return Result(
        benchmark,
        measure,
        f"median {ms(median)}, p95 {ms(p95)}",
        f"{baseline_label} median {ms(base_median)}, p95 {ms(base_p95)}",
        median / base_median,
        target,
        f"{difference} {ms(median - base_median)}; {note}",
    )


def handler_invocation(
    lambda_handler: Callable[[dict[str, Any], Any], dict[str, Any]], event: dict[str, Any], body: object, what: str
) -> Callable[[], int]:
    """A warm call of `lambda_handler` with `event` carrying the JSON `body`, that fails unless it answers 200 and
    returns the length of the (base64) answer. The body goes base64-encoded, as API Gateway hands every body over
    (the API lists */* as binary) and events/ records it."""
    from testsupport.apigw import FakeLambdaContext

    event = {**event, "body": base64.b64encode(json.dumps(body).encode()).decode("ascii"), "isBase64Encoded": True}
    context = FakeLambdaContext()

    def invoke() -> int:
        result = lambda_handler(event, context)
        if result["statusCode"] != 200:
            raise RuntimeError(f"{what} failed: {result['body'][:300]}")
        return len(result["body"])

    return invoke


def python312() -> list[str]:
    """The interpreter for fresh-process measurements: this virtualenv's (Python 3.12, the Lambda runtime, where
    the machine has it; `make venv` prefers it)."""
    return [sys.executable]


def bench_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYENV_VERSION", "3.12.1:3.11.7")
    env.update(BENCH_ENVIRONMENT)
    env.update(overrides)
    return env


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def render(results: list[Result]) -> str:
    lines = [
        "| benchmark | measure | value | baseline (same run) | ratio | target | verdict | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "—"
        target = f"≤ {row.target:.2f}x" if row.target is not None else "—"
        lines.append(
            f"| {row.benchmark} | {row.measure} | {row.value} | {row.baseline} | {ratio} | {target} | {row.verdict} "
            f"| {row.note} |"
        )
    return "\n".join(lines)
