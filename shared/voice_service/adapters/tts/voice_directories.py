"""Provider name → where its built-in voices are listed (see `voice_service.services.builtin_voices`).

Edge and eSpeak NG list their own voices. DashScope (Qwen, CosyVoice) and ElevenLabs keep their catalogs behind an
account, so only the deployment's configured defaults are listed; any other voice they serve can still be typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voice_service.providers import PREVIEW_PROVIDERS
from voice_service.services.builtin_voices import BuiltinVoice, ProviderVoices, VoiceDirectory
from voice_service.settings import ListTtsVoicesFunctionSettings


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


def voice_directories(settings: ListTtsVoicesFunctionSettings) -> dict[str, Callable[[], VoiceDirectory]]:
    """One factory per preview provider, in the documented order; Edge's and eSpeak NG's modules are imported only
    when their voices are first asked for."""

    def edge() -> VoiceDirectory:
        from voice_service.adapters.tts.edge_voices import EdgeVoiceDirectory

        return EdgeVoiceDirectory(settings.edge)

    def espeak() -> VoiceDirectory:
        from voice_service.adapters.tts.espeak import EspeakVoiceDirectory

        return EspeakVoiceDirectory(settings.espeak)

    qwen, cosyvoice, elevenlabs = settings.qwen, settings.cosyvoice, settings.elevenlabs
    configured = {
        "dashscope": ConfiguredVoiceDirectory(
            "dashscope", qwen.default_voice, qwen.default_model, "OPENTALKING_TTS_DASHSCOPE_VOICE"
        ),
        "cosyvoice": ConfiguredVoiceDirectory(
            "cosyvoice", cosyvoice.default_voice, cosyvoice.default_model, "OPENTALKING_TTS_COSYVOICE_VOICE"
        ),
        "elevenlabs": ConfiguredVoiceDirectory(
            "elevenlabs", elevenlabs.default_voice_id, elevenlabs.default_model, "OPENTALKING_TTS_ELEVENLABS_VOICE_ID"
        ),
    }
    factories: dict[str, Callable[[], VoiceDirectory]] = {
        "edge": edge,
        "dashscope": lambda: configured["dashscope"],
        "cosyvoice": lambda: configured["cosyvoice"],
        "elevenlabs": lambda: configured["elevenlabs"],
        "espeak": espeak,
    }
    assert tuple(factories) == PREVIEW_PROVIDERS, "every preview provider needs a voice directory"
    return factories
