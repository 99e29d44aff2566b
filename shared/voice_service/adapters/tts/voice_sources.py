"""Where each provider's built-in voices come from, wired to a function's settings and keys.

Used by `voice_service.services.builtin_voices.list_builtin_voices`; each provider module is imported only when
its source is called.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_service.adapters.provider_keys import ProviderKeys
from voice_service.errors import InvalidRequestError, ProviderNotConfiguredError, StorageError
from voice_service.providers import PREVIEW_PROVIDERS
from voice_service.services.builtin_voices import BuiltinVoice, VoiceSource, configured_voices
from voice_service.services.openai_names import OPENAI_VOICE_TABLE
from voice_service.settings import SynthesisFunctionSettings


def builtin_voice_sources(settings: SynthesisFunctionSettings) -> dict[str, VoiceSource]:
    """One source per provider, in the order listings show them."""
    keys = ProviderKeys(settings.keys)

    def edge() -> list[BuiltinVoice]:
        from voice_service.adapters.tts.edge import list_edge_voices

        fallback = [settings.edge.default_voice, *OPENAI_VOICE_TABLE["edge"].values()]
        return list_edge_voices(settings.edge, fallback)

    def espeak() -> list[BuiltinVoice]:
        from voice_service.adapters.tts.espeak import list_espeak_voices

        return list_espeak_voices()

    def with_table(provider: str, default: str | None) -> list[str]:
        return [voice for voice in (default, *OPENAI_VOICE_TABLE[provider].values()) if voice]

    sources: dict[str, VoiceSource] = {
        "edge": edge,
        "dashscope": configured_voices(
            "dashscope", with_table("dashscope", settings.qwen.default_voice), keys.dashscope
        ),
        "cosyvoice": configured_voices(
            "cosyvoice", with_table("cosyvoice", settings.cosyvoice.default_voice), keys.dashscope
        ),
        "elevenlabs": configured_voices(
            "elevenlabs", with_table("elevenlabs", settings.elevenlabs.default_voice_id), keys.elevenlabs
        ),
        "espeak": espeak,
    }
    assert tuple(sources) == PREVIEW_PROVIDERS, "every provider needs a voice source"
    return sources


def configured_providers(settings: SynthesisFunctionSettings) -> Callable[[], list[str]]:
    """A check of which providers can run here: Edge always, eSpeak NG where its library loads, the others where
    their key is set (environment or the provider secret)."""
    keys = ProviderKeys(settings.keys)

    def available(check: Callable[[], object]) -> bool:
        try:
            check()
        except (ProviderNotConfiguredError, InvalidRequestError, StorageError):
            return False
        return True

    def espeak_loads() -> object:
        from voice_service.adapters.tts.espeak import load_engine

        return load_engine()

    def providers() -> list[str]:
        has_dashscope = available(keys.dashscope)
        checks = {
            "edge": True,
            "dashscope": has_dashscope,
            "cosyvoice": has_dashscope,
            "elevenlabs": available(keys.elevenlabs),
            "espeak": available(espeak_loads),
        }
        return [provider for provider, ok in checks.items() if ok]

    return providers
