"""Request and response bodies of the HTTP API (the OpenAPI document is generated from these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from voice_service.models import VoiceEntry


class ErrorBody(BaseModel):
    """Every error response."""

    detail: str = Field(description="One English sentence saying what went wrong.")


class VoiceItem(BaseModel):
    """One cloned voice, exactly the spec's fields."""

    model_config = ConfigDict(frozen=True)

    id: int
    user_id: str | None
    provider: str
    voice_id: str
    display_label: str
    target_model: str
    source: Literal["clone"]

    @classmethod
    def from_entry(cls, entry: VoiceEntry) -> VoiceItem:
        return cls(
            id=entry.id,
            user_id=entry.user_id,
            provider=entry.provider,
            voice_id=entry.voice_id,
            display_label=entry.display_label,
            target_model=entry.target_model,
            source="clone",
        )


class VoiceList(BaseModel):
    items: list[VoiceItem]


class DeleteResult(BaseModel):
    deleted: Literal[True] = True


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Invalid request"},
    500: {"model": ErrorBody, "description": "Storage failure"},
    503: {"model": ErrorBody, "description": "Temporarily unavailable"},
}
