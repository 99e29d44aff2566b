"""Sign-in: each token case through the local app, the authorizer's lambda_handler and a function's lambda_handler."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from functions.authorizer.app import UNAUTHORIZED
from functions.authorizer.app import lambda_handler as authorizer_handler
from functions.list_voices.app import lambda_handler as list_handler
from scripts.local_issuer import JwksServer, SigningKey
from testsupport.apigw import FakeLambdaContext, json_body, load_event
from testsupport.issuer import TEST_AUDIENCE, TEST_ISSUER, running_issuer, users_mode_settings
from testsupport.wiring import FunctionWiring
from voice_service.models import NewVoice, Owner

NOW = time.time()


@pytest.fixture
def issuer(wiring: FunctionWiring) -> Iterator[tuple[SigningKey, JwksServer]]:
    with running_issuer() as (key, server):
        wiring.set(**users_mode_settings(server))
        yield key, server


@pytest.fixture
def client(local_client: TestClient) -> TestClient:
    return local_client


def bad_tokens(key: SigningKey) -> dict[str, tuple[str | None, str]]:
    """Each invalid case: the Authorization header, and a word the 401's detail must contain."""
    impostor = SigningKey(SigningKey.generate().private_key, kid=key.kid)  # same key id, another key
    stranger = SigningKey.generate()  # a key id the issuer never published
    return {
        "expired": (
            f"Bearer {key.token('alice', issuer=TEST_ISSUER, audience=TEST_AUDIENCE, now=NOW - 7200)}",
            "expired",
        ),
        "wrong issuer": (
            f"Bearer {key.token('alice', issuer='https://evil.test.invalid', audience=TEST_AUDIENCE)}",
            "issuer",
        ),
        "wrong audience": (f"Bearer {key.token('alice', issuer=TEST_ISSUER, audience='another-api')}", "audience"),
        "bad signature": (f"Bearer {impostor.token('alice', issuer=TEST_ISSUER, audience=TEST_AUDIENCE)}", "signature"),
        "unknown key id": (
            f"Bearer {stranger.token('alice', issuer=TEST_ISSUER, audience=TEST_AUDIENCE)}",
            "not signed",
        ),
        "missing": (None, "Sign in"),
        "not bearer": ("Basic YWxpY2U6c2VjcmV0", "Bearer"),
    }


CASES = ["expired", "wrong issuer", "wrong audience", "bad signature", "unknown key id", "missing", "not bearer"]


def valid(key: SigningKey, user: str = "alice", **claims: Any) -> str:
    return "Bearer " + key.token(user, issuer=TEST_ISSUER, audience=TEST_AUDIENCE, **claims)


def authorizer_event(authorization: str | None, resource: str = "/voices", method: str = "GET") -> dict[str, Any]:
    event = load_event("authorizer_list_voices")
    event["resource"] = event["path"] = event["requestContext"]["resourcePath"] = resource
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["methodArn"] = f"arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/{method}{resource}"
    for key in ("headers", "multiValueHeaders"):
        event[key].pop("Authorization")
    if authorization is not None:
        event["headers"]["Authorization"] = authorization
        event["multiValueHeaders"]["Authorization"] = [authorization]
    return event


# ---------------------------------------------------------------- the local app (make run) verifies in-process


def test_local_app_accepts_a_valid_token(issuer: tuple[SigningKey, JwksServer], client: TestClient) -> None:
    key, _ = issuer
    response = client.get("/voices", headers={"Authorization": valid(key)})
    assert response.status_code == 200, response.text
    assert response.json() == {"items": []}


@pytest.mark.parametrize("case", CASES)
def test_local_app_refuses_a_bad_token(issuer: tuple[SigningKey, JwksServer], client: TestClient, case: str) -> None:
    # GIVEN a token that is expired, from another issuer or audience, forged, signed by an unknown key, or absent
    authorization, reason = bad_tokens(issuer[0])[case]
    headers = {} if authorization is None else {"Authorization": authorization}

    # WHEN it is sent to a route that needs a user
    response = client.get("/voices", headers=headers)

    # THEN 401 with a sentence saying why, and the scheme to use
    assert response.status_code == 401
    assert reason.lower() in response.json()["detail"].lower()
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_open_mode_ignores_tokens_and_keeps_one_shared_catalog(client: TestClient) -> None:
    # GIVEN the default (open) mode: no token is needed, and a nonsense one changes nothing
    assert client.get("/voices").status_code == 200
    assert client.get("/voices", headers={"Authorization": "Bearer nonsense"}).status_code == 200


