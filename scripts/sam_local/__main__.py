"""`make sam-local`: serve the stack through `sam local start-api` on loopback, offline, until Ctrl+C.

Order: packages (apt-get, only if missing) → forward-drop rules → stand-in image (cached) → podman service →
an embedded S3 for the functions (moto, reachable from the containers as host.containers.internal) → `sam build` →
`sam local start-api`. On exit, sam, its containers, the podman service and the S3 server are stopped by id.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from scripts.sam_local import host, image
from scripts.sam_local.runner import StackOptions, running_stack, s3_for_containers
from scripts.sam_local.stack import ensure_sam_cli

SAMPLES_BUCKET = "opentalking-voice-samples-local"
SPEECH_CACHE_BUCKET = "opentalking-speech-cache-local"
# Provider keys taken from the caller's shell when set there (they reach the functions, never `sam` itself).
PROVIDER_KEY_VARIABLES = ("DASHSCOPE_API_KEY", "OPENTALKING_TTS_ELEVENLABS_API_KEY")


def provider_keys_from(environment: dict[str, str]) -> dict[str, str]:
    return {name: environment[name] for name in PROVIDER_KEY_VARIABLES if environment.get(name, "").strip()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAM_PORT", "3000")))
    parser.add_argument("--catalog-dir", type=Path, default=StackOptions.catalog_dir, help="emulated EFS directory")
    parser.add_argument("--prepare-only", action="store_true", help="prepare the host and the image, start nothing")
    parser.add_argument(
        "--env-vars",
        type=Path,
        default=Path(os.environ["SAM_ENV_VARS"]) if os.environ.get("SAM_ENV_VARS") else None,
        help="your own `sam local start-api --env-vars` JSON file, applied last (default: SAM_ENV_VARS)",
    )
    args = parser.parse_args(argv)

    try:
        host.check_supported()
        ensure_sam_cli()
        if args.prepare_only:
            host.ensure_packages()
            host.ensure_forward_drop(host.podman_subnets())
            print(f"sam-local: ready ({image.ensure_stand_in_image()})", file=sys.stderr)
            return 0
        # SIGTERM and SIGINT (even when a background job inherited it ignored) unwind like Ctrl+C, so everything
        # started below is stopped by id.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with s3_for_containers(SAMPLES_BUCKET, SPEECH_CACHE_BUCKET) as s3:
            options = StackOptions(
                port=args.port,
                catalog_dir=args.catalog_dir.resolve(),
                overrides={
                    "AWS_ENDPOINT_URL_S3": s3.container_endpoint,
                    "OPENTALKING_SAMPLES_BUCKET": SAMPLES_BUCKET,
                    **provider_keys_from(dict(os.environ)),
                    "OPENTALKING_SPEECH_CACHE_BUCKET": SPEECH_CACHE_BUCKET,
                },
                host_aliases=[s3.bucket_host(SAMPLES_BUCKET), s3.bucket_host(SPEECH_CACHE_BUCKET)],
                user_env_vars=args.env_vars,
                allow_egress=os.environ.get("SAM_LOCAL_EGRESS", "").strip().lower() == "open",
            )
            with running_stack(options) as stack:
                print(f"sam-local: serving the stack on {stack.base_url} (Ctrl+C stops it)", file=sys.stderr)
                stack.api.wait()
    except host.HostSetupError as error:
        print(f"sam-local: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
