"""POST /voices/uploads: a presigned S3 POST for a sample of up to 12 MiB, named later in POST /voices/clone.

Composition root of CreateUploadFunction: its settings are read and validated at import (the cold start), and its
one collaborator, the samples bucket, is built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from voice_service.adapters.s3_samples import ISSUE_UPLOADS_IAM_ACTIONS, S3SampleBucket
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES
from voice_service.services.uploads import UploadStore, create_upload
from voice_service.settings import CreateUploadFunctionSettings, load_settings

SETTINGS = load_settings(CreateUploadFunctionSettings)
IAM_ACTIONS: Final = ISSUE_UPLOADS_IAM_ACTIONS


def build_upload_store(settings: CreateUploadFunctionSettings) -> UploadStore:
    # The boto3 client is created on first use.
    return S3SampleBucket.configured(settings.bucket)


upload_store = Dependency(build_upload_store, SETTINGS)
DEPENDENCIES = (upload_store,)
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
def create_voice_upload(store: Annotated[UploadStore, Depends(upload_store)]) -> UploadTicketBody:
    ticket = create_upload(store)
    return UploadTicketBody(
        upload_id=ticket.upload_id,
        url=ticket.url,
        fields=ticket.fields,
        expires_in=ticket.expires_in,
        min_bytes=ticket.min_bytes,
        max_bytes=ticket.max_bytes,
    )


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