def test_a_rotated_key_is_fetched_once_when_a_token_names_it(
    issuer: tuple[SigningKey, JwksServer], wiring: FunctionWiring, client: TestClient
) -> None:
    key, server = issuer
    wiring.set(OPENTALKING_AUTH_JWKS_REFRESH_COOLDOWN_SECONDS="0")
    assert client.get("/voices", headers={"Authorization": valid(key)}).status_code == 200
    fetched = server.requests
    # The cached key set serves further tokens without another fetch
    assert client.get("/voices", headers={"Authorization": valid(key)}).status_code == 200
    assert server.requests == fetched

    # WHEN the issuer rotates to a new key and a token signed with it arrives
    rotated = SigningKey.generate()
    server.keys = [key, rotated]
    response = client.get("/voices", headers={"Authorization": valid(rotated)})

    # THEN the key set is fetched again (once) and the token is accepted
    assert response.status_code == 200, response.text
    assert server.requests == fetched + 1


def test_unknown_key_ids_refetch_the_key_set_at_most_once_per_cooldown(
    issuer: tuple[SigningKey, JwksServer], client: TestClient
) -> None:
    # GIVEN the default cooldown (30 s) and a key set fetched for a first token
    key, server = issuer
    assert client.get("/voices", headers={"Authorization": valid(key)}).status_code == 200
    fetched = server.requests

    # WHEN tokens with made-up key ids keep arriving
    for _ in range(5):
        assert client.get("/voices", headers={"Authorization": valid(SigningKey.generate())}).status_code == 401

    # THEN the issuer is not asked again within the cooldown
    assert server.requests == fetched


def test_unreachable_issuer_keys_are_a_503_not_a_401(wiring: FunctionWiring, client: TestClient) -> None:
    key = SigningKey.generate()
    server = JwksServer([key]).start()
    url = server.url
    server.stop()  # nothing listens there any more
    wiring.set(
        OPENTALKING_AUTH_MODE="users",
        OPENTALKING_AUTH_ISSUER=TEST_ISSUER,
        OPENTALKING_AUTH_AUDIENCE=TEST_AUDIENCE,
        OPENTALKING_AUTH_JWKS_URL=url + "/.well-known/jwks.json",
    )
    response = client.get("/voices", headers={"Authorization": valid(key)})
    assert response.status_code == 503
    assert "signing keys" in response.json()["detail"]


