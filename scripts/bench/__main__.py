"""`make bench`: run every benchmark, print the table and write it to BENCHMARKS.md with machine and versions."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata

from scripts import REPO_ROOT
from scripts.bench import (
    catalog_concurrency,
    clone_conversion,
    cold_start,
    package_size,
    preview_overhead,
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default=str(REPO_ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    os.environ.update(BENCH_ENVIRONMENT)
    interpreter = python312()
    results: list[Result] = []
    for name, runner in (
        ("cold start", lambda: cold_start.run(interpreter[0])),
        ("warm catalog", warm_catalog.run),
        ("preview overhead", preview_overhead.run),
        ("clone conversion", clone_conversion.run),
        ("catalog concurrency", catalog_concurrency.run),
        ("package size", package_size.run),
    ):
        print(f"running {name} ...", file=sys.stderr)
        results.extend(runner())
    table = render(results)
    print(table)
    header = (
        "# Benchmarks\n\nWritten by `make bench`. Every ratio compares against a baseline measured in the same run, "
        "on a shared, noisy machine: read ratios, not absolute times.\n\n"
    )
    notes = NOTES.read_text(encoding="utf-8")
    with open(args.output, "w", encoding="utf-8") as report:
        report.write(header + machine_description(interpreter) + "\n" + table + "\n\n" + notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
