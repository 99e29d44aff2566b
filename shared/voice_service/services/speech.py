"""Use case of POST /v1/audio/speech (OpenAI's speech API): validate, resolve names, synthesize, encode.

It reuses the preview's providers (the `SpeechSynthesizer` port), the speech cache and the catalog's clones; naming
lives in `openai_names`. Audio is synthesized at 24 kHz mono, OpenAI's rate, and encoded by an `AudioEncoder`.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from voice_service.errors import InvalidRequestError, PayloadTooLargeError, UpstreamError
from voice_service.models import Owner, VoiceEntry
from voice_service.observability import record_provider_metric
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.openai_names import SpeechTarget, resolve_speech_target
from voice_service.services.preview import (
    PCM_SAMPLE_WIDTH,
    PREVIEW_AUDIO_FORMAT,
    WAV_HEADER_BYTES,
    SpeechStyle,
    SpeechSynthesizer,
    normalize_text,
    wav_from_pcm16,
)
from voice_service.services.speech_cache import CacheOutcome, SpeechCache, SpeechKey
from voice_service.text import require_unicode

OUTPUT_SAMPLE_RATE: Final = 24_000  # OpenAI's `pcm` is 24 kHz; every other format uses the same rate
RESPONSE_FORMATS: Final[tuple[str, ...]] = ("mp3", "opus", "aac", "flac", "wav", "pcm")
STREAM_FORMATS: Final[tuple[str, ...]] = ("audio", "sse")
MEDIA_TYPES: Final[dict[str, str]] = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",  # Ogg Opus, as OpenAI sends it
    "aac": "audio/aac",  # ADTS
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",  # raw 16-bit little-endian: not audio/L16, which is big-endian by definition
}
MAX_INSTRUCTIONS_CHARS: Final = 4096
MAX_VOICE_CHARS: Final = 200
MAX_MODEL_CHARS: Final = 200
MIN_SPEED: Final = 0.25
MAX_SPEED: Final = 4.0
# The speed each provider applies itself (Edge's SSML rate, DashScope's and CosyVoice's speech_rate, ElevenLabs'
# voice_settings.speed, eSpeak NG's words per minute around its normal 175). Outside it: a 400, never a silent clamp.
SPEED_RANGES: Final[dict[str, tuple[float, float]]] = {
    "edge": (0.5, 2.0),
    "dashscope": (0.5, 2.0),
    "cosyvoice": (0.5, 2.0),
    "elevenlabs": (0.7, 1.2),
    "espeak": (0.5, 2.5),
}
# Providers that take style instructions (Qwen's instruct models; CosyVoice's `instruction`); others ignore them.
INSTRUCTION_PROVIDERS: Final = frozenset({"dashscope", "cosyvoice"})
# Lambda answers at most 6 MB (6,291,456 B) and binary bodies travel base64-encoded (4/3), as does SSE audio.
MAX_AUDIO_BYTES: Final = 4_400_000


class AudioEncoder(Protocol):
    """Port: mono 16-bit PCM → one of RESPONSE_FORMATS."""

    def encode(self, pcm: bytes, sample_rate: int, audio_format: str) -> bytes:
        """Return the encoded audio.

        Raises:
            InvalidRequestError: the format cannot be produced in this deployment.
        """
        ...


CloneLookup = Callable[[str], VoiceEntry | None]


@dataclass(frozen=True, slots=True)
class SpeechDraft:
    """The request's fields as received (`voice` already reduced to a string)."""

    model: str
    input: str
    voice: str
    response_format: str = "mp3"
    speed: float = 1.0
    instructions: str | None = None
    stream_format: str = "audio"


@dataclass(frozen=True, slots=True)
class SpeechPolicy:
    default_provider: str
    max_chars: int
    timeout_seconds: float


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    content: bytes
    audio_format: str
    media_type: str
    target: SpeechTarget
    duration_seconds: float
    cache: CacheOutcome


