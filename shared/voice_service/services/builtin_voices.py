"""Use case of GET /tts/voices: each preview provider's built-in voices, so clients never hard-code them.

Where the list comes from differs per provider (`VoiceSource`): Edge's live catalog (with a fallback when it cannot
be reached), the voices eSpeak NG has installed, or only the configured default for providers whose catalogs need
an account. Cloned voices are not listed here: they are the catalog's (`GET /voices`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from voice_service.providers import PREVIEW_PROVIDERS, preview_provider
from voice_service.text import blank_to_none

# live: fetched from the provider just now (or cached from a recent fetch); installed: what the engine ships;
# configured: the deployment's defaults only; fallback: a fixed list because the live one could not be fetched.
VoiceSource = Literal["live", "installed", "configured", "fallback"]


@dataclass(frozen=True, slots=True)
class BuiltinVoice:
    """A voice a provider offers without cloning. `id` is what POST /tts/preview takes as `voice`."""

    id: str
    name: str
    locale: str | None = None
    gender: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderVoices:
    """One provider's voices and models, with where the list came from and why it may be short (`note`)."""

    provider: str
    source: VoiceSource
    voices: tuple[BuiltinVoice, ...]
    default_voice: str | None
    models: tuple[str, ...] = ()
    default_model: str | None = None
    note: str | None = None


class VoiceDirectory(Protocol):
    """Port: where one provider's built-in voices are looked up."""

    def list_voices(self) -> ProviderVoices:
        """Return the provider's voices. Never raises for an unreachable provider: answers a fallback instead."""
        ...


@dataclass(frozen=True, slots=True)
class BuiltinVoiceListing:
    providers: tuple[ProviderVoices, ...]
    default_provider: str
    max_chars: int


class BuiltinVoiceService:
    """Lists the preview providers' voices, with the preview's default provider and text limit."""

    def __init__(
        self, directories: Mapping[str, Callable[[], VoiceDirectory]], default_provider: str, max_chars: int
    ) -> None:
        assert tuple(directories) == PREVIEW_PROVIDERS, "every preview provider needs a voice directory"
        self._directories = directories
        self._default_provider = preview_provider(default_provider, "default provider (OPENTALKING_TTS_PROVIDER)")
        self._max_chars = max_chars

    def list(self, provider: str | None = None) -> BuiltinVoiceListing:
        """Every preview provider's voices (or one provider's, by any accepted name), in the documented order.

        Raises:
            InvalidRequestError: `provider` is not a preview provider.
        """
        wanted = PREVIEW_PROVIDERS if blank_to_none(provider) is None else (preview_provider(str(provider)),)
        return BuiltinVoiceListing(
            providers=tuple(self._directories[name]().list_voices() for name in wanted),
            default_provider=self._default_provider,
            max_chars=self._max_chars,
        )
