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
    parser.add_argument(
        "--auth",
        choices=("open", "users"),
        default="open",
        help="open (default): no sign-in; users: sign in through the local issuer (its page, or make token)",
    )
    parser.add_argument(
        "--issuer-port",
        type=int,
        help="users mode: the local issuer's loopback port (default 8001, the one `make token` signs for)",
    )
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
    issuer = start_local_issuer(args.issuer_port) if args.auth == "users" else None

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
        app = create_local_app(studio_config=local_studio_config(issuer, args.host, args.port) if issuer else None)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    finally:
        if s3_server is not None:
            s3_server.stop()
        if issuer is not None:
            issuer.stop()
    return 0


def start_local_issuer(port: int | None = None) -> Any:
    """Serve the local issuer on loopback (its keys, sign-in page and token endpoint) and make the service trust it
    (scripts.local_issuer)."""
    from scripts.local_issuer import DEFAULT_PORT, LocalIdentityProvider, SigningKey, local_auth_environment

    server = LocalIdentityProvider(SigningKey.stored(), port=port or DEFAULT_PORT).start()
    for name, value in local_auth_environment(server.issuer).items():
        os.environ.setdefault(name, value)
    print(
        f"Signed-in mode: the local issuer ({server.url}) signs in any user name from the studio's Sign in button;"
        " `make token USER=alice` prints a token for other clients",
        file=sys.stderr,
    )
    return server


def local_studio_config(issuer: Any, host: str, port: int) -> dict[str, Any]:
    """The studio at /studio/ on this origin, signing in through the local issuer's discovery document as a deployed
    page does through its provider's."""
    from functions.local_api import STUDIO_PATH
    from scripts.studio_config import oidc_sign_in, studio_config

    page_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    studio_url = f"http://{page_host}:{port}{STUDIO_PATH}/"
    return studio_config("", oidc_sign_in(issuer.discovery(), issuer.client_id, studio_url))


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
