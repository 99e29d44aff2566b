"""The voice studio's config.json: where the API is and, when users sign in, how the page signs them in.

One shape for both places the page is served: `make deploy-studio` (from the stack's outputs) and `make run
AUTH=users` (from the local issuer). The page runs the authorization-code flow with PKCE against `authorizeUrl` and
`tokenUrl` as the public client `clientId`, and sends the token named by `tokenType` to the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

DISCOVERY_PATH = "/.well-known/openid-configuration"
# The ID token's audience is the client id, which is what the stack's OidcAudience names by default.
DEFAULT_TOKEN_TYPE = "id_token"
SCOPE = "openid email profile"
TOKEN_TYPES = ("id_token", "access_token")


class StudioConfigError(Exception):
    """The stack or the identity provider does not say how the page could sign people in."""


def studio_config(api_base_url: str, auth: dict[str, str] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"apiBaseUrl": api_base_url.rstrip("/")}
    if auth is not None:
        config["auth"] = auth
    return config


def oidc_sign_in(
    discovery: dict[str, Any], client_id: str, studio_url: str, token_type: str = DEFAULT_TOKEN_TYPE
) -> dict[str, str]:
    """Sign-in through a provider's OpenID Connect discovery document (Keycloak, Auth0, Entra ID, the local issuer)."""
    missing = [name for name in ("authorization_endpoint", "token_endpoint") if not discovery.get(name)]
    if missing:
        raise StudioConfigError(f"the identity provider's discovery document has no {' or '.join(missing)}")
    if "S256" not in discovery.get("code_challenge_methods_supported", ["S256"]):
        raise StudioConfigError("the identity provider does not offer PKCE with S256, which the page needs")
    auth = _sign_in(discovery["authorization_endpoint"], discovery["token_endpoint"], client_id, token_type)
    if discovery.get("end_session_endpoint"):
        query = urlencode({"client_id": client_id, "post_logout_redirect_uri": studio_url})
        auth["logoutUrl"] = f"{discovery['end_session_endpoint']}?{query}"
    return auth


def cognito_sign_in(
    domain_url: str, client_id: str, studio_url: str, token_type: str = DEFAULT_TOKEN_TYPE
) -> dict[str, str]:
    """Sign-in through a Cognito user pool's domain (its managed login pages and OAuth 2.0 endpoints)."""
    domain_url = domain_url.rstrip("/")
    auth = _sign_in(f"{domain_url}/oauth2/authorize", f"{domain_url}/oauth2/token", client_id, token_type)
    auth["logoutUrl"] = f"{domain_url}/logout?{urlencode({'client_id': client_id, 'logout_uri': studio_url})}"
    return auth


def discover(issuer: str, http: httpx.Client) -> dict[str, Any]:
    """The issuer's discovery document; it must name the same issuer (OpenID Connect Discovery, section 4.3)."""
    url = issuer.rstrip("/") + DISCOVERY_PATH
    try:
        response = http.get(url)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise StudioConfigError(f"cannot read the identity provider's discovery document at {url}: {error}") from None
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise StudioConfigError(f"the discovery document at {url} is for another issuer")
    return document


def sign_in_from_outputs(
    outputs: dict[str, str],
    http: httpx.Client,
    *,
    client_id: str | None = None,
    token_type: str = DEFAULT_TOKEN_TYPE,
) -> dict[str, str] | None:
    """How the deployed page signs in, from the stack's outputs; None unless the stack's AuthMode is users.

    The stack's own user pool (its issuer is the pool) signs in through the pool's domain; any other issuer through
    its discovery document. The client is the tokens' audience unless `client_id` says otherwise (a provider whose
    access tokens name an API as their audience: then `token_type` is access_token).
    """
    if outputs.get("AuthMode") != "users":
        return None
    issuer, studio_url = outputs.get("SignInIssuer", ""), outputs["StudioUrl"]
    client = client_id or outputs.get("SignInAudience", "")
    if not issuer or not client:
        raise StudioConfigError("the stack's outputs name no issuer or audience for the users mode")
    pool = outputs.get("UserPoolId")
    if pool and issuer.rstrip("/").endswith(f"/{pool}"):
        if not outputs.get("UserPoolDomainUrl"):
            raise StudioConfigError("the stack's user pool has no domain (UserPoolDomainUrl) to sign in through")
        return cognito_sign_in(outputs["UserPoolDomainUrl"], client, studio_url, token_type)
    return oidc_sign_in(discover(issuer, http), client, studio_url, token_type)


def _sign_in(authorize_url: str, token_url: str, client_id: str, token_type: str) -> dict[str, str]:
    if token_type not in TOKEN_TYPES:
        raise StudioConfigError(f"the token type is one of {', '.join(TOKEN_TYPES)}, not {token_type!r}")
    return {
        "mode": "users",
        "authorizeUrl": authorize_url,
        "tokenUrl": token_url,
        "clientId": client_id,
        "scope": SCOPE,
        "tokenType": token_type,
    }
