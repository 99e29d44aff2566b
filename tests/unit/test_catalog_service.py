"""The catalog use cases against an in-memory fake: filter parsing, delete rules, label de-duplication."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from testsupport.fakes.speech_store import InMemorySpeechStore
from voice_service.errors import InvalidRequestError, StorageError, VoiceNotFoundError
from voice_service.models import NewVoice
from voice_service.providers import catalog_filter as parse_provider_filter
from voice_service.services.catalog import (
    MAX_ENTRY_ID,
    deduplicated_label,
    delete_voice,
    list_voices,
)
from voice_service.services.speech_cache import SpeechCache, SpeechKey

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
        delete_voice(catalog, raw_id, SpeechCache(None))
    assert len(catalog.list_entries()) == 10


def test_delete_returns_the_id_it_deleted() -> None:
    catalog = InMemoryVoiceCatalog()
    entry = catalog.add_entry(NewVoice("dashscope", "d1", "A", "m"), NOW)
    assert delete_voice(catalog, str(entry.id), SpeechCache(None)) == entry.id
    assert catalog.list_entries() == []


def test_delete_missing_is_not_found() -> None:
    with pytest.raises(VoiceNotFoundError, match="42"):
        delete_voice(InMemoryVoiceCatalog(), "42", SpeechCache(None))


def _cached(store: InMemorySpeechStore, provider: str, voice: str, text: str) -> None:
    key = SpeechKey(provider, voice, "m", text, 16000, "wav-pcm16")
    store.put_audio(key, b"RIFF....WAVE")


def test_deleting_a_voice_purges_its_cached_previews_and_only_those() -> None:
    # GIVEN a cloned voice with two cached previews, and another voice's preview
    catalog, store = InMemoryVoiceCatalog(), InMemorySpeechStore()
    entry = catalog.add_entry(NewVoice("cosyvoice", "cosyvoice-v2-mine-1", "Mine", "cosyvoice-v2"), NOW)
    _cached(store, "cosyvoice", "cosyvoice-v2-mine-1", "hello")
    _cached(store, "cosyvoice", "cosyvoice-v2-mine-1", "你好")
    _cached(store, "cosyvoice", "cosyvoice-v2-other-1", "hello")
    # WHEN the voice is deleted
    delete_voice(catalog, str(entry.id), SpeechCache(store))
    # THEN the entry and its previews are gone; the other voice's preview stays
    assert catalog.list_entries() == []
    assert [key[1] for key in store.entries] == ["cosyvoice-v2-other-1"]


def test_a_purge_that_fails_leaves_the_voice_in_place_for_a_retry() -> None:
    # GIVEN a voice whose cached previews cannot be removed (S3 down)
    catalog = InMemoryVoiceCatalog()
    entry = catalog.add_entry(NewVoice("dashscope", "qwen-tts-vc-1", "Mine", "qwen3-tts-vc-realtime"), NOW)

    class Unreachable(InMemorySpeechStore):
        def purge_voice(self, provider: str, voice: str) -> int:
            from voice_service.services.speech_cache import CacheStoreError

            raise CacheStoreError("could not purge the speech cache (EndpointConnectionError)")

    # WHEN / THEN the delete fails with a storage error and the entry remains
    with pytest.raises(StorageError, match="was not deleted"):
        delete_voice(catalog, str(entry.id), SpeechCache(Unreachable()))
    assert [e.id for e in catalog.list_entries()] == [entry.id]


def test_deduplicated_label_format_is_utc_with_milliseconds() -> None:
    assert deduplicated_label("Alice's Voice", NOW) == "Alice's Voice-20261124-010203-456"
    assert deduplicated_label("x", NOW, attempt=1) == "x-20261124-010203-457"
