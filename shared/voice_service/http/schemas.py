"""Request and response bodies of the HTTP API (the OpenAPI document is generated from these)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from voice_service.models import ConsentRecord, VoiceEntry, VoiceStatus
from voice_service.services.catalog import ENTRY_ID_PATTERN
from voice_service.services.voice_lifecycle import DeletionResult, ProviderOutcome, VoiceView

# The `{entry_id}` of GET and DELETE /voices/{entry_id}. A string, not an int: FastAPI's lax int parsing reads `8_3` as
# 83; the services accept canonical ids only (services/catalog.py).
EntryIdPath = Annotated[
    str,
    Path(
        description="Catalog id from GET /voices: a positive decimal number without sign or leading zeros.",
        json_schema_extra={"pattern": f"^{ENTRY_ID_PATTERN.pattern}$"},
    ),
]


class ErrorBody(BaseModel):
    """Every error response."""

    detail: str = Field(description="One English sentence saying what went wrong.")


class VoiceItem(BaseModel):
    """One cloned voice: the spec's fields, then `created_at` and `status` (additive; older clients ignore them),
    then its consent record (null when it was cloned without one)."""

    model_config = ConfigDict(frozen=True)

    id: int
    user_id: str | None
    provider: str
    voice_id: str
    display_label: str
    target_model: str
    source: Literal["clone"]
    created_at: str = Field(description="When the voice was cloned, ISO 8601 in UTC.")
    status: VoiceStatus = Field(
        description="deploying (the provider is still building it), ready, failed (the provider could not build "
        "it) or gone (the provider no longer has it)."
    )
    consent: ConsentItem | None = None


class StatementItem(BaseModel):
    """The speaker's recorded consent statement: that it exists and how long it is; GET /voices/{entry_id} adds a
    short-lived URL to listen to it."""

    duration_seconds: float
    url: str | None = Field(
        default=None,
        description="GET /voices/{entry_id} only: a presigned GET of the statement (WAV), valid "
        "url_expires_in seconds.",
    )
    url_expires_in: int | None = None


class ConsentItem(BaseModel):
    """The consent record stored with a cloned voice (see the README's "Consent")."""

    speaker: str
    affirmation: str
    recorded_by: str | None
    recorded_at: datetime
    statement: StatementItem | None = Field(
        default=None, description="The recorded consent statement, or null when the clone was sent without one."
    )

    @staticmethod
    def json_from_record(record: ConsentRecord | None) -> dict[str, object] | None:
        if record is None:
            return None
        return {
            "speaker": record.speaker,
            "affirmation": record.affirmation,
            "recorded_by": record.recorded_by,
            "recorded_at": record.recorded_at.isoformat().replace("+00:00", "Z"),
            "statement": None if record.statement is None else {"duration_seconds": record.statement.duration_seconds},
        }


def _entry_fields(entry: VoiceEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "user_id": entry.user_id,
        "provider": entry.provider,
        "voice_id": entry.voice_id,
        "display_label": entry.display_label,
        "target_model": entry.target_model,
        "source": entry.source,
        "created_at": format_created_at(entry),
        "status": entry.status,
        "consent": ConsentItem.json_from_record(entry.consent),
    }


def format_created_at(entry: VoiceEntry) -> str:
    return entry.created_at.isoformat().replace("+00:00", "Z")


class VoiceDetail(VoiceItem):
    """GET /voices/{entry_id}: one entry, and whether its status was just checked with the provider."""

    status_checked: bool = Field(
        description="True when the status was refreshed from the provider by this request (only entries still "
        "deploying are refreshed)."
    )
    status_note: str | None = Field(
        default=None, description="Set when refreshing failed: the status is the last one known."
    )

    @staticmethod
    def from_view(view: VoiceView) -> VoiceDetail:
        fields = _entry_fields(view.entry)
        consent = fields["consent"]
        if view.statement_url is not None and isinstance(consent, dict) and consent["statement"] is not None:
            consent["statement"] |= {"url": view.statement_url, "url_expires_in": view.statement_url_expires_in}
        return VoiceDetail.model_validate(
            {**fields, "status_checked": view.status_checked, "status_note": view.status_note}
        )


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
                "created_at": format_created_at(entry),
                "status": entry.status,
                "consent": ConsentItem.json_from_record(entry.consent),
            }
            for entry in entries
        ]
        return json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":"))


class DeleteResult(BaseModel):
    """The spec's `deleted`, then what happened to the voice at the provider."""

    deleted: Literal[True] = True
    provider_voice: ProviderOutcome = Field(
        description="deleted (its slot is free), already_gone (the provider no longer had it) or kept (only the "
        "catalog row was removed, with ?catalog_only=true)."
    )

    @staticmethod
    def from_result(result: DeletionResult) -> DeleteResult:
        return DeleteResult(provider_voice=result.provider_voice)


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
