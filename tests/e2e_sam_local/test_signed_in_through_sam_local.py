"""The signed-in mode through `sam local start-api`: the Lambda authorizer verifies tokens against a local JWKS.

A stack of its own (the mode is fixed per stack), started and stopped within this module, before the package's open
stack. The JWKS is served on this machine; the containers reach it through host.containers.internal.
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
from scripts.sam_local.runner import HOST_FROM_CONTAINERS, StackOptions, running_stack
from scripts.sam_local.stack import ensure_sam_cli
from tests.e2e_sam_local.conftest import free_loopback_port, not_hostable
from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
from voice_service.models import NewVoice, Owner

ISSUER = "https://issuer.test.invalid/pool"
AUDIENCE = "voice-api-e2e"


@dataclass
class SignedInStack:
    http: httpx.Client
    key: SigningKey
    catalog: SqliteVoiceCatalog

    def bearer(self, user: str, **claims: object) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.key.token(user, issuer=ISSUER, audience=AUDIENCE, **claims)}  # type: ignore[arg-type]


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
            },
        )
        try:
            with running_stack(options) as stack, httpx.Client(base_url=stack.base_url, timeout=90.0) as http:
                yield SignedInStack(http, key, SqliteVoiceCatalog(Path(catalog_dir) / "voices.sqlite3"))
        except HostUnsupportedError as error:
            not_hostable(error)
    finally:
        jwks.stop()


def test_no_token_or_a_bad_token_is_refused_by_the_authorizer(signed_in: SignedInStack) -> None:
    assert signed_in.http.get("/voices").status_code == 401
    expired = signed_in.bearer("alice", now=time.time() - 7200)
    assert signed_in.http.get("/voices", headers=expired).status_code == 401
    forged = SigningKey(SigningKey.generate().private_key, kid=signed_in.key.kid)
    headers = {"Authorization": "Bearer " + forged.token("alice", issuer=ISSUER, audience=AUDIENCE)}
    assert signed_in.http.get("/voices", headers=headers).status_code == 401
    wrong_audience = {"Authorization": "Bearer " + signed_in.key.token("alice", issuer=ISSUER, audience="other")}
    assert signed_in.http.get("/voices", headers=wrong_audience).status_code == 401


def test_each_user_sees_and_deletes_only_their_own_voices(signed_in: SignedInStack) -> None:
    # GIVEN one voice each for alice and bob in the catalog the functions mount
    now = datetime.now(UTC)
    alice_voice = signed_in.catalog.add_entry(NewVoice("dashscope", "v-alice", "Mine", "m"), now, owner=Owner("alice"))
    bob_voice = signed_in.catalog.add_entry(NewVoice("dashscope", "v-bob", "Mine", "m"), now, owner=Owner("bob"))

    # WHEN alice lists, through API Gateway, the authorizer and the list function
    response = signed_in.http.get("/voices", headers=signed_in.bearer("alice"))

    # THEN she sees her voice only, with her id as user_id
    assert response.status_code == 200, response.text
    assert [(item["id"], item["user_id"]) for item in response.json()["items"]] == [(alice_voice.id, "alice")]
    # AND bob's voice is "not found" for her, and still there for bob
    assert signed_in.http.delete(f"/voices/{bob_voice.id}", headers=signed_in.bearer("alice")).status_code == 404
    assert signed_in.http.delete(f"/voices/{bob_voice.id}", headers=signed_in.bearer("bob")).status_code == 200


def test_anonymous_preview_is_allowed_when_switched_on(signed_in: SignedInStack) -> None:
    response = signed_in.http.post(
        "/tts/preview", json={"text": "Hello.", "tts_provider": "espeak"}, headers={"Accept": "audio/wav"}
    )
    assert response.status_code == 200, response.text
    assert response.content[:4] == b"RIFF"