def test_cognito_access_tokens_match_the_audience_by_client_id(
    issuer: tuple[SigningKey, JwksServer], client: TestClient
) -> None:
    key, _ = issuer
    # Cognito access tokens have no aud: the app client is their client_id
    token = key.token("alice", issuer=TEST_ISSUER, audience="", token_use="access", client_id=TEST_AUDIENCE)
    token_without_aud = SigningKey(key.private_key, key.kid)
    assert token  # built with an empty aud first; now build one with no aud claim at all
    import jwt

    payload = {
        "sub": "alice",
        "iss": TEST_ISSUER,
        # From the clock now, not at import: the suite may reach this test more than ten minutes after collecting it.
        "exp": int(time.time()) + 600,
        "token_use": "access",
        "client_id": TEST_AUDIENCE,
    }
    access = jwt.encode(payload, token_without_aud.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert client.get("/voices", headers={"Authorization": f"Bearer {access}"}).status_code == 200
    other_client = {**payload, "client_id": "another-app"}
    forged = jwt.encode(other_client, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert client.get("/voices", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


# ---------------------------------------------------------------- the authorizer (API Gateway, sam local)


def test_authorizer_allows_a_valid_token_and_passes_the_user_on(
    issuer: tuple[SigningKey, JwksServer], lambda_context: FakeLambdaContext
) -> None:
    key, _ = issuer
    event = authorizer_event(valid(key, "alice", groups=["editors", "admins"]))

    answer = authorizer_handler(event, lambda_context)

    assert answer["principalId"] == "alice"
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
    assert answer["context"] == {"userId": "alice", "groups": "admins,editors"}


@pytest.mark.parametrize("case", CASES)
def test_authorizer_refuses_a_bad_token_with_api_gateways_401(
    issuer: tuple[SigningKey, JwksServer], lambda_context: FakeLambdaContext, case: str
) -> None:
    authorization, _ = bad_tokens(issuer[0])[case]
    with pytest.raises(Exception, match=f"^{UNAUTHORIZED}$"):
        authorizer_handler(authorizer_event(authorization), lambda_context)


def test_authorizer_lets_anonymous_previews_through_only_when_allowed(
    issuer: tuple[SigningKey, JwksServer], wiring: FunctionWiring, lambda_context: FakeLambdaContext
) -> None:
    with pytest.raises(Exception, match=UNAUTHORIZED):
        authorizer_handler(authorizer_event(None, "/tts/preview", "POST"), lambda_context)
    wiring.set(OPENTALKING_AUTH_ANONYMOUS_PREVIEW="true")
    answer = authorizer_handler(authorizer_event(None, "/tts/preview", "POST"), lambda_context)
    assert answer["context"] == {"userId": "", "groups": ""}
    # ... and only the preview: the catalog still needs a user
    with pytest.raises(Exception, match=UNAUTHORIZED):
        authorizer_handler(authorizer_event(None), lambda_context)


def test_authorizer_in_open_mode_allows_everyone_anonymously(lambda_context: FakeLambdaContext) -> None:
    answer = authorizer_handler(authorizer_event(None), lambda_context)
    assert answer["principalId"] == "anonymous"
    assert answer["context"] == {"userId": "", "groups": ""}


def test_authorizer_hands_the_api_key_to_api_gateway_from_either_header(
    wiring: FunctionWiring, lambda_context: FakeLambdaContext
) -> None:
    wiring.set(OPENTALKING_AUTH_MODE="api-key")
    # OpenAI clients send the key as a bearer token; others as x-api-key
    assert authorizer_handler(authorizer_event("Bearer key-123"), lambda_context)["usageIdentifierKey"] == "key-123"
    event = authorizer_event(None)
    event["headers"]["x-api-key"] = "key-456"
    assert authorizer_handler(event, lambda_context)["usageIdentifierKey"] == "key-456"


def test_authorizer_passes_cognito_groups(
    issuer: tuple[SigningKey, JwksServer], lambda_context: FakeLambdaContext
) -> None:
    key, _ = issuer
    answer = authorizer_handler(authorizer_event(valid(key, "root", groups=["admins", "editors"])), lambda_context)
    assert answer["context"] == {"userId": "root", "groups": "admins,editors"}


# ---------------------------------------------------------------- a function behind the authorizer


def list_event(context: dict[str, str] | None) -> dict[str, Any]:
    event = copy.deepcopy(load_event("list_voices_all"))
    if context is not None:
        event["requestContext"]["authorizer"] = {**context, "principalId": context.get("userId") or "anonymous"}
    return event


def test_function_reads_the_user_from_the_authorizer_context_never_from_a_header(
    issuer: tuple[SigningKey, JwksServer], wiring: FunctionWiring, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN voices of alice and bob
    catalog = wiring.catalog()
    from datetime import UTC, datetime

    catalog.add_entry(NewVoice("dashscope", "v-alice", "Mine", "m"), datetime.now(UTC), owner=Owner("alice"))
    catalog.add_entry(NewVoice("dashscope", "v-bob", "Mine", "m"), datetime.now(UTC), owner=Owner("bob"))

    # WHEN the list function runs behind the authorizer for alice
    response = list_handler(list_event({"userId": "alice", "groups": ""}), lambda_context)

    # THEN alice sees her voice only
    assert response["statusCode"] == 200
    assert [item["voice_id"] for item in json_body(response)["items"]] == ["v-alice"]

    # AND a header claiming to be bob, with no authorizer verdict, is refused, not believed
    event = list_event(None)
    event["headers"]["X-User-Id"] = "bob"
    assert list_handler(event, lambda_context)["statusCode"] == 401
    assert list_handler(list_event({"userId": "", "groups": ""}), lambda_context)["statusCode"] == 401
