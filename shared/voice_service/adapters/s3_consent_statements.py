"""Recorded consent statements in the samples bucket, under `consent/`: a prefix no lifecycle rule expires.

"Next to the sample", in the same private, encrypted, TLS-only bucket, but not under `samples/` or `uploads/`,
whose objects expire after `SampleExpirationDays`: a statement lives exactly as long as its voice, and is deleted
by whoever deletes the voice (services/consent.py says in which order). Keys are server-chosen random tokens; what
is stored is the WAV ffmpeg decoded from the caller's recording, never the caller's bytes.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from voice_service.adapters.s3_client import LazyS3Client
from voice_service.errors import ProviderNotConfiguredError, StorageError
from voice_service.observability import logger

STATEMENT_PREFIX: Final = "consent/"
BUCKET_SETTING: Final = "OPENTALKING_SAMPLES_BUCKET"
# The IAM actions each use declares (the template grants exactly these, on `consent/*` only): the clone stores a
# statement (and deletes it when the clone fails); the delete function and the reconciler delete statements with
# the rows they remove; the read of one voice presigns a GET, which carries its function's s3:GetObject.
STORE_STATEMENTS_IAM_ACTIONS: Final = frozenset({"s3:PutObject", "s3:DeleteObject"})
DELETE_STATEMENTS_IAM_ACTIONS: Final = frozenset({"s3:DeleteObject"})
READ_STATEMENTS_IAM_ACTIONS: Final = frozenset({"s3:GetObject"})
STATEMENT_CONTENT_TYPE: Final = "audio/wav"


class S3ConsentStatements:
    """Implements the ConsentStatementStore port on the samples bucket's `consent/` prefix."""

    def __init__(
        self, bucket: str | None, *, region: str | None, url_ttl_seconds: int = 300, client: Any = None
    ) -> None:
        self._bucket = bucket
        self._url_ttl = url_ttl_seconds
        self._s3 = LazyS3Client(region=region, attempts=3, connect_timeout=3, read_timeout=10, client=client)

    @property
    def bucket(self) -> str:
        if not self._bucket:
            raise ProviderNotConfiguredError("consent statement storage", BUCKET_SETTING)
        return self._bucket

    @property
    def url_ttl_seconds(self) -> int:
        return self._url_ttl

    def new_statement_key(self) -> str:
        return f"{STATEMENT_PREFIX}{secrets.token_hex(16)}.wav"

    def put_statement(self, key: str, wav: bytes) -> None:
        self._call(
            "store the consent statement",
            lambda s3: s3.put_object(Bucket=self.bucket, Key=key, Body=wav, ContentType=STATEMENT_CONTENT_TYPE),
        )

    def delete_statement(self, key: str) -> None:
        # S3 answers 204 for a key that is already gone, so a retried delete succeeds.
        self._call("delete the consent statement", lambda s3: s3.delete_object(Bucket=self.bucket, Key=key))

    def statement_url(self, key: str) -> str:
        # Signed per request, never stored; `attachment` keeps a browser from rendering it as a page if opened
        # directly (an <audio> element plays it all the same).
        return str(
            self._call(
                "presign the consent statement",
                lambda s3: s3.generate_presigned_url(
                    "get_object",
                    Params={
                        "Bucket": self.bucket,
                        "Key": key,
                        "ResponseContentType": STATEMENT_CONTENT_TYPE,
                        "ResponseContentDisposition": 'attachment; filename="consent-statement.wav"',
                    },
                    ExpiresIn=self._url_ttl,
                ),
            )
        )

    def _call(self, action: str, operation: Any) -> Any:
        try:
            return operation(self._s3())
        except (StorageError, ProviderNotConfiguredError):
            raise
        except Exception as exc:
            logger.error("Consent statement storage failure", extra={"action": action, "error": type(exc).__name__})
            raise StorageError(f"The storage could not {action}; try again later.") from exc
