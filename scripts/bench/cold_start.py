"""Benchmark 1: import time of each function's handler module in a fresh process, against the framework floor."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile

from scripts import REPO_ROOT
from scripts.bench.common import Result, bench_env, ms

FLOOR_IMPORT = "import fastapi, mangum; from aws_lambda_powertools import Logger"
HANDLER_MODULES = {
    "preview": "functions.preview.app",
    "list_voices": "functions.list_voices.app",
    "delete_voice": "functions.delete_voice.app",
    "clone_voice": "functions.clone_voice.app",
    "openai_speech": "functions.openai_speech.app",
    "create_upload": "functions.create_upload.app",
    "preflight": "functions.preflight.app",
}
TARGET = 1.25
RUNS = 11

_TIMER = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"


def _import_seconds(interpreter: str, statement: str, env: dict[str, str]) -> float:
    completed = subprocess.run(
        [interpreter, "-c", _TIMER.format(statement=statement)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(completed.stdout.strip().splitlines()[-1])


def run(interpreter: str) -> list[Result]:
    modules = {name: module for name, module in HANDLER_MODULES.items() if importlib.util.find_spec(module)}
    with tempfile.TemporaryDirectory() as scratch:
        env = bench_env(OPENTALKING_SQLITE_PATH=f"{scratch}/voices.sqlite3", PYTHONPATH=str(REPO_ROOT))
        samples: dict[str, list[float]] = {"floor": [], **{name: [] for name in modules}}
        # Interleave the runs so that machine noise hits every module alike.
        for _ in range(RUNS):
            samples["floor"].append(_import_seconds(interpreter, FLOOR_IMPORT, env))
            for name, module in modules.items():
                samples[name].append(_import_seconds(interpreter, f"import {module}", env))
    floor = sorted(samples["floor"])[RUNS // 2]
    results = []
    for name in modules:
        median = sorted(samples[name])[RUNS // 2]
        results.append(Result("1. cold start (import)", name, ms(median), f"floor {ms(floor)}", median / floor, TARGET))
    return results


if __name__ == "__main__":
    for row in run(sys.executable):
        print(row)
