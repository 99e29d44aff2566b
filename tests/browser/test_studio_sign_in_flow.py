"""The studio signing in as it does deployed, through an identity provider's page: `make run AUTH=users` serves a
config.json naming the local issuer's endpoints (from its discovery document, as `make deploy-studio` writes
Cognito's or any OIDC provider's), and the page runs the authorization-code flow with PKCE against it."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.conftest import LocallySignedInService, Studio

pytestmark = pytest.mark.slow


def open_signed_out(studio: Studio, running: LocallySignedInService) -> None:
    studio.expect_console_error("401")  # the calls made before signing in are refused, and the browser says so
    studio.open(f"{running.service.base_url}/studio/")
    page = studio.page
    assert page.get_attribute("body", "data-sign-in") == "needed"
    # An identity provider is configured: a Sign in button, no token to paste
    assert page.is_visible("#sign-in-provider") and page.is_hidden("#sign-in-token")


def test_signs_in_at_the_providers_page_and_out_again(
    studio: Studio, locally_signed_in_service: LocallySignedInService
) -> None:
    running = locally_signed_in_service
    page = studio.page
    open_signed_out(studio, running)

    # WHEN the person signs in at the issuer's page
    page.click("#sign-in-provider")
    page.wait_for_url(f"{running.issuer_url}/authorize?*")
    sent = dict(part.split("=", 1) for part in urlsplit(page.url).query.split("&"))
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["response_type"] == "code" and sent["state"]
    studio.snap("provider-page")
    page.fill("#user", "carol")
    page.click("#sign-in")

    # THEN the studio is signed in as carol, the single-use code is gone from the address bar
    page.wait_for_url(f"{running.service.base_url}/studio/*")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    page.wait_for_selector("#sign-in-status >> text=/^Signed in as carol/")
    assert "code=" not in page.url and "state=" not in page.url
    page.wait_for_function("!document.getElementById('play').disabled")
    assert page.is_hidden("#page-error") and page.is_hidden("#catalog-error")
    studio.snap("signed-in")
    # AND the code was traded at the issuer's token endpoint, and the token kept is one the API accepts
    assert ("POST", f"{running.issuer_url}/token") in studio.requests
    token = page.evaluate("sessionStorage.getItem('studio.token')")
    listed = running.service.http.get("/voices", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text
    refused = running.service.http.get("/voices")
    assert refused.status_code == 401

    # WHEN carol signs out, the issuer's session ends and the page asks again
    page.click("#sign-out")
    page.wait_for_url(f"{running.service.base_url}/studio/")
    page.wait_for_selector("body[data-sign-in=needed]")
    assert page.evaluate("sessionStorage.getItem('studio.token')") is None
    assert any(url.startswith(f"{running.issuer_url}/logout?") for _, url in studio.requests)


def test_a_cancelled_sign_in_says_so(studio: Studio, locally_signed_in_service: LocallySignedInService) -> None:
    running = locally_signed_in_service
    page = studio.page
    open_signed_out(studio, running)
    page.click("#sign-in-provider")
    page.wait_for_url(f"{running.issuer_url}/authorize?*")

    page.click("#cancel")

    page.wait_for_url(f"{running.service.base_url}/studio/*")
    page.wait_for_selector("#sign-in-status >> text=/^Sign-in failed: The sign-in was cancelled\\./")
    assert page.get_attribute("body", "data-sign-in") == "needed"
    assert page.evaluate("sessionStorage.getItem('studio.token')") is None
    assert "error=" not in page.url
    studio.snap("cancelled")


def test_an_answer_this_tab_did_not_ask_for_is_refused(
    studio: Studio, locally_signed_in_service: LocallySignedInService
) -> None:
    # A code pushed at the page by someone else (login CSRF): no sign-in was started in this tab
    running = locally_signed_in_service
    studio.expect_console_error("401")
    studio.open(f"{running.service.base_url}/studio/?code=planted-code&state=planted-state")
    page = studio.page
    assert page.inner_text("#sign-in-status").startswith("Sign-in failed: The sign-in answer does not match this tab.")
    assert page.evaluate("sessionStorage.getItem('studio.token')") is None
    assert "code=" not in page.url
    # The planted code was never traded
    assert not [url for _, url in studio.requests if url.startswith(f"{running.issuer_url}/token")]


def test_the_config_names_the_issuers_endpoints(locally_signed_in_service: LocallySignedInService) -> None:
    running = locally_signed_in_service
    config = running.service.http.get("/studio/config.json").json()
    discovery = httpx.get(f"{running.issuer_url}/.well-known/openid-configuration").json()
    assert config["apiBaseUrl"] == ""
    auth = config["auth"]
    assert (auth["authorizeUrl"], auth["tokenUrl"]) == (
        discovery["authorization_endpoint"],
        discovery["token_endpoint"],
    )
    assert auth["clientId"] == "opentalking-local" and auth["mode"] == "users"
    assert auth["logoutUrl"].startswith(discovery["end_session_endpoint"] + "?")
