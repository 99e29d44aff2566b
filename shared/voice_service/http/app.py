"""Builds a function's FastAPI app: its routers, the error mapping and CORS, identically for Lambda and local runs."""

from __future__ import annotations

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
    origins = cors_origins if cors_origins is not None else get_settings(ApiSettings).cors_allow_origins
    # Order matters: the last added middleware is the outermost, so CORS headers also reach the JSON 500.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_credentials=False,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Accept", "X-Api-Key", "Authorization"],
        max_age=PREFLIGHT_MAX_AGE,
    )
    return app
