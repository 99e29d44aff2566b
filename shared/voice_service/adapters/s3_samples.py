"""The samples bucket: direct uploads under `uploads/`, CosyVoice samples under `samples/`, both short-lived.

Keys are server-chosen random 32-hex tokens. URLs are presigned with SigV4 for the bucket's region (boto3 would
otherwise presign SigV2 in some regions). AWS_ENDPOINT_URL_S3, which boto3 reads itself, points the client at the
embedded S3 of `make run` or at moto's server in tests.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from voice_service.adapters.s3_client import LazyS3Client, error_code
from voice_service.errors import ProviderNotConfiguredError, StorageError, UploadNotFoundError
from voice_service.observability import logger
from voice_service.services.uploads import UPLOAD_GONE_MESSAGE, UploadTicket
from voice_service.settings import SampleBucketSettings

UPLOAD_PREFIX: Final = "uploads/"
SAMPLE_PREFIX: Final = "samples/"
BUCKET_SETTING: Final = "OPENTALKING_SAMPLES_BUCKET"
NOT_FOUND_CODES: Final = frozenset({"404", "NoSuchKey", "NotFound"})
# The IAM actions each use of the bucket needs (declared here, next to the calls; the template grants exactly these,
# each on its own prefix). A presigned POST carries the issuing function's permission to PutObject.
ISSUE_UPLOADS_IAM_ACTIONS: Final = frozenset({"s3:PutObject"})  # new_upload
TAKE_UPLOADS_IAM_ACTIONS: Final = frozenset({"s3:GetObject", "s3:DeleteObject"})  # upload_size, read/delete_upload
CLAIM_UPLOADS_IAM_ACTIONS: Final = frozenset({"s3:PutObject"})  # claim_upload, on uploads/*.claim only
STORE_SAMPLES_IAM_ACTIONS: Final = frozenset({"s3:PutObject", "s3:GetObject", "s3:DeleteObject"})  # *_sample
# A conditional write lost: the marker exists (412), or another write of it was in flight (409).
CLAIM_TAKEN_CODES: Final = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409"})
CLAIM_SUFFIX: Final = ".claim"


class S3SampleBucket:
    """Implements the UploadStore and SampleStore ports on one bucket."""

    def __init__(
        self,
        bucket: str | None,
        *,
        region: str | None,
        sample_url_ttl_seconds: int,
        upload_url_ttl_seconds: int,
        client: Any = None,
    ) -> None:
        self._bucket = bucket
        self._sample_url_ttl = sample_url_ttl_seconds
        self._upload_url_ttl = upload_url_ttl_seconds
        self._s3 = LazyS3Client(region=region, attempts=3, connect_timeout=3, read_timeout=10, client=client)

    @classmethod
    def configured(cls, settings: SampleBucketSettings) -> S3SampleBucket:
        """The bucket of `settings` (without a name, using it raises ProviderNotConfiguredError)."""
        return cls(
            settings.samples_bucket,
            region=settings.samples_bucket_region,
            sample_url_ttl_seconds=settings.sample_url_ttl_seconds,
            upload_url_ttl_seconds=settings.upload_url_ttl_seconds,
        )

    @property
    def bucket(self) -> str:
        if not self._bucket:
            raise ProviderNotConfiguredError("sample storage", BUCKET_SETTING)
        return self._bucket

    # UploadStore

    def new_upload(self, min_bytes: int, max_bytes: int) -> UploadTicket:
        upload_id = secrets.token_hex(16)
        # The exact key is part of the signed policy (boto3 adds {"key": ...}), so the browser cannot pick another.
        presigned = self._call(
            "presign the upload",
            lambda s3: s3.generate_presigned_post(
                Bucket=self.bucket,
                Key=upload_key(upload_id),
                Conditions=[["content-length-range", min_bytes, max_bytes]],
                ExpiresIn=self._upload_url_ttl,
            ),
        )
        return UploadTicket(
            upload_id=upload_id,
            url=str(presigned["url"]),
            fields={str(name): str(value) for name, value in presigned["fields"].items()},
            expires_in=self._upload_url_ttl,
            min_bytes=min_bytes,
            max_bytes=max_bytes,
        )

    def upload_size(self, upload_id: str) -> int | None:
        bucket = self.bucket
        try:
            head = self._s3().head_object(Bucket=bucket, Key=upload_key(upload_id))
        except Exception as exc:
            if error_code(exc) in NOT_FOUND_CODES:
                return None
            raise _storage_error("look up the upload", exc) from exc
        return int(head["ContentLength"])

    def claim_upload(self, upload_id: str) -> bool:
        # S3 conditional write: of every request that races to create the marker, exactly one succeeds (412 for the
        # others), however many containers run. The marker lives under uploads/, so the lifecycle rule removes it
        # days after the upload's POST policy has expired (it then can no longer be re-uploaded under this id).
        bucket = self.bucket
        try:
            self._s3().put_object(Bucket=bucket, Key=claim_key(upload_id), Body=b"", IfNoneMatch="*")
        except Exception as exc:
            if error_code(exc) in CLAIM_TAKEN_CODES:
                return False
            raise _storage_error("claim the upload", exc) from exc
        return True

    def read_upload(self, upload_id: str, max_bytes: int) -> bytes:
        bucket = self.bucket
        try:
            body = self._s3().get_object(Bucket=bucket, Key=upload_key(upload_id))["Body"]
            try:
                return bytes(body.read(max_bytes + 1))
            finally:
                body.close()
        except Exception as exc:
            if error_code(exc) in NOT_FOUND_CODES:
                raise UploadNotFoundError(UPLOAD_GONE_MESSAGE) from exc
            raise _storage_error("read the upload", exc) from exc

    def delete_upload(self, upload_id: str) -> None:
        self._delete_quietly(upload_key(upload_id))

    # SampleStore

    def put_sample(self, wav: bytes) -> str:
        key = f"{SAMPLE_PREFIX}{secrets.token_hex(16)}.wav"
        self._call(
            "store the sample",
            lambda s3: s3.put_object(Bucket=self.bucket, Key=key, Body=wav, ContentType="audio/wav"),
        )
        return key

    def presigned_sample_url(self, key: str) -> str:
        # Signed just before handing it over, short-lived, never stored.
        return str(
            self._call(
                "presign the sample",
                lambda s3: s3.generate_presigned_url(
                    "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._sample_url_ttl
                ),
            )
        )

    def delete_sample(self, key: str) -> None:
        self._delete_quietly(key)

    # internals

    def _delete_quietly(self, key: str) -> None:
        bucket = self.bucket
        try:
            self._s3().delete_object(Bucket=bucket, Key=key)
        except Exception as exc:
            # Never turn a finished request into an error over cleanup: the lifecycle rule removes it later.
            logger.warning("Could not delete a sample object", extra={"key": key, "error": type(exc).__name__})

    def _call(self, action: str, operation: Any) -> Any:
        try:
            return operation(self._s3())
        except (StorageError, ProviderNotConfiguredError):
            raise
        except Exception as exc:
            raise _storage_error(action, exc) from exc


def upload_key(upload_id: str) -> str:
    return f"{UPLOAD_PREFIX}{upload_id}"


def claim_key(upload_id: str) -> str:
    return f"{UPLOAD_PREFIX}{upload_id}{CLAIM_SUFFIX}"


def _storage_error(action: str, exc: Exception) -> StorageError:
    logger.error(
        "Sample bucket failure", extra={"action": action, "error": type(exc).__name__, "code": error_code(exc)}
    )
    return StorageError(f"The sample storage could not {action}; try again later.")