def listed_clones(catalog: VoiceCatalog, owner: Owner | None) -> list[VoiceEntry]:
    """The catalog's clones that the OpenAI routes list and accept as `voice`: the one place that decides which.

    Every /v1 listing (voices, models) and every clone look-up of a speech request goes through here. `owner` is
    the caller's part of the catalog (a signed-in user's own voices; the shared catalog when nobody signs in);
    None: a caller with no clones at all (anonymous where users sign in), and the catalog is not asked.
    """
    if owner is None:
        return []
    # A deploying, failed or gone voice cannot speak yet (or again).
    return catalog.list_entries(status="ready", owner=owner)


def clone_finder(catalog: VoiceCatalog, owner: Owner | None) -> CloneLookup:
    """A look-up of one of `owner`'s listed clones by its voice id (as GET /v1/audio/voices shows it to them)."""

    def find(voice_id: str) -> VoiceEntry | None:
        return next((entry for entry in listed_clones(catalog, owner) if entry.voice_id == voice_id), None)

    return find


async def create_speech(
    draft: SpeechDraft,
    policy: SpeechPolicy,
    synthesizer_for: Callable[[str], SpeechSynthesizer],
    encoder: AudioEncoder,
    find_clone: CloneLookup,
    cache: SpeechCache,
    *,
    bypass_cache: bool = False,
) -> SpeechAudio:
    """Synthesize `draft` with the provider its names resolve to (or take it from the speech cache) and encode it
    in its response format.

    The cache holds the provider's audio, not the encoding: a WAV at 24 kHz keyed like a preview's (provider,
    resolved voice and model, normalized text, rate, and the style when it is not the plain one), so the same speech
    asked for in another format, or previewed at 24 kHz, is one entry. Encoding runs after the cache, every time.

    Raises:
        InvalidRequestError: a field breaks a rule, a speed the provider cannot apply, conflicting names (400).
        NotFoundError: an unknown voice or model (404).
        PayloadTooLargeError: the audio would not fit in a Lambda response (413), never a truncated file.
        UpstreamError / ProviderNotConfiguredError: the provider failed or lacks its key (502 / 503).
    """
    text = _validate(draft, policy)
    started = time.monotonic()
    # The clone look-up may cross the catalog boundary (a blocking Lambda invoke): off the event loop.
    target = await asyncio.to_thread(
        resolve_speech_target, draft.model, draft.voice, policy.default_provider, find_clone
    )
    low, high = SPEED_RANGES[target.provider]
    if not low <= draft.speed <= high:
        raise InvalidRequestError(
            f"The {target.provider} provider speaks at {low:g}x to {high:g}x; speed {draft.speed:g} is outside "
            "that range.",
            param="speed",
        )
    instructions = draft.instructions if target.provider in INSTRUCTION_PROVIDERS else None
    style = SpeechStyle(speed=draft.speed, instructions=instructions or None)
    synthesizer = synthesizer_for(target.provider)
    voice, model = synthesizer.resolve_voice(target.voice, target.model)
    key = SpeechKey(
        provider=target.provider,
        voice=voice,
        model=model,
        text=text,
        sample_rate=OUTPUT_SAMPLE_RATE,
        audio_format=PREVIEW_AUDIO_FORMAT,
        speed=style.speed,
        instructions=style.instructions or "",
    )

    async def synthesize_wav() -> bytes:
        # One deadline for the clone look-up, the cache read and the synthesis together, so a slow catalog or store
        # never pushes the answer past the function's (and API Gateway's) time: the provider gets what is left.
        remaining = max(0.1, round(policy.timeout_seconds - (time.monotonic() - started), 1))
        pcm = await synthesizer.synthesize(text, voice, model, OUTPUT_SAMPLE_RATE, remaining, style)
        if len(pcm) < PCM_SAMPLE_WIDTH:
            raise UpstreamError(target.provider, "it returned no audio.")
        record_provider_metric("SpeechSynthesized", target.provider)
        record_provider_metric("AudioSecondsSynthesized", target.provider, _seconds(len(pcm)), MetricUnit.Seconds)
        return wav_from_pcm16(pcm, OUTPUT_SAMPLE_RATE)

    cached = await cache.fetch(key, synthesize_wav, bypass=bypass_cache)
    pcm = cached.audio[WAV_HEADER_BYTES:]  # the layout wav_from_pcm16 writes (pinned by the key's audio_format)
    duration = _seconds(len(pcm))
    if draft.response_format in ("wav", "pcm"):
        _check_size(len(pcm), duration, draft.response_format)  # before encoding: these formats are the PCM itself
    # Encoding is CPU-bound (LAME, libsndfile): a worker thread keeps `make run`'s other requests moving.
    content = await asyncio.to_thread(encoder.encode, pcm, OUTPUT_SAMPLE_RATE, draft.response_format)
    _check_size(len(content), duration, draft.response_format)
    return SpeechAudio(
        content=content,
        audio_format=draft.response_format,
        media_type=MEDIA_TYPES[draft.response_format],
        target=target,
        duration_seconds=duration,
        cache=cached.outcome,
    )


