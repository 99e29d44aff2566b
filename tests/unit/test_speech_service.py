"""The speech use case with an in-memory synthesizer and speech store: validation, speed and instructions, size
limits, and the speech cache shared with the preview."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from testsupport.coroutines import run_coroutine
from testsupport.fakes.speech_store import InMemorySpeechStore
from voice_service.adapters.audio.encoders import LibraryAudioEncoder
from voice_service.errors import InvalidRequestError, PayloadTooLargeError, UpstreamError
from voice_service.models import VoiceEntry
from voice_service.services.preview import PLAIN_STYLE, PREVIEW_AUDIO_FORMAT, SpeechStyle
from voice_service.services.speech import (
    MAX_AUDIO_BYTES,
    OUTPUT_SAMPLE_RATE,
    SPEED_RANGES,
    SpeechAudio,
    SpeechDraft,
    SpeechPolicy,
    create_speech,
)
from voice_service.services.speech_cache import CacheOutcome, SpeechCache, SpeechKey

POLICY = SpeechPolicy(default_provider="edge", max_chars=4096, timeout_seconds=5.0)


@dataclass
class RecordingSynthesizer:
    """Answers `seconds` of silence at the requested rate and records every call."""

    seconds: float = 1.0
    calls: list[tuple[str, str, str, int, SpeechStyle]] = field(default_factory=list)
    timeouts: list[float] = field(default_factory=list)

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        return voice or "default-voice", model or ""

    async def synthesize(
        self,
        text: str,
        voice: str,
        model: str,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        self.calls.append((text, voice, model, sample_rate, style))
        self.timeouts.append(timeout)
        return bytes(2 * int(self.seconds * sample_rate))


def no_clone(_: str) -> VoiceEntry | None:
    return None


def answer(
    draft: SpeechDraft, synthesizer: RecordingSynthesizer, cache: SpeechCache | None = None, bypass: bool = False
) -> SpeechAudio:
    encoder = LibraryAudioEncoder(ffmpeg_exe=None)
    speech = create_speech(
        draft, POLICY, lambda _: synthesizer, encoder, no_clone, cache or SpeechCache(None), bypass_cache=bypass
    )
    return run_coroutine(speech)


def speak(draft: SpeechDraft, synthesizer: RecordingSynthesizer) -> bytes:
    return answer(draft, synthesizer).content


def test_pcm_is_24k_16_bit_samples_without_a_header() -> None:
    synthesizer = RecordingSynthesizer(seconds=0.5)
    content = speak(SpeechDraft(model="tts-1", input=" Hello ", voice="alloy", response_format="pcm"), synthesizer)
    assert len(content) == OUTPUT_SAMPLE_RATE  # 0.5 s x 24,000 x 2 bytes
    assert synthesizer.calls == [("Hello", "en-US-AvaNeural", "", OUTPUT_SAMPLE_RATE, SpeechStyle())]


@pytest.mark.parametrize("provider", list(SPEED_RANGES))
def test_speed_outside_the_providers_range_is_400_before_any_call(provider: str) -> None:
    synthesizer = RecordingSynthesizer()
    _, high = SPEED_RANGES[provider]
    with pytest.raises(InvalidRequestError) as raised:
        speak(SpeechDraft(model=provider, input="hi", voice="alloy", speed=high + 0.1), synthesizer)
    assert raised.value.param == "speed"
    assert synthesizer.calls == []


@pytest.mark.parametrize(("provider", "passed"), [("dashscope", True), ("cosyvoice", True), ("edge", False)])
def test_instructions_only_reach_providers_that_take_them(provider: str, passed: bool) -> None:
    synthesizer = RecordingSynthesizer()
    speak(SpeechDraft(model=provider, input="hi", voice="alloy", instructions="Calmly.", speed=1.5), synthesizer)
    style = synthesizer.calls[-1][4]
    assert style == SpeechStyle(speed=1.5, instructions="Calmly." if passed else None)


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"input": "\u200b\u200b"}, "input"),
        ({"input": "x" * 4097}, "input"),
        ({"response_format": "MP3"}, "response_format"),
        ({"stream_format": "websocket"}, "stream_format"),
        ({"speed": 0.2}, "speed"),
        ({"instructions": "x" * 4097}, "instructions"),
        ({"voice": " "}, "voice"),
        ({"input": "Hi \ud800 there"}, "input"),
        ({"instructions": "\udfff"}, "instructions"),
        ({"voice": "al\nloy"}, "voice"),
        ({"model": "tts-1\x00"}, "model"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(changes: dict[str, object], param: str) -> None:
    fields: dict[str, object] = {"model": "tts-1", "input": "hi", "voice": "alloy", **changes}
    synthesizer = RecordingSynthesizer()
    with pytest.raises(InvalidRequestError) as raised:
        speak(SpeechDraft(**fields), synthesizer)  # type: ignore[arg-type]
    assert raised.value.param == param
    assert synthesizer.calls == []


def test_wav_too_large_for_a_response_is_413_but_mp3_fits() -> None:
    seconds = MAX_AUDIO_BYTES / (2 * OUTPUT_SAMPLE_RATE) + 1
    with pytest.raises(PayloadTooLargeError):
        speak(
            SpeechDraft(model="tts-1", input="hi", voice="alloy", response_format="wav"), RecordingSynthesizer(seconds)
        )
    assert len(speak(SpeechDraft(model="tts-1", input="hi", voice="alloy"), RecordingSynthesizer(seconds))) > 0


def test_no_audio_is_an_upstream_failure() -> None:
    with pytest.raises(UpstreamError):
        speak(SpeechDraft(model="tts-1", input="hi", voice="alloy"), RecordingSynthesizer(seconds=0))


def test_the_same_speech_in_another_format_comes_from_the_cache_and_is_encoded_again() -> None:
    store = InMemorySpeechStore()
    cache = SpeechCache(store)
    synthesizer = RecordingSynthesizer(seconds=0.5)
    first = answer(SpeechDraft(model="tts-1", input="Hello  there", voice="alloy"), synthesizer, cache)
    second = answer(
        SpeechDraft(model="tts-1", input="Hello there\n", voice="alloy", response_format="pcm"), synthesizer, cache
    )
    assert (first.cache, second.cache) == (CacheOutcome.MISS, CacheOutcome.HIT)
    assert len(synthesizer.calls) == 1  # the normalized text is one entry
    assert first.content[:3] == b"ID3" or first.content[0] == 0xFF  # mp3
    assert len(second.content) == OUTPUT_SAMPLE_RATE  # 0.5 s of 24 kHz PCM from the stored WAV
    # The provider's audio is stored once, as the preview stores it: a WAV at the speech's rate.
    (stored,) = store.entries.values()
    assert stored[:4] == b"RIFF" and len(stored) == 44 + OUTPUT_SAMPLE_RATE


def test_a_plain_speech_shares_the_previews_key_at_the_same_rate_and_a_style_makes_another() -> None:
    store = InMemorySpeechStore()
    synthesizer = RecordingSynthesizer(seconds=0.1)
    answer(SpeechDraft(model="edge", input="Hi", voice="edge:en-US-AriaNeural"), synthesizer, SpeechCache(store))
    preview_key = SpeechKey("edge", "en-US-AriaNeural", "", "Hi", OUTPUT_SAMPLE_RATE, PREVIEW_AUDIO_FORMAT)
    assert ("edge", "en-US-AriaNeural", preview_key.digest()) in store.entries
    faster = SpeechDraft(model="edge", input="Hi", voice="edge:en-US-AriaNeural", speed=1.5)
    assert answer(faster, synthesizer, SpeechCache(store)).cache is CacheOutcome.MISS
    assert len(store.entries) == 2 and len(synthesizer.calls) == 2


def test_no_cache_synthesizes_afresh_and_replaces_the_stored_audio() -> None:
    store = InMemorySpeechStore()
    synthesizer = RecordingSynthesizer(seconds=0.1)
    draft = SpeechDraft(model="tts-1", input="Hi", voice="alloy")
    answer(draft, synthesizer, SpeechCache(store))
    assert answer(draft, synthesizer, SpeechCache(store), bypass=True).cache is CacheOutcome.BYPASS
    assert len(synthesizer.calls) == 2 and store.writes == 2


def test_a_failed_synthesis_stores_nothing() -> None:
    store = InMemorySpeechStore()
    with pytest.raises(UpstreamError):
        answer(SpeechDraft(model="tts-1", input="hi", voice="alloy"), RecordingSynthesizer(0), SpeechCache(store))
    assert store.entries == {}


def test_the_clone_look_up_spends_the_deadline_the_provider_then_gets() -> None:
    # GIVEN a catalog that takes half a second to answer (a cold catalog function)
    def slow_catalog(_: str) -> VoiceEntry | None:
        time.sleep(0.5)
        return None

    synthesizer = RecordingSynthesizer(seconds=0.1)
    draft = SpeechDraft(model="edge", input="hi", voice="some-voice")
    speech = create_speech(
        draft, POLICY, lambda _: synthesizer, LibraryAudioEncoder(ffmpeg_exe=None), slow_catalog, SpeechCache(None)
    )
    run_coroutine(speech)
    # THEN the provider's deadline is what the look-up left of the one budget
    (timeout,) = synthesizer.timeouts
    assert timeout <= POLICY.timeout_seconds - 0.5
