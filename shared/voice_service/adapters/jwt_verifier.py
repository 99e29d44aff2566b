"""JWT verification with PyJWT: signature against the issuer's JWKS (cached, refreshed on an unknown key id),
issuer, audience, expiry and not-before with a clock-skew allowance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

from voice_service.errors import AuthenticationError, IdentityProviderUnavailableError
from voice_service.settings import AuthSettings

# Asymmetric algorithms only: an HMAC token would be signed with a key the service would have to hold, and
# `none` is never acceptable. Cognito signs with RS256; other providers also use ES256 or PS256.
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]


class JwksTokenVerifier:
    """Verifies tokens from one issuer for one audience; keys are fetched once and kept for jwks_cache_seconds."""

    def __init__(self, settings: AuthSettings) -> None:
        if settings.issuer is None or settings.audience is None:
            raise ValueError("a token verifier needs an issuer and an audience")
        self._issuer = settings.issuer
        self._audience = settings.audience
        self._leeway = settings.clock_skew_seconds
        # PyJWKClient keeps the key set for `lifespan` seconds and refetches it once when a token names a key id
        # it does not hold (the issuer rotated its keys), at most once per cooldown.
        self._keys = jwt.PyJWKClient(
            settings.jwks_location(),
            cache_jwk_set=True,
            lifespan=settings.jwks_cache_seconds,
            cooldown_duration=settings.jwks_refresh_cooldown_seconds,
            timeout=5,
        )

    def verify(self, token: str) -> Mapping[str, Any]:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise IdentityProviderUnavailableError(
                "The identity provider's signing keys could not be fetched; try again later."
            ) from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError):
            raise AuthenticationError("The token is not signed by a key of this deployment's issuer.") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                issuer=self._issuer,
                leeway=self._leeway,
                # The audience is checked below: Cognito access tokens carry it as client_id, not aud.
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("The token has expired; sign in again.") from None
        except jwt.InvalidIssuerError:
            raise AuthenticationError("The token was issued by another issuer than this deployment trusts.") from None
        except jwt.InvalidSignatureError:
            raise AuthenticationError("The token's signature is not valid.") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(f"The token is not valid: {_reason(exc)}") from None
        if not self._for_this_audience(claims):
            raise AuthenticationError("The token was issued for another audience than this API.")
        return claims

    def _for_this_audience(self, claims: Mapping[str, Any]) -> bool:
        audience = claims.get("aud")
        if isinstance(audience, str):
            return audience == self._audience
        if isinstance(audience, list):
            return self._audience in audience
        # Cognito access tokens have no aud; they name the app client in client_id.
        return claims.get("token_use") == "access" and claims.get("client_id") == self._audience


def _reason(exc: jwt.InvalidTokenError) -> str:
    """PyJWT's own sentence (it names the claim, never the token's content)."""
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    return f"{text[0].lower()}{text[1:]}."
