"""The preview use case with an in-memory synthesizer: request rules (contract 1-6) and the WAV it builds."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from testsupport.coroutines import run_coroutine
from voice_service.errors import InvalidRequestError, PayloadTooLargeError, UpstreamError
from voice_service.providers import PREVIEW_PROVIDERS
from voice_service.services.preview import (
    PreviewAudio,
    PreviewForm,
    PreviewPolicy,
    SpeechSynthesizer,
    synthesize_preview,
    validate_preview,
    wav_from_pcm16,
)
from voice_service.services.speech_cache import SpeechCache

POLICY = PreviewPolicy(default_provider="edge", max_chars=240, sample_rate=16000, timeout_seconds=20)
DEFAULT_VOICE = "default-voice"
DEFAULT_MODEL = "default-model"


@dataclass
class RecordingSynthesizer:
    """Returns `pcm` and remembers what it was asked; its defaults are DEFAULT_VOICE and DEFAULT_MODEL."""

    pcm: bytes = b"\x01\x00" * 1600
    calls: list[tuple[str, str, str, int, float]] = field(default_factory=list)

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        return voice or DEFAULT_VOICE, model or DEFAULT_MODEL

    async def synthesize(self, text: str, voice: str, model: str, sample_rate: int, timeout: float) -> bytes:
        self.calls.append((text, voice, model, sample_rate, timeout))
        return self.pcm


def preview(
    draft: PreviewForm,
    policy: PreviewPolicy,
    synthesizer_for: Callable[[str], SpeechSynthesizer],
    cache: SpeechCache | None = None,
    *,
    bypass: bool = False,
) -> PreviewAudio:
    """The use case run to completion (the route awaits it on Mangum's loop)."""
    return run_coroutine(
        synthesize_preview(draft, policy, synthesizer_for, cache or SpeechCache(None), bypass_cache=bypass)
    )


def test_spec_fields_are_used_as_given() -> None:
    request = validate_preview(PreviewForm(text=" Hello ", voice="v1", provider="ElevenLabs", model="m1"), POLICY)
    assert (request.text, request.provider, request.voice, request.model) == ("Hello", "elevenlabs", "v1", "m1")


def test_web_client_spellings_are_accepted() -> None:
    request = validate_preview(PreviewForm(text="你好", tts_provider="cosyvoice", tts_model="cosyvoice-v2"), POLICY)
    assert (request.provider, request.model) == ("cosyvoice", "cosyvoice-v2")


@pytest.mark.parametrize("alias", ["bailian", "qwen", "qwen_tts", " QWEN ", "DashScope"])
def test_dashscope_aliases(alias: str) -> None:
    assert validate_preview(PreviewForm(text="hi", provider=alias), POLICY).provider == "dashscope"


def test_both_spellings_agreeing_is_fine_even_through_an_alias() -> None:
    request = validate_preview(PreviewForm(text="hi", provider="qwen", tts_provider="dashscope"), POLICY)
    assert request.provider == "dashscope"


@pytest.mark.parametrize(
    ("draft", "detail"),
    [
        (
            PreviewForm(text="hi", provider="edge", tts_provider="espeak"),
            "The fields 'provider' and 'tts_provider' disagree ('edge' vs 'espeak'); send only one of them.",
        ),
        (
            PreviewForm(text="hi", model="a", tts_model="b"),
            "The fields 'model' and 'tts_model' disagree ('a' vs 'b'); send only one of them.",
        ),
        (
            PreviewForm(text="hi", provider="azure"),
            "Unknown provider 'azure': use one of edge, dashscope, cosyvoice, elevenlabs, espeak.",
        ),
        (PreviewForm(text=" \n\t "), "The text is empty; send a few words to preview."),
        # Found by the OpenAPI fuzzer: Edge answered a lone control character with no audio (a 502).
        (PreviewForm(text="\x12\x00\u200b"), "The text is empty; send a few words to preview."),
        (
            PreviewForm(text="hi", voice="v" * 201),
            "The field 'voice' is 201 characters long; use at most 200 characters.",
        ),
    ],
)
def test_invalid_requests_are_400_sentences(draft: PreviewForm, detail: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        validate_preview(draft, POLICY)
    assert raised.value.message == detail


def test_unknown_provider_is_never_replaced_by_the_default() -> None:
    synthesizer = RecordingSynthesizer()
    with pytest.raises(InvalidRequestError):
        preview(PreviewForm(text="hi", tts_provider="openai"), POLICY, lambda _: synthesizer)
    assert synthesizer.calls == []


def test_text_limit_counts_characters_not_bytes() -> None:
    # 240 Chinese characters are 720 UTF-8 bytes: still within the limit.
    assert validate_preview(PreviewForm(text="音" * 240), POLICY).text == "音" * 240
    with pytest.raises(InvalidRequestError, match="241 characters long; a preview takes at most 240"):
        validate_preview(PreviewForm(text="音" * 241), POLICY)


def test_default_provider_comes_from_the_policy() -> None:
    policy = PreviewPolicy(default_provider="Bailian", max_chars=10, sample_rate=16000, timeout_seconds=1)
    assert validate_preview(PreviewForm(text="hi"), policy).provider == "dashscope"


def test_a_misconfigured_default_provider_names_the_setting() -> None:
    policy = PreviewPolicy(default_provider="azure", max_chars=10, sample_rate=16000, timeout_seconds=1)
    with pytest.raises(InvalidRequestError, match="OPENTALKING_TTS_PROVIDER"):
        validate_preview(PreviewForm(text="hi"), policy)


def test_synthesis_gets_the_session_rate_and_deadline_and_returns_a_wav() -> None:
    # GIVEN a provider that returns 0.1 s of PCM at 16 kHz
    synthesizer = RecordingSynthesizer()
    asked: list[str] = []

    def synthesizer_for(provider: str) -> RecordingSynthesizer:
        asked.append(provider)
        return synthesizer

    # WHEN a preview is made
    audio = preview(PreviewForm(text=" hi ", voice=" "), POLICY, synthesizer_for)
    # THEN the default provider was asked with the stripped text, its default voice, the session rate and deadline
    assert asked == ["edge"]
    assert synthesizer.calls == [("hi", DEFAULT_VOICE, DEFAULT_MODEL, 16000, 20)]
    # AND the WAV wraps exactly that PCM
    with wave.open(io.BytesIO(audio.wav)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 16000)
        assert reader.readframes(reader.getnframes()) == synthesizer.pcm


@pytest.mark.parametrize("pcm", [b"", b"\x00"])
def test_no_audio_is_an_upstream_error(pcm: bytes) -> None:
    with pytest.raises(UpstreamError) as raised:
        preview(PreviewForm(text="hi", provider="espeak"), POLICY, lambda _: RecordingSynthesizer(pcm))
    assert raised.value.message == "The espeak provider failed: it returned no audio."


def test_wav_header_sizes_match_the_payload() -> None:
    wav = wav_from_pcm16(b"\x10\x00" * 12345, 24000)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    assert int.from_bytes(wav[4:8], "little") == len(wav) - 8
    assert int.from_bytes(wav[40:44], "little") == 12345 * 2 == len(wav) - 44


def test_every_provider_has_an_adapter() -> None:
    from voice_service.adapters.tts.registry import synthesizer_factories
    from voice_service.settings import PreviewFunctionSettings

    factories = synthesizer_factories(PreviewFunctionSettings.from_environment({}))
    assert tuple(factories) == PREVIEW_PROVIDERS
    # Each factory builds its adapter from the settings, without any network
    assert all(callable(factories[name]().synthesize) for name in PREVIEW_PROVIDERS)


def test_audio_too_long_for_a_lambda_response_is_413() -> None:
    # GIVEN a provider that returns 50 s of 48 kHz audio (4.8 MB: over 6 MB once base64-encoded)
    policy = PreviewPolicy(default_provider="espeak", max_chars=240, sample_rate=48000, timeout_seconds=20)
    synthesizer = RecordingSynthesizer(pcm=b"\x00\x01" * 48000 * 50)
    # WHEN / THEN
    with pytest.raises(PayloadTooLargeError, match="50 seconds long, too long to return at 48000 Hz"):
        preview(PreviewForm(text="hi"), policy, lambda _: synthesizer)
