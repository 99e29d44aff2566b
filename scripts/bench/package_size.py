"""Benchmark 6: each function's unzipped size plus its layers, read from an existing `sam build` output.

It never builds (`make build` does, for arm64, the deployed architecture); it reads `.aws-sam/build` with the
cloud branch's scripts/build_sizes.py and says so when that output is missing or older than the sources.
"""

from __future__ import annotations

from pathlib import Path

from scripts import REPO_ROOT
from scripts.bench.common import Result

BUILD_DIR = REPO_ROOT / ".aws-sam" / "build"
MB = 1_000_000
SMALL_FUNCTIONS = {"ListVoicesFunction", "DeleteVoiceFunction"}
SMALL_TARGET_BYTES = 30 * MB
BUILD_INPUTS = ("template.yaml", "samconfig.toml", "scripts/build_function.py", "functions", "layers", "shared")
# An audio-only ffmpeg with just the accepted demuxers and decoders: 2.1 MB stripped when built for x86_64 without
# SIMD; NEON code for arm64 adds some. Method and measurements in scripts/bench/notes.md.
MINIMAL_FFMPEG_MB = 3.0


def _newest_input() -> tuple[float, Path]:
    newest = (0.0, REPO_ROOT)
    for name in BUILD_INPUTS:
        root = REPO_ROOT / name
        paths = (
            [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        )
        for path in paths:
            if "egg-info" not in str(path):
                newest = max(newest, (path.stat().st_mtime, path))
    return newest


def _largest_entries(directory: Path, count: int) -> str:
    from scripts.build_sizes import directory_bytes

    sizes = []
    for entry in directory.iterdir():
        size = directory_bytes(entry) if entry.is_dir() else entry.stat().st_size
        sizes.append((size, entry.name))
    return ", ".join(f"{name} {size / MB:.0f}" for size, name in sorted(sizes, reverse=True)[:count])


def run() -> list[Result]:
    template = BUILD_DIR / "template.yaml"
    if not template.is_file():
        return [
            Result(
                "6. package size (unzipped)",
                "every function",
                "not measured: no sam build output",
                "—",
                None,
                None,
                "run `make build` (arm64) first; this benchmark only reads .aws-sam/build",
            )
        ]
    from scripts.build_sizes import UNZIPPED_LIMIT_BYTES, built_functions

    newest_time, newest_path = _newest_input()
    freshness = (
        "build is current"
        if template.stat().st_mtime >= newest_time
        else f"STALE build: {newest_path.relative_to(REPO_ROOT)} changed after it; run `make build`"
    )
    results = []
    for function in built_functions(BUILD_DIR):
        architectures = ",".join(sorted(set(function.native_architectures().values()))) or "no native code"
        small = function.logical_id in SMALL_FUNCTIONS
        value = (
            f"{function.total_bytes / MB:.1f} MB (code {function.code_bytes / MB:.1f} + layers "
            f"{function.layer_bytes / MB:.1f})"
        )
        note = f"{architectures}; {freshness}; largest (MB): {_largest_entries(function.code_dir, 4)}"
        if function.layer_dirs:
            note += "; the layer is the ffmpeg binary (see the ffmpeg row)"
        results.append(
            Result(
                "6. package size (unzipped)",
                function.logical_id,
                value,
                ("target 30 MB; " if small else "") + f"Lambda limit {UNZIPPED_LIMIT_BYTES / MB:.1f} MB",
                function.total_bytes / SMALL_TARGET_BYTES if small else None,
                1.0 if small else None,
                ("ratio = size / 30 MB; " if small else "") + note,
            )
        )
    layer_sizes = {
        path: sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        for function in built_functions(BUILD_DIR)
        for path in function.layer_dirs
    }
    ffmpeg_bytes = sum(layer_sizes.values())
    if ffmpeg_bytes:
        results.append(
            Result(
                "6. package size (unzipped)",
                "ffmpeg layer vs a minimal audio-only ffmpeg",
                f"{ffmpeg_bytes / MB:.1f} MB now; about {MINIMAL_FFMPEG_MB:.0f} MB audio-only (estimate)",
                "—",
                None,
                None,
                f"would save about {(ffmpeg_bytes / MB - MINIMAL_FFMPEG_MB):.0f} MB of the clone function; "
                "2.1 MB measured for an x86_64 build without SIMD; see the ffmpeg note below",
            )
        )
    return results


if __name__ == "__main__":
    for row in run():
        print(row)
