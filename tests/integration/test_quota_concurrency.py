"""Per-user quotas hold when several OS processes (as several Lambda containers would) race on one catalog file."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
from voice_service.errors import QuotaExceededError
from voice_service.models import NewEntry, NewVoice, Owner

WORKERS = 6
ATTEMPTS_PER_WORKER = 5
MAX_VOICES = 7
CLONES_PER_MINUTE = 4


def _clone_worker(path: str, worker: int, start: Any, results: Queue[Any]) -> None:
    catalog = SqliteVoiceCatalog(Path(path), busy_timeout_seconds=20)
    start.wait()
    added = refused = 0
    for index in range(ATTEMPTS_PER_WORKER):
        voice = NewVoice("dashscope", f"w{worker}-{index}", "Same label", "qwen3-tts-vc-realtime-2026-01-15")
        try:
            catalog.add_entry(NewEntry(voice, datetime.now(UTC), owner=Owner("alice"), max_voices=MAX_VOICES))
            added += 1
        except QuotaExceededError:
            refused += 1
    results.put((added, refused))


def _rate_worker(path: str, worker: int, start: Any, results: Queue[Any]) -> None:
    catalog = SqliteVoiceCatalog(Path(path), busy_timeout_seconds=20)
    start.wait()
    taken = [catalog.take_request_slot("alice", "clone", datetime.now(UTC), CLONES_PER_MINUTE, 60) for _ in range(3)]
    results.put(sum(taken))


def _race(target: Any, path: Path) -> list[Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = context.Event()
    processes = [context.Process(target=target, args=(str(path), n, start, results)) for n in range(WORKERS)]
    for process in processes:
        process.start()
    start.set()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return outcomes


def test_concurrent_clones_never_exceed_the_voice_limit(tmp_path: Path) -> None:
    # GIVEN one catalog file and six processes each adding five voices for the same user, limit seven
    path = tmp_path / "voices.sqlite3"
    SqliteVoiceCatalog(path).list_entries()

    outcomes = _race(_clone_worker, path)

    # THEN exactly seven were added and every other attempt was refused with the quota error
    assert sum(added for added, _ in outcomes) == MAX_VOICES
    assert sum(refused for _, refused in outcomes) == WORKERS * ATTEMPTS_PER_WORKER - MAX_VOICES
    catalog = SqliteVoiceCatalog(path)
    assert catalog.count_entries(Owner("alice")) == MAX_VOICES
    # ... each with its own label, de-duplicated within alice's catalog
    assert len({entry.display_label for entry in catalog.list_entries(owner=Owner("alice"))}) == MAX_VOICES


def test_concurrent_requests_never_exceed_the_rate(tmp_path: Path) -> None:
    path = tmp_path / "voices.sqlite3"
    SqliteVoiceCatalog(path).list_entries()

    outcomes = _race(_rate_worker, path)

    assert sum(outcomes) == CLONES_PER_MINUTE
    # Another user's budget is untouched
    assert SqliteVoiceCatalog(path).take_request_slot("bob", "clone", datetime.now(UTC), CLONES_PER_MINUTE, 60)
