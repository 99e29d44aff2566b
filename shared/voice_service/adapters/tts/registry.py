"""Provider name → synthesizer; each provider's module (and its SDK) is imported only when it is used."""

from __future__ import annotations

from collections.abc import Callable

from voice_service.services.preview import PREVIEW_PROVIDERS, SpeechSynthesizer


def _edge() -> SpeechSynthesizer:
    from voice_service.adapters.tts.edge import EdgeSynthesizer

    return EdgeSynthesizer()


def _dashscope() -> SpeechSynthesizer:
    from voice_service.adapters.tts.qwen_realtime import QwenRealtimeSynthesizer

    return QwenRealtimeSynthesizer()


def _cosyvoice() -> SpeechSynthesizer:
    from voice_service.adapters.tts.cosyvoice import CosyVoiceSynthesizer

    return CosyVoiceSynthesizer()


def _elevenlabs() -> SpeechSynthesizer:
    from voice_service.adapters.tts.eleven_labs import ElevenLabsSynthesizer

    return ElevenLabsSynthesizer()


def _espeak() -> SpeechSynthesizer:
    from voice_service.adapters.tts.espeak import EspeakSynthesizer

    return EspeakSynthesizer()


SYNTHESIZER_FACTORIES: dict[str, Callable[[], SpeechSynthesizer]] = {
    "edge": _edge,
    "dashscope": _dashscope,
    "cosyvoice": _cosyvoice,
    "elevenlabs": _elevenlabs,
    "espeak": _espeak,
}
assert set(SYNTHESIZER_FACTORIES) == set(PREVIEW_PROVIDERS), "every preview provider needs an adapter"


def get_synthesizer(provider: str) -> SpeechSynthesizer:
    """The synthesizer of a canonical provider name (see `voice_service.services.preview.normalize_provider`)."""
    return SYNTHESIZER_FACTORIES[provider]()
