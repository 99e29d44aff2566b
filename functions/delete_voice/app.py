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
from voice_service.services.catalog import ENTRY_ID_PATTERN, VoiceCatalog, delete_voice
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
def delete_voice_entry(
    # A string, not an int: FastAPI's lax int parsing reads `8_3` as 83. The service accepts canonical ids only.
    entry_id: Annotated[
        str,
        Path(
            description="Catalog id from GET /voices: a positive decimal number without sign or leading zeros.",
            json_schema_extra={"pattern": f"^{ENTRY_ID_PATTERN.pattern}$"},
        ),
    ],
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
) -> DeleteResult:
    deleted_id = delete_voice(catalog, entry_id)
    logger.append_keys(entry_id=deleted_id)
    return DeleteResult()


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
