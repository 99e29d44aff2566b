"""Builds a function's FastAPI app: its routers, the error mapping and CORS, identically for Lambda and local runs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from voice_service.http.errors import UnexpectedErrorMiddleware, register_error_handlers
from voice_service.settings import ApiSettings, get_settings

API_TITLE = "OpenTalking TTS and Voices API"
API_VERSION = "1.0.0"
# Browsers cache a preflight answer this long (seconds), sparing an OPTIONS round trip per request.
PREFLIGHT_MAX_AGE = 600


def create_app(*routers: APIRouter, cors_origins: tuple[str, ...] | None = None) -> FastAPI:
    """An app serving `routers`, with `{"detail": ...}` errors and CORS from the allow-list.

    `cors_origins` defaults to OPENTALKING_CORS_ALLOW_ORIGINS (read once, when the app is built).
    """
    app = FastAPI(title=API_TITLE, version=API_VERSION, docs_url="/docs", redoc_url=None)
    for router in routers:
        app.include_router(router)
    register_error_handlers(app)
    _document_validation_errors_as_400(app)
    origins = cors_origins if cors_origins is not None else get_settings(ApiSettings).cors_allow_origins
    # Order matters: the last added middleware is the outermost, so CORS headers also reach the JSON 500.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_credentials=False,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Accept", "X-Api-Key", "Authorization", "Idempotency-Key"],
        max_age=PREFLIGHT_MAX_AGE,
    )
    return app


def _document_validation_errors_as_400(app: FastAPI) -> None:
    """Make the OpenAPI document say what the app does: validation failures are 400 `ErrorBody`, never 422."""
    build_default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build_default()
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
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
