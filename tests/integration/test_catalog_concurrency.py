"""Several OS processes (as several Lambda containers would) insert and delete against one catalog file."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
from voice_service.errors import StorageBusyError
from voice_service.models import NewEntry, NewVoice

WORKERS = 6
INSERTS_PER_WORKER = 40


def _worker(path: str, worker: int, results: Queue[Any]) -> None:
    catalog = SqliteVoiceCatalog(Path(path), busy_timeout_seconds=20)
    kept: list[tuple[int, str]] = []
    deleted: list[int] = []
    busy = 0
    for index in range(INSERTS_PER_WORKER):
        # Every worker uses the same few labels, so de-duplication races constantly.
        new = NewVoice("dashscope", f"w{worker}-{index}", f"Label {index % 3}", "qwen3-tts-vc-realtime-2026-01-15")
        try:
            entry = catalog.add_entry(NewEntry(new, datetime.now(UTC)))
        except StorageBusyError:
            busy += 1
            continue
        if index % 4 == 0:
            assert catalog.delete_entry(entry.id)
            deleted.append(entry.id)
        else:
            kept.append((entry.id, entry.display_label))
    results.put((kept, deleted, busy))


def test_concurrent_writers_lose_nothing_and_never_duplicate_a_label(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "voices.sqlite3"
    SqliteVoiceCatalog(path).list_entries()  # create the schema once, as the first container would
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_worker, args=(str(path), n, results)) for n in range(WORKERS)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    kept = {entry_id: label for worker_kept, _, _ in outcomes for entry_id, label in worker_kept}
    deleted = {entry_id for _, worker_deleted, _ in outcomes for entry_id in worker_deleted}
    busy = sum(worker_busy for _, _, worker_busy in outcomes)

    with sqlite3.connect(path) as raw:
        rows = dict(raw.execute("SELECT id, display_label FROM voices").fetchall())
    # Every insert that returned an id and was not deleted is there, with the label it was given.
    assert rows == kept
    assert not deleted & rows.keys()
    assert max(Counter(rows.values()).values()) == 1
    # A generous busy timeout means no writer gave up.
    assert busy == 0
    assert len(rows) + len(deleted) == WORKERS * INSERTS_PER_WORKER
