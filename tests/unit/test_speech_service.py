"""The speech use case with an in-memory synthesizer: validation, speed and instructions, size limits."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from voice_service.adapters.audio.encoders import LibraryAudioEncoder
from voice_service.errors import InvalidRequestError, PayloadTooLargeError, UpstreamError
from voice_service.models import VoiceEntry
from voice_service.services.preview import PLAIN_STYLE, SpeechStyle
from voice_service.services.speech import (
    MAX_AUDIO_BYTES,
    OUTPUT_SAMPLE_RATE,
    SPEED_RANGES,
    SpeechDraft,
    SpeechPolicy,
    create_speech,
)

POLICY = SpeechPolicy(default_provider="edge", max_chars=4096, timeout_seconds=5.0)


@dataclass
class RecordingSynthesizer:
    """Answers `seconds` of silence at the requested rate and records every call."""

    seconds: float = 1.0
    calls: list[tuple[str, str | None, str | None, int, SpeechStyle]] = field(default_factory=list)

    def synthesize(
        self,
        text: str,
        voice: str | None,
        model: str | None,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        self.calls.append((text, voice, model, sample_rate, style))
        return bytes(2 * int(self.seconds * sample_rate))


def no_clone(_: str) -> VoiceEntry | None:
    return None


def speak(draft: SpeechDraft, synthesizer: RecordingSynthesizer) -> bytes:
    encoder = LibraryAudioEncoder(ffmpeg_exe=None)
    return create_speech(draft, POLICY, lambda _: synthesizer, encoder, no_clone).content


def test_pcm_is_24k_16_bit_samples_without_a_header() -> None:
    synthesizer = RecordingSynthesizer(seconds=0.5)
    content = speak(SpeechDraft(model="tts-1", input=" Hello ", voice="alloy", response_format="pcm"), synthesizer)
    assert len(content) == OUTPUT_SAMPLE_RATE  # 0.5 s x 24,000 x 2 bytes
    assert synthesizer.calls == [("Hello", "en-US-AvaNeural", None, OUTPUT_SAMPLE_RATE, SpeechStyle())]


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
