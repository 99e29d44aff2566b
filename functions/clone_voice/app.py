"""POST /voices/clone: clone a voice from a sample sent inline (multipart `audio`) or uploaded first (`upload_id`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel

from voice_service.adapters.factories import get_cloning_service
from voice_service.http.app import create_app
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import CLONE_FORM_ALLOWANCE_BYTES, BodyLimit, BodyLimits
from voice_service.http.schemas import ERROR_RESPONSES, ErrorBody
from voice_service.observability import logger
from voice_service.services.cloning import CloneForm, CloningService, direct_too_large_message
from voice_service.services.fields import MAX_DISPLAY_LABEL_CHARS, MAX_MODEL_CHARS
from voice_service.services.uploads import MAX_SAMPLE_BYTES
from voice_service.settings import CloneSettings, get_settings

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
    service: Annotated[CloningService, Depends(get_cloning_service)],
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


def clone_body_limit() -> BodyLimit:
    """The direct sample limit plus room for the form: anything larger is a 413 pointing at POST /voices/uploads."""
    direct_max_bytes = get_settings(CloneSettings).direct_upload_max_bytes
    return BodyLimit(direct_max_bytes + CLONE_FORM_ALLOWANCE_BYTES, direct_too_large_message(direct_max_bytes))


BODY_LIMITS: BodyLimits = {"/voices/clone": clone_body_limit}
app = create_app(router, body_limits=BODY_LIMITS)
lambda_handler = make_lambda_handler(app)
