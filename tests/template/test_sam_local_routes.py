"""template.yaml as `sam local start-api` reads it: each route on its function, with the template's authorizer.

SAM CLI (1.170) merges the routes ONE function serves on one path into one route and keeps one authorizer setting
for it, taken from whichever it lists last, in an order that string hashing decides per process
(`ApiCollector.dedupe_function_routes`). A function serving both a path's authorized methods and its unauthorized
preflight therefore lost the authorizer on some starts (its routes then fail closed) or put it on the preflight.
Every preflight is PreflightFunction's, so nothing is merged: checked here under several hash seeds, without
starting anything (the end-to-end proof is tests/e2e_sam_local/test_signed_in_through_sam_local.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.template.stack import PREFLIGHT, TEMPLATE_PATH, Stack, load_template

ROUTES_SCRIPT = Path(__file__).with_name("sam_local_routes.py")
STACK = Stack(load_template())
AUTHORIZER = "TokenAuthorizer"
# Different orders of SAM CLI's sets: with routes to merge, each seed drops or moves the authorizer somewhere else.
HASH_SEEDS = ("0", "1", "2")


def sam_local_routes(python: Path, template: Path, seed: str) -> list[dict[str, Any]]:
    environment = {**os.environ, "PYTHONHASHSEED": seed, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "eu-west-1"}
    completed = subprocess.run(
        [str(python), str(ROUTES_SCRIPT), str(template)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    routes: list[dict[str, Any]] = json.loads(completed.stdout)
    return routes


def served(routes: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(path, method) → (function, authorizer) as sam local serves them; a method served twice is an error."""
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    for route in routes:
        for method in route["methods"]:
            key = (route["path"], method)
            assert key not in found, key
            found[key] = (route["function"], route["authorizer"])
    return found


@pytest.mark.parametrize("seed", HASH_SEEDS)
def test_sam_local_serves_each_route_on_its_function_with_the_templates_authorizer(sam_cli: Path, seed: str) -> None:
    # GIVEN what the template declares: every route behind the authorizer, every preflight without one
    declared = {
        (route.path, route.method): (function.logical_id, AUTHORIZER)
        for function in STACK.functions.values()
        for route in function.routes
    } | {
        (path, PREFLIGHT): (function.logical_id, None)
        for function in STACK.functions.values()
        for path in function.preflight_paths
    }

    # WHEN SAM CLI builds its local routes from it (in this process's order of its sets)
    routes = sam_local_routes(sam_cli, TEMPLATE_PATH, seed)

    # THEN it serves exactly those: nothing merged, no authorizer lost or added
    assert served(routes) == declared


def test_a_function_answering_its_own_preflight_would_be_merged_into_one_route(sam_cli: Path, tmp_path: Path) -> None:
    # GIVEN the template with the preview path's preflight moved back onto PreviewFunction (the old layout)
    template = load_template()
    resources = template["Resources"]
    events = resources["PreflightFunction"]["Properties"]["Events"]
    (name,) = [name for name, event in events.items() if event["Properties"]["Path"] == "/tts/preview"]
    resources["PreviewFunction"]["Properties"]["Events"][name] = events.pop(name)
    old_layout = tmp_path / "template.json"
    old_layout.write_text(json.dumps(template), encoding="utf-8")

    # WHEN SAM CLI builds its local routes from it
    routes = sam_local_routes(sam_cli, old_layout, HASH_SEEDS[0])

    # THEN the POST and its preflight became one route with ONE authorizer setting for both: whichever it is, one
    # of them is wrong (the POST without its authorizer, or the preflight asking for a token)
    (merged,) = [route for route in routes if route["path"] == "/tts/preview"]
    assert (merged["function"], merged["methods"]) == ("PreviewFunction", ["OPTIONS", "POST"])
