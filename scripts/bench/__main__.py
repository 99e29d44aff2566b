"""`make bench`: run the benchmarks, print the table and write it to BENCHMARKS.md with machine and versions.

`make bench BENCH="preview_overhead speech_cache"` runs only those; their rows replace the same benchmarks' rows in
BENCHMARKS.md and every other row is kept from the run that wrote it (the header says which ran when).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from scripts import REPO_ROOT
from scripts.bench import (
    catalog_concurrency,
    clone_conversion,
    cold_start,
    package_size,
    preview_overhead,
    speech_cache,
    warm_catalog,
)
from scripts.bench.common import BENCH_ENVIRONMENT, Result, python312

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


def machine_description(interpreter: list[str]) -> str:
    version = subprocess.run([*interpreter, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    ffmpeg = subprocess.run(
        [clone_conversion.ffmpeg_exe(), "-hide_banner", "-version"], capture_output=True, text=True, check=False
    ).stdout.split("\n", 1)[0]
    return (
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}\n"
        f"- Interpreters: benchmarks in Python {platform.python_version()}; cold starts in {version}\n"
        f"- Packages: {', '.join(versions)}\n"
        f"- ffmpeg (imageio-ffmpeg, local runs): {ffmpeg.removeprefix('ffmpeg version ')}\n"
    )


def benchmarks(interpreter: list[str]) -> dict[str, Callable[[], list[Result]]]:
    """Every benchmark by the name `BENCH=` selects it with, in table order."""
    return {
        "cold_start": lambda: cold_start.run(interpreter[0]),
        "warm_catalog": warm_catalog.run,
        "preview_overhead": preview_overhead.run,
        "clone_conversion": clone_conversion.run,
        "catalog_concurrency": catalog_concurrency.run,
        "package_size": package_size.run,
        "speech_cache": speech_cache.run,
    }


TABLE_ROW = re.compile(r"^\| (\d+)\. ")


def kept_rows(path: Path, replaced: set[str]) -> list[str]:
    """Table rows of an earlier BENCHMARKS.md whose benchmark (the row's `N.` number) was not run now."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = TABLE_ROW.match(line)
        if match and match.group(1) not in replaced:
            rows.append(line)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default=str(REPO_ROOT / "BENCHMARKS.md"))
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    os.environ.update(BENCH_ENVIRONMENT)
    interpreter = python312()
    available = benchmarks(interpreter)
    unknown = set(args.names) - set(available)
    if unknown:
        parser.error(f"unknown benchmarks {sorted(unknown)}; choose from {', '.join(available)}")
    selected = args.names or list(available)
    results: list[Result] = []
    for name in selected:
        print(f"running {name} ...", file=sys.stderr)
        results.extend(available[name]())
    output = Path(args.output)
    ran_now = {row.benchmark.split(".", 1)[0] for row in results}
    kept = kept_rows(output, ran_now) if args.names else []
    lines = render(results).splitlines()
    rows = sorted([*kept, *lines[2:]], key=lambda row: int(TABLE_ROW.match(row).group(1)))  # type: ignore[union-attr]
    table = "\n".join([*lines[:2], *rows])
    print(table)
    header = (
        "# Benchmarks\n\nWritten by `make bench`. Every ratio compares against a baseline measured in the same run, "
        "on a shared, noisy machine: read ratios, not absolute times.\n\n"
    )
    scope = (
        f"- This run: {', '.join(selected)}; the other rows are kept from earlier `make bench` runs.\n" if kept else ""
    )
    notes = NOTES.read_text(encoding="utf-8")
    with open(output, "w", encoding="utf-8") as report:
        report.write(header + machine_description(interpreter) + scope + "\n" + table + "\n\n" + notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
