"""The Lambda entry point shared by every function: Mangum around the app, Powertools decorators around Mangum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import FastAPI
from mangum import Mangum

from voice_service.observability import get_tracer, logger, metrics

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def make_lambda_handler(app: FastAPI) -> LambdaHandler:
    """Wrap `app` for API Gateway REST proxy events.

    Powertools' decorators need a plain function (a Mangum instance has no `__name__`, Kludex/mangum#222), and
    `lifespan="off"` because Mangum would otherwise run startup and shutdown on every invocation. The tracer
    decorator is applied on the first invocation, because building the tracer imports the X-Ray SDK.
    """
    asgi = Mangum(app, lifespan="off")

    def handle_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return asgi(event, context)

    traced_handler: LambdaHandler | None = None

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        nonlocal traced_handler
        if traced_handler is None:
            traced_handler = get_tracer().capture_lambda_handler(handle_request, capture_response=False)
        return traced_handler(event, context)

    return lambda_handler
