"""`make bench` must at least start: every benchmark module imports and is registered under its name.

The benchmarks themselves are too slow for the suite; this catches the import breakage a merge can leave behind
(nothing else in `make test` imports the bench modules).
"""

from __future__ import annotations

import ast
import subprocess
import sys

from scripts import REPO_ROOT

EXPECTED = {
    "artifact cold start",
    "catalog concurrency",
    "catalog hop",
    "clone conversion",
    "openai speech",
    "cold start",
    "package size",
    "preview cache",
    "preview overhead",
    "warm catalog",
}


def test_bench_entry_imports_every_benchmark_and_lists_them_by_name() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--only", "no such benchmark"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    listed = completed.stderr.rsplit("choose from ", 1)[1].strip()
    assert set(ast.literal_eval(listed)) == EXPECTED
