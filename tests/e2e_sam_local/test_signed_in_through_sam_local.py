"""The signed-in mode through `sam local start-api`: the stack's Lambda authorizer against a local JWKS.

A stack of its own (the mode is fixed per stack; the build is the package's, cached by make), started and stopped
within this module, trusting a JWKS served on this machine (reached from the containers through
host.containers.internal).

Where SAM CLI (1.170) differs from API Gateway, asserted here as it is:
- It merges the routes one function serves on one path into one route (`dedupe_function_routes`), keeping the
  authorizer setting of whichever it lists last, and it lists them out of a set: per start of `sam local`, a
  function that also answers its path's CORS preflight (`Authorizer: NONE`) may lose the authorizer on its other
  methods (list, delete, clone, uploads, preview). Such a route gets no verdict and fails closed: 401 "Sign in
  first" even to a valid token, nothing read or changed; an allowed anonymous preview runs anonymously.
- GET /voices/{entry_id} (GetVoiceFunction serves no preflight) always keeps the authorizer, which verifies each token
  against the local JWKS. A token it refuses makes it raise "Unauthorized": API Gateway answers 401, SAM CLI reads
  the raised error as an invalid authorizer response and answers 502 `{"message": "Internal server error"}`.
The 401 itself, its `WWW-Authenticate` gateway response and every route's verdict are proved through the
authorizer's and the functions' `lambda_handler`s (tests/integration/test_sign_in.py) and the template tests.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from scripts.local_issuer import JWKS_PATH, JwksServer, SigningKey
from scripts.sam_local.host import HostUnsupportedError, check_supported
from scripts.sam_local.runner import HOST_FROM_CONTAINERS, RunningStack, StackOptions, running_stack
from scripts.sam_local.stack import ensure_sam_cli
from tests.e2e_sam_local.conftest import free_loopback_port, not_hostable
from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
from voice_service.models import NewEntry, NewVoice, Owner

# The first test also waits for the stack to build (cached by make, shared with the package's stack) and start.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ISSUER = "https://issuer.test.invalid/pool"
AUDIENCE = "voice-api-e2e"
SIGN_IN_FIRST = "Sign in first"
# What `sam local start-api` answers when the Lambda authorizer raises "Unauthorized" (API Gateway: 401).
SAM_LOCAL_REFUSAL = (502, {"message": "Internal server error"})


@dataclass
class SignedInStack:
    stack: RunningStack
    http: httpx.Client
    key: SigningKey
    catalog: SqliteVoiceCatalog

    def bearer(self, user: str, **claims: object) -> dict[str, str]:
        token = self.key.token(user, issuer=ISSUER, audience=AUDIENCE, **claims)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    def log_tail(self) -> str:
        """The end of sam's log (the functions' own output), for a failure's message."""
        lines = self.stack.sam_log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-40:])


@pytest.fixture(scope="module")
def signed_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignedInStack]:
    try:
        check_supported()
        ensure_sam_cli()
    except HostUnsupportedError as error:
        not_hostable(error)
    key = SigningKey.generate()
    # All interfaces, as the other fakes: the containers come in through the podman gateway.
    jwks = JwksServer([key], host="0.0.0.0").start()
    try:
        port = int(jwks.url.rsplit(":", 1)[1])
        catalog_dir = tmp_path_factory.mktemp("sam-local-signed-in-catalog")
        options = StackOptions(
            port=free_loopback_port(),
            catalog_dir=catalog_dir,
            build_dir=tmp_path_factory.mktemp("sam-build-signed-in"),
            overrides={
                "OPENTALKING_AUTH_MODE": "users",
                "OPENTALKING_AUTH_ISSUER": ISSUER,
                "OPENTALKING_AUTH_AUDIENCE": AUDIENCE,
                "OPENTALKING_AUTH_JWKS_URL": f"http://{HOST_FROM_CONTAINERS}:{port}{JWKS_PATH}",
                "OPENTALKING_AUTH_ANONYMOUS_PREVIEW": "true",
                "OPENTALKING_SAMPLES_BUCKET": f"unused-{uuid.uuid4().hex[:8]}",
                # No preview cache: this stack has no S3 (the package's stack tests the cache)
                "OPENTALKING_SPEECH_CACHE_BUCKET": "",
            },
        )
        try:
            with running_stack(options) as stack, httpx.Client(base_url=stack.base_url, timeout=90.0) as http:
                catalog = SqliteVoiceCatalog(Path(catalog_dir) / "voices.sqlite3")
                yield SignedInStack(stack, http, key, catalog)
                catalog.close()
        except HostUnsupportedError as error:
            not_hostable(error)
    finally:
        jwks.stop()


