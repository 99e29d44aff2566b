"""Catalog faults through the real handlers: a clear 5xx, no partial write, and recovery once the fault clears."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.delete_voice.app import lambda_handler as delete_handler
from functions.list_voices.app import lambda_handler as list_handler
from testsupport.apigw import FakeLambdaContext, json_body, load_event
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice


def seed_one(wiring: FunctionWiring) -> Path:
    catalog = wiring.catalog()
    catalog.add_entry(NewEntry(NewVoice("dashscope", "v1", "Alice", "m"), datetime.now(UTC)))
    return catalog.path


@contextmanager
def read_only_directory(directory: Path) -> Iterator[None]:
    """Make `directory` refuse new files (the journal) the way a read-only mount would, also for root."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is needed to make a directory read-only for root")
        result = subprocess.run(["chattr", "+i", str(directory)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"this file system does not support immutable directories: {result.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
    else:
        mode = directory.stat().st_mode
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(mode)


def test_read_only_catalog_directory(wiring: FunctionWiring, lambda_context: FakeLambdaContext) -> None:
    # GIVEN a catalog with one entry whose directory turns read-only
    path = seed_one(wiring)
    with read_only_directory(path.parent):
        # WHEN a write is attempted THEN a clear 500, and the row is still there
        response = delete_handler(load_event("delete_voice_catalog_only"), lambda_context)
        assert response["statusCode"] == 500
        assert json_body(response)["detail"].startswith("The voice catalog could not be used")
        assert len(json_body(list_handler(load_event("list_voices_all"), lambda_context))["items"]) == 1
    # AND once the fault clears, the same request succeeds
    response = delete_handler(load_event("delete_voice_catalog_only"), lambda_context)
    assert response["statusCode"] == 200
    assert json_body(list_handler(load_event("list_voices_all"), lambda_context)) == {"items": []}


def test_catalog_locked_longer_than_the_busy_timeout(
    lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS="0.2")
    path = seed_one(wiring)
    other_container = sqlite3.connect(path, isolation_level=None)
    other_container.execute("BEGIN EXCLUSIVE")
    try:
        response = delete_handler(load_event("delete_voice_catalog_only"), lambda_context)
        assert response["statusCode"] == 503
        assert "busy" in json_body(response)["detail"]
    finally:
        other_container.execute("ROLLBACK")
        other_container.close()
    assert len(wiring.catalog().list_entries()) == 1
    assert delete_handler(load_event("delete_voice_catalog_only"), lambda_context)["statusCode"] == 200
