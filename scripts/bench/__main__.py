"""`make bench`: run every benchmark, print the table and write it to BENCHMARKS.md with machine and versions."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from scripts import REPO_ROOT
from scripts.bench import (
    artifact_cold_start,
    catalog_concurrency,
    catalog_hop,
    clone_conversion,
    cold_start,
    openai_speech,
    package_size,
    preview_overhead,
    speech_cache,
    warm_catalog,
)
from scripts.bench.common import BENCH_ENVIRONMENT, Result, python312, render

# Methods, reasoning and plans for the unmet targets: kept by hand, appended under the table.
NOTES = REPO_ROOT / "scripts" / "bench" / "notes.md"

PACKAGES = (
    "fastapi",
    "mangum",
    "aws-lambda-powertools",
    "pydantic",
    "edge-tts",
    "dashscope",
    "elevenlabs",
    "httpx",
    "soundfile",
    "soxr",
    "imageio-ffmpeg",
)


def machine_description(interpreter: list[str]) -> str:
    version = subprocess.run([*interpreter, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    ffmpeg = {
        name: subprocess.run([binary(), "-hide_banner", "-version"], capture_output=True, text=True, check=False)
        .stdout.split("\n", 1)[0]
        .removeprefix("ffmpeg version ")
        for name, binary in clone_conversion.BINARIES.items()
    }
    return (
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}\n"
        f"- Interpreters: benchmarks in Python {platform.python_version()}; cold starts in {version}\n"
        f"- Packages: {', '.join(versions)}\n"
        f"- ffmpeg: the layer's audio-only build for this machine (`make ffmpeg`): {ffmpeg['audio-only']}; the full "
        f"build of the old layer (imageio-ffmpeg, also the benchmarks' encoder): {ffmpeg['full']}\n"
    )


def runners(interpreter: list[str]) -> dict[str, Callable[[], list[Result]]]:
    return {
        "cold start": lambda: cold_start.run(interpreter[0]),
        "warm catalog": warm_catalog.run,
        "preview overhead": preview_overhead.run,
        "clone conversion": clone_conversion.run,
        "catalog concurrency": catalog_concurrency.run,
        "catalog hop": catalog_hop.run,
        "package size": package_size.run,
        "artifact cold start": artifact_cold_start.run,
        "preview cache": speech_cache.run,
        "openai speech": openai_speech.run,
    }


def benchmark_number(row: str) -> str:
    """The benchmark's number of a table row ("| 4. clone conversion (wall) | ..." → "4")."""
    return row.removeprefix("|").strip().split(".", 1)[0]


def merged_table(previous: str, results: list[Result]) -> str:
    """The previous report's table with the rows of the re-run benchmarks replaced by `results`."""
    rerun = {result.benchmark.split(".", 1)[0] for result in results}
    new_rows = render(results).splitlines()[2:]
    old_rows = [line for line in previous.splitlines() if line.startswith("| ") and line[2:3].isdigit()]
    kept = [row for row in old_rows if benchmark_number(row) not in rerun]
    rows = sorted(kept + new_rows, key=lambda row: int(benchmark_number(row)))  # stable: order within one stays
    return "\n".join([*render([]).splitlines()[:2], *rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default=str(REPO_ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this benchmark (repeatable; `make bench ONLY='clone conversion,package size'`); the other "
        "rows of the report are kept as they were",
    )
    args = parser.parse_args()
    os.environ.update(BENCH_ENVIRONMENT)
    interpreter = python312()
    available = runners(interpreter)
    selected = [name.strip() for names in args.only or [] for name in names.split(",") if name.strip()]
    unknown = set(selected) - set(available)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {sorted(available)}")
    results: list[Result] = []
    for name, runner in available.items():
        if selected and name not in selected:
            continue
        print(f"running {name} ...", file=sys.stderr)
        results.extend(runner())
    output = Path(args.output)
    if selected and output.is_file():
        table = merged_table(output.read_text(encoding="utf-8"), results)
        rerun = f"- Rows re-run at this date: {', '.join(selected)}; the others are from an earlier full run\n"
    else:
        table, rerun = render(results), ""
    print(table)
    header = (
        "# Benchmarks\n\nWritten by `make bench`. Every ratio compares against a baseline measured in the same run, "
        "on a shared, noisy machine: read ratios, not absolute times.\n\n"
    )
    notes = NOTES.read_text(encoding="utf-8")
    with open(output, "w", encoding="utf-8") as report:
        report.write(header + machine_description(interpreter) + rerun + "\n" + table + "\n\n" + notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
