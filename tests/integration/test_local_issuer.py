"""The local issuer's sign-in (`make run AUTH=users`): the authorization-code flow with S256 PKCE over real HTTP on
loopback, its refusals as OAuth 2.0 says (never a redirect to a page it cannot vouch for), and its tokens accepted
by the service as any provider's are."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

import scripts.local_issuer as local_issuer
from scripts.local_issuer import LocalIdentityProvider, SigningKey
from testsupport.issuer import TEST_AUDIENCE, TEST_ISSUER, users_mode_settings
from testsupport.wiring import FunctionWiring

PAGE = "http://127.0.0.1:8000/studio/"


@pytest.fixture
def provider() -> Iterator[LocalIdentityProvider]:
    server = LocalIdentityProvider(SigningKey.generate(), client_id=TEST_AUDIENCE, issuer=TEST_ISSUER).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http(provider: LocalIdentityProvider) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=provider.url, follow_redirects=False) as client:
        yield client


class Flow:
    """One sign-in as a page runs it: a verifier kept, its S256 challenge sent."""

    def __init__(self, http: httpx.Client, redirect_uri: str = PAGE) -> None:
        self.http = http
        self.verifier = secrets.token_urlsafe(32)
        digest = hashlib.sha256(self.verifier.encode()).digest()
        self.query = {
            "response_type": "code",
            "client_id": TEST_AUDIENCE,
            "redirect_uri": redirect_uri,
            "scope": "openid",
            "state": secrets.token_urlsafe(8),
            "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }

    def sign_in(self, user: str = "carol", **form: str) -> httpx.Response:
        return self.http.post("/authorize", data={**self.query, "user": user, "action": "sign-in", **form})

    def code(self, user: str = "carol", **form: str) -> str:
        answer = back_at_the_page(self.sign_in(user, **form))
        assert answer["state"] == [self.query["state"]]
        return answer["code"][0]

    def trade(self, issued_code: str, **changes: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": issued_code,
            "client_id": TEST_AUDIENCE,
            "redirect_uri": self.query["redirect_uri"],
            "code_verifier": self.verifier,
            **changes,
        }
        return self.http.post("/token", data=form)


def back_at_the_page(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == PAGE
    return parse_qs(location.query)


def test_discovery_names_the_endpoints(provider: LocalIdentityProvider, http: httpx.Client) -> None:
    document = http.get("/.well-known/openid-configuration").json()
    assert document["issuer"] == TEST_ISSUER
    assert document["authorization_endpoint"] == f"{provider.url}/authorize"
    assert document["token_endpoint"] == f"{provider.url}/token"
    assert document["jwks_uri"] == f"{provider.url}/.well-known/jwks.json"
    assert document["code_challenge_methods_supported"] == ["S256"]


def test_the_code_flow_gives_a_token_the_service_accepts(
    provider: LocalIdentityProvider, http: httpx.Client, wiring: FunctionWiring, local_client: TestClient
) -> None:
    flow = Flow(http)
    # WHEN the page asks, the person names themselves, and the page trades the code with its verifier
    page = http.get("/authorize", params=flow.query)
    assert page.status_code == 200 and 'name="user"' in page.text
    tokens = flow.trade(flow.code("carol", groups="admins, editors"))

    # THEN it gets an ID token for itself, from a page on another origin (CORS)
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["Access-Control-Allow-Origin"] == "*"
    assert tokens.headers["Cache-Control"] == "no-store"
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["iss"], claims["aud"]) == ("carol", TEST_ISSUER, TEST_AUDIENCE)
    assert claims["cognito:groups"] == ["admins", "editors"]
    # AND the service, trusting this issuer, serves carol with it
    wiring.set(**users_mode_settings(provider))
    answer = local_client.get("/voices", headers={"Authorization": f"Bearer {body['id_token']}"})
    assert answer.status_code == 200, answer.text


def test_a_code_is_traded_once(http: httpx.Client) -> None:
    flow = Flow(http)
    code = flow.code()
    assert flow.trade(code).status_code == 200
    again = flow.trade(code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "changes",
    [
        {"code_verifier": "another-verifier-of-enough-length-0123456789"},
        {"code_verifier": ""},
        {"redirect_uri": "http://127.0.0.1:8000/other/"},
        {"client_id": "another-client"},
        {"code": "never-issued"},
    ],
    ids=["wrong verifier", "no verifier", "another page", "another client", "unknown code"],
)
def test_a_trade_that_does_not_match_the_code_is_refused(http: httpx.Client, changes: dict[str, str]) -> None:
    flow = Flow(http)
    refused = flow.trade(flow.code(), **changes)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert "id_token" not in refused.text


def test_an_expired_code_is_refused(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_issuer, "CODE_LIFETIME_SECONDS", -1)
    flow = Flow(http)
    refused = flow.trade(flow.code())
    assert refused.status_code == 400 and "expired" in refused.json()["error_description"]


def test_only_the_code_grant_is_offered(http: httpx.Client) -> None:
    refused = http.post("/token", data={"grant_type": "password", "username": "carol", "password": "x"})
    assert refused.status_code == 400 and refused.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"client_id": "another-client"}, "Unknown client"),
        ({"redirect_uri": "https://evil.example/steal"}, "loopback"),
        ({"redirect_uri": "http://127.0.0.1:8000/studio/#fragment"}, "loopback"),
        ({"redirect_uri": "javascript:alert(1)"}, "loopback"),
    ],
)
def test_a_request_it_cannot_send_back_is_refused_on_its_own_page(
    http: httpx.Client, changes: dict[str, str], reason: str
) -> None:
    flow = Flow(http)
    asked = http.get("/authorize", params={**flow.query, **changes})
    signed = http.post("/authorize", data={**flow.query, **changes, "user": "carol", "action": "sign-in"})
    for answer in (asked, signed):
        # Never a redirect: the page named is not one the issuer may vouch for
        assert answer.status_code == 400 and "Location" not in answer.headers
        assert reason in answer.text


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_a_request_without_pkce_goes_back_with_the_error(
    http: httpx.Client, changes: dict[str, str], error: str
) -> None:
    flow = Flow(http)
    answer = back_at_the_page(http.get("/authorize", params={**flow.query, **changes}))
    assert answer["error"] == [error] and answer["state"] == [flow.query["state"]] and "code" not in answer


def test_cancelling_goes_back_with_access_denied(http: httpx.Client) -> None:
    flow = Flow(http)
    answer = back_at_the_page(flow.http.post("/authorize", data={**flow.query, "action": "cancel"}))
    assert answer["error"] == ["access_denied"] and "code" not in answer


@pytest.mark.parametrize("user", ["", "carol smith", "<script>", "a" * 65])
def test_a_user_name_it_would_not_sign_is_asked_again(http: httpx.Client, user: str) -> None:
    flow = Flow(http)
    answer = flow.sign_in(user)
    assert answer.status_code == 400 and 'role="alert"' in answer.text
    assert "<script>" not in answer.text.split("<form", 1)[1]  # what was typed is never echoed unescaped


def test_sign_out_returns_to_a_loopback_page_only(http: httpx.Client) -> None:
    back = http.get("/logout", params={"client_id": TEST_AUDIENCE, "post_logout_redirect_uri": PAGE})
    assert back.status_code == 303 and back.headers["Location"] == PAGE
    elsewhere = http.get("/logout", params={"post_logout_redirect_uri": "https://evil.example/"})
    assert elsewhere.status_code == 200 and "Location" not in elsewhere.headers
