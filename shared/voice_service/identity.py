"""Who is calling: the caller's identity from a verified token (or the authorizer's verdict), per the auth mode.

One module decides for both paths: the Lambda authorizer calls `Gate.authorize_token` on the request's
`Authorization` header, and the functions (and `make run`, which has no authorizer) call `Gate.caller`. It knows
neither FastAPI nor PyJWT: the signature check is a `TokenVerifier` port (adapters.jwt_verifier).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from voice_service.errors import AuthenticationError
from voice_service.models import SHARED_CATALOG, Owner
from voice_service.settings import AuthSettings

# The authorizer's context keys (API Gateway passes them to the functions as requestContext.authorizer.*).
CONTEXT_USER_ID = "userId"
CONTEXT_GROUPS = "groups"
# Cognito puts groups in `cognito:groups`; most OIDC providers (Keycloak, Auth0 rules, Entra) in `groups`.
GROUP_CLAIMS = ("cognito:groups", "groups")


@dataclass(frozen=True)
class Caller:
    """The caller of one request. `user_id` None: nobody signed in (open and api-key modes, anonymous preview)."""

    user_id: str | None
    groups: frozenset[str] = field(default_factory=frozenset)
    admin: bool = False


ANONYMOUS = Caller(user_id=None)


def owner_of(caller: Caller) -> Owner:
    """The part of the catalog a caller works in: their own voices, or the shared catalog when nobody signs in."""
    if caller.user_id is None:
        return SHARED_CATALOG
    return Owner(user_id=caller.user_id, sees_unowned=caller.admin)


class TokenVerifier(Protocol):
    """Port: checks a JWT's signature, issuer, audience and expiry."""

    def verify(self, token: str) -> Mapping[str, Any]:
        """Return the verified claims.

        Raises:
            AuthenticationError: the token is not valid (the message says why, without echoing it).
            IdentityProviderUnavailableError: the issuer's keys could not be fetched.
        """
        ...


SIGN_IN_REQUIRED = "Sign in first: send Authorization: Bearer <token> from this deployment's identity provider."


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None if the header is absent or blank.

    Raises:
        AuthenticationError: the header is present but is not a bearer token.
    """
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


class Gate:
    """Applies the deployment's auth mode to one request."""

    def __init__(self, settings: AuthSettings, verifier: TokenVerifier | None) -> None:
        if settings.mode == "users" and verifier is None:
            raise ValueError("the users mode needs a token verifier")
        self.settings = settings
        self._verifier = verifier

    @property
    def users_sign_in(self) -> bool:
        return self.settings.mode == "users"

    def authorize_token(self, authorization: str | None, *, anonymous_allowed: bool = False) -> Caller:
        """The caller named by the request's Authorization header (the authorizer's and `make run`'s check).

        In the open and api-key modes every caller is anonymous (API Gateway checks the key). With users, a
        token is required unless `anonymous_allowed` (preview with OPENTALKING_AUTH_ANONYMOUS_PREVIEW) and none is
        sent; a token that is sent is always checked.

        Raises:
            AuthenticationError: no usable token where one is required, or the token is invalid.
            IdentityProviderUnavailableError: the issuer's keys could not be fetched.
        """
        if not self.users_sign_in:
            return ANONYMOUS
        token = bearer_token(authorization)
        if token is None:
            if anonymous_allowed:
                return ANONYMOUS
            raise AuthenticationError(SIGN_IN_REQUIRED)
        assert self._verifier is not None
        claims = self._verifier.verify(token)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AuthenticationError("The token names no user (its sub claim is missing).")
        return self._caller(subject, _groups(claims))

    def caller_from_authorizer(self, context: Mapping[str, Any] | None, *, anonymous_allowed: bool = False) -> Caller:
        """The caller as the API's authorizer reported it (requestContext.authorizer of the Lambda event).

        The functions trust this context because API Gateway only fills it from the authorizer; they never read
        a user id from a header.

        Raises:
            AuthenticationError: users must sign in and the context names no user.
        """
        if not self.users_sign_in:
            return ANONYMOUS
        user_id = (context or {}).get(CONTEXT_USER_ID)
        if not isinstance(user_id, str) or not user_id:
            if anonymous_allowed:
                return ANONYMOUS
            raise AuthenticationError(SIGN_IN_REQUIRED)
        groups = str((context or {}).get(CONTEXT_GROUPS) or "")
        return self._caller(user_id, frozenset(group for group in groups.split(",") if group))

    def authorizer_context(self, caller: Caller) -> dict[str, str]:
        """What the authorizer hands to the functions (API Gateway allows only flat string values)."""
        return {CONTEXT_USER_ID: caller.user_id or "", CONTEXT_GROUPS: ",".join(sorted(caller.groups))}

    def _caller(self, user_id: str, groups: frozenset[str]) -> Caller:
        admin_group = self.settings.admin_group
        return Caller(user_id=user_id, groups=groups, admin=admin_group is not None and admin_group in groups)


def _groups(claims: Mapping[str, Any]) -> frozenset[str]:
    for claim in GROUP_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str):
            return frozenset(part for part in value.replace(",", " ").split() if part)
        if isinstance(value, list):
            # A group name with a comma could not travel through the authorizer's flat context: drop it.
            return frozenset(item for item in value if isinstance(item, str) and item and "," not in item)
    return frozenset()
