"""Reading API Gateway REST proxy responses the way API Gateway itself merges them."""

from __future__ import annotations

import base64
import json
from typing import Any


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
