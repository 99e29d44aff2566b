"""Where each provider's built-in voices come from, wired to this deployment's settings and keys.

Used by `voice_service.services.builtin_voices.list_builtin_voices`; each provider module is imported only when
its source is called.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_service.services.builtin_voices import BuiltinVoice, VoiceSource, configured_voices
from voice_service.services.openai_names import OPENAI_VOICE_TABLE
from voice_service.settings import (
    CosyVoiceTtsSettings,
    EdgeTtsSettings,
    ElevenLabsTtsSettings,
    QwenTtsSettings,
    get_settings,
)


def builtin_voice_sources() -> dict[str, VoiceSource]:
    """One source per provider, in the order listings show them."""
    from voice_service.adapters.provider_keys import dashscope_api_key, elevenlabs_api_key

    def edge() -> list[BuiltinVoice]:
        from voice_service.adapters.tts.edge import list_edge_voices

        fallback = [get_settings(EdgeTtsSettings).default_voice, *OPENAI_VOICE_TABLE["edge"].values()]
        return list_edge_voices(fallback)

    def espeak() -> list[BuiltinVoice]:
        from voice_service.adapters.tts.espeak import list_espeak_voices

        return list_espeak_voices()

    def with_table(provider: str, default: str | None) -> list[str]:
        return [voice for voice in (default, *OPENAI_VOICE_TABLE[provider].values()) if voice]

    return {
        "edge": edge,
        "dashscope": configured_voices(
            "dashscope", with_table("dashscope", get_settings(QwenTtsSettings).default_voice), dashscope_api_key
        ),
        "cosyvoice": configured_voices(
            "cosyvoice", with_table("cosyvoice", get_settings(CosyVoiceTtsSettings).default_voice), dashscope_api_key
        ),
        "elevenlabs": configured_voices(
            "elevenlabs",
            with_table("elevenlabs", get_settings(ElevenLabsTtsSettings).default_voice_id),
            elevenlabs_api_key,
        ),
        "espeak": espeak,
    }


def configured_providers() -> list[str]:
    """The providers that can run in this deployment: Edge always, eSpeak NG where its library loads, the others
    where their key is set (environment or the provider secret)."""
    from voice_service.adapters.provider_keys import dashscope_api_key, elevenlabs_api_key
    from voice_service.errors import InvalidRequestError, ProviderNotConfiguredError, StorageError

    def available(check: Callable[[], object]) -> bool:
        try:
            check()
        except (ProviderNotConfiguredError, InvalidRequestError, StorageError):
            return False
        return True

    def espeak_loads() -> object:
        from voice_service.adapters.tts.espeak import load_engine

        return load_engine()

    has_dashscope = available(dashscope_api_key)
    checks = {
        "edge": True,
        "dashscope": has_dashscope,
        "cosyvoice": has_dashscope,
        "elevenlabs": available(elevenlabs_api_key),
        "espeak": available(espeak_loads),
    }
    return [provider for provider, ok in checks.items() if ok]