def _seconds(pcm_bytes: int) -> float:
    return pcm_bytes / PCM_SAMPLE_WIDTH / OUTPUT_SAMPLE_RATE


def _validate(draft: SpeechDraft, policy: SpeechPolicy) -> str:
    for name, value in (
        ("input", draft.input),
        ("model", draft.model),
        ("voice", draft.voice),
        ("instructions", draft.instructions),
    ):
        if value is None:
            continue
        try:
            require_unicode(name, value)
        except InvalidRequestError as exc:
            raise InvalidRequestError(exc.message, param=name) from None
        if name in ("model", "voice") and any(unicodedata.category(character) == "Cc" for character in value):
            raise InvalidRequestError(
                f"The field {name!r} must not contain control characters such as line breaks.", param=name
            )
    text = normalize_text(draft.input)
    if not any(character.isprintable() and not character.isspace() for character in text):
        raise InvalidRequestError("The input is empty; send the text to speak.", param="input")
    if len(draft.input) > policy.max_chars:
        raise InvalidRequestError(
            f"The input is {len(draft.input)} characters long; at most {policy.max_chars} are accepted.",
            param="input",
        )
    if not draft.model.strip() or len(draft.model) > MAX_MODEL_CHARS:
        raise InvalidRequestError(f"The model must be 1 to {MAX_MODEL_CHARS} characters long.", param="model")
    if not draft.voice.strip() or len(draft.voice) > MAX_VOICE_CHARS:
        raise InvalidRequestError(f"The voice must be 1 to {MAX_VOICE_CHARS} characters long.", param="voice")
    if draft.response_format not in RESPONSE_FORMATS:
        raise InvalidRequestError(
            f"Unknown response_format {draft.response_format!r}: use one of {', '.join(RESPONSE_FORMATS)}.",
            param="response_format",
        )
    if draft.stream_format not in STREAM_FORMATS:
        raise InvalidRequestError(
            f"Unknown stream_format {draft.stream_format!r}: use one of {', '.join(STREAM_FORMATS)}.",
            param="stream_format",
        )
    if not MIN_SPEED <= draft.speed <= MAX_SPEED:
        raise InvalidRequestError(f"The speed must be between {MIN_SPEED} and {MAX_SPEED}.", param="speed")
    if draft.instructions is not None and len(draft.instructions) > MAX_INSTRUCTIONS_CHARS:
        raise InvalidRequestError(
            f"The instructions are too long; use at most {MAX_INSTRUCTIONS_CHARS} characters.", param="instructions"
        )
    return text


def _check_size(size: int, duration: float, audio_format: str) -> None:
    if size > MAX_AUDIO_BYTES:
        raise PayloadTooLargeError(
            f"The speech is {duration:.0f} seconds long: as {audio_format} it takes {size / 1e6:.1f} MB, over the "
            f"{MAX_AUDIO_BYTES / 1e6:.1f} MB a response can carry; ask for mp3, opus or aac, or send shorter input.",
            param="response_format" if audio_format in ("wav", "pcm", "flac") else "input",
        )
