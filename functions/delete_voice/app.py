"""DELETE /voices/{entry_id}: delete a cloned voice at its provider (freeing the slot), then its catalog entry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from voice_service.http.app import create_app
from voice_service.http.dependencies import provider_directory, voice_catalog
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.paths import ENTRY_ID_SCHEMA, VOICE_ENTRY_PATH
from voice_service.http.schemas import ERROR_RESPONSES, DeleteResult, ErrorBody
from voice_service.observability import logger
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.voice_lifecycle import ProviderDirectory, delete_voice

router = APIRouter()


@router.delete(
    VOICE_ENTRY_PATH,
    response_model=DeleteResult,
    summary="Delete a cloned voice at the provider, then from the catalog",
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorBody, "description": "No such entry"},
        502: {"model": ErrorBody, "description": "The provider failed; the entry is kept, retry"},
    },
)
def delete_voice_entry(
    entry_id: Annotated[int, Path(description="Catalog id from GET /voices.", json_schema_extra=ENTRY_ID_SCHEMA)],
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
    providers: Annotated[ProviderDirectory, Depends(provider_directory)],
    catalog_only: Annotated[
        bool,
        Query(
            description="Remove only the catalog entry, without asking the provider: for voices the provider no "
            "longer knows (status gone)."
        ),
    ] = False,
) -> DeleteResult:
    logger.append_keys(entry_id=entry_id)
    result = delete_voice(catalog, providers, entry_id, catalog_only=catalog_only)
    return DeleteResult.from_result(result)


app = create_app(router)
lambda_handler = make_lambda_handler(app)
