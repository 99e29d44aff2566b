"""Benchmark 5: 8 processes x 100 catalog inserts each (what clones write) against one SQLite file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from scripts.bench.common import Result, median_and_p95, ms

PROCESSES = 8
CLONES_PER_PROCESS = 100


def _writer(path: str, worker: int, queue: Queue[Any]) -> None:
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
    from voice_service.models import NewEntry, NewVoice

    catalog = SqliteVoiceCatalog(Path(path), busy_timeout_seconds=20)
    latencies, ids = [], []
    for index in range(CLONES_PER_PROCESS):
        voice = NewVoice("dashscope", f"w{worker}-{index}", f"Shared label {index % 5}", "qwen3-tts-vc-realtime")
        start = time.perf_counter()
        entry = catalog.add_entry(NewEntry(voice, datetime.now(UTC)))
        latencies.append(time.perf_counter() - start)
        ids.append(entry.id)
    queue.put((latencies, ids))


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "voices.sqlite3"
        from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog

        SqliteVoiceCatalog(path).list_entries()
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        workers = [context.Process(target=_writer, args=(str(path), n, queue)) for n in range(PROCESSES)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        outcomes = [queue.get(timeout=300) for _ in workers]
        elapsed = time.perf_counter() - start
        for worker in workers:
            worker.join()
        with sqlite3.connect(path) as raw:
            rows = raw.execute("SELECT id, display_label FROM voices").fetchall()
    latencies = [latency for worker_latencies, _ in outcomes for latency in worker_latencies]
    returned_ids = {entry_id for _, ids in outcomes for entry_id in ids}
    stored_ids = {entry_id for entry_id, _ in rows}
    lost = len(returned_ids - stored_ids)
    duplicated_labels = sum(count - 1 for count in Counter(label for _, label in rows).values() if count > 1)
    median, p95 = median_and_p95(latencies)
    total = PROCESSES * CLONES_PER_PROCESS
    return [
        Result(
            "5. catalog concurrency",
            f"{PROCESSES} processes x {CLONES_PER_PROCESS} inserts",
            f"{total / elapsed:.0f} inserts/s; median {ms(median)}, p95 {ms(p95)}",
            f"{len(rows)}/{total} stored",
            None,
            None,
            f"lost {lost}, duplicated labels {duplicated_labels} (both must be 0)",
        )
    ]
