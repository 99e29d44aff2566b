"""Build one function's Lambda artifact for `sam build` (BuildMethod: makefile; called by functions/Makefile).

The artifact holds the function's own modules, the `shared/` package and its requirements as manylinux wheels for
the target architecture and Python 3.12, so it builds the same on any machine without a container. Packages the
Lambda runtime already provides (boto3, botocore, s3transfer) and dependencies no function imports at run time (the
SDKs' command lines and optional extras) are left out: pip resolves the full set first, and only the rest is
installed. Then numpy's tests and type stubs go, and native libraries lose their symbol tables.

SAM's makefile builder passes only ARTIFACTS_DIR (aws_lambda_builders custom_make: CustomMakeAction), not the
function's architecture, so the architecture comes from LAMBDA_ARCHITECTURE (`make build ARCH=...` sets it together
with the template's Architecture parameter; the built-artifact tests check that the two agree).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SHARED_PACKAGE = Path(__file__).resolve().parent.parent / "shared"  # run as a plain script by the SAM build
PYTHON_VERSION = "3.12"
# In the python3.12 runtime already; shipping them again would add ~25 MB per function for nothing.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
# Dependencies the chosen libraries declare but that no function imports at run time: the SDKs' command lines and
# optional extras. Each reason names the only code that imports the distribution; tests/template checks that the
# handlers and every SDK module the service imports load from the artifact without them.
NEVER_IMPORTED_AT_RUN_TIME = {
    "typer": "dashscope's command line (dashscope/cli)",
    "shellingham": "typer's shell detection",
    "click": "typer, uvicorn and httpx's command line",
    "rich": "dashscope's command lines (dashscope/cli, dashscope/acli); httpx imports its CLI only if rich is there",
    "pygments": "rich and httpx's command line",
    "markdown-it-py": "rich",
    "mdurl": "markdown-it-py",
    "uvicorn": "dashscope's fine-tuning server (dashscope/finetune/.../server.py)",
    "tiktoken": "dashscope's local tokenizer (dashscope/tokenizers), imported when a tokenizer is built",
    "regex": "tiktoken",
    "tabulate": "edge-tts's command line (edge_tts/util.py)",
    "opentelemetry-sdk": "dashscope's fine-tuning tracing; fastapi's OTLP export (its exporters are not shipped)",
    "opentelemetry-semantic-conventions": "opentelemetry-sdk",
}
# Files inside kept distributions that nothing imports: numpy's own test suites and type stubs.
UNUSED_FILE_PATTERNS = ("numpy/**/tests", "**/*.pyi")
# Native libraries lose their symbol tables (not their dynamic symbols): Lambda never debugs them, and wheels ship
# them unstripped (about 20 MB of the preview function).
STRIP_TOOLS = {"arm64": ("aarch64-linux-gnu-strip", "binutils-aarch64-linux-gnu"), "x86_64": ("strip", "binutils")}
MACHINE_BY_ARCHITECTURE = {"arm64": "aarch64", "x86_64": "x86_64"}
# python3.12 runs on Amazon Linux 2023 (glibc 2.34): every manylinux wheel from glibc 2.17 to 2.34 fits. pip takes
# `--platform` values literally, so each one is listed.
GLIBC_MINOR_VERSIONS = range(17, 35)
FUNCTION_FILES_SKIPPED = {"requirements.txt", "Makefile"}


def platform_tags(architecture: str) -> list[str]:
    machine = MACHINE_BY_ARCHITECTURE[architecture]
    return [f"manylinux_2_{minor}_{machine}" for minor in GLIBC_MINOR_VERSIONS] + [f"manylinux2014_{machine}"]


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *args], check=True)


def wheel_options(architecture: str) -> list[str]:
    options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", PYTHON_VERSION]
    for tag in platform_tags(architecture):
        options += ["--platform", tag]
    # Byte-code compiled by the runtime's own Python version spares every cold start the compile; /var/task is
    # read-only in Lambda, so the runtime could not cache it there.
    if sys.version_info[:2] != tuple(int(part) for part in PYTHON_VERSION.split(".")):
        options.append("--no-compile")
    return options


def resolve(requirements: list[str], architecture: str, scratch: Path) -> list[dict[str, Any]]:
    """Everything pip would install for `requirements` on the target platform (pip's installation report)."""
    report_path = scratch / "report.json"
    pip(
        "install",
        "--dry-run",
        "--ignore-installed",
        "--report",
        str(report_path),
        "--target",
        str(scratch / "dry-run"),
        *wheel_options(architecture),
        *requirements,
    )
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return list(report["install"])


def distribution_name(item: dict[str, Any]) -> str:
    return str(item["metadata"]["name"]).lower().replace("_", "-")


def requirement_for(item: dict[str, Any]) -> str:
    url = str(item["download_info"]["url"])
    # A local wheel (the shared package) is installed from its file; everything else by its exact pin.
    if url.startswith("file://"):
        return url.removeprefix("file://")
    return f"{item['metadata']['name']}=={item['metadata']['version']}"


def build(function_dir: Path, artifacts_dir: Path, architecture: str) -> None:
    with tempfile.TemporaryDirectory(prefix="build-function-") as scratch_name:
        scratch = Path(scratch_name)
        pip("wheel", "--no-deps", "--wheel-dir", str(scratch / "wheels"), str(SHARED_PACKAGE))
        shared_wheel = next((scratch / "wheels").glob("*.whl"))
        resolved = resolve(["-r", str(function_dir / "requirements.txt"), str(shared_wheel)], architecture, scratch)
        left_out = RUNTIME_PROVIDED | NEVER_IMPORTED_AT_RUN_TIME.keys()
        wanted = [requirement_for(item) for item in resolved if distribution_name(item) not in left_out]
        artifacts_dir.mkdir(parents=True, exist_ok=True)
        pip("install", "--no-deps", "--target", str(artifacts_dir), *wheel_options(architecture), *wanted)
    for source in sorted(function_dir.iterdir()):
        if source.is_file() and source.name not in FUNCTION_FILES_SKIPPED:
            shutil.copy2(source, artifacts_dir / source.name)
    prune(artifacts_dir, architecture)
    size_mb = sum(path.stat().st_size for path in artifacts_dir.rglob("*") if path.is_file()) / 1_000_000
    print(
        f"{function_dir.name}: {size_mb:.1f} MB unzipped for {architecture}; left out: runtime-provided packages,"
        " dependencies never imported at run time, tests, stubs and native symbol tables"
    )


def is_shared_library(path: Path) -> bool:
    if not (path.name.endswith(".so") or ".so." in path.name) or path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def prune(artifacts_dir: Path, architecture: str) -> None:
    for pattern in UNUSED_FILE_PATTERNS:
        for path in sorted(artifacts_dir.glob(pattern), reverse=True):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    strip, package = STRIP_TOOLS[architecture]
    if shutil.which(strip) is None:
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", "--no-install-recommends", package],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    libraries = [str(path) for path in artifacts_dir.rglob("*.so*") if is_shared_library(path)]
    if libraries:
        subprocess.run([strip, "--strip-unneeded", *libraries], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function_dir", type=Path, help="functions/<name>, holding app.py and requirements.txt")
    parser.add_argument("artifacts_dir", type=Path, help="where SAM wants the artifact (ARTIFACTS_DIR)")
    parser.add_argument(
        "--architecture",
        choices=sorted(MACHINE_BY_ARCHITECTURE),
        default=os.environ.get("LAMBDA_ARCHITECTURE") or "arm64",
        help="target instruction set (default: LAMBDA_ARCHITECTURE, else arm64 like the template)",
    )
    args = parser.parse_args(argv)
    build(args.function_dir.resolve(), args.artifacts_dir.resolve(), args.architecture)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
