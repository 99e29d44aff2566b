"""Run inside a bare `python3.12 -I -S`: import a built handler from the given sys.path and invoke it with events.

Reads {"sys_path": [...], "handler": "app.lambda_handler", "events": [...]} as JSON on stdin and prints
{"imported_modules": [...], "responses": [...]} on stdout. Standard library only: nothing else is on the path.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass


@dataclass
class LambdaContext:
    function_name: str = "artifact-probe"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:artifact-probe"
    aws_request_id: str = "00000000-0000-4000-8000-000000000001"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 25_000


def main() -> None:
    request = json.load(sys.stdin)
    sys.path[:0] = request["sys_path"]
    module_name, _, handler_name = request["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), handler_name)
    imported_at_import_time = sorted(name for name in sys.modules if "." not in name)
    responses = [handler(event, LambdaContext()) for event in request["events"]]
    json.dump({"imported_modules": imported_at_import_time, "responses": responses}, sys.stdout)


if __name__ == "__main__":
    main()
