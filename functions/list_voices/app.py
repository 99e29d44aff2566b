"""GET /voices: the cloned voices in the catalog, oldest first, with their status and creation time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from voice_service.http.app import create_app
from voice_service.http.dependencies import voice_catalog
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, VoiceList
from voice_service.models import CLONE_PROVIDERS, VOICE_STATUSES
from voice_service.services.catalog import VoiceCatalog, list_voices

router = APIRouter()


@router.get(
    "/voices",
    response_model=VoiceList,
    summary="List cloned voices",
    responses=ERROR_RESPONSES,
)
async def get_voices(
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
    provider: Annotated[
        str | None,
        # Documented as an enum; the service also accepts other letter cases and a blank value (= no filter).
        Query(description="Only this provider's voices.", json_schema_extra={"enum": list(CLONE_PROVIDERS)}),
    ] = None,
    status: Annotated[
        str | None,
        Query(description="Only voices with this status.", json_schema_extra={"enum": list(VOICE_STATUSES)}),
    ] = None,
) -> Response:
    entries = list_voices(catalog, provider, status)
    return Response(VoiceList.json_from_entries(entries), media_type="application/json")


app = create_app(router)
lambda_handler = make_lambda_handler(app)
