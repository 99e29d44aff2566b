"""`make run`: the whole API on loopback, with no AWS account, no key and no network needed to start.

S3 is AWS_ENDPOINT_URL_S3 when set; otherwise an embedded S3 (moto's server on loopback) is started and stopped
with the service, and the samples and speech cache buckets are created on it. The catalog is a SQLite file under
./.data/, so clones survive a restart. Every function's settings are validated first, as each Lambda's cold start
does: an invalid one stops the start with the same sentence.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_BUCKET = "opentalking-voice-samples-local"
DEFAULT_SPEECH_CACHE_BUCKET = "opentalking-speech-cache-local"
LOCAL_ENVIRONMENT = {
    "OPENTALKING_SQLITE_PATH": str(Path(".data") / "voices.sqlite3"),
    "OPENTALKING_SAMPLES_BUCKET": DEFAULT_BUCKET,
    "OPENTALKING_SPEECH_CACHE_BUCKET": DEFAULT_SPEECH_CACHE_BUCKET,
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "voice-service-local",
    "POWERTOOLS_METRICS_NAMESPACE": "OpenTalkingVoiceLocal",
    # Local runs print no EMF lines and send no traces.
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)

    for name, value in LOCAL_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if not os.environ.get("OPENTALKING_FFMPEG_PATH"):
        # The same audio-only ffmpeg as the Lambda layer, built for this machine (`make run` builds it first).
        from scripts.build_ffmpeg import host_binary

        try:
            os.environ["OPENTALKING_FFMPEG_PATH"] = str(host_binary())
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1

    from voice_service.settings import SettingsError

    try:
        from functions.local_api import create_local_app
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 1

    s3_server = None
    if not os.environ.get("AWS_ENDPOINT_URL_S3"):
        s3_server = start_embedded_s3()
    ensure_bucket(os.environ["OPENTALKING_SAMPLES_BUCKET"])
    ensure_bucket(os.environ["OPENTALKING_SPEECH_CACHE_BUCKET"])

    import uvicorn

    try:
        print(f"Serving the voice API on http://{args.host}:{args.port} (Ctrl+C stops it)", file=sys.stderr)
        uvicorn.run(create_local_app(), host=args.host, port=args.port, log_level="info")
    finally:
        if s3_server is not None:
            s3_server.stop()
    return 0


def start_embedded_s3() -> Any:
    """Start moto's S3 server on a free loopback port and point the process's S3 clients at it."""
    from testsupport.moto_s3 import start_moto_server

    # The embedded S3 accepts any credentials; set dummy ones only where none are configured.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    server, port = start_moto_server()
    os.environ["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{port}"
    print(f"Embedded S3 on http://127.0.0.1:{port}", file=sys.stderr)
    return server


def ensure_bucket(bucket: str) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"])
    existing = {item["Name"] for item in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)


if __name__ == "__main__":
    raise SystemExit(main())
