"""A synchronous Lambda invoke of the catalog function (boto3), as an `Invoker` of the catalog boundary.

Functions outside the VPC call the catalog function this way: a Lambda-to-Lambda invoke goes through the Lambda API,
so it needs no NAT gateway, and IAM decides which catalog function (and so which operations) a caller reaches.
AWS_ENDPOINT_URL_LAMBDA points boto3 at `sam local start-lambda` or a test endpoint.
"""

from __future__ import annotations

from typing import Any, Final

from voice_service.errors import StorageBusyError, StorageError

IAM_ACTIONS: Final = frozenset({"lambda:InvokeFunction"})

# Lambda's answers when the catalog function has no free concurrency: the caller may retry, so 503.
_THROTTLING_CODES = frozenset({"TooManyRequestsException", "EC2ThrottledException"})


class LambdaInvoker:
    """Invokes one function (name or ARN) with RequestResponse; never retries, since a write is not idempotent."""

    def __init__(self, function_name: str, timeout_seconds: float, client: Any | None = None) -> None:
        self._function_name = function_name
        self._timeout_seconds = timeout_seconds
        self._client = client

    def _lambda(self) -> Any:
        if self._client is None:
            # Imported on first use: boto3 costs a cold start about 0.1 s, paid only by a function that calls.
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=3,
                read_timeout=self._timeout_seconds,
                retries={"total_max_attempts": 1},
            )
            self._client = boto3.client("lambda", config=config)
        return self._client

    def invoke(self, payload: bytes) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._lambda().invoke(
                FunctionName=self._function_name, InvocationType="RequestResponse", Payload=payload
            )
            body = response["Payload"].read()
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "unknown"))
            if code in _THROTTLING_CODES:
                raise StorageBusyError("The voice catalog is busy; retry in a moment.") from exc
            raise StorageError(f"The voice catalog could not be reached ({code}).") from exc
        except BotoCoreError as exc:
            raise StorageError(f"The voice catalog could not be reached ({type(exc).__name__}).") from exc
        if response.get("FunctionError"):
            # The catalog function crashed or timed out; its own log has the reason.
            raise StorageError("The voice catalog failed unexpectedly.")
        return bytes(body)
