"""GET /voices/{entry_id}: one cloned voice; a voice still deploying is first refreshed from the provider.

Composition root of GetVoiceFunction: its settings are read and validated at import (the cold start); the catalog
(its catalog function's client in the cloud) and DashScope's voice adapters are built from them on first use. It
runs outside the VPC: the refresh asks the provider over the internet.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends

from voice_service.adapters.catalog_access import configured_catalog
from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_consent_statements import READ_STATEMENTS_IAM_ACTIONS, S3ConsentStatements
from voice_service.catalog_boundary.operations import GET_ENTRY, SET_STATUS
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.identity import build_gate, caller_of
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import AUTH_ERROR_RESPONSES, EntryIdPath, ErrorBody, VoiceDetail
from voice_service.identity import Caller, owner_of
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.consent import ConsentStatementStore
from voice_service.services.voice_lifecycle import ProviderDirectory, get_voice
from voice_service.settings import GetVoiceFunctionSettings, load_settings

SETTINGS = load_settings(GetVoiceFunctionSettings)
# Outside the VPC, the catalog is reached only through the function's own catalog function, for these operations
# (a refreshed status is written back).
CATALOG_OPERATIONS: Final = frozenset({GET_ENTRY.name, SET_STATUS.name})
# The provider key comes from the secret; the presigned URL of a recorded consent statement carries s3:GetObject.
IAM_ACTIONS: Final = INVOKE_IAM_ACTIONS | PROVIDER_KEYS_IAM_ACTIONS | READ_STATEMENTS_IAM_ACTIONS


def build_catalog(settings: GetVoiceFunctionSettings) -> VoiceCatalog:
    return configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS)


def build_provider_voices(settings: GetVoiceFunctionSettings) -> ProviderDirectory:
    from voice_service.adapters.dashscope_sdk import DashScopeSdk
    from voice_service.adapters.enrollment import provider_voices
    from voice_service.adapters.provider_keys import ProviderKeys

    sdk = DashScopeSdk(settings.dashscope, ProviderKeys(settings.keys))
    return provider_voices(sdk, timeout_seconds=settings.provider_voices.provider_voices_timeout_seconds)


def build_statements(settings: GetVoiceFunctionSettings) -> ConsentStatementStore:
    statements = settings.statements
    return S3ConsentStatements(
        statements.samples_bucket,
        region=statements.samples_bucket_region,
        url_ttl_seconds=statements.statement_url_ttl_seconds,
    )


voice_catalog = Dependency(build_catalog, SETTINGS)
provider_directory = Dependency(build_provider_voices, SETTINGS)
consent_statements = Dependency(build_statements, SETTINGS)
gate = Dependency(lambda settings: build_gate(settings.auth), SETTINGS)
DEPENDENCIES = (voice_catalog, provider_directory, consent_statements, gate)
router = APIRouter()


@router.get(
    "/voices/{entry_id}",
    response_model=VoiceDetail,
    summary="Get one cloned voice with its current status",
    responses={**AUTH_ERROR_RESPONSES, 404: {"model": ErrorBody, "description": "You have no entry with that id"}},
)
def get_voice_entry(
    entry_id: EntryIdPath,
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
    providers: Annotated[ProviderDirectory, Depends(provider_directory)],
    statements: Annotated[ConsentStatementStore, Depends(consent_statements)],
    caller: Annotated[Caller, Depends(caller_of(gate))],
) -> VoiceDetail:
    # Someone else's entry is a 404 with the missing entry's sentence, never a 403 that confirms it exists (and
    # never a URL of their consent statement).
    view = get_voice(catalog, providers, entry_id, owner=owner_of(caller), statements=statements)
    return VoiceDetail.from_view(view)


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
