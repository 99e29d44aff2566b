"""Several OS processes (as several Lambda containers would) clone with the same label through the real service:
exactly one keeps the label, every other gets a distinct timestamp suffix, and nothing is lost."""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Iterator
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import pytest

from testsupport.fakes.clone_support import audio_only_ffmpeg, make_sample
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog

WORKERS = 4
CLONES_PER_WORKER = 3
LABEL = "Shared label"


def _worker(environment: dict[str, str], sample: bytes, results: Queue[Any]) -> None:
    os.environ.update(environment)
    from functions.clone_voice.app import build_cloning_service
    from voice_service.services.cloning import CloneForm
    from voice_service.settings import CloneVoiceFunctionSettings

    service = build_cloning_service(CloneVoiceFunctionSettings.from_environment(environment))
    form = CloneForm("dashscope", "qwen3-tts-vc-realtime-2026-01-15", LABEL)
    labels = [service.clone(form, sample).entry.display_label for _ in range(CLONES_PER_WORKER)]
    results.put(labels)


@pytest.fixture
def fake() -> Iterator[FakeDashScopeEnrollment]:
    with FakeDashScopeEnrollment() as server:
        yield server


def test_concurrent_clones_with_one_label_never_share_it(fake: FakeDashScopeEnrollment, tmp_path: Path) -> None:
    catalog_path = tmp_path / "shared" / "voices.sqlite3"
    environment = {
        "OPENTALKING_SQLITE_PATH": str(catalog_path),
        "OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS": "20",
        "DASHSCOPE_HTTP_BASE_URL": fake.base_url,
        "DASHSCOPE_API_KEY": fake.api_key,
        "NO_PROXY": "127.0.0.1,localhost",
        "OPENTALKING_FFMPEG_PATH": audio_only_ffmpeg(),
    }
    sample = make_sample("ogg-opus")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_worker, args=(environment, sample, results)) for _ in range(WORKERS)]
    for process in processes:
        process.start()
    returned = [label for _ in processes for label in results.get(timeout=120)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    stored = [entry.display_label for entry in SqliteVoiceCatalog(catalog_path).list_entries()]
    assert sorted(stored) == sorted(returned)
    assert len(stored) == WORKERS * CLONES_PER_WORKER == len(set(stored))
    assert stored.count(LABEL) == 1
    assert all(re.fullmatch(rf"{LABEL}-\d{{8}}-\d{{6}}-\d{{3}}", label) for label in stored if label != LABEL)
    assert fake.problems == [] and len(fake.created_voices) == WORKERS * CLONES_PER_WORKER
