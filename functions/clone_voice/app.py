"""POST /voices/clone: clone a voice from a sample sent inline (multipart `audio`) or uploaded first (`upload_id`).

Composition root of CloneVoiceFunction: its settings are read and validated at import (the cold start), and the
cloning service with its adapters (catalog, ffmpeg, S3, DashScope) is built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel

from voice_service.adapters.catalog_access import configured_catalog
from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_samples import (
    CLAIM_UPLOADS_IAM_ACTIONS,
    STORE_SAMPLES_IAM_ACTIONS,
    TAKE_UPLOADS_IAM_ACTIONS,
)
from voice_service.catalog_boundary.operations import ADD_ENTRY
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import CLONE_FORM_ALLOWANCE_BYTES, BodyLimit, BodyLimits
from voice_service.http.schemas import ERROR_RESPONSES, ErrorBody
from voice_service.observability import logger
from voice_service.services.cloning import CloneForm, CloningService, direct_too_large_message
from voice_service.services.uploads import MAX_SAMPLE_BYTES
from voice_service.settings import CLONE_TIME_BUDGET_SECONDS, CloneVoiceFunctionSettings, load_settings
from voice_service.text import MAX_DISPLAY_LABEL_CHARS, MAX_MODEL_CHARS

SETTINGS = load_settings(CloneVoiceFunctionSettings)
# The catalog is reached only through the function's own catalog function (outside the VPC), for these operations.
CATALOG_OPERATIONS: Final = frozenset({ADD_ENTRY.name})
IAM_ACTIONS: Final = (
    TAKE_UPLOADS_IAM_ACTIONS
    | CLAIM_UPLOADS_IAM_ACTIONS
    | STORE_SAMPLES_IAM_ACTIONS
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
    from voice_service.adapters.s3_samples import S3SampleBucket

    clone = settings.clone
    bucket = S3SampleBucket.configured(settings.bucket)
    dashscope = DashScopeSdk(settings.dashscope, ProviderKeys(settings.keys))
    return CloningService(
        catalog=configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS),
        converter=FfmpegSampleConverter(
            ffmpeg_exe=clone.ffmpeg_exe,
            max_seconds=clone.max_sample_seconds,
            min_seconds=clone.min_sample_seconds,
            timeout_seconds=clone.conversion_timeout_seconds,
        ),
        uploads=bucket,
        samples=bucket,
        qwen=QwenVoiceEnrollment(dashscope, timeout_seconds=clone.provider_timeout_seconds),
        cosyvoice=CosyVoiceEnrollment(dashscope, timeout_seconds=clone.cosyvoice_timeout_seconds),
        direct_max_bytes=clone.direct_upload_max_bytes,
        time_budget_seconds=CLONE_TIME_BUDGET_SECONDS,
        deploy_wait_seconds=clone.cosyvoice_deploy_wait_seconds,
        poll_interval_seconds=clone.cosyvoice_poll_interval_seconds,
    )


cloning_service = Dependency(build_cloning_service, SETTINGS)
DEPENDENCIES = (cloning_service,)
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


FormText = Annotated[str | None, Form()]


def bounded_text(max_chars: int, description: str) -> Any:
    """A form field documented with its length limit; the service checks it (with its own sentence)."""
    return Form(description=description, json_schema_extra={"maxLength": max_chars})


@router.post(
    "/voices/clone",
    response_model=CloneResponse,
    summary="Clone a voice from an audio sample",
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorBody, "description": "No upload has that upload_id"},
        413: {"model": ErrorBody, "description": "Sample too large for a direct request: use POST /voices/uploads"},
        502: {"model": ErrorBody, "description": "The provider failed"},
    },
)
def clone_voice(
    service: Annotated[CloningService, Depends(cloning_service)],
    provider: FormText = None,
    target_model: Annotated[str | None, bounded_text(MAX_MODEL_CHARS, "The provider model to clone for.")] = None,
    display_label: Annotated[
        str | None, bounded_text(MAX_DISPLAY_LABEL_CHARS, "A name for people; it needs a visible character.")
    ] = None,
    prefix: FormText = None,
    preferred_name: FormText = None,
    upload_id: FormText = None,
    audio: Annotated[UploadFile | None, File(description="The sample, up to about 4.5 MiB here.")] = None,
) -> CloneResponse:
    form = CloneForm(provider, target_model, display_label, prefix, preferred_name, upload_id)
    # Reading one byte past the limit is enough to reject; a larger part never lands in memory whole.
    data = audio.file.read(MAX_SAMPLE_BYTES + 1) if audio is not None else None
    result = service.clone(form, data)
    entry = result.entry
    logger.append_keys(entry_id=entry.id, provider=entry.provider)
    return CloneResponse(
        entry_id=entry.id,
        voice_id=entry.voice_id,
        display_label=entry.display_label,
        provider=entry.provider,
        target_model=entry.target_model,
        message=result.message,
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
