"""Provider name → synthesizer, built from the settings of a function that synthesizes (preview, OpenAI speech).

Each provider's module (and its SDK) is imported only when that provider is first used, so a cold start pays for
none of them.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.provider_keys import ProviderKeys
from voice_service.providers import PREVIEW_PROVIDERS
from voice_service.services.preview import SpeechSynthesizer
from voice_service.settings import SynthesisFunctionSettings


def synthesizer_factories(settings: SynthesisFunctionSettings) -> dict[str, Callable[[], SpeechSynthesizer]]:
    """One factory per preview provider, each constructing its adapter from `settings` when called."""
    keys = ProviderKeys(settings.keys)
    dashscope = DashScopeSdk(settings.dashscope, keys)

    def edge() -> SpeechSynthesizer:
        from voice_service.adapters.tts.edge import EdgeSynthesizer

        return EdgeSynthesizer(settings.edge)

    def dashscope_qwen() -> SpeechSynthesizer:
        from voice_service.adapters.tts.dashscope_qwen import QwenRealtimeSynthesizer

        return QwenRealtimeSynthesizer(settings.qwen, dashscope)

    def cosyvoice() -> SpeechSynthesizer:
        from voice_service.adapters.tts.cosyvoice import CosyVoiceSynthesizer

        return CosyVoiceSynthesizer(settings.cosyvoice, dashscope)

    def elevenlabs() -> SpeechSynthesizer:
        from voice_service.adapters.tts.eleven_labs import ElevenLabsSynthesizer

        return ElevenLabsSynthesizer(settings.elevenlabs, keys)

    def espeak() -> SpeechSynthesizer:
        from voice_service.adapters.tts.espeak import EspeakSynthesizer

        return EspeakSynthesizer(settings.espeak)

    factories: dict[str, Callable[[], SpeechSynthesizer]] = {
        "edge": edge,
        "dashscope": dashscope_qwen,
        "cosyvoice": cosyvoice,
        "elevenlabs": elevenlabs,
        "espeak": espeak,
    }
    assert tuple(factories) == PREVIEW_PROVIDERS, "every preview provider needs an adapter"
    return factories
