"""POST /voices/clone: clone a voice from a sample sent inline (multipart `audio`) or uploaded first (`upload_id`).

Composition root of CloneVoiceFunction: its settings are read and validated at import (the cold start), and the
cloning service with its adapters (catalog, ffmpeg, S3, DashScope) is built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, File, Form, Header, UploadFile
from pydantic import BaseModel

from voice_service.adapters.catalog_access import configured_catalog
from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_consent_statements import STORE_STATEMENTS_IAM_ACTIONS
from voice_service.adapters.s3_samples import (
    CLAIM_UPLOADS_IAM_ACTIONS,
    STORE_SAMPLES_IAM_ACTIONS,
    TAKE_UPLOADS_IAM_ACTIONS,
)
from voice_service.catalog_boundary.operations import (
    ADD_ENTRY,
    CLAIM_IDEMPOTENCY_RECORD,
    COUNT_ENTRIES,
    DELETE_IDEMPOTENCY_RECORD,
    DROP_INTENT,
    GET_IDEMPOTENCY_RECORD,
    RECORD_INTENT,
    SAVE_IDEMPOTENCY_RECORD,
    TAKE_REQUEST_SLOT,
)
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.identity import build_gate, caller_of
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import CLONE_FORM_ALLOWANCE_BYTES, BodyLimit, BodyLimits
from voice_service.http.schemas import AUTH_ERROR_RESPONSES, ConsentItem, ErrorBody
from voice_service.identity import Caller, owner_of
from voice_service.observability import logger
from voice_service.services.cloning import CloneForm, CloneUseCase, CloningService, direct_too_large_message
from voice_service.services.consent import MAX_STATEMENT_BYTES, MAX_STATEMENT_SECONDS, MIN_STATEMENT_SECONDS
from voice_service.services.quotas import CloneQuota
from voice_service.services.uploads import MAX_SAMPLE_BYTES
from voice_service.settings import CLONE_TIME_BUDGET_SECONDS, CloneVoiceFunctionSettings, load_settings
from voice_service.text import MAX_DISPLAY_LABEL_CHARS, MAX_MODEL_CHARS

SETTINGS = load_settings(CloneVoiceFunctionSettings)
# The function's Lambda timeout: an in-progress idempotency record older than this belongs to a dead request.
CLONE_FUNCTION_TIMEOUT_SECONDS: Final = 29
# The catalog is reached only through the function's own catalog function (outside the VPC), for these operations:
# the clone intent and the entry that completes it, the Idempotency-Key records (Powertools' persistence layer),
# and the quotas' counts of a signed-in user's voices and clones per minute.
CATALOG_OPERATIONS: Final = frozenset(
    {
        RECORD_INTENT.name,
        ADD_ENTRY.name,
        DROP_INTENT.name,
        GET_IDEMPOTENCY_RECORD.name,
        CLAIM_IDEMPOTENCY_RECORD.name,
        SAVE_IDEMPOTENCY_RECORD.name,
        DELETE_IDEMPOTENCY_RECORD.name,
        COUNT_ENTRIES.name,
        TAKE_REQUEST_SLOT.name,
    }
)
IAM_ACTIONS: Final = (
    TAKE_UPLOADS_IAM_ACTIONS
    | CLAIM_UPLOADS_IAM_ACTIONS
    | STORE_SAMPLES_IAM_ACTIONS
    | STORE_STATEMENTS_IAM_ACTIONS
    | PROVIDER_KEYS_IAM_ACTIONS
    | INVOKE_IAM_ACTIONS
)


def build_cloning_service(settings: CloneVoiceFunctionSettings) -> CloningService:
    """The clone use case wired to the real catalog, ffmpeg, S3 and DashScope adapters."""
    # Imported on first use, so the cold start pays for none of them.
    from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
    from voice_service.adapters.dashscope_sdk import DashScopeSdk
    from voice_service.adapters.enrollment.cosyvoice import CosyVoiceEnrollment
    from voice_service.adapters.enrollment.dashscope_qwen import QwenVoiceEnrollment
    from voice_service.adapters.provider_keys import ProviderKeys
    from voice_service.adapters.s3_consent_statements import S3ConsentStatements
    from voice_service.adapters.s3_samples import S3SampleBucket
    from voice_service.services.voice_lifecycle import VoiceNaming

    clone = settings.clone
    bucket = S3SampleBucket.configured(settings.bucket)
    dashscope = DashScopeSdk(settings.dashscope, ProviderKeys(settings.keys))
    catalog = configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS)
    return CloningService(
        catalog=catalog,
        converter=FfmpegSampleConverter(
            ffmpeg_exe=clone.ffmpeg_exe,
            max_seconds=clone.max_sample_seconds,
            min_seconds=clone.min_sample_seconds,
            timeout_seconds=clone.sample_conversion_timeout_seconds,
        ),
        uploads=bucket,
        samples=bucket,
        qwen=QwenVoiceEnrollment(dashscope, timeout_seconds=clone.provider_timeout_seconds),
        cosyvoice=CosyVoiceEnrollment(dashscope, timeout_seconds=clone.cosyvoice_timeout_seconds),
        direct_max_bytes=clone.direct_upload_max_bytes,
        time_budget_seconds=CLONE_TIME_BUDGET_SECONDS,
        deploy_wait_seconds=clone.cosyvoice_deploy_wait_seconds,
        poll_interval_seconds=clone.cosyvoice_poll_interval_seconds,
        new_voice_name=VoiceNaming(settings.naming.voice_name_tag).new_name,
        quota=CloneQuota(settings.quota.max_voices_per_user, settings.quota.clones_per_minute),
        usage=catalog,
        consent_required=settings.consent.required(settings.auth),
        # The statement is decoded like a sample, with its own limits: one second more than the longest statement
        # accepted, so that a longer one is seen (and refused) rather than silently cut.
        statement_converter=FfmpegSampleConverter(
            ffmpeg_exe=clone.ffmpeg_exe,
            max_seconds=MAX_STATEMENT_SECONDS + 1,
            min_seconds=MIN_STATEMENT_SECONDS,
            timeout_seconds=clone.statement_conversion_timeout_seconds,
        ),
        statements=S3ConsentStatements(settings.bucket.samples_bucket, region=settings.bucket.samples_bucket_region),
        statement_required=settings.consent.statement == "required",
    )


def build_clone_use_case(settings: CloneVoiceFunctionSettings) -> CloneUseCase:
    """The clone use case behind the Idempotency-Key header, its records kept in the catalog.

    Powertools' idempotency utility (and with it boto3) is imported here, on the first request, not at the cold
    start.
    """
    from voice_service.services.idempotency import IdempotentCloning

    cloning = build_cloning_service(settings)
    return IdempotentCloning(
        cloning=cloning,
        catalog=cloning.catalog,
        retention_seconds=settings.idempotency.idempotency_retention_seconds,
        in_progress_seconds=CLONE_FUNCTION_TIMEOUT_SECONDS + 1,
    )


cloning_service = Dependency(build_clone_use_case, SETTINGS)
gate = Dependency(lambda settings: build_gate(settings.auth), SETTINGS)
DEPENDENCIES = (cloning_service, gate)
router = APIRouter()


class CloneResponse(BaseModel):
    """Contract rule 11."""

    ok: Literal[True] = True
    entry_id: int
    voice_id: str
    display_label: str
    provider: str
    target_model: str
    message: str
    consent: ConsentItem | None = None


FormText = Annotated[str | None, Form()]


def bounded_text(max_chars: int, description: str) -> Any:
    """A form field documented with its length limit; the service checks it (with its own sentence)."""
    return Form(description=description, json_schema_extra={"maxLength": max_chars})


@router.post(
    "/voices/clone",
    response_model=CloneResponse,
    # `consent` is left out when the clone has none, so the open mode answers exactly contract rule 11's fields;
    # inside it every field is set, as GET /voices shows it (a statement-less record says `"statement": null`).
    response_model_exclude_unset=True,
    summary="Clone a voice from an audio sample",
    responses={
        **AUTH_ERROR_RESPONSES,
        404: {"model": ErrorBody, "description": "No upload has that upload_id"},
        409: {"model": ErrorBody, "description": "A request with this Idempotency-Key is still in progress"},
        413: {"model": ErrorBody, "description": "Sample too large for a direct request: use POST /voices/uploads"},
        422: {"model": ErrorBody, "description": "This Idempotency-Key was used for a different request"},
        429: {
            "model": ErrorBody,
            "description": "A per-user limit was hit, or the provider's voice quota is reached (the detail says which)",
        },
        502: {"model": ErrorBody, "description": "The provider failed"},
    },
)
def clone_voice(
    service: Annotated[CloneUseCase, Depends(cloning_service)],
    caller: Annotated[Caller, Depends(caller_of(gate))],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Optional. A repeat with the same key and form within 24 h returns the first result without "
            "cloning again (keys are per user).",
        ),
    ] = None,
    provider: FormText = None,
    target_model: Annotated[str | None, bounded_text(MAX_MODEL_CHARS, "The provider model to clone for.")] = None,
    display_label: Annotated[
        str | None, bounded_text(MAX_DISPLAY_LABEL_CHARS, "A name for people; it needs a visible character.")
    ] = None,
    prefix: FormText = None,
    preferred_name: FormText = None,
    upload_id: FormText = None,
    consent_speaker: Annotated[str | None, Form(description="Who speaks in the sample and consented.")] = None,
    consent_affirmed: Annotated[str | None, Form(description="true: the speaker consented to be cloned.")] = None,
    audio: Annotated[UploadFile | None, File(description="The sample, up to about 4.5 MiB here.")] = None,
    consent_statement: Annotated[
        UploadFile | None,
        File(
            description="Optional (required where the deployment says so): the speaker saying they consent, as audio "
            "of at most 2 MiB and 60 s; needs consent_speaker and consent_affirmed."
        ),
    ] = None,
) -> CloneResponse:
    form = CloneForm(
        provider,
        target_model,
        display_label,
        prefix,
        preferred_name,
        upload_id,
        consent_speaker,
        consent_affirmed,
        # One byte past the limit is enough to refuse it.
        consent_statement.file.read(MAX_STATEMENT_BYTES + 1) if consent_statement is not None else None,
    )
    # Reading one byte past the limit is enough to reject; a larger part never lands in memory whole.
    data = audio.file.read(MAX_SAMPLE_BYTES + 1) if audio is not None else None
    result = service.clone(form, data, idempotency_key, owner=owner_of(caller))
    entry = result.entry
    logger.append_keys(entry_id=entry.id, provider=entry.provider)
    consent = ConsentItem.json_from_record(entry.consent)
    return CloneResponse(
        ok=True,
        entry_id=entry.id,
        voice_id=entry.voice_id,
        display_label=entry.display_label,
        provider=entry.provider,
        target_model=entry.target_model,
        message=result.message,
        **({"consent": consent} if consent is not None else {}),
    )


# The direct sample limit plus room for the form: anything larger is a 413 pointing at POST /voices/uploads.
BODY_LIMITS: BodyLimits = {
    "/voices/clone": BodyLimit(
        SETTINGS.clone.direct_upload_max_bytes + CLONE_FORM_ALLOWANCE_BYTES,
        direct_too_large_message(SETTINGS.clone.direct_upload_max_bytes),
    )
}
app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins, body_limits=BODY_LIMITS)
lambda_handler = make_lambda_handler(app)