def test_the_authorizer_verifies_tokens_against_the_local_jwks_and_the_user_sees_only_their_voice(
    signed_in: SignedInStack,
) -> None:
    # GIVEN a voice of bob's in the catalog the functions mount
    bob_voice = signed_in.catalog.add_entry(
        NewEntry(NewVoice("dashscope", "v-bob-1", "Mine", "m"), datetime.now(UTC), owner=Owner("bob"))
    )
    path = f"/voices/{bob_voice.id}"
    # WHEN GET /voices/{entry_id} (which keeps the authorizer under sam local) is called with no or a bad token
    forged = SigningKey(SigningKey.generate().private_key, kid=signed_in.key.kid)
    refused = [
        signed_in.http.get(path),
        signed_in.http.get(path, headers=signed_in.bearer("bob", now=time.time() - 7200)),
        signed_in.http.get(
            path, headers={"Authorization": "Bearer " + forged.token("bob", issuer=ISSUER, audience=AUDIENCE)}
        ),
        signed_in.http.get(
            path, headers={"Authorization": "Bearer " + signed_in.key.token("bob", issuer=ISSUER, audience="x")}
        ),
    ]
    # THEN the authorizer refused each (sam local's 502 where API Gateway answers 401)
    for response in refused:
        assert (response.status_code, response.json()) == SAM_LOCAL_REFUSAL, signed_in.log_tail()
    # AND with valid tokens it hands the user on: alice gets "not found", bob his voice
    theirs = signed_in.http.get(path, headers=signed_in.bearer("alice"))
    assert (theirs.status_code, theirs.json()["detail"]) == (404, f"No cloned voice has id {bob_voice.id}.")
    mine = signed_in.http.get(path, headers=signed_in.bearer("bob"))
    assert (mine.status_code, mine.json()["user_id"]) == (200, "bob"), signed_in.log_tail()


def test_routes_merged_with_their_preflight_either_keep_the_authorizer_or_fail_closed(signed_in: SignedInStack) -> None:
    # GIVEN one voice each for alice and bob in the catalog the functions mount
    now = datetime.now(UTC)
    alice_voice = signed_in.catalog.add_entry(
        NewEntry(NewVoice("dashscope", "v-alice", "Mine", "m"), now, owner=Owner("alice"))
    )
    bob_voice = signed_in.catalog.add_entry(
        NewEntry(NewVoice("dashscope", "v-bob", "Mine", "m"), now, owner=Owner("bob"))
    )
    before = signed_in.catalog.list_entries()
    # WHEN the list and delete functions (each also serving its path's preflight) are called without a token
    for response in (
        signed_in.http.get("/voices"),
        signed_in.http.delete(f"/voices/{bob_voice.id}?catalog_only=true"),
    ):
        # THEN either the authorizer refused it, or (authorizer dropped by SAM CLI) the function itself did
        answer = (response.status_code, response.json())
        refused_by_function = response.status_code == 401 and response.json()["detail"].startswith(SIGN_IN_FIRST)
        assert answer == SAM_LOCAL_REFUSAL or refused_by_function, f"{answer}\n{signed_in.log_tail()}"
    assert signed_in.catalog.list_entries() == before
    # AND with alice's valid token the listing shows her voice only, or is refused for want of a verdict
    listing = signed_in.http.get("/voices", headers=signed_in.bearer("alice"))
    if listing.status_code == 200:
        assert [item["id"] for item in listing.json()["items"]] == [alice_voice.id]
    else:
        assert listing.status_code == 401 and listing.json()["detail"].startswith(SIGN_IN_FIRST), listing.text
    # AND alice can never delete bob's voice: "not found" with a verdict, 401 without one
    attempt = signed_in.http.delete(f"/voices/{bob_voice.id}?catalog_only=true", headers=signed_in.bearer("alice"))
    assert attempt.status_code in (401, 404), attempt.text
    assert signed_in.catalog.list_entries() == before


def test_an_anonymous_preview_runs_when_switched_on(signed_in: SignedInStack) -> None:
    response = signed_in.http.post(
        "/tts/preview", json={"text": "Hello.", "provider": "espeak"}, headers={"Accept": "audio/wav"}
    )
    assert response.status_code == 200, f"{response.text}\n{signed_in.log_tail()}"
    assert response.content[:4] == b"RIFF"
