"""A loopback stand-in for the Lambda Invoke API, so the real boto3 Lambda client reaches handlers in this process.

It speaks what `Invoke` (RequestResponse) sends and reads: `POST /2015-03-31/functions/{name}/invocations` with the
JSON event as the body; the answer is the handler's JSON result, or `X-Amz-Function-Error: Unhandled` with an error
document when the handler raises. A function listed in `throttled` answers 429 TooManyRequestsException, as Lambda
does when it has no concurrency left. Point boto3 at it with AWS_ENDPOINT_URL_LAMBDA.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


class FakeContext:
    """The attributes of a Lambda context that Powertools' logger reads."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{function_name}"
        self.aws_request_id = "00000000-0000-4000-8000-000000000001"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 8_000


class LambdaEndpoint:
    def __init__(self, functions: dict[str, Handler]) -> None:
        self.functions = functions
        self.throttled: set[str] = set()
        self.invocations: list[str] = []
        endpoint = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                match = INVOKE_PATH.match(self.path.split("?", 1)[0])
                length = int(self.headers.get("Content-Length", "0"))
                payload = self.rfile.read(length)
                if match is None:
                    self._send(404, {"Message": "No such path."}, {"x-amzn-ErrorType": "ResourceNotFoundException"})
                    return
                name = match.group("name")
                handler = endpoint.functions.get(name)
                if handler is None:
                    error = {"Message": f"Function not found: {name}"}
                    self._send(404, error, {"x-amzn-ErrorType": "ResourceNotFoundException"})
                    return
                if name in endpoint.throttled:
                    error = {"Message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
                    self._send(429, error, {"x-amzn-ErrorType": "TooManyRequestsException"})
                    return
                endpoint.invocations.append(name)
                try:
                    result = handler(json.loads(payload or b"{}"), FakeContext(name))
                except Exception as exc:  # what the Lambda runtime reports for an unhandled exception
                    error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
                    self._send(200, error, {"X-Amz-Function-Error": "Unhandled"})
                    return
                self._send(200, result, {})

            def _send(self, status: int, document: Any, headers: dict[str, str]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LambdaEndpoint:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
