"""The speech cache bucket: finished audio under `speech/<provider>/<voice digest>/<key digest>`.

One voice's entries share one prefix, so deleting a voice purges them with one listing. The voice is hashed into
the key (voice ids are caller-chosen text: no `/`, no length surprises, nothing readable in the bucket listing).
The client fails fast (short timeouts, one retry): a slow cache must cost a preview little, and a failed one
nothing but a fresh synthesis. AWS_ENDPOINT_URL_S3, which boto3 reads itself, points it at the embedded S3 of
`make run` or at moto's server in tests.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from voice_service.adapters.s3_client import LazyS3Client, error_code
from voice_service.services.speech_cache import CacheStoreError, SpeechCache, SpeechKey
from voice_service.settings import SpeechCacheSettings

CACHE_PREFIX: Final = "speech/"
NOT_FOUND_CODES: Final = frozenset({"404", "NoSuchKey", "NotFound"})
# The IAM actions each use of the bucket needs (declared next to the calls; the template grants exactly these).
# Reading needs s3:ListBucket on the bucket too: without it S3 answers a missing key with 403, not 404.
READ_WRITE_IAM_ACTIONS: Final = frozenset({"s3:GetObject", "s3:PutObject", "s3:ListBucket"})  # get/put_audio
PURGE_IAM_ACTIONS: Final = frozenset({"s3:ListBucket", "s3:DeleteObject"})  # purge_voice
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys
LIST_PAGE_KEYS = 1000  # ListObjectsV2 answers at most 1,000 keys a page


def configured_speech_cache(settings: SpeechCacheSettings) -> SpeechCache:
    """The speech cache on the bucket of `settings`; without a bucket the cache is off (every preview synthesized)."""
    if not settings.speech_cache_bucket:
        return SpeechCache(None)
    return SpeechCache(S3SpeechStore(settings.speech_cache_bucket))


def voice_prefix(provider: str, voice: str) -> str:
    """The prefix holding every entry of one voice."""
    voice_digest = hashlib.sha256(voice.encode("utf-8")).hexdigest()[:32]
    return f"{CACHE_PREFIX}{provider}/{voice_digest}/"


def object_key(key: SpeechKey) -> str:
    return f"{voice_prefix(key.provider, key.voice)}{key.digest()}"


class S3SpeechStore:
    """Implements the `SpeechStore` port on one bucket."""

    def __init__(self, bucket: str, *, client: Any = None) -> None:
        self._bucket = bucket
        # A cache must never slow a miss down much: few retries, short timeouts.
        self._s3 = LazyS3Client(attempts=2, connect_timeout=1, read_timeout=2, client=client)

    @property
    def bucket(self) -> str:
        return self._bucket

    def get_audio(self, key: SpeechKey) -> bytes | None:
        try:
            body = self._s3().get_object(Bucket=self._bucket, Key=object_key(key))["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()
        except Exception as exc:
            if error_code(exc) in NOT_FOUND_CODES:
                return None
            raise _store_error("read", exc) from exc

    def put_audio(self, key: SpeechKey, audio: bytes) -> None:
        try:
            self._s3().put_object(Bucket=self._bucket, Key=object_key(key), Body=audio)
        except Exception as exc:
            raise _store_error("write", exc) from exc

    def purge_voice(self, provider: str, voice: str) -> int:
        prefix = voice_prefix(provider, voice)
        removed = 0
        try:
            s3 = self._s3()
            listing: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": LIST_PAGE_KEYS}
            while True:
                page = s3.list_objects_v2(**listing)
                keys = [item["Key"] for item in page.get("Contents", [])]
                for start in range(0, len(keys), DELETE_BATCH):
                    batch = keys[start : start + DELETE_BATCH]
                    answer = s3.delete_objects(
                        Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                    )
                    if answer.get("Errors"):
                        raise CacheStoreError(f"{len(answer['Errors'])} entries could not be deleted")
                    removed += len(batch)
                if not page.get("IsTruncated"):
                    return removed
                listing["ContinuationToken"] = page["NextContinuationToken"]
        except CacheStoreError:
            raise
        except Exception as exc:
            raise _store_error("purge", exc) from exc


def _store_error(action: str, exc: Exception) -> CacheStoreError:
    code = error_code(exc)
    return CacheStoreError(f"could not {action} the speech cache ({type(exc).__name__}{f' {code}' if code else ''})")
