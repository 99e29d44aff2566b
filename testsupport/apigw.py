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
