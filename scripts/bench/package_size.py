"""Benchmark 6: each function's unzipped size plus its layers, read from an existing `sam build` output.

It never builds (`make build` does, for arm64, the deployed architecture; so does `make test`, into
`.aws-sam/build-arm64`); it reads the newer of the two with scripts/build_sizes.py and says so when that output is
missing or older than the sources. Each function is measured against its budget in scripts/build_sizes.py.
"""

from __future__ import annotations

from pathlib import Path

from scripts import REPO_ROOT
from scripts.bench.common import Result

# `make build` (arm64) writes .aws-sam/build; `make test` writes the same arm64 build to .aws-sam/build-arm64.
BUILD_DIRS = (REPO_ROOT / ".aws-sam" / "build", REPO_ROOT / ".aws-sam" / "build-arm64")
MB = 1_000_000
BUILD_INPUTS = (
    "template.yaml",
    "samconfig.toml",
    "scripts/build_function.py",
    "scripts/build_ffmpeg.py",
    "functions",
    "layers",
    "shared",
)


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


def _newest_build() -> Path | None:
    built = [directory for directory in BUILD_DIRS if (directory / "template.yaml").is_file()]
    return max(built, key=lambda directory: (directory / "template.yaml").stat().st_mtime, default=None)


def run() -> list[Result]:
    build_dir = _newest_build()
    if build_dir is None:
        return [
            Result(
                "6. package size (unzipped)",
                "every function",
                "not measured: no sam build output",
                "—",
                None,
                None,
                "run `make build` (arm64) first; this benchmark only reads .aws-sam/build or build-arm64",
            )
        ]
    template = build_dir / "template.yaml"
    from scripts.build_sizes import BUDGET_BYTES, UNZIPPED_LIMIT_BYTES, built_functions

    newest_time, newest_path = _newest_input()
    freshness = (
        "build is current"
        if template.stat().st_mtime >= newest_time
        else f"STALE build: {newest_path.relative_to(REPO_ROOT)} changed after it; run `make build`"
    )
    results = []
    for function in built_functions(build_dir):
        architectures = ",".join(sorted(set(function.native_architectures().values()))) or "no native code"
        budget = BUDGET_BYTES.get(function.logical_id, UNZIPPED_LIMIT_BYTES)
        value = (
            f"{function.total_bytes / MB:.1f} MB (code {function.code_bytes / MB:.1f} + layers "
            f"{function.layer_bytes / MB:.1f})"
        )
        note = f"{architectures}; {build_dir.name}, {freshness}; largest (MB): {_largest_entries(function.code_dir, 4)}"
        if function.layer_dirs:
            note += "; the layer is the audio-only ffmpeg (see the ffmpeg row)"
        results.append(
            Result(
                "6. package size (unzipped)",
                function.logical_id,
                value,
                f"budget {budget / MB:.0f} MB; Lambda limit {UNZIPPED_LIMIT_BYTES / MB:.1f} MB",
                function.total_bytes / budget,
                1.0,
                f"ratio = size / budget (scripts/build_sizes.py); {note}",
            )
        )
    layers = {path for function in built_functions(build_dir) for path in function.layer_dirs}
    for layer in sorted(layers):
        binary = layer / "bin" / "ffmpeg"
        build_notes = layer / "share" / "doc" / "ffmpeg" / "BUILD.txt"
        license_line = build_notes.read_text().splitlines()[0] if build_notes.is_file() else "no BUILD.txt"
        results.append(
            Result(
                "6. package size (unzipped)",
                f"ffmpeg layer ({layer.name})",
                f"{sum(p.stat().st_size for p in layer.rglob('*') if p.is_file()) / MB:.1f} MB "
                f"(binary {binary.stat().st_size / MB:.1f} MB)",
                "—",
                None,
                None,
                f"{license_line} Built by scripts/build_ffmpeg.py; before and after in the notes below",
            )
        )
    return results


if __name__ == "__main__":
    for row in run():
        print(row)
