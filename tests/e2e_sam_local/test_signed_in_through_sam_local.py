"""The signed-in mode through `sam local start-api`: the stack's Lambda authorizer against a local JWKS.

A stack of its own (the mode is fixed per stack; the build is the package's, cached by make), started and stopped
within this module, trusting a JWKS served on this machine (reached from the containers through
host.containers.internal).

Every route keeps the authorizer here: SAM CLI (1.170) merges the routes ONE function serves on one path into one
route with one authorizer setting (`dedupe_function_routes`, keyed by function and path), so no function serves
both a path's authorized methods and its unauthorized CORS preflight: every OPTIONS goes to PreflightFunction.
With a valid token each user lists, reads and deletes only their own voices and previews answer; without one the
routes are refused; a preflight needs no token.

Where SAM CLI still differs from API Gateway, asserted here as it is: a token the authorizer refuses (or none where
one is required) makes it raise "Unauthorized"; API Gateway answers 401 with the UNAUTHORIZED gateway response,
SAM CLI reads the raised error as an invalid authorizer response and answers 502 `{"message": "Internal server
error"}`. The 401 itself, its `WWW-Authenticate` gateway response and every route's verdict are proved through the
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
# In the template's default CorsAllowOrigins (the studio's CloudFront origin is the first entry of the list).
ALLOWED_ORIGIN = "http://localhost:5173"
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
    # WHEN GET /voices/{entry_id} is called with no or a bad token
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


def test_each_user_lists_and_deletes_only_their_own_voices_and_nobody_without_a_token(
    signed_in: SignedInStack,
) -> None:
    # GIVEN one voice each for carol and dave in the catalog the functions mount
    now = datetime.now(UTC)
    carol_voice = signed_in.catalog.add_entry(
        NewEntry(NewVoice("dashscope", "v-carol", "Mine", "m"), now, owner=Owner("carol"))
    )
    dave_voice = signed_in.catalog.add_entry(
        NewEntry(NewVoice("dashscope", "v-dave", "Mine", "m"), now, owner=Owner("dave"))
    )
    before = signed_in.catalog.list_entries()
    # WHEN the list and delete routes are called without a token, or with a refused one
    expired = signed_in.bearer("dave", now=time.time() - 7200)
    for response in (
        signed_in.http.get("/voices"),
        signed_in.http.get("/voices", headers=expired),
        signed_in.http.delete(f"/voices/{dave_voice.id}?catalog_only=true"),
        signed_in.http.delete(f"/voices/{dave_voice.id}?catalog_only=true", headers=expired),
    ):
        # THEN the authorizer refused each (sam local's 502 where API Gateway answers 401), nothing changed
        assert (response.status_code, response.json()) == SAM_LOCAL_REFUSAL, signed_in.log_tail()
    assert signed_in.catalog.list_entries() == before
    # AND with a valid token each user lists their own voice only
    for user, voice in (("carol", carol_voice), ("dave", dave_voice)):
        listing = signed_in.http.get("/voices", headers=signed_in.bearer(user))
        assert listing.status_code == 200, f"{listing.text}\n{signed_in.log_tail()}"
        assert [(item["id"], item["user_id"]) for item in listing.json()["items"]] == [(voice.id, user)]
    # AND carol cannot delete dave's voice (the same "not found" as a missing one), but deletes her own
    theirs = signed_in.http.delete(f"/voices/{dave_voice.id}?catalog_only=true", headers=signed_in.bearer("carol"))
    assert (theirs.status_code, theirs.json()) == (404, {"detail": f"No cloned voice has id {dave_voice.id}."}), (
        f"{theirs.text}\n{signed_in.log_tail()}"
    )
    mine = signed_in.http.delete(f"/voices/{carol_voice.id}?catalog_only=true", headers=signed_in.bearer("carol"))
    assert (mine.status_code, mine.json()["deleted"]) == (200, True), signed_in.log_tail()
    assert [entry.id for entry in signed_in.catalog.list_entries()] == [
        entry.id for entry in before if entry.id != carol_voice.id
    ]


def test_the_upload_and_clone_routes_get_the_callers_verdict(signed_in: SignedInStack) -> None:
    # WHEN the upload and clone routes are called without a token
    for response in (signed_in.http.post("/voices/uploads"), signed_in.http.post("/voices/clone", data={})):
        # THEN the authorizer refused them
        assert (response.status_code, response.json()) == SAM_LOCAL_REFUSAL, signed_in.log_tail()
    # AND with a valid token the function itself judges the request: an empty clone form is its 400, not a 401
    clone = signed_in.http.post("/voices/clone", data={}, headers=signed_in.bearer("carol"))
    assert (clone.status_code, clone.json()) == (
        400,
        {"detail": "The field 'provider' is required: use cosyvoice or dashscope."},
    ), signed_in.log_tail()


def test_a_signed_in_preview_answers_audio_and_a_refused_token_gets_none(signed_in: SignedInStack) -> None:
    preview = {"text": "Hello.", "provider": "espeak"}
    # WHEN a signed-in user previews (eSpeak NG, offline)
    response = signed_in.http.post(
        "/tts/preview", json=preview, headers={"Accept": "audio/wav", **signed_in.bearer("carol")}
    )
    # THEN the audio comes back
    assert response.status_code == 200, f"{response.text}\n{signed_in.log_tail()}"
    assert response.content[:4] == b"RIFF"
    # AND a token that is sent is always checked, even where anonymous previews are allowed
    expired = signed_in.http.post(
        "/tts/preview", json=preview, headers=signed_in.bearer("carol", now=time.time() - 7200)
    )
    assert (expired.status_code, expired.json()) == SAM_LOCAL_REFUSAL


def test_a_preflight_needs_no_token_and_answers_from_the_allow_list(signed_in: SignedInStack) -> None:
    for path, method in (("/voices", "GET"), ("/voices/1", "DELETE"), ("/tts/preview", "POST"), ("/v1/models", "GET")):
        # WHEN a browser at an allowed origin asks, without a token, whether it may send its bearer token
        allowed = signed_in.http.options(
            path,
            headers={
                "Origin": ALLOWED_ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        # THEN the preflight function says yes, with the CORS headers of the allow-list
        assert allowed.status_code == 200, f"{path}: {allowed.text}\n{signed_in.log_tail()}"
        assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert method in allowed.headers["access-control-allow-methods"]
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    # AND an origin off the list gets no grant
    refused = signed_in.http.options(
        "/voices", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers


def test_an_anonymous_preview_runs_when_switched_on(signed_in: SignedInStack) -> None:
    response = signed_in.http.post(
        "/tts/preview", json={"text": "Hello.", "provider": "espeak"}, headers={"Accept": "audio/wav"}
    )
    assert response.status_code == 200, f"{response.text}\n{signed_in.log_tail()}"
    assert response.content[:4] == b"RIFF"
