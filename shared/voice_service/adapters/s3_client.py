"""The one way this service builds an S3 client: SigV4 and virtual-hosted addressing, which presigned URLs need."""

from __future__ import annotations

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
