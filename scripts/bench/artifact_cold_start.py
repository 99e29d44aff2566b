"""Benchmark 7: cold import of each handler from its built, slimmed artifact, as Lambda's runtime would import it.

arm64 is what Lambda runs, but this machine has no arm64 Python 3.12 to run it with (qemu runs the static ffmpeg,
not an interpreter plus its wheels), so the x86_64 build of the same sources is used: `make build-test-artifacts`
(.aws-sam/build-x86_64), with the same dependencies left out and the same bytecode compiled. A bare `python3.12 -I
-S` gets only the artifact on sys.path; the floor imports fastapi, mangum and Powertools' Logger from that same
artifact. The benchmark never builds, and says so when the output is missing.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from scripts import REPO_ROOT
from scripts.bench.common import Result, bench_env, ms

BUILD_DIR = REPO_ROOT / ".aws-sam" / "build-x86_64"
SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
FLOOR_IMPORT = "import fastapi, mangum; from aws_lambda_powertools import Logger"
TARGET = 1.25
RUNS = 11
_TIMER = (
    "import sys, time; sys.path[:0] = [{path!r}]; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
)


def _import_seconds(code_dir: Path, statement: str, env: dict[str, str]) -> float:
    completed = subprocess.run(
        [str(SAM_PYTHON), "-I", "-S", "-c", _TIMER.format(path=str(code_dir), statement=statement)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(completed.stdout.strip().splitlines()[-1])


def run() -> list[Result]:
    if not (BUILD_DIR / "template.yaml").is_file() or not SAM_PYTHON.is_file():
        return [
            Result(
                "7. cold import from the built artifact",
                "every function",
                "not measured: no x86_64 sam build output",
                "—",
                None,
                None,
                "run `make build-test-artifacts` (or `make test`) first",
            )
        ]
    from scripts.build_sizes import built_functions

    functions = built_functions(BUILD_DIR)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        env = bench_env(OPENTALKING_SQLITE_PATH=f"{scratch}/voices.sqlite3")
        samples: dict[str, list[float]] = {function.logical_id: [] for function in functions}
        floors: list[float] = []
        # The floor's framework comes from an artifact that ships it (the authorizer's and the catalog's do not).
        floor_from = next(function for function in functions if (function.code_dir / "fastapi").is_dir())
        for _ in range(RUNS):  # interleaved, so that machine noise hits every function alike
            floors.append(_import_seconds(floor_from.code_dir, FLOOR_IMPORT, env))
            for function in functions:
                samples[function.logical_id].append(_import_seconds(function.code_dir, "import app", env))
    floor = sorted(floors)[RUNS // 2]
    for function in functions:
        median = sorted(samples[function.logical_id])[RUNS // 2]
        results.append(
            Result(
                "7. cold import from the built artifact",
                function.logical_id,
                ms(median),
                f"floor {ms(floor)} ({floor_from.logical_id}'s artifact)",
                median / floor,
                TARGET,
                f"x86_64 build, python3.12 -I -S, {RUNS} interleaved runs, medians",
            )
        )
    return results


if __name__ == "__main__":
    for row in run():
        print(row)
