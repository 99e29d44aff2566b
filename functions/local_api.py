"""Every function's routes in one app: what `make run` serves and what the HTTP-level tests and fuzzers call.

Each Lambda serves only its own router; here they share one process, the same error mapping and the same CORS.
The voice studio (web/) is served at /studio/ from the same origin, so it needs no CORS here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from functions.clone_voice.app import router as clone_voice_router
from functions.create_upload.app import router as create_upload_router
from functions.delete_voice.app import router as delete_voice_router
from functions.list_tts_voices.app import router as list_tts_voices_router
from functions.list_voices.app import router as list_voices_router
from functions.preview.app import router as preview_router
from voice_service.http.app import create_app

# Order does not matter: `/voices/{entry_id}` never matches `/voices/clone` or `/voices/uploads` (see delete_voice).
ROUTERS = (
    preview_router,
    list_tts_voices_router,
    list_voices_router,
    delete_voice_router,
    clone_voice_router,
    create_upload_router,
)
STUDIO_DIR = Path(__file__).resolve().parent.parent / "web"
STUDIO_PATH = "/studio"


def create_local_app(*, serve_studio: bool = True) -> FastAPI:
    app = create_app(*ROUTERS)
    if serve_studio:
        app.mount(STUDIO_PATH, StaticFiles(directory=STUDIO_DIR, html=True), name="studio")
        app.add_api_route("/", lambda: RedirectResponse(f"{STUDIO_PATH}/"), include_in_schema=False)
    return app
