"""Domain entities and value objects shared by services and adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

CloneProvider = Literal["cosyvoice", "dashscope"]
CLONE_PROVIDERS: Final[tuple[CloneProvider, ...]] = ("cosyvoice", "dashscope")


@dataclass(frozen=True, slots=True)
class NewVoice:
    """A voice the provider has just created, not yet in the catalog."""

    provider: CloneProvider
    voice_id: str
    display_label: str
    target_model: str


@dataclass(frozen=True, slots=True)
class VoiceEntry:
    """A cloned voice as stored in the catalog."""

    id: int
    user_id: str | None
    provider: str
    voice_id: str
    display_label: str
    target_model: str
    source: str
    created_at: datetime
