"""Suites that need more than Python (a browser, `sam local`): on a machine that cannot host them, one skip line for
the whole package instead of one per test."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest


def group_unhostable_skips(
    report: pytest.TestReport, item: pytest.Item, conftest: str, not_hostable: Callable[..., Any], marker: str
) -> None:
    """Point every skip whose reason carries `marker` at `not_hostable` in `conftest`: pytest's summary folds skips
    with one location and reason into one line."""
    if report.skipped and isinstance(report.longrepr, tuple) and marker in report.longrepr[2]:
        report.longrepr = (
            os.path.relpath(conftest, item.config.rootpath),
            not_hostable.__code__.co_firstlineno,
            report.longrepr[2],
        )
