"""events/ against the template: each event is a REST proxy event API Gateway could send to one of its routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import REPO_ROOT
from tests.template.stack import PREFLIGHT, Route, Stack, load_template
from testsupport.apigw import EVENTS_DIR

STACK = Stack(load_template())
EVENT_FILES = sorted(
    path for path in EVENTS_DIR.glob("*.json") if "httpMethod" in json.loads(path.read_text(encoding="utf-8"))
)
ROUTES = {route for function in STACK.functions.values() for route in function.routes} | {
    Route(PREFLIGHT, path) for function in STACK.functions.values() for path in function.preflight_paths
}

by_event = pytest.mark.parametrize("path", EVENT_FILES, ids=lambda path: path.stem)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def media_type(event: dict[str, Any]) -> str | None:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type")
    return content_type.split(";", 1)[0].strip().lower() if content_type else None


@by_event
def test_event_targets_a_route_of_the_template(path: Path) -> None:
    event = load(path)
    assert Route(event["httpMethod"], event["resource"]) in ROUTES
    # The REST (v1) proxy shape: Mangum would take an event with "version" for an HTTP API one
    assert "version" not in event
    assert event["requestContext"]["resourcePath"] == event["resource"]
    assert event["requestContext"]["httpMethod"] == event["httpMethod"]


@by_event
def test_event_path_is_its_resource_with_the_path_parameters_filled_in(path: Path) -> None:
    event = load(path)
    concrete = event["resource"]
    for name, value in (event.get("pathParameters") or {}).items():
        concrete = concrete.replace(f"{{{name}}}", value)
    assert event["path"] == concrete


@by_event
def test_body_encoding_is_what_api_gateway_does_for_its_content_type(path: Path) -> None:
    # API Gateway base64-encodes a request body exactly when its Content-Type is a binary media type
    event = load(path)
    if event.get("body") is None:
        return
    content_type = media_type(event)
    assert event["isBase64Encoded"] is (content_type is not None and STACK.is_binary(content_type)), content_type


def test_every_route_has_an_event_for_sam_local_invoke() -> None:
    covered = {Route(load(path)["httpMethod"], load(path)["resource"]) for path in EVENT_FILES}
    routes = {route for function in STACK.functions.values() for route in function.routes}
    assert routes <= covered, sorted(str(route) for route in routes - covered)


@by_event
def test_every_event_is_replayed_by_a_handler_test(path: Path) -> None:
    # The handler tests assert status, headers, base64 flags and bodies for each event; this keeps none forgotten
    test_sources = [
        test_file.read_text(encoding="utf-8")
        for test_file in (REPO_ROOT / "tests").rglob("test_*.py")
        if "template" not in test_file.parts
    ]
    assert any(f'"{path.stem}"' in source for source in test_sources), f"no test loads events/{path.name}"
