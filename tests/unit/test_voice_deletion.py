"""Deleting a voice with in-memory fakes: the provider's slot first, then the cached previews, then the row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from testsupport.fakes.provider_voices import InMemoryProviderVoices
from testsupport.fakes.speech_store import InMemorySpeechStore
from voice_service.errors import InvalidRequestError, StorageError, UpstreamError, VoiceNotFoundError
from voice_service.models import NewEntry, NewVoice
from voice_service.services.catalog import MAX_ENTRY_ID
from voice_service.services.speech_cache import CacheStoreError, SpeechCache, SpeechKey
from voice_service.services.voice_lifecycle import ProviderDirectory, delete_voice

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
VOICE = "cosyvoice-v2-mine-1"


class Account:
    """A catalog with one CosyVoice entry whose voice the provider holds, and a speech cache with its previews."""

    def __init__(self) -> None:
        self.catalog = InMemoryVoiceCatalog()
        self.cosyvoice = InMemoryProviderVoices("cosyvoice")
        self.qwen = InMemoryProviderVoices("dashscope")
        self.store = InMemorySpeechStore()
        self.entry = self.catalog.add_entry(NewEntry(NewVoice("cosyvoice", VOICE, "Mine", "cosyvoice-v2"), NOW))
        self.cosyvoice.add(VOICE)
        self.cache(VOICE, "hello")
        self.cache(VOICE, "你好")
        self.cache("cosyvoice-v2-other-1", "hello")

    @property
    def providers(self) -> ProviderDirectory:
        return {"cosyvoice": self.cosyvoice, "dashscope": self.qwen}

    def cache(self, voice: str, text: str) -> None:
        self.store.put_audio(SpeechKey("cosyvoice", voice, "m", text, 16000, "wav-pcm16"), b"RIFF....WAVE")

    def delete(self, raw_id: str | None = None, *, catalog_only: bool = False):  # type: ignore[no-untyped-def]
        raw = str(self.entry.id) if raw_id is None else raw_id
        return delete_voice(self.catalog, self.providers, raw, SpeechCache(self.store), catalog_only=catalog_only)

    def cached_voices(self) -> list[str]:
        return sorted(key[1] for key in self.store.entries)


def test_deletion_frees_the_slot_then_purges_the_voices_previews_and_only_those() -> None:
    account = Account()
    result = account.delete()
    assert result.provider_voice == "deleted"
    assert account.cosyvoice.voices == {}
    assert account.catalog.list_entries() == []
    assert account.cached_voices() == ["cosyvoice-v2-other-1"]


def test_catalog_only_removal_purges_the_previews_without_asking_the_provider() -> None:
    account = Account()
    result = account.delete(catalog_only=True)
    assert result.provider_voice == "kept"
    assert account.cosyvoice.calls == []
    assert account.catalog.list_entries() == []
    assert account.cached_voices() == ["cosyvoice-v2-other-1"]


def test_a_provider_failure_keeps_the_row_and_the_previews() -> None:
    account = Account()
    account.cosyvoice.failing.add("delete")
    with pytest.raises(UpstreamError):
        account.delete()
    assert [entry.id for entry in account.catalog.list_entries()] == [account.entry.id]
    assert len(account.cached_voices()) == 3


def test_a_failed_purge_keeps_the_row_and_a_retry_finishes_the_deletion() -> None:
    # GIVEN a speech cache that cannot be emptied (S3 down)
    account = Account()

    class Unreachable(InMemorySpeechStore):
        def purge_voice(self, provider: str, voice: str) -> int:
            raise CacheStoreError("could not purge the speech cache (EndpointConnectionError)")

    healthy, account.store = account.store, Unreachable(entries=account.store.entries)
    # WHEN the voice is deleted: the provider's voice goes, the entry stays for a retry
    with pytest.raises(StorageError, match="catalog entry was kept"):
        account.delete()
    assert account.cosyvoice.voices == {}
    assert [entry.id for entry in account.catalog.list_entries()] == [account.entry.id]
    # THEN the retry (the provider now answers "no such voice") purges and removes the row
    account.store = healthy
    assert account.delete().provider_voice == "already_gone"
    assert account.catalog.list_entries() == []
    assert account.cached_voices() == ["cosyvoice-v2-other-1"]


@pytest.mark.parametrize(
    "raw_id", ["0", "-1", str(MAX_ENTRY_ID + 1), "1_0", "+1", " 1", "1 ", "01", "\u0661", "1\n", "0x1", "1e0", ""]
)
def test_deletion_refuses_every_id_that_is_not_canonical(raw_id: str) -> None:
    account = Account()
    with pytest.raises(InvalidRequestError, match="positive decimal number"):
        account.delete(raw_id)
    assert len(account.catalog.list_entries()) == 1
    assert account.cosyvoice.calls == []


def test_deleting_a_missing_entry_is_not_found_and_touches_nothing() -> None:
    account = Account()
    with pytest.raises(VoiceNotFoundError, match="42"):
        account.delete("42")
    assert account.cosyvoice.calls == []
    assert len(account.cached_voices()) == 3
