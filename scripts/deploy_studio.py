"""`make deploy-studio`: upload the voice studio (web/) to the stack's private bucket, configured with the API's URL.

The stack's outputs name the bucket (StudioBucketName), the API (ApiUrl) and where the page is served
(StudioUrl, CloudFront). In the users mode they also say who signs people in: config.json then carries the
identity provider's endpoints for the page's sign-in (the stack's Cognito domain, or any OIDC provider's discovery
document; scripts.studio_config). Every file is sent with `Cache-Control: no-cache`, so browsers and CloudFront
revalidate and a new upload is live at once, without an invalidation. Files no longer in web/ are removed from the
bucket.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import tomllib
from pathlib import Path
from typing import Any

from scripts.studio_config import (
    DEFAULT_TOKEN_TYPE,
    TOKEN_TYPES,
    StudioConfigError,
    sign_in_from_outputs,
    studio_config,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = REPO_ROOT / "web"
CONFIG_FILE = "config.json"
CACHE_CONTROL = "no-cache"
# Module scripts must be served with a JavaScript type; some systems' mimetypes tables lack one or the other.
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".json": "application/json"}


def stack_name_for(config_env: str, samconfig: Path = REPO_ROOT / "samconfig.toml") -> str:
    """The stack `sam deploy --config-env <config_env>` deploys (samconfig.toml)."""
    config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    return str(config[config_env]["global"]["parameters"]["stack_name"])


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def publish_site(
    s3: Any, bucket: str, api_url: str, site_dir: Path = SITE_DIR, sign_in: dict[str, str] | None = None
) -> list[str]:
    """Upload every file of `site_dir` and a config.json naming `api_url` (and `sign_in`, how users sign in);
    delete what is no longer there.

    Returns the keys written, config.json last (a page loaded mid-upload still finds its old configuration).
    """
    files = sorted(path for path in site_dir.rglob("*") if path.is_file() and path.name != CONFIG_FILE)
    written = []
    for path in files:
        key = path.relative_to(site_dir).as_posix()
        s3.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(path), CacheControl=CACHE_CONTROL
        )
        written.append(key)
    config = json.dumps(studio_config(api_url, sign_in)).encode()
    s3.put_object(
        Bucket=bucket, Key=CONFIG_FILE, Body=config, ContentType="application/json", CacheControl=CACHE_CONTROL
    )
    written.append(CONFIG_FILE)
    stale = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
        if item["Key"] not in written
    ]
    for key in stale:
        s3.delete_object(Bucket=bucket, Key=key)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-env", default="default", help="samconfig.toml environment (default | prod)")
    parser.add_argument("--stack-name", help="the stack (default: samconfig.toml's for --config-env)")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    parser.add_argument(
        "--client-id", help="users mode: the page's OAuth client, if not the tokens' audience (SignInAudience)"
    )
    parser.add_argument(
        "--token-type",
        choices=TOKEN_TYPES,
        default=DEFAULT_TOKEN_TYPE,
        help="users mode: the token the page sends (the one whose aud is the stack's OidcAudience)",
    )
    args = parser.parse_args(argv)

    import boto3
    import httpx

    session = boto3.session.Session(region_name=args.region)
    stack_name = args.stack_name or stack_name_for(args.config_env)
    outputs = stack_outputs(session.client("cloudformation"), stack_name)
    try:
        with httpx.Client(timeout=10.0) as http:
            sign_in = sign_in_from_outputs(outputs, http, client_id=args.client_id, token_type=args.token_type)
    except StudioConfigError as error:
        print(f"Cannot configure the studio's sign-in: {error}", file=sys.stderr)
        return 1
    written = publish_site(session.client("s3"), outputs["StudioBucketName"], outputs["ApiUrl"], sign_in=sign_in)
    print(f"Uploaded {len(written)} files to s3://{outputs['StudioBucketName']} (API: {outputs['ApiUrl']}).")
    if sign_in is not None:
        print(f"Users sign in at {sign_in['authorizeUrl']} as client {sign_in['clientId']}.")
    print(f"The voice studio: {outputs['StudioUrl']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
