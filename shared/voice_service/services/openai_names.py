"""The naming scheme of the OpenAI-compatible routes: which provider, voice and model a `voice` and `model` mean.

- `model`: one of OpenAI's TTS models (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`, dated variants) means the
  deployment's default provider with its default model; a provider name (`edge`, aliases too) means that provider
  with its default model; `provider/model` names both.
- `voice`: `provider:voice` names a provider's own voice; a cloned voice's id (its `voice_id` in the catalog, as
  `GET /v1/audio/voices` lists it) means that clone, with the model it was cloned for; OpenAI's built-in names
  (`alloy`, `ash`, ...) mean the voice of the chosen provider in `OPENAI_VOICE_TABLE`; any other name is given to
  the provider that `model` names (with an OpenAI model name it is unknown: 404).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from voice_service.errors import InvalidRequestError, NotFoundError
from voice_service.models import VoiceEntry
from voice_service.providers import PREVIEW_PROVIDERS, canonical_name, preview_provider

OPENAI_MODELS: Final[tuple[str, ...]] = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
# Dated snapshots, e.g. gpt-4o-mini-tts-2025-03-20 or tts-1-1106.
OPENAI_MODEL_SNAPSHOT = re.compile(r"^(tts-1|tts-1-hd|gpt-4o-mini-tts)-\d{4}(-\d{2}-\d{2})?$")
OPENAI_VOICES: Final[tuple[str, ...]] = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
# OpenAI's voice name → each provider's voice of a similar kind (female/male, register). ElevenLabs ids are its
# premade voices (Rachel, Sam, ...), present in every account.
OPENAI_VOICE_TABLE: Final[dict[str, dict[str, str]]] = {
    "edge": {
        "alloy": "en-US-AvaNeural",
        "ash": "en-US-AndrewNeural",
        "ballad": "en-GB-RyanNeural",
        "coral": "en-US-EmmaNeural",
        "echo": "en-US-BrianNeural",
        "fable": "en-GB-SoniaNeural",
        "onyx": "en-US-EricNeural",
        "nova": "en-US-JennyNeural",
        "sage": "en-US-AriaNeural",
        "shimmer": "en-US-MichelleNeural",
        "verse": "en-US-GuyNeural",
        "marin": "en-US-AnaNeural",
        "cedar": "en-US-ChristopherNeural",
    },
    "dashscope": {
        "alloy": "Cherry",
        "ash": "Ethan",
        "ballad": "Ryan",
        "coral": "Jennifer",
        "echo": "Elias",
        "fable": "Katerina",
        "onyx": "Marcus",
        "nova": "Serena",
        "sage": "Chelsie",
        "shimmer": "Jada",
        "verse": "Dylan",
        "marin": "Sunny",
        "cedar": "Peter",
    },
    "cosyvoice": {
        "alloy": "longxiaochun_v2",
        "ash": "longcheng_v2",
        "ballad": "longshu_v2",
        "coral": "longwan_v2",
        "echo": "longxiaocheng_v2",
        "fable": "longxiaoxia_v2",
        "onyx": "longhua_v2",
        "nova": "loongbella_v2",
        "sage": "longyue_v2",
        "shimmer": "longmiao_v2",
        "verse": "longshuo_v2",
        "marin": "longjing_v2",
        "cedar": "longfei_v2",
    },
    "elevenlabs": {
        "alloy": "21m00Tcm4TlvDq8ikWAM",  # Rachel
        "ash": "ErXwobaYiN019PkySvjV",  # Antoni
        "ballad": "VR6AewLTigWG4xSOukaG",  # Arnold
        "coral": "EXAVITQu4vr4xnSDxMaL",  # Bella
        "echo": "TxGEqnHWrfWFTfGW9XjX",  # Josh
        "fable": "ThT5KcBeYPX3keUQqHPh",  # Dorothy
        "onyx": "pNInz6obpgDQGcFmaJgB",  # Adam
        "nova": "MF3mGyEYCl7XYWbV9V6O",  # Elli
        "sage": "AZnzlk1XvdvUeBnXmlld",  # Domi
        "shimmer": "LcfcDJNUP1GQjkzn1xUU",  # Emily
        "verse": "yoZ06aMxZJJ28mfd3POQ",  # Sam
        "marin": "XrExE9yKIg1WjnnlVkGX",  # Matilda
        "cedar": "onwK4e9ZLuTAKqWW03F9",  # Daniel
    },
    "espeak": {
        "alloy": "en-us+f3",
        "ash": "en-us+m3",
        "ballad": "en-gb+m2",
        "coral": "en-us+f2",
        "echo": "en-us+m1",
        "fable": "en-gb+f3",
        "onyx": "en-us+m7",
        "nova": "en-us+f4",
        "sage": "en-us+f1",
        "shimmer": "en-us+f5",
        "verse": "en-us+m2",
        "marin": "en-gb+f2",
        "cedar": "en-gb+m3",
    },
}
assert set(OPENAI_VOICE_TABLE) == set(PREVIEW_PROVIDERS), "every provider needs OpenAI's voice names"
assert all(set(table) == set(OPENAI_VOICES) for table in OPENAI_VOICE_TABLE.values())
VOICE_SEPARATOR: Final = ":"
MODEL_SEPARATOR: Final = "/"


@dataclass(frozen=True, slots=True)
class SpeechTarget:
    """What a request resolves to: a provider, its voice and model (None: the provider's configured default)."""

    provider: str
    voice: str | None
    model: str | None
    clone: VoiceEntry | None = None


@dataclass(frozen=True, slots=True)
class ModelChoice:
    provider: str
    model: str | None  # None: the provider's default model
    named_provider: bool  # False for OpenAI's model names, which only stand for the default provider


class UnknownNameError(NotFoundError):
    """A `voice` or `model` that names nothing this deployment serves (404 on the OpenAI routes)."""


class NameConflictError(InvalidRequestError):
    """`voice` and `model` point at different providers or models (400)."""


def is_openai_model(name: str) -> bool:
    return name in OPENAI_MODELS or OPENAI_MODEL_SNAPSHOT.match(name) is not None


def parse_model(raw: str, default_provider: str) -> ModelChoice:
    """Map `model` to a provider and model.

    Raises:
        UnknownNameError: neither an OpenAI model name, nor a provider, nor `provider/model`.
    """
    name = raw.strip()
    if is_openai_model(name):
        return ModelChoice(_default(default_provider), None, named_provider=False)
    provider_part, _, model_part = name.partition(MODEL_SEPARATOR)
    provider = _provider_or_none(provider_part)
    if provider is None:
        raise UnknownNameError(
            f"Unknown model {name!r}: use {', '.join(OPENAI_MODELS)}, a provider "
            f"({', '.join(PREVIEW_PROVIDERS)}) or provider/model (GET /v1/models lists them).",
            param="model",
        )
    return ModelChoice(provider, model_part.strip() or None, named_provider=True)


def resolve_speech_target(
    model: str, voice: str, default_provider: str, find_clone: Callable[[str], VoiceEntry | None]
) -> SpeechTarget:
    """Map a request's `model` and `voice` to one provider, voice and model (see the module docstring).

    Raises:
        UnknownNameError: an unknown model, provider prefix or voice (404).
        NameConflictError: `voice` and `model` disagree, e.g. a clone with a model it was not cloned for (400).
    """
    choice = parse_model(model, default_provider)
    name = voice.strip()
    prefix, separator, rest = name.partition(VOICE_SEPARATOR)
    if separator:
        provider = _provider_or_none(prefix)
        if provider is None:
            raise UnknownNameError(
                f"Unknown voice {name!r}: the part before ':' must be a provider ({', '.join(PREVIEW_PROVIDERS)}).",
                param="voice",
            )
        if not rest.strip():
            raise UnknownNameError(f"Unknown voice {name!r}: name a voice after '{prefix}:'.", param="voice")
        _same_provider(choice, provider, name)
        return SpeechTarget(provider=provider, voice=rest.strip(), model=choice.model)
    # OpenAI's names first: no provider issues such an id to a clone, and they need no catalog read.
    if name.lower() in OPENAI_VOICES:
        return SpeechTarget(choice.provider, OPENAI_VOICE_TABLE[choice.provider][name.lower()], choice.model)
    clone = find_clone(name)
    if clone is not None:
        return _clone_target(choice, clone)
    if choice.named_provider:
        return SpeechTarget(choice.provider, name, choice.model)
    raise UnknownNameError(
        f"Unknown voice {name!r}: use one of OpenAI's voice names, provider:voice (e.g. edge:en-US-AriaNeural) "
        "or a cloned voice's id (GET /v1/audio/voices lists them).",
        param="voice",
    )


def clone_model_name(entry: VoiceEntry) -> str:
    """The `model` a cloned voice needs, as `GET /v1/audio/voices` shows it."""
    return f"{entry.provider}{MODEL_SEPARATOR}{entry.target_model}"


def _clone_target(choice: ModelChoice, clone: VoiceEntry) -> SpeechTarget:
    wrong_provider = choice.named_provider and choice.provider != clone.provider
    wrong_model = choice.model is not None and choice.model != clone.target_model
    if wrong_provider or wrong_model:
        raise NameConflictError(
            f"The voice {clone.voice_id!r} was cloned for {clone_model_name(clone)}; use that model "
            f"(or {clone.provider}, or one of OpenAI's model names).",
            param="model",
        )
    return SpeechTarget(clone.provider, clone.voice_id, clone.target_model, clone=clone)


def _same_provider(choice: ModelChoice, provider: str, voice: str) -> None:
    if choice.named_provider and choice.provider != provider:
        raise NameConflictError(
            f"The voice {voice!r} belongs to {provider}, but the model names {choice.provider}; "
            f"use model {provider!r} (or {provider}/<model>, or one of OpenAI's model names).",
            param="model",
        )


def _provider_or_none(raw: str) -> str | None:
    name = canonical_name(raw)
    return name if name in PREVIEW_PROVIDERS else None


def _default(default_provider: str) -> str:
    return preview_provider(default_provider, "default provider (OPENTALKING_TTS_PROVIDER)")
