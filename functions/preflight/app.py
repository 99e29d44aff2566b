"""OPTIONS on every path of the API: the browsers' CORS preflights, answered from the allow-list without a token.

Composition root of PreflightFunction: its one setting, the CORS allow-list, is read and validated at import (the
cold start). The answer comes from the same middleware, with the same allowed methods and headers, that every other
function's app carries (`voice_service.http.app.create_app`); an origin, method or header off the list is a 400
`{"detail": ...}` without `Access-Control-Allow-Origin`. `make run` serves every route in one app, whose identical
middleware answers the same preflights (there an OPTIONS that is no preflight is a 405, as any method a path lacks).

Why a function of its own rather than an `OPTIONS` event on each route's function: the functions' other methods go
through the Lambda authorizer and a preflight must not (browsers send no token on one). On a function serving both,
`sam local start-api` merges the two routes of one path and keeps one authorizer setting for both, so per start a
route lost its authorizer there (SAM CLI's `dedupe_function_routes` merges routes of one function only). Here no
function serves both an authorized method and an unauthorized one; API Gateway behaves the same either way.
"""

from __future__ import annotations

from typing import Final, NoReturn

from fastapi import APIRouter

from voice_service.errors import InvalidRequestError
from voice_service.http.app import create_app
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.settings import PreflightFunctionSettings, load_settings

SETTINGS = load_settings(PreflightFunctionSettings)
IAM_ACTIONS: Final[frozenset[str]] = frozenset()  # it calls no AWS API
DEPENDENCIES = ()
router = APIRouter()


@router.options("/{path:path}", include_in_schema=False, response_model=None)
def not_a_preflight(path: str) -> NoReturn:
    # Reached only by an OPTIONS without Origin and Access-Control-Request-Method: the CORS middleware answers
    # every real preflight before routing.
    raise InvalidRequestError(
        "OPTIONS is answered only as a CORS preflight (send Origin and Access-Control-Request-Method)."
    )


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
