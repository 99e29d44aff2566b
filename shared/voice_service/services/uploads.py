"""Direct uploads: a presigned S3 POST that lets a browser send a sample of up to 12 MiB past API Gateway."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Protocol

from voice_service.errors import InvalidRequestError

# Contract rule 9, in bytes (12 MiB = 12 x 1024 x 1024).
MIN_SAMPLE_BYTES: Final = 256
MAX_SAMPLE_BYTES: Final = 12 * 1024 * 1024
UPLOAD_ID_PATTERN: Final = re.compile(r"[0-9a-f]{32}")
UPLOAD_GONE_MESSAGE: Final = "No upload has that upload_id: it was never completed, already used, or expired."


@dataclass(frozen=True, slots=True)
class UploadTicket:
    """Where and how to POST one sample: the form `fields` go first, the file (field `file`) last."""

    upload_id: str
    url: str
    fields: dict[str, str]
    expires_in: int
    min_bytes: int
    max_bytes: int


class UploadStore(Protocol):
    """Port: the bucket area that receives direct uploads, each object named by its upload id."""

    def new_upload(self, min_bytes: int, max_bytes: int) -> UploadTicket:
        """Presign a POST for a fresh random id whose policy enforces the size range."""
        ...

    def upload_size(self, upload_id: str) -> int | None:
        """The stored size of the upload, or None when there is no such object."""
        ...

    def claim_upload(self, upload_id: str) -> bool:
        """Mark the upload as used, atomically across processes: True for exactly one caller per upload id."""
        ...

    def read_upload(self, upload_id: str, max_bytes: int) -> bytes:
        """The upload's bytes, reading at most `max_bytes + 1` (so an oversized object is still detected).

        Raises:
            UploadNotFoundError: the object is gone (deleted or expired).
        """
        ...

    def delete_upload(self, upload_id: str) -> None:
        """Remove the upload (no error when it is already gone)."""
        ...


def create_upload(store: UploadStore) -> UploadTicket:
    """Issue a presigned POST for one sample of MIN_SAMPLE_BYTES to MAX_SAMPLE_BYTES."""
    return store.new_upload(MIN_SAMPLE_BYTES, MAX_SAMPLE_BYTES)


def parse_upload_id(raw: str) -> str:
    """Normalise an upload id; anything but 32 hex digits is an InvalidRequestError (never a lookup)."""
    upload_id = raw.strip().lower()
    if not UPLOAD_ID_PATTERN.fullmatch(upload_id):
        raise InvalidRequestError("upload_id must be the 32-hex-digit id returned by POST /voices/uploads.")
    return upload_id
