"""Request and response bodies of the HTTP API (the OpenAPI document is generated from these)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from voice_service.models import ConsentRecord, VoiceEntry


class ErrorBody(BaseModel):
    """Every error response."""

    detail: str = Field(description="One English sentence saying what went wrong.")


class VoiceItem(BaseModel):
    """One cloned voice: the spec's fields, then its consent record (null when it was cloned without one)."""

    model_config = ConfigDict(frozen=True)

    id: int
    user_id: str | None
    provider: str
    voice_id: str
    display_label: str
    target_model: str
    source: Literal["clone"]
    consent: ConsentItem | None = None


class ConsentItem(BaseModel):
    """The consent record stored with a cloned voice (see the README's "Consent")."""

    speaker: str
    affirmation: str
    recorded_by: str | None
    recorded_at: datetime

    @staticmethod
    def json_from_record(record: ConsentRecord | None) -> dict[str, str | None] | None:
        if record is None:
            return None
        return {
            "speaker": record.speaker,
            "affirmation": record.affirmation,
            "recorded_by": record.recorded_by,
            "recorded_at": record.recorded_at.isoformat().replace("+00:00", "Z"),
        }


class VoiceList(BaseModel):
    items: list[VoiceItem]

    @staticmethod
    def json_from_entries(entries: list[VoiceEntry]) -> str:
        """The spec's listing as JSON, built straight from catalog entries (typed by the catalog already).

        The route returns this JSON itself: FastAPI's response_model path would dump and re-validate every row,
        and even one pydantic pass costs twice what `json.dumps` does for 1,000 rows. A test keeps this in step
        with `VoiceList`.
        """
        # Spelled out, not derived from LISTED_FIELDS: a dict display is about 30% faster than dict(zip(...)) here
        # (make bench, GET /voices); test_schemas keeps the keys equal to VoiceItem's fields and LISTED_FIELDS.
        items = [
            {
                "id": entry.id,
                "user_id": entry.user_id,
                "provider": entry.provider,
                "voice_id": entry.voice_id,
                "display_label": entry.display_label,
                "target_model": entry.target_model,
                "source": entry.source,
                "consent": None if entry.consent is None else ConsentItem.json_from_record(entry.consent),
            }
            for entry in entries
        ]
        return json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":"))


class DeleteResult(BaseModel):
    deleted: Literal[True] = True


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Invalid request"},
    500: {"model": ErrorBody, "description": "Storage failure"},
    503: {"model": ErrorBody, "description": "Temporarily unavailable"},
}
# Routes that name their caller: a 401 when users must sign in (OPENTALKING_AUTH_MODE users) and did not.
AUTH_ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "Sign-in required, or the token is invalid or expired"},
}
