"""Use case of POST /tts/preview: validate the request, synthesize through one provider, return a WAV clip."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from voice_service.errors import InvalidRequestError, PayloadTooLargeError, UpstreamError
from voice_service.observability import MetricUnit, record_provider_metric

PREVIEW_PROVIDERS: Final[tuple[str, ...]] = ("edge", "dashscope", "cosyvoice", "elevenlabs", "espeak")
# The original server's names for DashScope Qwen TTS, still sent by older clients.
PROVIDER_ALIASES: Final[dict[str, str]] = {"bailian": "dashscope", "qwen": "dashscope", "qwen_tts": "dashscope"}
MAX_VOICE_CHARS: Final = 200
MAX_MODEL_CHARS: Final = 100
PCM_SAMPLE_WIDTH: Final = 2  # bytes: 16-bit little-endian
# Lambda returns at most 6 MB and binary bodies travel base64-encoded (4/3): keep the WAV well below 4.5 MB.
MAX_WAV_BYTES: Final = 4_400_000


@dataclass(frozen=True, slots=True)
class SpeechStyle:
    """How to speak: a speed factor (1.0 = the provider's normal rate) and style instructions.

    The caller checks `speed` against the provider's range (`voice_service.services.speech.SPEED_RANGES`);
    providers without instructions ignore them.
    """

    speed: float = 1.0
    instructions: str | None = None


PLAIN_STYLE: Final = SpeechStyle()


class SpeechSynthesizer(Protocol):
    """Port: one TTS provider."""

    def synthesize(
        self,
        text: str,
        voice: str | None,
        model: str | None,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        """Return mono 16-bit little-endian PCM at `sample_rate`, within `timeout` seconds.

        `voice` / `model` None means the provider's configured default.

        Raises:
            UpstreamError: the provider failed, stalled past `timeout`, or sent no audio.
            InvalidRequestError: the voice or model cannot be used with this provider.
            ProviderNotConfiguredError: a key or setting is missing.
        """
        ...


@dataclass(frozen=True, slots=True)
class PreviewDraft:
    """The request as received: both spellings of provider and model (spec and web client)."""

    text: str
    voice: str | None = None
    provider: str | None = None
    model: str | None = None
    tts_provider: str | None = None
    tts_model: str | None = None


@dataclass(frozen=True, slots=True)
class PreviewPolicy:
    """Deployment settings that shape every preview."""

    default_provider: str
    max_chars: int
    sample_rate: int
    timeout_seconds: float


@dataclass(frozen=True, slots=True)
class PreviewRequest:
    """A validated preview request."""

    text: str
    provider: str
    voice: str | None
    model: str | None


@dataclass(frozen=True, slots=True)
class PreviewAudio:
    wav: bytes
    provider: str
    sample_rate: int
    duration_seconds: float


def normalize_provider(raw: str, origin: str = "provider") -> str:
    """The canonical provider name for `raw` (case-insensitive, aliases accepted); unknown names are a 400."""
    name = raw.strip().lower()
    name = PROVIDER_ALIASES.get(name, name)
    if name not in PREVIEW_PROVIDERS:
        raise InvalidRequestError(f"Unknown {origin} {raw.strip()!r}: use one of {', '.join(PREVIEW_PROVIDERS)}.")
    return name


def validate_preview(draft: PreviewDraft, policy: PreviewPolicy) -> PreviewRequest:
    """Apply the contract's rules to `draft`.

    Raises:
        InvalidRequestError: empty or too long text, unknown provider, conflicting spellings, oversized fields.
    """
    text = draft.text.strip()
    # Control and format characters alone are nothing to speak (Edge drops them and answers with no audio).
    if not any(character.isprintable() and not character.isspace() for character in text):
        raise InvalidRequestError("The text is empty; send a few words to preview.")
    if len(text) > policy.max_chars:
        raise InvalidRequestError(
            f"The text is {len(text)} characters long; a preview takes at most {policy.max_chars} characters."
        )
    provider = _resolve_provider(draft, policy)
    model = _one_spelling("model", draft.model, "tts_model", draft.tts_model)
    voice = _blank_to_none(draft.voice)
    if voice is not None and len(voice) > MAX_VOICE_CHARS:
        raise InvalidRequestError(f"The voice is too long; use at most {MAX_VOICE_CHARS} characters.")
    if model is not None and len(model) > MAX_MODEL_CHARS:
        raise InvalidRequestError(f"The model is too long; use at most {MAX_MODEL_CHARS} characters.")
    return PreviewRequest(text=text, provider=provider, voice=voice, model=model)


def synthesize_preview(
    draft: PreviewDraft, policy: PreviewPolicy, synthesizer_for: Callable[[str], SpeechSynthesizer]
) -> PreviewAudio:
    """Validate `draft`, synthesize it with its provider and wrap the audio in a WAV file at the session rate.

    Raises:
        InvalidRequestError: see `validate_preview`; also a voice or model the provider rejects before any call.
        UpstreamError: the provider failed, stalled past the deadline or returned no audio.
        ProviderNotConfiguredError: the provider lacks its key or a required setting.
        PayloadTooLargeError: the audio would not fit in a Lambda response.
    """
    request = validate_preview(draft, policy)
    synthesizer = synthesizer_for(request.provider)
    pcm = synthesizer.synthesize(request.text, request.voice, request.model, policy.sample_rate, policy.timeout_seconds)
    frames = len(pcm) // PCM_SAMPLE_WIDTH
    if frames == 0:
        raise UpstreamError(request.provider, "it returned no audio.")
    duration = frames / policy.sample_rate
    if frames * PCM_SAMPLE_WIDTH > MAX_WAV_BYTES:
        raise PayloadTooLargeError(
            f"The preview is {duration:.0f} seconds long, too long to return at {policy.sample_rate} Hz; "
            "shorten the text."
        )
    wav = wav_from_pcm16(pcm[: frames * PCM_SAMPLE_WIDTH], policy.sample_rate)
    record_provider_metric("PreviewSynthesized", request.provider)
    record_provider_metric("AudioSecondsSynthesized", request.provider, duration, MetricUnit.Seconds)
    return PreviewAudio(wav=wav, provider=request.provider, sample_rate=policy.sample_rate, duration_seconds=duration)


def wav_from_pcm16(pcm: bytes, sample_rate: int) -> bytes:
    """A RIFF/WAVE file around mono 16-bit little-endian PCM (`wave` writes the header sizes)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(PCM_SAMPLE_WIDTH)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return buffer.getvalue()


def _resolve_provider(draft: PreviewDraft, policy: PreviewPolicy) -> str:
    given = [value for value in (_blank_to_none(draft.provider), _blank_to_none(draft.tts_provider)) if value]
    if not given:
        return normalize_provider(policy.default_provider, "default provider (OPENTALKING_TTS_PROVIDER)")
    names = [normalize_provider(value) for value in given]
    if len(set(names)) > 1:
        raise _conflict("provider", "tts_provider", given[0], given[1])
    return names[0]


def _one_spelling(name: str, value: str | None, alias: str, alias_value: str | None) -> str | None:
    """The one value given under `name` or `alias`; both given and different is a 400."""
    first, second = _blank_to_none(value), _blank_to_none(alias_value)
    if first is not None and second is not None and first != second:
        raise _conflict(name, alias, first, second)
    return first if first is not None else second


def _conflict(name: str, alias: str, first: str, second: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"The fields {name!r} and {alias!r} disagree ({first!r} vs {second!r}); send only one of them."
    )


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
