"""Run with the SAM CLI's Python (.venv-sam): print the routes `sam local start-api` would serve for a template.

Usage: sam_local_routes.py TEMPLATE. Prints a JSON list of {"path", "methods", "function", "authorizer"}: the
routes SAM CLI's local API provider builds, after it merged each function's routes of one path into one route
(`ApiCollector.dedupe_function_routes`) and linked the authorizers. Nothing starts, nothing is built.
"""

from __future__ import annotations

import json
import logging
import sys

from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider


def main() -> None:
    (template_path,) = sys.argv[1:]
    # SAM CLI warns (on stderr) that local authorizers are not API Gateway's; the routes are what is asked for.
    logging.disable(logging.WARNING)
    stacks, _ = SamLocalStackProvider.get_stacks(template_path, parameter_overrides={"Architecture": "x86_64"})
    routes = [
        {
            "path": route.path,
            "methods": sorted(route.methods),
            "function": route.function_name,
            "authorizer": route.authorizer_name,
        }
        for route in ApiProvider(stacks).api.routes
    ]
    json.dump(routes, sys.stdout)


if __name__ == "__main__":
    main()
