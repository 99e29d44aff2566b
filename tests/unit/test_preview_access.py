"""Preview where users sign in: another user's clone is "not found" even when its preview is cached, and each user
previews at a per-minute rate counted in the catalog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.test_preview_service import POLICY, RecordingSynthesizer
from testsupport.coroutines import run_coroutine
from testsupport.fakes.catalog import InMemoryVoiceCatalog
from testsupport.fakes.speech_store import InMemorySpeechStore
from voice_service.errors import QuotaExceededError, VoiceNotFoundError
from voice_service.models import NewEntry, NewVoice, Owner
from voice_service.services.preview import PreviewAudio, PreviewForm, PreviewService
from voice_service.services.preview_access import PreviewAccess
from voice_service.services.speech_cache import CacheOutcome, SpeechCache

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ALICE, BOB, ADMIN = Owner("alice"), Owner("bob"), Owner("root", sees_unowned=True)


@pytest.fixture
def catalog() -> InMemoryVoiceCatalog:
    catalog = InMemoryVoiceCatalog()
    catalog.add_entry(NewEntry(NewVoice("dashscope", "qwen-tts-vc-alice", "Mine", "qwen3-tts-vc"), NOW, owner=ALICE))
    catalog.add_entry(NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-old", "Old", "cosyvoice-v2"), NOW))
    return catalog


def service(catalog: InMemoryVoiceCatalog, synthesizer: RecordingSynthesizer, per_minute: int = 0) -> PreviewService:
    access = PreviewAccess(catalog, per_minute, now=lambda: NOW)
    return PreviewService(
        POLICY,
        {name: lambda: synthesizer for name in ("dashscope", "cosyvoice", "edge")},
        SpeechCache(InMemorySpeechStore()),
        access,
    )


def preview(previews: PreviewService, owner: Owner | None, provider: str, voice: str) -> PreviewAudio:
    return run_coroutine(previews.synthesize(PreviewForm(text="Hello", provider=provider, voice=voice), owner=owner))


def test_a_clone_previews_for_its_owner_only_even_from_the_cache(catalog: InMemoryVoiceCatalog) -> None:
    # GIVEN alice's preview of her clone is in the cache
    synthesizer = RecordingSynthesizer()
    previews = service(catalog, synthesizer)
    first = preview(previews, ALICE, "dashscope", "qwen-tts-vc-alice")
    assert first.cache is CacheOutcome.MISS
    # WHEN bob, or a caller who did not sign in, asks for the very same preview
    # THEN it is "not found" (as in GET /voices), the cached copy is not served, and no provider is called
    for stranger in (BOB, None, ADMIN):
        with pytest.raises(VoiceNotFoundError, match="No cloned voice of yours"):
            preview(previews, stranger, "dashscope", "qwen-tts-vc-alice")
    assert preview(previews, ALICE, "qwen", "qwen-tts-vc-alice").cache is CacheOutcome.HIT
    assert len(synthesizer.calls) == 1


def test_unowned_clones_are_the_admins_and_provider_voices_are_everyones(catalog: InMemoryVoiceCatalog) -> None:
    previews = service(catalog, RecordingSynthesizer())
    assert preview(previews, ADMIN, "cosyvoice", "cosyvoice-v2-old").wav
    with pytest.raises(VoiceNotFoundError):
        preview(previews, ALICE, "cosyvoice", "cosyvoice-v2-old")
    # A voice in no catalog row is the provider's own: anyone may preview it, signed in or not.
    for anyone in (ALICE, None):
        assert preview(previews, anyone, "dashscope", "Cherry").wav
        assert preview(previews, anyone, "edge", "qwen-tts-vc-alice").wav


def test_each_user_previews_at_the_configured_rate(catalog: InMemoryVoiceCatalog) -> None:
    previews = service(catalog, RecordingSynthesizer(), per_minute=2)
    preview(previews, ALICE, "edge", "v")
    preview(previews, ALICE, "edge", "v")
    with pytest.raises(QuotaExceededError, match=r"Preview rate limit reached: at most 2 previews per minute"):
        preview(previews, ALICE, "edge", "v")
    # Another user's rate is their own; callers who did not sign in are not counted per user.
    assert preview(previews, BOB, "edge", "v").wav
    assert all(preview(previews, None, "edge", "v").wav for _ in range(3))
