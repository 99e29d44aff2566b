"""Use case of POST /tts/preview: validate the request, answer from the speech cache or synthesize a WAV clip."""

from __future__ import annotations

import asyncio
import struct
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from voice_service.errors import InvalidRequestError, PayloadTooLargeError, UpstreamError
from voice_service.models import SHARED_CATALOG, Owner
from voice_service.observability import record_provider_metric
from voice_service.providers import PREVIEW_PROVIDERS, PROVIDER_ALIASES, preview_provider
from voice_service.services.preview_access import PreviewAccess
from voice_service.services.speech_cache import CacheOutcome, SpeechCache, SpeechKey
from voice_service.text import (
    MAX_MODEL_CHARS,
    MAX_PROVIDER_NAME_CHARS,
    MAX_VOICE_CHARS,
    model_name,
    require_unicode,
    text_field,
)

PCM_SAMPLE_WIDTH: Final = 2  # bytes: 16-bit little-endian
# Lambda returns at most 6 MB and binary bodies travel base64-encoded (4/3): keep the WAV well below 4.5 MB.
MAX_WAV_BYTES: Final = 4_400_000
# What the preview stores in the speech cache: the finished RIFF/WAVE file, 16-bit mono PCM.
PREVIEW_AUDIO_FORMAT: Final = "wav-pcm16"
WAV_HEADER_BYTES: Final = 44


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

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        """The voice and model a request gets, with this provider's defaults applied and checked.

        The model is "" for a provider without models (a model sent to it is ignored).

        Raises:
            InvalidRequestError: the voice or model cannot be used with this provider.
            ProviderNotConfiguredError: there is no voice to default to.
        """
        ...

    async def synthesize(
        self,
        text: str,
        voice: str,
        model: str,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        """Return mono 16-bit little-endian PCM at `sample_rate`, within `timeout` seconds, for a resolved voice,
        spoken in `style` (a provider without instructions ignores them).

        Raises:
            UpstreamError: the provider failed, stalled past `timeout`, or sent no audio.
            InvalidRequestError: the provider rejected the voice or model.
            ProviderNotConfiguredError: a key or setting is missing.
        """
        ...


PROVIDER_NAMES_ACCEPTED: Final[list[JsonValue]] = [*PREVIEW_PROVIDERS, *PROVIDER_ALIASES]


class PreviewForm(BaseModel):
    """The request body as received: the spec's fields plus the web client's spellings (`tts_provider`,
    `tts_model`); other fields are ignored.

    The limits and names below are documented for clients and fuzzers (the text limit is a setting, added to the
    OpenAPI document by the preview function); `validate_preview` enforces them with its own sentences, the
    configured limit, and any letter case of the provider names.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    text: str = Field(
        description="Text to synthesize (at most OPENTALKING_TTS_PREVIEW_MAX_CHARS characters).",
        json_schema_extra={"minLength": 1, "pattern": "\\S"},
    )
    voice: str | None = Field(
        default=None,
        description="Voice identifier; its format depends on the provider.",
        json_schema_extra={"maxLength": MAX_VOICE_CHARS},
    )
    provider: str | None = Field(
        default=None,
        description="edge, dashscope, cosyvoice, elevenlabs or espeak; default OPENTALKING_TTS_PROVIDER.",
        json_schema_extra={"enum": PROVIDER_NAMES_ACCEPTED},
    )
    model: str | None = Field(
        default=None,
        description="Provider-specific model identifier.",
        json_schema_extra={"maxLength": MAX_MODEL_CHARS},
    )
    tts_provider: str | None = Field(
        default=None,
        description="The web client's name for `provider`.",
        json_schema_extra={"enum": PROVIDER_NAMES_ACCEPTED},
    )
    tts_model: str | None = Field(
        default=None, description="The web client's name for `model`.", json_schema_extra={"maxLength": MAX_MODEL_CHARS}
    )
    no_cache: bool = Field(
        default=False,
        strict=True,
        description="true: synthesize afresh and replace the cached copy (as the header Cache-Control: no-cache).",
    )


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
    etag: str
    cache: CacheOutcome


@dataclass(frozen=True, slots=True)
class PreviewService:
    """The preview use case wired to one deployment's policy, its providers' synthesizers and the speech cache."""

    policy: PreviewPolicy
    synthesizers: Mapping[str, Callable[[], SpeechSynthesizer]]
    cache: SpeechCache
    # Where users sign in: who may preview with which cloned voice, and how often (None: everyone, unmetered).
    access: PreviewAccess | None = None

    async def synthesize(
        self, form: PreviewForm, *, bypass_cache: bool = False, owner: Owner | None = SHARED_CATALOG
    ) -> PreviewAudio:
        """See `synthesize_preview`; `owner` is the caller's catalog (None: a caller who did not sign in where
        users sign in)."""
        admit = None
        if self.access is not None:
            access = self.access

            async def admit(provider: str, voice: str) -> None:
                # The catalog is synchronous (SQLite, or a Lambda invoke): off the event loop.
                await asyncio.to_thread(access.admit, owner, provider, voice)

        return await synthesize_preview(
            form,
            self.policy,
            lambda provider: self.synthesizers[provider](),
            self.cache,
            bypass_cache=bypass_cache,
            admit=admit,
        )


def validate_preview(form: PreviewForm, policy: PreviewPolicy) -> PreviewRequest:
    """Apply the contract's rules to `form`.

    Raises:
        InvalidRequestError: empty or too long text, unknown provider, conflicting spellings, oversized fields.
    """
    require_unicode("text", form.text)
    text = normalize_text(form.text)
    # Control and format characters alone are nothing to speak (Edge drops them and answers with no audio).
    if not any(character.isprintable() and not character.isspace() for character in text):
        raise InvalidRequestError("The text is empty; send a few words to preview.")
    if len(text) > policy.max_chars:
        raise InvalidRequestError(
            f"The text is {len(text)} characters long; a preview takes at most {policy.max_chars} characters."
        )
    provider = _resolve_provider(form, policy)
    model = _one_spelling(
        "model", model_name("model", form.model), "tts_model", model_name("tts_model", form.tts_model)
    )
    voice = text_field("voice", form.voice, MAX_VOICE_CHARS)
    return PreviewRequest(text=text, provider=provider, voice=voice, model=model)


async def synthesize_preview(
    form: PreviewForm,
    policy: PreviewPolicy,
    synthesizer_for: Callable[[str], SpeechSynthesizer],
    cache: SpeechCache,
    *,
    bypass_cache: bool = False,
    admit: Callable[[str, str], Awaitable[None]] | None = None,
) -> PreviewAudio:
    """Validate `form` and return its WAV at the session rate: from the speech cache, or synthesized and stored.

    The cache key is the canonical request (provider alias resolved, the provider's default voice and model
    applied, text normalized, session rate); `bypass_cache` synthesizes afresh and replaces the stored copy.
    `admit(provider, voice)` runs before the cache is consulted (the caller's right to the voice, their rate).

    Raises:
        InvalidRequestError: see `validate_preview`; also a voice or model the provider rejects before any call.
        UpstreamError: the provider failed, stalled past the deadline or returned no audio.
        ProviderNotConfiguredError: the provider lacks its key or a required setting.
        PayloadTooLargeError: the audio would not fit in a Lambda response.
        VoiceNotFoundError, QuotaExceededError: from `admit`.
    """
    request = validate_preview(form, policy)
    synthesizer = synthesizer_for(request.provider)
    voice, model = synthesizer.resolve_voice(request.voice, request.model)
    if admit is not None:
        await admit(request.provider, voice)
    key = SpeechKey(
        provider=request.provider,
        voice=voice,
        model=model,
        text=request.text,
        sample_rate=policy.sample_rate,
        audio_format=PREVIEW_AUDIO_FORMAT,
    )

    async def synthesize_wav() -> bytes:
        pcm = await synthesizer.synthesize(request.text, voice, model, policy.sample_rate, policy.timeout_seconds)
        return _finished_wav(request.provider, pcm, policy.sample_rate)

    cached = await cache.fetch(key, synthesize_wav, bypass=bypass_cache)
    return PreviewAudio(wav=cached.audio, provider=request.provider, etag=cached.etag, cache=cached.outcome)


def _finished_wav(provider: str, pcm: bytes, sample_rate: int) -> bytes:
    """Check the provider's PCM and wrap it; only a WAV returned from here is ever cached."""
    frames = len(pcm) // PCM_SAMPLE_WIDTH
    if frames == 0:
        raise UpstreamError(provider, "it returned no audio.")
    duration = frames / sample_rate
    if frames * PCM_SAMPLE_WIDTH > MAX_WAV_BYTES:
        raise PayloadTooLargeError(
            f"The preview is {duration:.0f} seconds long, too long to return at {sample_rate} Hz; shorten the text."
        )
    wav = wav_from_pcm16(pcm, sample_rate)
    record_provider_metric("PreviewSynthesized", provider)
    record_provider_metric("AudioSecondsSynthesized", provider, duration, MetricUnit.Seconds)
    return wav


def normalize_text(text: str) -> str:
    """The text as synthesized and keyed: Unicode NFC, whitespace runs collapsed to one space, trimmed.

    Equal texts written differently (composed or decomposed accents, doubled spaces, a trailing newline) then
    share one cache entry; providers read them alike.
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


def wav_from_pcm16(pcm: bytes, sample_rate: int) -> bytes:
    """A RIFF/WAVE file around mono 16-bit little-endian PCM (an odd trailing byte is dropped).

    The 44-byte header is packed directly and joined to the PCM in one copy (the `wave` module copies twice).
    """
    size = len(pcm) - len(pcm) % PCM_SAMPLE_WIDTH
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        WAV_HEADER_BYTES - 8 + size,
        b"WAVE",
        b"fmt ",
        16,  # fmt chunk size
        1,  # PCM
        1,  # mono
        sample_rate,
        sample_rate * PCM_SAMPLE_WIDTH,  # byte rate
        PCM_SAMPLE_WIDTH,  # block align
        8 * PCM_SAMPLE_WIDTH,  # bits per sample
        b"data",
        size,
    )
    if size != len(pcm):
        return header + memoryview(pcm)[:size]
    return header + pcm


def _resolve_provider(form: PreviewForm, policy: PreviewPolicy) -> str:
    spellings = (
        text_field("provider", form.provider, MAX_PROVIDER_NAME_CHARS),
        text_field("tts_provider", form.tts_provider, MAX_PROVIDER_NAME_CHARS),
    )
    given = [value for value in spellings if value]
    if not given:
        return preview_provider(policy.default_provider, "default provider (OPENTALKING_TTS_PROVIDER)")
    names = [preview_provider(value) for value in given]
    if len(set(names)) > 1:
        raise _conflict("provider", "tts_provider", given[0], given[1])
    return names[0]


def _one_spelling(name: str, value: str | None, alias: str, alias_value: str | None) -> str | None:
    """The one value given under `name` or `alias` (both already checked); both given and different is a 400."""
    first, second = value, alias_value
    if first is not None and second is not None and first != second:
        raise _conflict(name, alias, first, second)
    return first if first is not None else second


def _conflict(name: str, alias: str, first: str, second: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"The fields {name!r} and {alias!r} disagree ({first!r} vs {second!r}); send only one of them."
    )
