"""Each provider's built-in voices, for listings (`GET /v1/audio/voices` now, a studio page later).

Sources are ports: Edge's live list (with a fallback when it cannot be fetched), eSpeak NG's installed voices, and
configured defaults for the providers that publish no list. A provider that is not configured in this deployment
(no key, no native library) is left out rather than listed with voices that would fail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from voice_service.errors import InvalidRequestError, ProviderNotConfiguredError, StorageError
from voice_service.observability import logger


@dataclass(frozen=True, slots=True)
class BuiltinVoice:
    provider: str
    voice: str  # what the provider calls it (the `voice` of /tts/preview)
    name: str  # for people
    language: str | None = None
    gender: str | None = None


# Returns the provider's voices; raises ProviderNotConfiguredError (or ProviderUnavailableError) when it cannot run.
VoiceSource = Callable[[], list[BuiltinVoice]]


def list_builtin_voices(sources: Mapping[str, VoiceSource]) -> dict[str, list[BuiltinVoice]]:
    """The voices of every provider that can run here, by provider (in `sources` order), without duplicates."""
    listed: dict[str, list[BuiltinVoice]] = {}
    for provider, source in sources.items():
        try:
            voices = source()
        except (ProviderNotConfiguredError, InvalidRequestError, StorageError) as exc:
            # InvalidRequestError covers ProviderUnavailableError (e.g. no eSpeak NG library on this platform).
            logger.info("Provider left out of the voice listing", extra={"provider": provider, "reason": str(exc)})
            continue
        seen: set[str] = set()
        unique = []
        for voice in voices:
            if voice.voice not in seen:
                seen.add(voice.voice)
                unique.append(voice)
        listed[provider] = unique
    return listed


def configured_voices(provider: str, voices: list[str], require: Callable[[], object] | None = None) -> VoiceSource:
    """A source for providers without a voice list: the configured default and other known names.

    `require` is called first (e.g. the provider's key lookup) and may raise ProviderNotConfiguredError.
    """

    def source() -> list[BuiltinVoice]:
        if require is not None:
            require()
        return [BuiltinVoice(provider=provider, voice=voice, name=voice) for voice in voices if voice]

    return source
