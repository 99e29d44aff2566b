"""GET /voices/{entry_id}: one cloned voice; a voice still deploying is first refreshed from the provider."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from voice_service.http.app import create_app
from voice_service.http.dependencies import provider_directory, voice_catalog
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.paths import ENTRY_ID_SCHEMA, VOICE_ENTRY_PATH
from voice_service.http.schemas import ERROR_RESPONSES, ErrorBody, VoiceDetail
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.voice_lifecycle import ProviderDirectory, get_voice

router = APIRouter()


@router.get(
    VOICE_ENTRY_PATH,
    response_model=VoiceDetail,
    summary="Get one cloned voice with its current status",
    responses={**ERROR_RESPONSES, 404: {"model": ErrorBody, "description": "No such entry"}},
)
def get_voice_entry(
    entry_id: Annotated[int, Path(description="Catalog id from GET /voices.", json_schema_extra=ENTRY_ID_SCHEMA)],
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
    providers: Annotated[ProviderDirectory, Depends(provider_directory)],
) -> VoiceDetail:
    return VoiceDetail.from_view(get_voice(catalog, providers, entry_id))


app = create_app(router)
lambda_handler = make_lambda_handler(app)
