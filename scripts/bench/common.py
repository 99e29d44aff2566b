"""Shared pieces of the benchmarks: timing helpers, the result row, and the environment for fresh processes."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

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
