"""DELETE /voices/{entry_id}: delete a cloned voice at its provider (freeing the slot), then its catalog entry.

Composition root of DeleteVoiceFunction: its settings are read and validated at import (the cold start); the catalog
and DashScope's voice adapters are built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Query

from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, DeleteResult, ErrorBody
from voice_service.observability import logger
from voice_service.services.catalog import ENTRY_ID_PATTERN, VoiceCatalog
from voice_service.services.voice_lifecycle import ProviderDirectory, delete_voice
from voice_service.settings import DeleteVoiceFunctionSettings, load_settings

SETTINGS = load_settings(DeleteVoiceFunctionSettings)
# EFS access comes with the mount; the provider key comes from the secret.
IAM_ACTIONS: Final = PROVIDER_KEYS_IAM_ACTIONS
CATALOG_ACCESS: Final = "read-write"


def build_catalog(settings: DeleteVoiceFunctionSettings) -> VoiceCatalog:
    # Imported on first use: sqlite3 is not part of the cold start.
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog

    return SqliteVoiceCatalog.configured(settings.catalog)


def build_provider_voices(settings: DeleteVoiceFunctionSettings) -> ProviderDirectory:
    from voice_service.adapters.dashscope_sdk import DashScopeSdk
    from voice_service.adapters.enrollment import provider_voices
    from voice_service.adapters.provider_keys import ProviderKeys

    sdk = DashScopeSdk(settings.dashscope, ProviderKeys(settings.keys))
    return provider_voices(sdk, timeout_seconds=settings.provider_voices.provider_voices_timeout_seconds)


voice_catalog = Dependency(build_catalog, SETTINGS)
provider_directory = Dependency(build_provider_voices, SETTINGS)
DEPENDENCIES = (voice_catalog, provider_directory)
router = APIRouter()


@router.delete(
    "/voices/{entry_id}",
    response_model=DeleteResult,
    summary="Delete a cloned voice at the provider, then from the catalog",
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorBody, "description": "No such entry"},
        502: {"model": ErrorBody, "description": "The provider failed; the entry is kept, retry"},
    },
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
    providers: Annotated[ProviderDirectory, Depends(provider_directory)],
    catalog_only: Annotated[
        bool,
        Query(
            description="Remove only the catalog entry, without asking the provider: for voices the provider no "
            "longer knows (status gone)."
        ),
    ] = False,
) -> DeleteResult:
    result = delete_voice(catalog, providers, entry_id, catalog_only=catalog_only)
    logger.append_keys(entry_id=result.entry.id)
    return DeleteResult.from_result(result)


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
