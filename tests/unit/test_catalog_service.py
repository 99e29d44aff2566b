"""The catalog rules against an in-memory fake: filter parsing, label de-duplication, idempotency staleness."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from voice_service.errors import InvalidRequestError
from voice_service.models import IdempotencyRecord, NewEntry, NewVoice
from voice_service.providers import catalog_filter as parse_provider_filter
from voice_service.services.catalog import (
    MAX_ENTRY_ID,
    deduplicated_label,
    entry_id_from,
    idempotency_record_is_stale,
    list_voices,
    parse_status_filter,
)

NOW = datetime(2026, 11, 24, 1, 2, 3, 456789, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("  ", None), ("dashscope", "dashscope"), (" CosyVoice ", "cosyvoice")],
)
def test_provider_filter_accepts_clone_providers_and_blank(raw: str | None, expected: str | None) -> None:
    assert parse_provider_filter(raw) == expected


@pytest.mark.parametrize("raw", ["edge", "elevenlabs", "qwen", "dashscope2", "*"])
def test_provider_filter_rejects_anything_else(raw: str) -> None:
    with pytest.raises(InvalidRequestError, match="cosyvoice, dashscope"):
        parse_provider_filter(raw)


def test_list_filters_and_keeps_insertion_order() -> None:
    # GIVEN three voices of two providers
    catalog = InMemoryVoiceCatalog()
    catalog.add_entry(NewEntry(NewVoice("dashscope", "d1", "A", "m"), NOW))
    catalog.add_entry(NewEntry(NewVoice("cosyvoice", "c1", "B", "m"), NOW))
    catalog.add_entry(NewEntry(NewVoice("dashscope", "d2", "C", "m"), NOW))
    # WHEN / THEN
    assert [e.voice_id for e in list_voices(catalog, None)] == ["d1", "c1", "d2"]
    assert [e.voice_id for e in list_voices(catalog, "dashscope")] == ["d1", "d2"]


def test_list_filters_by_status() -> None:
    # GIVEN a ready voice and one still deploying
    catalog = InMemoryVoiceCatalog()
    catalog.add_entry(NewEntry(NewVoice("cosyvoice", "c1", "A", "m"), NOW))
    catalog.add_entry(NewEntry(NewVoice("cosyvoice", "c2", "B", "m", status="deploying"), NOW))
    # WHEN / THEN
    assert [e.voice_id for e in list_voices(catalog, None, "deploying")] == ["c2"]
    assert [e.voice_id for e in list_voices(catalog, "cosyvoice", " READY ")] == ["c1"]
    assert [e.voice_id for e in list_voices(catalog, None, "")] == ["c1", "c2"]


@pytest.mark.parametrize("raw", ["ok", "DEPLOYED", "pending", "*"])
def test_status_filter_rejects_unknown_statuses(raw: str) -> None:
    with pytest.raises(InvalidRequestError, match="deploying, ready, failed, gone"):
        parse_status_filter(raw)


@pytest.mark.parametrize(
    ("status", "expires_at", "in_progress_expires_at", "stale"),
    [
        ("COMPLETED", 2_000, None, False),  # within retention
        ("COMPLETED", 999, None, True),  # retention over
        ("INPROGRESS", 2_000, 1_000_001, False),  # the request may still be running
        ("INPROGRESS", 2_000, 999_999, True),  # the request must have ended (crashed)
        ("INPROGRESS", 2_000, None, False),  # no deadline known: only retention ends it
    ],
)
def test_idempotency_record_staleness(
    status: str, expires_at: int, in_progress_expires_at: int | None, stale: bool
) -> None:
    record = IdempotencyRecord("k", status, expires_at, in_progress_expires_at, "h", "")
    assert idempotency_record_is_stale(record, now_ms=1_000_000) is stale


@pytest.mark.parametrize(
    "raw_id", ["0", "-1", str(MAX_ENTRY_ID + 1), "1_0", "+1", " 1", "1 ", "01", "\u0661", "1\n", "0x1", "1e0", ""]
)
def test_entry_ids_must_be_canonical(raw_id: str) -> None:
    # Lax integer parsing would find entries 1 and 10 behind several of these spellings
    with pytest.raises(InvalidRequestError, match="positive decimal number"):
        entry_id_from(raw_id)
    assert entry_id_from("10") == 10


def test_deduplicated_label_format_is_utc_with_milliseconds() -> None:
    assert deduplicated_label("Alice's Voice", NOW) == "Alice's Voice-20261124-010203-456"
    assert deduplicated_label("x", NOW, attempt=1) == "x-20261124-010203-457"
