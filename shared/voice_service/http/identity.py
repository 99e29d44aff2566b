"""The route dependency that names the caller: `Annotated[Caller, Depends(caller_of(gate))]`.

Behind API Gateway (Mangum puts the event in `scope["aws.event"]`) the authorizer has already verified the token,
and its verdict is read from `requestContext.authorizer`; in `make run` there is no authorizer, so the same Gate
verifies the Authorization header in-process. A user id is never taken from a header the client sets.
"""

# No `from __future__ import annotations` here: FastAPI must see the closure's real `Depends(gate)`, which a string
# annotation would hide.
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request

from voice_service.http.dependencies import Dependency
from voice_service.identity import Caller, Gate
from voice_service.settings import AuthSettings


class _VerifierOnFirstUse:
    """The JWKS verifier, built when a token first needs checking in-process (never in a function behind the
    authorizer, so those Lambda packages need no JWT library)."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._verifier: Any = None

    def verify(self, token: str) -> Mapping[str, Any]:
        if self._verifier is None:
            from voice_service.adapters.jwt_verifier import JwksTokenVerifier

            self._verifier = JwksTokenVerifier(self._settings)
        claims: Mapping[str, Any] = self._verifier.verify(token)
        return claims


def build_gate(auth: AuthSettings) -> Gate:
    return Gate(auth, _VerifierOnFirstUse(auth) if auth.mode == "users" else None)


def caller_of(
    gate: Dependency[Any, Gate], *, anonymous_allowed: Callable[[Gate], bool] | None = None
) -> Callable[..., Awaitable[Caller]]:
    """A route dependency returning the request's Caller (401 when users must sign in and did not)."""

    async def current_caller(request: Request, the_gate: Annotated[Gate, Depends(gate)]) -> Caller:
        anonymous = anonymous_allowed(the_gate) if anonymous_allowed is not None else False
        event = request.scope.get("aws.event")
        if isinstance(event, dict):
            context = (event.get("requestContext") or {}).get("authorizer")
            return the_gate.caller_from_authorizer(context, anonymous_allowed=anonymous)
        return the_gate.authorize_token(request.headers.get("authorization"), anonymous_allowed=anonymous)

    return current_caller
