"""Builds a function's FastAPI app: its routers, the error mapping and CORS, identically for Lambda and local runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI

from voice_service.http.caching import ALLOWED_REQUEST_HEADERS, EXPOSED_HEADERS
from voice_service.http.errors import JsonCorsMiddleware, UnexpectedErrorMiddleware, register_error_handlers
from voice_service.http.request_guard import BODY_READ_TIMEOUT_SECONDS, BodyLimits, RequestGuardMiddleware

API_TITLE = "OpenTalking TTS and Voices API"
API_VERSION = "1.0.0"
# Browsers cache a preflight answer this long (seconds), sparing an OPTIONS round trip per request.
PREFLIGHT_MAX_AGE = 600


OpenApiPatch = Callable[[dict[str, Any]], None]


class VoiceApi(FastAPI):
    """A FastAPI app whose OpenAPI document says what the app does: validation failures are 400 `ErrorBody`, never
    422, and the limits that come from settings are the configured ones (`openapi_patches`)."""

    def __init__(self, openapi_patches: Sequence[OpenApiPatch]) -> None:
        # No redirect from `/voices/` to `/voices`: Starlette would build its Location from the request's Host header.
        super().__init__(title=API_TITLE, version=API_VERSION, docs_url="/docs", redoc_url=None, redirect_slashes=False)
        self._openapi_patches = tuple(openapi_patches)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = super().openapi()
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    responses = operation.get("responses", {})
                    if responses.pop("422", None) is not None and "400" not in responses:
                        responses["400"] = {
                            "description": "Invalid request",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                        }
            for unused in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(unused, None)
            for patch in self._openapi_patches:
                patch(schema)
            self.openapi_schema = schema
        return self.openapi_schema


def create_app(
    *routers: APIRouter,
    cors_origins: tuple[str, ...],
    openapi_patches: Sequence[OpenApiPatch] = (),
    body_limits: BodyLimits | None = None,
    body_read_timeout_seconds: float = BODY_READ_TIMEOUT_SECONDS,
) -> FastAPI:
    """An app serving `routers`, with `{"detail": ...}` errors and CORS from the allow-list `cors_origins`.

    `openapi_patches` complete the generated OpenAPI document with what only settings know (e.g. a text limit).
    `body_limits` caps the body of the named paths (every other path takes DEFAULT_BODY_MAX_BYTES).
    """
    app = VoiceApi(openapi_patches)
    for router in routers:
        app.include_router(router)
    register_error_handlers(app)
    # Order matters: the last added middleware is the outermost, so CORS headers also reach the JSON 500 and the
    # guard's 400, 408 and 413.
    app.add_middleware(
        RequestGuardMiddleware, body_limits=body_limits or {}, read_timeout_seconds=body_read_timeout_seconds
    )
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(
        JsonCorsMiddleware,
        allow_origins=list(cors_origins),
        allow_credentials=False,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Accept", "X-Api-Key", "Authorization", *ALLOWED_REQUEST_HEADERS],
        expose_headers=list(EXPOSED_HEADERS),
        max_age=PREFLIGHT_MAX_AGE,
    )
    return app
