"""Provider name → where its built-in voices are listed (see `voice_service.services.builtin_voices`).

Edge and eSpeak NG list their own voices. DashScope (Qwen, CosyVoice) and ElevenLabs keep their catalogs behind an
account, so only the deployment's configured defaults are listed; any other voice they serve can still be typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voice_service.services.builtin_voices import BuiltinVoice, ProviderVoices, VoiceDirectory
from voice_service.services.preview import PREVIEW_PROVIDERS
from voice_service.settings import (
    CosyVoiceTtsSettings,
    ElevenLabsTtsSettings,
    QwenTtsSettings,
    get_settings,
)


@dataclass(frozen=True, slots=True)
class ConfiguredVoiceDirectory:
    """Implements `VoiceDirectory` with the configured default voice and model only."""

    provider: str
    default_voice: str | None
    default_model: str | None
    setting: str

    def list_voices(self) -> ProviderVoices:
        voices = (BuiltinVoice(self.default_voice, self.default_voice),) if self.default_voice else ()
        note = (
            f"Only the configured default ({self.setting}) is listed; any other {self.provider} voice id works too."
            if voices
            else f"No default voice is configured ({self.setting}); enter a {self.provider} voice id."
        )
        models = (self.default_model,) if self.default_model else ()
        return ProviderVoices(
            self.provider,
            "configured",
            voices,
            default_voice=self.default_voice,
            models=models,
            default_model=self.default_model,
            note=note,
        )


def _edge() -> VoiceDirectory:
    from voice_service.adapters.tts.edge_voices import EdgeVoiceDirectory

    return EdgeVoiceDirectory()


def _espeak() -> VoiceDirectory:
    from voice_service.adapters.tts.espeak import EspeakVoiceDirectory

    return EspeakVoiceDirectory()


def _dashscope() -> VoiceDirectory:
    settings = get_settings(QwenTtsSettings)
    return ConfiguredVoiceDirectory(
        "dashscope", settings.default_voice, settings.default_model, "OPENTALKING_TTS_DASHSCOPE_VOICE"
    )


def _cosyvoice() -> VoiceDirectory:
    settings = get_settings(CosyVoiceTtsSettings)
    return ConfiguredVoiceDirectory(
        "cosyvoice", settings.default_voice, settings.default_model, "OPENTALKING_TTS_COSYVOICE_VOICE"
    )


def _elevenlabs() -> VoiceDirectory:
    settings = get_settings(ElevenLabsTtsSettings)
    return ConfiguredVoiceDirectory(
        "elevenlabs", settings.default_voice_id, settings.default_model, "OPENTALKING_TTS_ELEVENLABS_VOICE_ID"
    )


DIRECTORY_FACTORIES: dict[str, Callable[[], VoiceDirectory]] = {
    "edge": _edge,
    "dashscope": _dashscope,
    "cosyvoice": _cosyvoice,
    "elevenlabs": _elevenlabs,
    "espeak": _espeak,
}
assert set(DIRECTORY_FACTORIES) == set(PREVIEW_PROVIDERS), "every preview provider needs a voice directory"


def get_voice_directory(provider: str) -> VoiceDirectory:
    """The voice directory of a canonical provider name."""
    return DIRECTORY_FACTORIES[provider]()
