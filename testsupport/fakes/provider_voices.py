"""An in-memory provider account (one provider's cloned voices) implementing the ProviderVoices port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from voice_service.errors import ProviderNotConfiguredError, UpstreamError
from voice_service.models import ProviderVoice, VoiceStatus
from voice_service.providers import CloneProvider

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class InMemoryProviderVoices:
    provider: CloneProvider
    voices: dict[str, ProviderVoice] = field(default_factory=dict)
    configured: bool = True
    # Operations ("status", "delete", "list") that fail with an UpstreamError.
    failing: set[str] = field(default_factory=set)
    calls: list[tuple[str, object]] = field(default_factory=list)

    def add(
        self,
        voice_id: str,
        *,
        name: str | None = None,
        status: VoiceStatus = "ready",
        created_at: datetime | None = LONG_AGO,
        target_model: str | None = None,
    ) -> ProviderVoice:
        voice = ProviderVoice(self.provider, voice_id, name, target_model, created_at, status)
        self.voices[voice_id] = voice
        return voice

    def ensure_configured(self) -> None:
        if not self.configured:
            raise ProviderNotConfiguredError(self.provider, "DASHSCOPE_API_KEY")

    def voice_status(self, voice_id: str) -> VoiceStatus:
        self._call("status", voice_id)
        voice = self.voices.get(voice_id)
        return voice.status if voice is not None else "gone"

    def delete_voice(self, voice_id: str) -> bool:
        self._call("delete", voice_id)
        return self.voices.pop(voice_id, None) is not None

    def list_voices_page(self, page_index: int, page_size: int) -> list[ProviderVoice]:
        self._call("list", page_index)
        return list(self.voices.values())[page_index * page_size : (page_index + 1) * page_size]

    def _call(self, operation: str, argument: object) -> None:
        self.calls.append((operation, argument))
        if operation in self.failing:
            raise UpstreamError(self.provider, f"the {operation} request failed.")
