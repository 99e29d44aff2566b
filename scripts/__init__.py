"""The project's helper scripts (`make run`, builds, `sam local`, benchmarks)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
