"""Every function's routes in one app: what `make run` serves and what the HTTP-level tests and fuzzers call.

Each Lambda serves only its own router; here they share one process, the same error mapping and the same CORS.
"""

from __future__ import annotations

from fastapi import FastAPI

from functions.clone_voice.app import router as clone_voice_router
from functions.create_upload.app import router as create_upload_router
from functions.delete_voice.app import router as delete_voice_router
from functions.list_voices.app import router as list_voices_router
from functions.openai_speech.app import router as openai_speech_router
from functions.preview.app import router as preview_router
from voice_service.http.app import create_app

# Order does not matter: `/voices/{entry_id}` never matches `/voices/clone` or `/voices/uploads` (see delete_voice).
ROUTERS = (
    preview_router,
    list_voices_router,
    delete_voice_router,
    clone_voice_router,
    create_upload_router,
    openai_speech_router,
)


def create_local_app() -> FastAPI:
    return create_app(*ROUTERS)
