"""The `sam build` outputs the artifact tests inspect: built once per input change by make, timed, and reported."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts import REPO_ROOT
from scripts.build_sizes import BuiltFunction, built_functions, report

ARCHITECTURES = ("x86_64", "arm64")
SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
_reports: list[str] = []


@dataclass(frozen=True)
class Build:
    architecture: str
    directory: Path
    functions: dict[str, BuiltFunction]


@pytest.fixture(scope="session")
def sam_cli() -> Path:
    """The SAM CLI's own virtual environment (installed on first use; a Python 3.12 interpreter)."""
    subprocess.run(["make", "--no-print-directory", "-s", "sam"], cwd=REPO_ROOT, check=True)
    return SAM_PYTHON


@pytest.fixture(scope="session")
def builds(sam_cli: Path) -> dict[str, Build]:
    # make rebuilds a directory only when template.yaml, functions/, shared/, layers/ or the build script changed
    started = time.monotonic()
    subprocess.run(["make", "--no-print-directory", "-s", "build-test-artifacts"], cwd=REPO_ROOT, check=True)
    seconds = time.monotonic() - started
    found = {}
    for architecture in ARCHITECTURES:
        directory = REPO_ROOT / ".aws-sam" / f"build-{architecture}"
        functions = {function.logical_id: function for function in built_functions(directory)}
        found[architecture] = Build(architecture, directory, functions)
        _reports.append(
            f"sam build --parameter-overrides Architecture={architecture}:\n{report(list(functions.values()))}"
        )
    _reports.insert(0, f"sam build of both architectures (cached by make when nothing changed): {seconds:.1f} s")
    return found


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _reports:
        terminalreporter.section("built Lambda artifacts")
        for text in _reports:
            terminalreporter.write_line(text)
