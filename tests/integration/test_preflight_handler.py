"""The CORS preflights of every path through PreflightFunction's real lambda_handler, fed from events/.

API Gateway sends every path's OPTIONS to this one function, with no authorizer (template.yaml): browsers send no
token on a preflight. Its allow-list is the test default (`http://localhost:5173`, `http://127.0.0.1:5173`).
"""

from __future__ import annotations

from typing import Any

import pytest

from functions.preflight.app import SETTINGS
from functions.preflight.app import lambda_handler as preflight_handler
from testsupport.apigw import FakeLambdaContext, header, load_event
from testsupport.apigw import json_body as body

ALLOWED_ORIGINS = ("http://localhost:5173", "http://127.0.0.1:5173")
STRANGER = "https://evil.example"
# What every function's app allows (voice_service.http.app.create_app): the preflight answers for all of them.
ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS"


def with_headers(event: dict[str, Any], **headers: str | None) -> dict[str, Any]:
    """The event with these headers set (a value of None removes the header), in both header maps."""
    changed = {**event, "headers": dict(event["headers"]), "multiValueHeaders": dict(event["multiValueHeaders"])}
    for name, value in headers.items():
        name = name.replace("_", "-")
        for key in [key for key in changed["headers"] if key.lower() == name.lower()]:
            del changed["headers"][key]
            del changed["multiValueHeaders"][key]
        if value is not None:
            changed["headers"][name] = value
            changed["multiValueHeaders"][name] = [value]
    return changed


def test_the_allow_list_is_the_test_default() -> None:
    assert SETTINGS.api.cors_allow_origins == ALLOWED_ORIGINS


@pytest.mark.parametrize("name", ["list_voices_preflight", "preflight_delete_voice"])
def test_a_preflight_from_an_allowed_origin_gets_the_cors_headers_without_a_token(
    name: str, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a browser's preflight as API Gateway passes it on: no Authorization header, no authorizer verdict
    event = load_event(name)
    assert "authorization" not in {key.lower() for key in event["headers"]}
    assert "authorizer" not in event["requestContext"]
    origin = event["headers"]["Origin"]
    assert origin in ALLOWED_ORIGINS

    # WHEN it reaches the preflight function
    response = preflight_handler(event, lambda_context)

    # THEN the browser may go on: its origin, the methods, the headers the API reads (the bearer token among them)
    assert response["statusCode"] == 200
    assert header(response, "access-control-allow-origin") == origin
    assert header(response, "access-control-allow-methods") == ALLOWED_METHODS
    allowed_headers = {name.strip().lower() for name in header(response, "access-control-allow-headers").split(",")}
    assert {"authorization", "content-type", "idempotency-key", "x-api-key"} <= allowed_headers
    assert header(response, "access-control-max-age") == "600"
    assert "Origin" in header(response, "vary")
    # Never with credentials: the allow-list is for bearer tokens, not cookies
    assert header(response, "access-control-allow-credentials") is None


@pytest.mark.parametrize(
    ("path", "resource", "method"),
    [
        ("/tts/preview", "/tts/preview", "POST"),
        ("/tts/voices", "/tts/voices", "GET"),
        ("/voices/clone", "/voices/clone", "POST"),
        ("/voices/uploads", "/voices/uploads", "POST"),
        ("/voices/12", "/voices/{entry_id}", "GET"),
        ("/v1/audio/speech", "/v1/audio/speech", "POST"),
        ("/v1/models", "/v1/models", "GET"),
    ],
)
def test_one_function_answers_the_preflight_of_every_path(
    path: str, resource: str, method: str, lambda_context: FakeLambdaContext
) -> None:
    event = {**load_event("preflight_delete_voice"), "path": path, "resource": resource}
    event = with_headers(event, Access_Control_Request_Method=method, Origin="http://localhost:5173")
    response = preflight_handler(event, lambda_context)
    assert response["statusCode"] == 200
    assert header(response, "access-control-allow-origin") == "http://localhost:5173"


@pytest.mark.parametrize("name", ["list_voices_preflight", "preflight_delete_voice"])
def test_a_preflight_from_an_origin_off_the_list_is_refused_without_a_grant(
    name: str, lambda_context: FakeLambdaContext
) -> None:
    event = with_headers(load_event(name), Origin=STRANGER)
    response = preflight_handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert header(response, "access-control-allow-origin") is None
    assert body(response) == {
        "detail": "This cross-origin request is not allowed (its origin is not on the API's CORS allow-list)."
    }


def test_a_preflight_asking_for_a_header_off_the_list_is_refused(lambda_context: FakeLambdaContext) -> None:
    event = with_headers(load_event("preflight_delete_voice"), Access_Control_Request_Headers="x-forwarded-user")
    response = preflight_handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert body(response)["detail"].startswith("This cross-origin request is not allowed (its headers")


@pytest.mark.parametrize(("path", "resource"), [("/voices", "/voices"), ("/v1/models", "/v1/models")])
def test_an_options_request_that_is_no_preflight_is_a_400_saying_so(
    path: str, resource: str, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN an OPTIONS without Access-Control-Request-Method (not a browser's preflight)
    event = {**load_event("list_voices_preflight"), "path": path, "resource": resource}
    event = with_headers(event, Access_Control_Request_Method=None)
    response = preflight_handler(event, lambda_context)
    # THEN it is refused with a sentence (OpenAI's envelope on /v1), and still readable by the allowed origin
    assert response["statusCode"] == 400
    message = "OPTIONS is answered only as a CORS preflight (send Origin and Access-Control-Request-Method)."
    if path.startswith("/v1/"):
        assert body(response)["error"]["message"] == message
    else:
        assert body(response) == {"detail": message}
    assert header(response, "access-control-allow-origin") == "http://localhost:5173"
