"""The speech cache through the preview use case, with an in-memory store: hit, miss, bypass, key, failures."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest

from tests.unit.test_preview_service import DEFAULT_MODEL, DEFAULT_VOICE, POLICY, RecordingSynthesizer, preview
from testsupport.coroutines import run_coroutine
from testsupport.fakes.speech_store import InMemorySpeechStore
from voice_service.errors import InvalidRequestError, UpstreamError
from voice_service.http.caching import bypass_requested, etag_matches
from voice_service.services.preview import PREVIEW_AUDIO_FORMAT, PreviewForm
from voice_service.services.speech_cache import CacheOutcome, SpeechCache, SpeechKey, strong_etag

KEY = SpeechKey(
    provider="edge", voice="en-US-AriaNeural", model="", text="Hello", sample_rate=16000, audio_format="wav-pcm16"
)


@pytest.fixture
def store() -> InMemorySpeechStore:
    return InMemorySpeechStore()


def test_a_miss_synthesizes_and_stores_then_the_same_request_is_a_hit(store: InMemorySpeechStore) -> None:
    # GIVEN an empty cache
    synthesizer = RecordingSynthesizer()
    cache = SpeechCache(store)
    # WHEN the same preview is asked twice
    first = preview(PreviewForm(text="hi"), POLICY, lambda _: synthesizer, cache)
    second = preview(PreviewForm(text="hi"), POLICY, lambda _: synthesizer, cache)
    # THEN the provider was called once, and the hit returned the stored bytes with the same strong ETag
    assert len(synthesizer.calls) == 1
    assert (first.cache, second.cache) == (CacheOutcome.MISS, CacheOutcome.HIT)
    assert second.wav == first.wav and second.etag == first.etag == strong_etag(first.wav)
    assert store.writes == 1


def test_bypass_synthesizes_afresh_and_replaces_the_stored_copy(store: InMemorySpeechStore) -> None:
    # GIVEN a cached preview
    cache = SpeechCache(store)
    preview(PreviewForm(text="hi"), POLICY, lambda _: RecordingSynthesizer(b"\x01\x00" * 800), cache)
    # WHEN the provider now sounds different and the caller bypasses the cache
    newer = RecordingSynthesizer(b"\x02\x00" * 800)
    fresh = preview(PreviewForm(text="hi"), POLICY, lambda _: newer, cache, bypass=True)
    # THEN the store was not consulted for it, the provider was, and the new audio replaced the old
    assert fresh.cache == CacheOutcome.BYPASS and len(newer.calls) == 1
    again = preview(PreviewForm(text="hi"), POLICY, lambda _: RecordingSynthesizer(), cache)
    assert again.cache == CacheOutcome.HIT and again.wav == fresh.wav and again.etag == fresh.etag


def test_without_a_store_every_preview_is_synthesized() -> None:
    synthesizer = RecordingSynthesizer()
    for _ in range(2):
        assert preview(PreviewForm(text="hi"), POLICY, lambda _: synthesizer).cache == CacheOutcome.DISABLED
    assert len(synthesizer.calls) == 2


def test_a_store_that_cannot_be_read_or_written_never_fails_a_preview(
    store: InMemorySpeechStore, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a store that fails every read and write (S3 down, access denied)
    store.fail_reads = store.fail_writes = True
    synthesizer = RecordingSynthesizer()
    # WHEN previews are asked
    audio = preview(PreviewForm(text="hi"), POLICY, lambda _: synthesizer, SpeechCache(store))
    # THEN each is synthesized and returned (a miss), and the store was tried
    assert audio.cache == CacheOutcome.MISS and audio.wav
    assert (store.reads, store.writes, len(synthesizer.calls)) == (1, 1, 1)
    # AND each failure was counted (EMF lines on stdout, as Lambda ships them to CloudWatch)
    emitted = capsys.readouterr().out
    error_lines = [line.replace(" ", "") for line in emitted.splitlines() if '"SpeechCacheErrors"' in line]
    assert len(error_lines) == 2
    assert any('"action":"read"' in line for line in error_lines)
    assert any('"action":"write"' in line for line in error_lines)


def test_a_failed_read_still_stores_the_fresh_audio(store: InMemorySpeechStore) -> None:
    store.fail_reads = True
    preview(PreviewForm(text="hi"), POLICY, lambda _: RecordingSynthesizer(), SpeechCache(store))
    assert len(store.entries) == 1


@pytest.mark.parametrize(
    "failure",
    [UpstreamError("edge", "the connection closed before the audio was complete."), InvalidRequestError("bad voice")],
)
def test_failures_are_never_stored(store: InMemorySpeechStore, failure: Exception) -> None:
    # GIVEN a provider that fails (a truncated stream is reported by the adapter as an UpstreamError)
    class Failing(RecordingSynthesizer):
        async def synthesize(self, *args: object) -> bytes:
            raise failure

    # WHEN / THEN the error reaches the caller and nothing is written
    with pytest.raises(type(failure)):
        preview(PreviewForm(text="hi"), POLICY, lambda _: Failing(), SpeechCache(store))
    assert store.entries == {} and store.writes == 0


def test_empty_audio_is_an_error_and_not_stored(store: InMemorySpeechStore) -> None:
    with pytest.raises(UpstreamError, match="returned no audio"):
        preview(PreviewForm(text="hi"), POLICY, lambda _: RecordingSynthesizer(b""), SpeechCache(store))
    assert store.entries == {}


def test_the_preview_key_is_the_canonical_request(store: InMemorySpeechStore) -> None:
    # GIVEN the store's entry of a default-provider preview written one way
    cache = SpeechCache(store)
    preview(PreviewForm(text="Café  au lait\n"), POLICY, lambda _: RecordingSynthesizer(), cache)
    ((provider, voice, digest),) = store.entries
    # THEN it is keyed by the resolved provider, the provider's defaults, the normalized text and the session rate
    expected = SpeechKey("edge", DEFAULT_VOICE, DEFAULT_MODEL, "Café au lait", 16000, PREVIEW_AUDIO_FORMAT)
    assert (provider, voice, digest) == ("edge", DEFAULT_VOICE, expected.digest())


@pytest.mark.parametrize(
    "same",
    [
        PreviewForm(text="hello  world"),
        PreviewForm(text=" hello world\n"),
        PreviewForm(text="hello world", provider="EDGE"),
        PreviewForm(text="hello world", tts_provider="edge"),
        PreviewForm(text="hello world", voice=DEFAULT_VOICE),
        PreviewForm(text="hello world", model=DEFAULT_MODEL),
        PreviewForm(text="hello world", tts_model=DEFAULT_MODEL, voice=f" {DEFAULT_VOICE} "),
    ],
)
def test_equal_requests_written_differently_share_one_entry(store: InMemorySpeechStore, same: PreviewForm) -> None:
    cache = SpeechCache(store)
    preview(PreviewForm(text="hello world"), POLICY, lambda _: RecordingSynthesizer(), cache)
    synthesizer = RecordingSynthesizer()
    assert preview(same, POLICY, lambda _: synthesizer, cache).cache == CacheOutcome.HIT
    assert synthesizer.calls == []


def test_provider_aliases_share_one_entry(store: InMemorySpeechStore) -> None:
    cache = SpeechCache(store)
    preview(PreviewForm(text="hi", provider="dashscope"), POLICY, lambda _: RecordingSynthesizer(), cache)
    for alias in ("qwen", "bailian", "QWEN_TTS"):
        audio = preview(PreviewForm(text="hi", tts_provider=alias), POLICY, lambda _: RecordingSynthesizer(), cache)
        assert audio.cache == CacheOutcome.HIT


def test_decomposed_and_composed_text_share_one_entry(store: InMemorySpeechStore) -> None:
    cache = SpeechCache(store)
    preview(PreviewForm(text="café"), POLICY, lambda _: RecordingSynthesizer(), cache)
    decomposed = unicodedata.normalize("NFD", "café")
    assert decomposed != "café"
    assert preview(PreviewForm(text=decomposed), POLICY, lambda _: RecordingSynthesizer(), cache).cache == "hit"


@pytest.mark.parametrize(
    "changes",
    [
        {"provider": "espeak"},
        {"voice": "en-US-GuyNeural"},
        {"model": "m2"},
        {"text": "Hello!"},
        {"text": "hello"},
        {"sample_rate": 24000},
        {"audio_format": "mp3"},
    ],
)
def test_changing_any_input_changes_the_key(changes: dict[str, object]) -> None:
    assert dataclasses.replace(KEY, **changes).digest() != KEY.digest()  # type: ignore[arg-type]


def test_the_pipeline_version_is_part_of_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_service.services import speech_cache

    before = KEY.digest()
    monkeypatch.setattr(speech_cache, "AUDIO_PIPELINE_VERSION", speech_cache.AUDIO_PIPELINE_VERSION + 1)
    assert KEY.digest() != before


def test_field_boundaries_cannot_collide() -> None:
    # "a" + "bc" and "ab" + "c" must not hash alike
    first = dataclasses.replace(KEY, voice="a", model="bc")
    second = dataclasses.replace(KEY, voice="ab", model="c")
    assert first.digest() != second.digest()


def test_session_rate_changes_the_entry(store: InMemorySpeechStore) -> None:
    cache = SpeechCache(store)
    preview(PreviewForm(text="hi"), POLICY, lambda _: RecordingSynthesizer(), cache)
    other_rate = dataclasses.replace(POLICY, sample_rate=24000)
    assert preview(PreviewForm(text="hi"), other_rate, lambda _: RecordingSynthesizer(), cache).cache == "miss"


def test_purge_removes_every_entry_of_one_voice_only(store: InMemorySpeechStore) -> None:
    # GIVEN entries of two voices, one of them under two models
    cache = SpeechCache(store)
    for voice, model in (("mine", "m1"), ("mine", "m2"), ("other", "m1")):
        draft = PreviewForm(text="hi", provider="cosyvoice", voice=voice, model=model)
        preview(draft, POLICY, lambda _: RecordingSynthesizer(), cache)
    # WHEN one voice is purged
    assert cache.purge_voice("cosyvoice", "mine") == 2
    # THEN only the other voice's entry remains
    assert [entry[:2] for entry in store.entries] == [("cosyvoice", "other")]


def test_purge_without_a_store_removes_nothing() -> None:
    assert SpeechCache(None).purge_voice("dashscope", "v") == 0


@pytest.mark.parametrize(
    ("header", "pragma", "expected"),
    [
        ("no-cache", None, True),
        ("No-Cache", None, True),
        ("max-age=0, no-cache", None, True),
        ('no-cache="set-cookie"', None, True),
        ("max-age=0", None, False),
        ("no-store", None, False),
        (None, "no-cache", True),
        ("max-age=60", "no-cache", False),
        (None, None, False),
        ("", None, False),
    ],
)
def test_bypass_header(header: str | None, pragma: str | None, expected: bool) -> None:
    assert bypass_requested(header, pragma) is expected


@pytest.mark.parametrize(
    ("if_none_match", "expected"),
    [('"abc"', True), ('W/"abc"', True), ('"x", "abc"', True), ("*", True), ('"abd"', False), ("", False)],
)
def test_if_none_match(if_none_match: str, expected: bool) -> None:
    assert etag_matches(if_none_match, '"abc"') is expected


def test_an_etag_changes_with_the_bytes() -> None:
    assert strong_etag(b"a") != strong_etag(b"b")
    assert strong_etag(b"a").startswith('"') and not strong_etag(b"a").startswith("W/")


def test_the_store_is_called_off_the_event_loop(store: InMemorySpeechStore) -> None:
    # boto3 blocks: reading and writing must not run on the loop that awaits the synthesis
    import threading

    loop_threads: list[bool] = []

    class Recording(InMemorySpeechStore):
        def get_audio(self, key: SpeechKey) -> bytes | None:
            loop_threads.append(threading.current_thread() is threading.main_thread())
            return super().get_audio(key)

    async def synthesize() -> bytes:
        return b"RIFF"

    run_coroutine(SpeechCache(Recording()).fetch(KEY, synthesize))
    assert loop_threads == [False]
