"""POST /voices/uploads: a presigned S3 POST for a sample of up to 12 MiB, named later in POST /voices/clone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from voice_service.adapters.factories import get_sample_bucket
from voice_service.http.app import create_app
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES
from voice_service.services.uploads import UploadStore, create_upload

router = APIRouter()


class UploadTicketBody(BaseModel):
    """How to upload: POST `url` as multipart/form-data with every `fields` entry, then the file as `file`."""

    upload_id: str = Field(description="Send this as upload_id to POST /voices/clone once the upload succeeded.")
    url: str
    fields: dict[str, str]
    file_field: str = Field(default="file", description="The form field carrying the audio; it must come last.")
    expires_in: int = Field(description="Seconds the upload form stays valid.")
    min_bytes: int
    max_bytes: int


@router.post(
    "/voices/uploads",
    response_model=UploadTicketBody,
    summary="Get a presigned upload for a large voice sample",
    responses=ERROR_RESPONSES,
)
def create_voice_upload(store: Annotated[UploadStore, Depends(get_sample_bucket)]) -> UploadTicketBody:
    ticket = create_upload(store)
    return UploadTicketBody(
        upload_id=ticket.upload_id,
        url=ticket.url,
        fields=ticket.fields,
        expires_in=ticket.expires_in,
        min_bytes=ticket.min_bytes,
        max_bytes=ticket.max_bytes,
    )


app = create_app(router)
lambda_handler = make_lambda_handler(app)
