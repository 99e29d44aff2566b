"""The one place that maps errors to HTTP responses: `{"detail": "<English sentence>"}` for every failure, and
OpenAI's envelope `{"error": {"message", "type", "param", "code"}}` on the OpenAI-compatible `/v1/` routes."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voice_service import errors
from voice_service.observability import logger, record_provider_metric

# Most specific first: the first matching class decides the status.
STATUS_BY_ERROR: tuple[tuple[type[errors.VoiceServiceError], HTTPStatus], ...] = (
    (errors.InvalidRequestError, HTTPStatus.BAD_REQUEST),
    (errors.AuthenticationError, HTTPStatus.UNAUTHORIZED),
    (errors.QuotaExceededError, HTTPStatus.TOO_MANY_REQUESTS),
    (errors.IdentityProviderUnavailableError, HTTPStatus.SERVICE_UNAVAILABLE),
    (errors.PayloadTooLargeError, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (errors.NotFoundError, HTTPStatus.NOT_FOUND),
    (errors.VoiceQuotaExceededError, HTTPStatus.TOO_MANY_REQUESTS),
    (errors.IdempotencyConflictError, HTTPStatus.CONFLICT),
    (errors.IdempotencyKeyReusedError, HTTPStatus.UNPROCESSABLE_ENTITY),
    (errors.UpstreamError, HTTPStatus.BAD_GATEWAY),
    (errors.ProviderNotConfiguredError, HTTPStatus.SERVICE_UNAVAILABLE),
    (errors.StorageBusyError, HTTPStatus.SERVICE_UNAVAILABLE),
    (errors.StorageError, HTTPStatus.INTERNAL_SERVER_ERROR),
)


def status_for(error: errors.VoiceServiceError) -> HTTPStatus:
    for error_class, status in STATUS_BY_ERROR:
        if isinstance(error, error_class):
            return status
    return HTTPStatus.INTERNAL_SERVER_ERROR


OPENAI_PATH_PREFIX = "/v1/"
# OpenAI's error `type` and default `code` per status (its SDK picks the exception class from the status alone).
OPENAI_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    HTTPStatus.BAD_REQUEST: ("invalid_request_error", None),
    HTTPStatus.UNAUTHORIZED: ("authentication_error", "invalid_api_key"),
    HTTPStatus.FORBIDDEN: ("permission_error", "forbidden"),
    HTTPStatus.NOT_FOUND: ("invalid_request_error", "not_found"),
    HTTPStatus.METHOD_NOT_ALLOWED: ("invalid_request_error", "method_not_allowed"),
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: ("invalid_request_error", "request_too_large"),
    HTTPStatus.TOO_MANY_REQUESTS: ("rate_limit_error", "rate_limit_exceeded"),
    HTTPStatus.INTERNAL_SERVER_ERROR: ("server_error", None),
    HTTPStatus.BAD_GATEWAY: ("server_error", "provider_failed"),
    HTTPStatus.SERVICE_UNAVAILABLE: ("server_error", "provider_not_configured"),
}
# A 404 about one of these fields gets OpenAI's own code for it.
NOT_FOUND_CODES = {"model": "model_not_found", "voice": "voice_not_found"}


def error_response(
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    *,
    path: str = "",
    param: str | None = None,
) -> JSONResponse:
    """The error body for `path`: OpenAI's envelope under /v1/, `{"detail": ...}` everywhere else."""
    if not path.startswith(OPENAI_PATH_PREFIX):
        return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)
    kind, code = OPENAI_ERROR_KINDS.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    if status == HTTPStatus.NOT_FOUND and param in NOT_FOUND_CODES:
        code = NOT_FOUND_CODES[param]
    body = {"error": {"message": detail, "type": kind, "param": param, "code": code}}
    return JSONResponse(status_code=status, content=body, headers=headers)


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.VoiceServiceError)
    status = status_for(exc)
    if isinstance(exc, errors.UpstreamError):
        record_provider_metric("UpstreamFailures", exc.provider)
        logger.warning("Upstream failure", extra={"provider": exc.provider, "reason": exc.reason})
    elif status >= 500:
        logger.error("Request failed", extra={"error": type(exc).__name__, "detail": exc.message})
    if isinstance(exc, errors.AuthenticationError):
        # RFC 6750: a 401 names the scheme the client should use.
        return error_response(
            status,
            exc.message,
            headers={"WWW-Authenticate": 'Bearer realm="voice-service"'},
            path=request.url.path,
            param=exc.param,
        )
    return error_response(status, exc.message, path=request.url.path, param=exc.param)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    return error_response(
        HTTPStatus.BAD_REQUEST,
        describe_validation_errors(problems),
        path=request.url.path,
        param=validation_param(problems),
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = getattr(exc, "headers", None)
    if exc.status_code == HTTPStatus.NOT_FOUND and detail == "Not Found":
        detail = "No such route."
    elif exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        if detail == "Method Not Allowed":
            detail = "This method is not allowed on this route."
        headers = {**(headers or {}), "Allow": ", ".join(_methods_on_path(request))}
    elif not detail.endswith("."):
        detail = f"{detail}."
    return error_response(exc.status_code, detail, headers=headers, path=request.url.path)


def _methods_on_path(request: Request) -> list[str]:
    """Every method some route serves on the request's path: Starlette's own Allow names only the first route's,
    which is wrong where two routers share a path (GET and DELETE /voices/{entry_id} in the local app)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        route_methods = getattr(route, "methods", None)
        if match is not Match.NONE and route_methods:
            methods |= set(route_methods)
    return sorted(methods)


class UnexpectedErrorMiddleware:
    """Turns any unhandled exception into a JSON 500 inside the CORS middleware, so the browser can read it.

    Starlette's own last-resort handler sits outside every user middleware (no CORS headers) and re-raises.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self._app(scope, receive, tracking_send)
        except Exception:
            # Never leak a traceback or an internal message to the caller; the log keeps it.
            logger.exception("Unhandled error")
            if response_started:
                raise
            response = error_response(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "The service failed unexpectedly; try again later.",
                path=str(scope.get("path", "")),
            )
            await response(scope, receive, send)


class JsonCorsMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, except that a refused preflight is a JSON `{"detail": ...}` like every error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = bytes(response.body).decode("latin-1").removeprefix("Disallowed CORS ")
        headers = {
            name: value for name, value in response.headers.items() if name not in ("content-length", "content-type")
        }
        return error_response(
            response.status_code,
            f"This cross-origin request is not allowed (its {refused} is not on the API's CORS allow-list).",
            headers=headers,
        )


def register_error_handlers(app: FastAPI) -> None:
    """Install the mapping on `app`."""
    app.add_exception_handler(errors.VoiceServiceError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)


def validation_param(problems: Any) -> str | None:
    """The top-level field of the first validation problem, if it is about one."""
    if not problems:
        return None
    location = [part for part in problems[0].get("loc", ()) if part not in ("body", "query", "path", "header")]
    return str(location[0]) if location else None


def describe_validation_errors(problems: Any) -> str:
    """Turn FastAPI's list of validation problems into one English sentence (the first problem wins)."""
    if not problems:
        return "The request is invalid."
    problem = problems[0]
    kind = str(problem.get("type", ""))
    location = [str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ".".join(location)
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind in ("model_attributes_type", "dict_type") and not field:
        return "The request body must be a JSON object."
    if kind == "missing" and not field:
        return "The request body is missing; send a JSON object."
    if not field:
        return f"The request is invalid: {problem.get('msg', 'bad value')}."
    if kind == "missing":
        return f"The field {field!r} is required."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"The field {field!r} must be an integer."
    if kind == "string_type":
        return f"The field {field!r} must be a string."
    message = str(problem.get("msg", "is invalid")).rstrip(".")
    if "UploadFile" in message:
        return f"The field {field!r} must be a file part of the multipart form, not a text field."
    if "<class" in message:
        # Never show Python's type names to a caller.
        return f"The field {field!r} is invalid."
    return f"The field {field!r} is invalid: {message[0].lower()}{message[1:]}."
