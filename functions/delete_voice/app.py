"""DELETE /voices/{entry_id}: delete a cloned voice at its provider (freeing the slot), then its cached previews and
its catalog entry.

Composition root of DeleteVoiceFunction: its settings are read and validated at import (the cold start), and its
collaborators, the catalog (its catalog function's client in the cloud), DashScope's voice adapters and the speech
cache, are built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query

from voice_service.adapters.catalog_access import configured_catalog
from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_consent_statements import DELETE_STATEMENTS_IAM_ACTIONS, S3ConsentStatements
from voice_service.adapters.s3_speech_cache import PURGE_IAM_ACTIONS
from voice_service.catalog_boundary.operations import DELETE_ENTRY, GET_ENTRY
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.identity import build_gate, caller_of
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import AUTH_ERROR_RESPONSES, DeleteResult, EntryIdPath, ErrorBody
from voice_service.identity import Caller, owner_of
from voice_service.observability import logger
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.consent import ConsentStatementStore
from voice_service.services.speech_cache import SpeechCache
from voice_service.services.voice_lifecycle import ProviderDirectory, delete_voice
from voice_service.settings import DeleteVoiceFunctionSettings, load_settings

SETTINGS = load_settings(DeleteVoiceFunctionSettings)
# Outside the VPC, the catalog is reached only through the function's own catalog function, for these operations.
CATALOG_OPERATIONS: Final = frozenset({GET_ENTRY.name, DELETE_ENTRY.name})
# The provider key comes from the secret; the purge lists and deletes the voice's cached previews; the voice's
# recorded consent statement is deleted with it.
IAM_ACTIONS: Final = INVOKE_IAM_ACTIONS | PROVIDER_KEYS_IAM_ACTIONS | PURGE_IAM_ACTIONS | DELETE_STATEMENTS_IAM_ACTIONS


def build_catalog(settings: DeleteVoiceFunctionSettings) -> VoiceCatalog:
    return configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS)


def build_speech_cache(settings: DeleteVoiceFunctionSettings) -> SpeechCache:
    from voice_service.adapters.s3_speech_cache import configured_speech_cache

    return configured_speech_cache(settings.speech_cache)


def build_provider_voices(settings: DeleteVoiceFunctionSettings) -> ProviderDirectory:
    from voice_service.adapters.dashscope_sdk import DashScopeSdk
    from voice_service.adapters.enrollment import provider_voices
    from voice_service.adapters.provider_keys import ProviderKeys

    sdk = DashScopeSdk(settings.dashscope, ProviderKeys(settings.keys))
    return provider_voices(sdk, timeout_seconds=settings.provider_voices.provider_voices_timeout_seconds)


def build_statements(settings: DeleteVoiceFunctionSettings) -> ConsentStatementStore:
    return S3ConsentStatements(settings.statements.samples_bucket, region=settings.statements.samples_bucket_region)


voice_catalog = Dependency(build_catalog, SETTINGS)
speech_cache = Dependency(build_speech_cache, SETTINGS)
provider_directory = Dependency(build_provider_voices, SETTINGS)
consent_statements = Dependency(build_statements, SETTINGS)
gate = Dependency(lambda settings: build_gate(settings.auth), SETTINGS)
DEPENDENCIES = (voice_catalog, speech_cache, provider_directory, consent_statements, gate)
router = APIRouter()


@router.delete(
    "/voices/{entry_id}",
    response_model=DeleteResult,
    summary="Delete a cloned voice at the provider, then from the catalog",
    responses={
        **AUTH_ERROR_RESPONSES,
        404: {"model": ErrorBody, "description": "You have no entry with that id"},
        502: {"model": ErrorBody, "description": "The provider failed; the entry is kept, retry"},
    },
)
def delete_voice_entry(
    entry_id: EntryIdPath,
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
    previews: Annotated[SpeechCache, Depends(speech_cache)],
    providers: Annotated[ProviderDirectory, Depends(provider_directory)],
    statements: Annotated[ConsentStatementStore, Depends(consent_statements)],
    caller: Annotated[Caller, Depends(caller_of(gate))],
    catalog_only: Annotated[
        bool,
        Query(
            description="Remove only the catalog entry (and its cached previews), without asking the provider: for "
            "voices the provider no longer knows (status gone)."
        ),
    ] = False,
) -> DeleteResult:
    # Someone else's entry is "not found" before the provider is asked anything.
    result = delete_voice(
        catalog,
        providers,
        entry_id,
        previews,
        catalog_only=catalog_only,
        owner=owner_of(caller),
        statements=statements,
    )
    logger.append_keys(entry_id=result.entry.id)
    return DeleteResult.from_result(result)


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
