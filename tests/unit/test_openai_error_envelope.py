"""OpenAI's error envelope on /v1 routes, from the one error mapping, for every class of error."""

from __future__ import annotations

import json

import pytest
from fastapi import APIRouter, HTTPException
from fastapi.testclient import TestClient

from voice_service import errors
from voice_service.http.app import create_app

router = APIRouter()
RAISED: dict[str, Exception] = {
    "invalid": errors.InvalidRequestError("The speed must be between 0.25 and 4.0.", param="speed"),
    "model": errors.NotFoundError("Unknown model 'x'.", param="model"),
    "too-large": errors.PayloadTooLargeError("The speech is too long.", param="input"),
    "upstream": errors.UpstreamError("edge", "it returned no audio."),
    "unconfigured": errors.ProviderNotConfiguredError("elevenlabs", "OPENTALKING_TTS_ELEVENLABS_API_KEY"),
    "storage": errors.StorageError("The catalog could not be read."),
    # Authentication is not built yet (issue 17); its statuses already have their place in the mapping.
    "unauthorized": HTTPException(401, "Incorrect API key provided."),
    "forbidden": HTTPException(403, "This key may not use this route."),
    "throttled": HTTPException(429, "Too many requests.", headers={"Retry-After": "1"}),
    "bug": RuntimeError("an internal detail that must not leak"),
}


@router.get("/v1/raise/{name}")
@router.get("/tts/raise/{name}")
def raise_named(name: str) -> None:
    raise RAISED[name]


@router.post("/v1/echo")
def echo(value: int) -> int:
    return value


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(router, cors_origins=()), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("name", "status", "kind", "param", "code"),
    [
        ("invalid", 400, "invalid_request_error", "speed", None),
        ("model", 404, "invalid_request_error", "model", "model_not_found"),
        ("too-large", 413, "invalid_request_error", "input", "request_too_large"),
        ("upstream", 502, "server_error", None, "provider_failed"),
        ("unconfigured", 503, "server_error", None, "provider_not_configured"),
        ("storage", 500, "server_error", None, None),
        ("unauthorized", 401, "authentication_error", None, "invalid_api_key"),
        ("forbidden", 403, "permission_error", None, "forbidden"),
        ("throttled", 429, "rate_limit_error", None, "rate_limit_exceeded"),
        ("bug", 500, "server_error", None, None),
    ],
)
def test_each_error_class_gets_openais_envelope_on_v1(
    client: TestClient, name: str, status: int, kind: str, param: str | None, code: str | None
) -> None:
    response = client.get(f"/v1/raise/{name}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(response.json()) == {"error"}
    assert (error["type"], error["param"], error["code"]) == (kind, param, code)
    assert isinstance(error["message"], str) and error["message"].endswith(".")
    assert "internal detail" not in response.text


def test_retry_after_survives_on_429(client: TestClient) -> None:
    assert client.get("/v1/raise/throttled").headers["retry-after"] == "1"


def test_the_same_errors_keep_detail_outside_v1(client: TestClient) -> None:
    response = client.get("/tts/raise/invalid")
    assert response.json() == {"detail": "The speed must be between 0.25 and 4.0."}


@pytest.mark.parametrize(
    ("request_kwargs", "status", "param"),
    [
        ({"params": {"value": "nine"}}, 400, "value"),
        ({}, 400, "value"),
    ],
)
def test_validation_failures_name_the_field(
    client: TestClient, request_kwargs: dict[str, object], status: int, param: str
) -> None:
    response = client.post("/v1/echo", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.json()["error"]["param"] == param


def test_unknown_v1_routes_and_methods_use_the_envelope(client: TestClient) -> None:
    missing = client.get("/v1/nothing-here")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    wrong_method = client.get("/v1/echo")
    assert wrong_method.status_code == 405
    assert json.loads(wrong_method.text)["error"]["code"] == "method_not_allowed"
