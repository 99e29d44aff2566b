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

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    user_id: str | None
    provider: str
    voice_id: str
    display_label: str
    target_model: str
    source: Literal["clone"]


class VoiceList(BaseModel):
    items: list[VoiceItem]

    @classmethod
    def json_from_entries(cls, entries: list[VoiceEntry]) -> str:
        """Serialise catalog entries as the spec's listing in one pydantic-core pass (no per-row Python objects).

        The route returns this JSON itself: FastAPI's response_model path would dump and re-validate every row.
        """
        return cls.model_validate({"items": entries}, from_attributes=True).model_dump_json()


class DeleteResult(BaseModel):
    deleted: Literal[True] = True


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Invalid request"},
    500: {"model": ErrorBody, "description": "Storage failure"},
    503: {"model": ErrorBody, "description": "Temporarily unavailable"},
}
