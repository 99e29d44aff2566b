"""The one way this service builds an S3 client: SigV4 and virtual-hosted addressing, which presigned URLs need."""

from __future__ import annotations

from functools import partial
from typing import Any


def s3_client(*, region: str | None = None, attempts: int, connect_timeout: float, read_timeout: float) -> Any:
    """A boto3 S3 client; each caller picks its retries and timeouts for the latency its route can afford."""
    import boto3  # imported on first use: a cold start that never touches S3 does not pay for it
    from botocore.config import Config

    return boto3.client(
        "s3",
        region_name=region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "virtual"},
            retries={"max_attempts": attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        ),
    )


class LazyS3Client:
    """One adapter's S3 client, made on its first call: importing boto3 and building a client costs a cold start
    that never touches S3 nothing. `client`, when given (tests), is used as is."""

    def __init__(
        self,
        *,
        region: str | None = None,
        attempts: int,
        connect_timeout: float,
        read_timeout: float,
        client: Any = None,
    ) -> None:
        self._make = partial(
            s3_client,
            region=region,
            attempts=attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._client = client

    def __call__(self) -> Any:
        if self._client is None:
            self._client = self._make()
        return self._client


def error_code(exc: Exception) -> str | None:
    """The S3 error code of a botocore ClientError ("NoSuchKey", "404", ...), None for any other failure."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "")) or None
    return None
