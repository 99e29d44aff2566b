"""Benchmark 2: warm GET /voices (1,000 entries) and DELETE through lambda_handler, against raw SQLite + JSON."""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

from scripts.bench.common import Result, median_and_p95, ms, time_calls

ENTRIES = 1_000
INVOCATIONS = 500
TARGET = 2.0
_COLUMNS = ("id", "user_id", "provider", "voice_id", "display_label", "target_model", "source")


def _seed(path: Path, count: int) -> None:
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
    from voice_service.models import NewEntry, NewVoice

    catalog = SqliteVoiceCatalog(path)
    now = datetime.now(UTC)
    for index in range(count):
        voice = NewVoice("dashscope", f"qwen-tts-vc-voice-{index:05d}", f"Voice {index}", "qwen3-tts-vc-realtime")
        catalog.add_entry(NewEntry(voice, now))
    catalog.close()


def run() -> list[Result]:
    warnings.simplefilter("ignore")  # Powertools warns on every invocation that adds no metric
    from testsupport.apigw import FakeLambdaContext, load_event

    with tempfile.TemporaryDirectory() as scratch:
        list_path = Path(scratch) / "list.sqlite3"
        _seed(list_path, ENTRIES)
        # Each function reads its settings when imported, as at a Lambda cold start.
        os.environ["OPENTALKING_SQLITE_PATH"] = str(list_path)
        from functions.list_voices.app import lambda_handler as list_handler

        context = FakeLambdaContext()
        list_event = load_event("list_voices_all")
        list_samples = time_calls(lambda: list_handler(list_event, context), INVOCATIONS)

        raw = sqlite3.connect(list_path)
        query = f"SELECT {', '.join(_COLUMNS)} FROM voices ORDER BY id"

        def raw_list() -> str:
            rows = raw.execute(query).fetchall()
            return json.dumps({"items": [dict(zip(_COLUMNS, row, strict=True)) for row in rows]})

        raw_list_samples = time_calls(raw_list, INVOCATIONS)

        # DELETE: each invocation removes a different entry; the floor deletes the same ids from a twin file.
        delete_path = Path(scratch) / "delete.sqlite3"
        floor_path = Path(scratch) / "delete-floor.sqlite3"
        _seed(delete_path, INVOCATIONS)
        _seed(floor_path, INVOCATIONS)
        os.environ["OPENTALKING_SQLITE_PATH"] = str(delete_path)
        from functions.delete_voice.app import lambda_handler as delete_handler

        # Catalog-only: the provider-side deletion is a DashScope round trip, not this service's overhead.
        template = load_event("delete_voice_catalog_only")
        events = []
        for entry_id in range(1, INVOCATIONS + 1):
            event = copy.deepcopy(template)
            event["path"] = f"/voices/{entry_id}"
            event["pathParameters"] = {"entry_id": str(entry_id)}
            events.append(event)
        pending = iter(events)
        delete_samples = time_calls(lambda: delete_handler(next(pending), context), INVOCATIONS)

        floor = sqlite3.connect(floor_path, isolation_level=None)
        ids = iter(range(1, INVOCATIONS + 1))

        def raw_delete() -> str:
            floor.execute("BEGIN IMMEDIATE")
            floor.execute("DELETE FROM voices WHERE id = ?", (next(ids),))
            floor.execute("COMMIT")
            return json.dumps({"deleted": True})

        raw_delete_samples = time_calls(raw_delete, INVOCATIONS)

    results = []
    for name, samples, baseline in (
        (f"GET /voices, {ENTRIES} entries", list_samples, raw_list_samples),
        ("DELETE /voices/{id}?catalog_only=true", delete_samples, raw_delete_samples),
    ):
        median, p95 = median_and_p95(samples)
        base_median, base_p95 = median_and_p95(baseline)
        results.append(
            Result(
                "2. warm request (lambda_handler)",
                name,
                f"median {ms(median)}, p95 {ms(p95)}",
                f"raw SQLite+JSON median {ms(base_median)}, p95 {ms(base_p95)}",
                median / base_median,
                TARGET,
                f"{INVOCATIONS} invocations",
            )
        )
    return results
