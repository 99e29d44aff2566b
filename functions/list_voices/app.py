"""GET /voices: the cloned voices in the catalog, oldest first.

Composition root of ListVoicesFunction: its settings are read and validated at import (the cold start), and its one
collaborator, the catalog (its catalog function's client in the cloud), is built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query, Response

from voice_service.adapters.catalog_access import configured_catalog
from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.catalog_boundary.operations import LIST_ENTRIES
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, VoiceList
from voice_service.providers import CLONE_PROVIDERS
from voice_service.services.catalog import VoiceCatalog, list_voices
from voice_service.settings import ListVoicesFunctionSettings, load_settings

SETTINGS = load_settings(ListVoicesFunctionSettings)
# Outside the VPC, the catalog is reached only through the function's own catalog function, for these operations.
CATALOG_OPERATIONS: Final = frozenset({LIST_ENTRIES.name})
IAM_ACTIONS: Final = INVOKE_IAM_ACTIONS


def build_catalog(settings: ListVoicesFunctionSettings) -> VoiceCatalog:
    return configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS)


voice_catalog = Dependency(build_catalog, SETTINGS)
DEPENDENCIES = (voice_catalog,)
router = APIRouter()


@router.get(
    "/voices",
    response_model=VoiceList,
    summary="List cloned voices",
    responses=ERROR_RESPONSES,
)
def get_voices(
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
    provider: Annotated[
        str | None,
        # Documented as an enum; the service also accepts other letter cases and a blank value (= no filter).
        Query(description="Only this provider's voices.", json_schema_extra={"enum": list(CLONE_PROVIDERS)}),
    ] = None,
) -> Response:
    return Response(VoiceList.json_from_entries(list_voices(catalog, provider)), media_type="application/json")


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
