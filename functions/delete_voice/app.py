"""DELETE /voices/{entry_id}: remove a cloned voice from the catalog, with its cached previews.

Composition root of DeleteVoiceFunction: its settings are read and validated at import (the cold start), and its
collaborators, the catalog (its catalog function's client in the cloud) and the speech cache, are built from
them on first use.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path

from voice_service.adapters.catalog_access import configured_catalog
from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.s3_speech_cache import PURGE_IAM_ACTIONS
from voice_service.catalog_boundary.operations import DELETE_ENTRY, GET_ENTRY
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, DeleteResult, ErrorBody
from voice_service.observability import logger
from voice_service.services.catalog import ENTRY_ID_PATTERN, VoiceCatalog, delete_voice
from voice_service.services.speech_cache import SpeechCache
from voice_service.settings import DeleteVoiceFunctionSettings, load_settings

SETTINGS = load_settings(DeleteVoiceFunctionSettings)
# Outside the VPC, the catalog is reached only through the function's own catalog function, for these operations.
CATALOG_OPERATIONS: Final = frozenset({GET_ENTRY.name, DELETE_ENTRY.name})
IAM_ACTIONS: Final = INVOKE_IAM_ACTIONS | PURGE_IAM_ACTIONS


def build_catalog(settings: DeleteVoiceFunctionSettings) -> VoiceCatalog:
    return configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS)


def build_speech_cache(settings: DeleteVoiceFunctionSettings) -> SpeechCache:
    from voice_service.adapters.s3_speech_cache import configured_speech_cache

    return configured_speech_cache(settings.speech_cache)


voice_catalog = Dependency(build_catalog, SETTINGS)
speech_cache = Dependency(build_speech_cache, SETTINGS)
DEPENDENCIES = (voice_catalog, speech_cache)
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
    previews: Annotated[SpeechCache, Depends(speech_cache)],
) -> DeleteResult:
    deleted_id = delete_voice(catalog, entry_id, previews)
    logger.append_keys(entry_id=deleted_id)
    return DeleteResult()


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
