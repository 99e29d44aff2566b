"""API Gateway REST proxy events from events/, a fake Lambda context, and responses read as API Gateway merges them."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from scripts import REPO_ROOT

EVENTS_DIR = REPO_ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """An API Gateway REST proxy event from events/ (the same files `sam local invoke -e` uses)."""
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return event


def rest_event(
    method: str,
    path: str,
    raw_body: bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    request_id: str = "req-test",
) -> dict[str, Any]:
    """An API Gateway REST proxy event as the gateway builds it: every body base64-encoded (binary type `*/*`)."""
    all_headers = {"Host": "abc123.execute-api.eu-west-1.amazonaws.com", "Origin": "http://localhost:5173"}
    all_headers.update(headers or {})
    if raw_body is not None:
        all_headers["Content-Length"] = str(len(raw_body))
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.10"},
            "path": f"/Prod{path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "resourcePath": resource or path,
            "stage": "Prod",
        },
        "body": base64.b64encode(raw_body).decode("ascii") if raw_body is not None else None,
        "isBase64Encoded": raw_body is not None,
    }


@dataclass
class FakeLambdaContext:
    function_name: str = "voice-service-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:voice-service-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 25_000


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header from `headers` or `multiValueHeaders` (Mangum uses the latter for repeated names)."""
    single = response.get("headers", {}).get(name)
    if single is not None:
        return str(single)
    values = response.get("multiValueHeaders", {}).get(name) or []
    return ",".join(values) if values else None


def json_body(response: dict[str, Any]) -> Any:
    assert response["isBase64Encoded"] is False, "a JSON response must not be base64-encoded"
    return json.loads(response["body"])


def binary_body(response: dict[str, Any]) -> bytes:
    assert response["isBase64Encoded"] is True, "a binary response must be base64-encoded for API Gateway"
    return base64.b64decode(response["body"])
