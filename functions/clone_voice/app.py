"""POST /voices/clone: clone a voice from a sample sent inline (multipart `audio`) or uploaded first (`upload_id`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Header, UploadFile
from pydantic import BaseModel

from voice_service.adapters.factories import get_idempotent_cloning
from voice_service.http.app import create_app
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, ErrorBody
from voice_service.observability import logger
from voice_service.services.cloning import CloneForm, CloneUseCase
from voice_service.services.uploads import MAX_SAMPLE_BYTES

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


@router.post(
    "/voices/clone",
    response_model=CloneResponse,
    summary="Clone a voice from an audio sample",
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorBody, "description": "No upload has that upload_id"},
        409: {"model": ErrorBody, "description": "A request with this Idempotency-Key is still in progress"},
        413: {"model": ErrorBody, "description": "Sample too large for a direct request: use POST /voices/uploads"},
        422: {"model": ErrorBody, "description": "This Idempotency-Key was used for a different request"},
        429: {"model": ErrorBody, "description": "The provider's voice quota is reached: delete voices to free slots"},
        502: {"model": ErrorBody, "description": "The provider failed"},
    },
)
def clone_voice(
    # Powertools' idempotency utility (and with it boto3) is imported on the first request, not at the cold start.
    service: Annotated[CloneUseCase, Depends(get_idempotent_cloning)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Optional. A repeat with the same key and form within 24 h returns the first result without "
            "cloning again.",
        ),
    ] = None,
    provider: FormText = None,
    target_model: FormText = None,
    display_label: FormText = None,
    prefix: FormText = None,
    preferred_name: FormText = None,
    upload_id: FormText = None,
    audio: Annotated[UploadFile | None, File(description="The sample, up to about 4.5 MiB here.")] = None,
) -> CloneResponse:
    form = CloneForm(provider, target_model, display_label, prefix, preferred_name, upload_id)
    # Reading one byte past the limit is enough to reject; a larger part never lands in memory whole.
    data = audio.file.read(MAX_SAMPLE_BYTES + 1) if audio is not None else None
    result = service.clone(form, data, idempotency_key)
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


app = create_app(router)
lambda_handler = make_lambda_handler(app)
