"""DELETE /voices/{entry_id}: remove a cloned voice from the catalog.

Composition root of DeleteVoiceFunction: its settings are read and validated at import (the cold start), and its one
collaborator, the catalog, is built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path

from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, DeleteResult, ErrorBody
from voice_service.observability import logger
from voice_service.services.catalog import MAX_ENTRY_ID, VoiceCatalog, delete_voice
from voice_service.settings import DeleteVoiceFunctionSettings, load_settings

SETTINGS = load_settings(DeleteVoiceFunctionSettings)
IAM_ACTIONS: Final[frozenset[str]] = frozenset()  # EFS access comes with the mount, not from these


def build_catalog(settings: DeleteVoiceFunctionSettings) -> VoiceCatalog:
    # Imported on first use: sqlite3 is not part of the cold start.
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog

    return SqliteVoiceCatalog.configured(settings.catalog)


voice_catalog = Dependency(build_catalog, SETTINGS)
DEPENDENCIES = (voice_catalog,)
router = APIRouter()


@router.delete(
    "/voices/{entry_id}",
    response_model=DeleteResult,
    summary="Delete a cloned voice",
    responses={**ERROR_RESPONSES, 404: {"model": ErrorBody, "description": "No such entry"}},
)
async def delete_voice_entry(
    # Bounds are documented, not enforced here: the service answers out-of-range ids with its own sentence.
    entry_id: Annotated[
        int, Path(description="Catalog id from GET /voices.", json_schema_extra={"minimum": 1, "maximum": MAX_ENTRY_ID})
    ],
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
) -> DeleteResult:
    logger.append_keys(entry_id=entry_id)
    delete_voice(catalog, entry_id)
    return DeleteResult()


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
