"""The catalog use cases against an in-memory fake: filter parsing, delete rules, label de-duplication."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from voice_service.errors import InvalidRequestError, VoiceNotFoundError
from voice_service.models import NewVoice
from voice_service.providers import catalog_filter as parse_provider_filter
from voice_service.services.catalog import (
    MAX_ENTRY_ID,
    deduplicated_label,
    delete_voice,
    list_voices,
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
    catalog.add_entry(NewVoice("dashscope", "d1", "A", "m"), NOW)
    catalog.add_entry(NewVoice("cosyvoice", "c1", "B", "m"), NOW)
    catalog.add_entry(NewVoice("dashscope", "d2", "C", "m"), NOW)
    # WHEN / THEN
    assert [e.voice_id for e in list_voices(catalog, None)] == ["d1", "c1", "d2"]
    assert [e.voice_id for e in list_voices(catalog, "dashscope")] == ["d1", "d2"]


@pytest.mark.parametrize(
    "raw_id", ["0", "-1", str(MAX_ENTRY_ID + 1), "1_0", "+1", " 1", "1 ", "01", "\u0661", "1\n", "0x1", "1e0", ""]
)
def test_delete_refuses_every_id_that_is_not_canonical(raw_id: str) -> None:
    # GIVEN entries 1 and 10, which lax integer parsing would find behind several of these spellings
    catalog = InMemoryVoiceCatalog()
    for number in range(10):
        catalog.add_entry(NewVoice("dashscope", f"d{number}", f"L{number}", "m"), NOW)
    with pytest.raises(InvalidRequestError, match="positive decimal number"):
        delete_voice(catalog, raw_id)
    assert len(catalog.list_entries()) == 10


def test_delete_returns_the_id_it_deleted() -> None:
    catalog = InMemoryVoiceCatalog()
    entry = catalog.add_entry(NewVoice("dashscope", "d1", "A", "m"), NOW)
    assert delete_voice(catalog, str(entry.id)) == entry.id
    assert catalog.list_entries() == []


def test_delete_missing_is_not_found() -> None:
    with pytest.raises(VoiceNotFoundError, match="42"):
        delete_voice(InMemoryVoiceCatalog(), "42")


def test_deduplicated_label_format_is_utc_with_milliseconds() -> None:
    assert deduplicated_label("Alice's Voice", NOW) == "Alice's Voice-20261124-010203-456"
    assert deduplicated_label("x", NOW, attempt=1) == "x-20261124-010203-457"
