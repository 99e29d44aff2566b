"""The API's Lambda authorizer (REQUEST type): applies the auth mode to every route but the CORS preflights.

Composition root of AuthorizerFunction: its settings are read and validated at import (the cold start); the JWKS
verifier is built on first use and kept warm, so the issuer's keys are fetched once per container and again only
when a token names a key id the cached set lacks (key rotation).

Why a Lambda authorizer rather than API Gateway's Cognito authorizer: it verifies tokens of any OIDC issuer (not
only a Cognito pool of this account), it runs under `sam local start-api`, and it is the same Gate that `make run`
uses in-process. It answers "Allow" with the user's id in the context (the functions read
requestContext.authorizer.userId), or raises "Unauthorized", which API Gateway turns into a 401.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from voice_service.errors import AuthenticationError
from voice_service.http.dependencies import Dependency
from voice_service.identity import Caller, Gate
from voice_service.observability import logger
from voice_service.settings import AuthorizerFunctionSettings, AuthSettings, load_settings

SETTINGS = load_settings(AuthorizerFunctionSettings)
IAM_ACTIONS: Final[frozenset[str]] = frozenset()  # it calls no AWS API; the JWKS is fetched over HTTPS
# Routes a caller may use without a token when OPENTALKING_AUTH_ANONYMOUS_PREVIEW is on: the preview, the built-in
# voice listings and OpenAI's speech with built-in voices (an anonymous caller has no clones to list or speak with).
ANONYMOUS_PREVIEW_RESOURCES: Final = frozenset(
    {"/tts/preview", "/tts/voices", "/v1/audio/speech", "/v1/audio/voices", "/v1/models", "/v1/audio/models"}
)
# API Gateway maps exactly this error message to a 401 (any other error is a 500).
UNAUTHORIZED: Final = "Unauthorized"


def build_gate(auth: AuthSettings) -> Gate:
    from voice_service.adapters.jwt_verifier import JwksTokenVerifier

    return Gate(auth, JwksTokenVerifier(auth) if auth.mode == "users" else None)


gate = Dependency(lambda settings: build_gate(settings.auth), SETTINGS)
DEPENDENCIES = (gate,)
# Like a FastAPI app's: tests put `gate.rebuilt(other_settings)` here (testsupport.wiring does).
dependency_overrides: dict[Any, Dependency[Any, Gate]] = {}


def authorize(event: Mapping[str, Any], the_gate: Gate) -> dict[str, Any]:
    """The authorizer's answer for one REQUEST event: an Allow policy for the method, with the caller in context.

    Raises:
        Exception("Unauthorized"): the caller must sign in and sent no valid token.
        IdentityProviderUnavailableError: the issuer's keys could not be fetched (API Gateway answers 500).
    """
    headers = _lower_keys(event.get("headers"))
    anonymous = the_gate.settings.anonymous_preview and event.get("resource") in ANONYMOUS_PREVIEW_RESOURCES
    try:
        caller = the_gate.authorize_token(headers.get("authorization"), anonymous_allowed=anonymous)
    except AuthenticationError as exc:
        # The reason is logged, never the token; API Gateway's 401 body is the same for every reason.
        logger.info("Request refused", extra={"reason": exc.message, "resource": event.get("resource")})
        raise Exception(UNAUTHORIZED) from None
    return _allow(event, caller, the_gate, headers)


def _allow(event: Mapping[str, Any], caller: Caller, the_gate: Gate, headers: Mapping[str, str]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principalId": caller.user_id or "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}],
        },
        "context": the_gate.authorizer_context(caller),
    }
    # The API reads keys from the authorizer (ApiKeySourceType AUTHORIZER), so OpenAI clients, which send their
    # key as `Authorization: Bearer`, work in the api-key mode as well as callers sending x-api-key.
    api_key = headers.get("x-api-key") or (_bearer(headers) if the_gate.settings.mode == "api-key" else None)
    if api_key:
        answer["usageIdentifierKey"] = api_key
    return answer


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = (headers.get("authorization") or "").strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _lower_keys(headers: Any) -> dict[str, str]:
    if not isinstance(headers, Mapping):
        return {}
    return {str(name).lower(): str(value) for name, value in headers.items() if value is not None}


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return authorize(event, dependency_overrides.get(gate, gate).get())
