"""Every function's routes in one app: what `make run` serves and what the HTTP-level tests and fuzzers call.

Each Lambda serves only its own router; here they share one process, the same error mapping and the same CORS.
Importing this module imports every function's composition root, so each one's settings are validated here too.
The voice studio (web/) is served at /studio/ from the same origin, so it needs no CORS here.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.convertors import StringConvertor, register_url_convertor

from functions.clone_voice import app as clone_voice
from functions.create_upload import app as create_upload
from functions.delete_voice import app as delete_voice
from functions.get_voice import app as get_voice
from functions.list_tts_voices import app as list_tts_voices
from functions.list_voices import app as list_voices
from functions.openai_speech import app as openai_speech
from functions.preview import app as preview
from voice_service.http.app import create_app
from voice_service.http.request_guard import BODY_READ_TIMEOUT_SECONDS

FUNCTIONS: tuple[ModuleType, ...] = (
    preview,
    list_tts_voices,
    list_voices,
    get_voice,
    delete_voice,
    clone_voice,
    create_upload,
    openai_speech,
)
# Functions serving /voices/{entry_id}, whose entry id must not match the fixed siblings (below).
ENTRY_FUNCTIONS: tuple[ModuleType, ...] = (get_voice, delete_voice)
STUDIO_DIR = Path(__file__).resolve().parent.parent / "web"
STUDIO_PATH = "/studio"


class _EntryIdSegment(StringConvertor):
    """One path segment, except the fixed siblings `/voices/clone` and `/voices/uploads`.

    API Gateway gives those paths resources of their own, so `DELETE /voices/clone` never reaches the delete
    function (nor `GET /voices/clone` the get function); this app shares one router table and must not read `clone`
    as an entry id either (it answers 405).
    """

    regex = r"(?!(?:clone|uploads)$)[^/]+"


register_url_convertor("voice_entry_id", _EntryIdSegment())


def _local_entry_router(function: ModuleType) -> APIRouter:
    """The function's routes with the entry id restricted as above (local routing only)."""
    router = APIRouter()
    for route in function.router.routes:
        assert isinstance(route, APIRoute)
        router.add_api_route(
            route.path.replace("{entry_id}", "{entry_id:voice_entry_id}"),
            route.endpoint,
            methods=sorted(route.methods or ()),
            response_model=route.response_model,
            summary=route.summary,
            responses=route.responses,
        )
    return router


def create_local_app(
    body_read_timeout_seconds: float = BODY_READ_TIMEOUT_SECONDS,
    *,
    serve_studio: bool = True,
    studio_config: dict[str, object] | None = None,
) -> FastAPI:
    """The whole API in one app; `studio_config` replaces web/config.json (`make run AUTH=users` tells the page how
    to sign in through the local issuer)."""
    routers = [module.router for module in FUNCTIONS if module not in ENTRY_FUNCTIONS]
    routers += [_local_entry_router(module) for module in ENTRY_FUNCTIONS]
    # Every function reads the same CORS variable; the preview function also documents its text limit.
    app = create_app(
        *routers,
        cors_origins=preview.SETTINGS.api.cors_allow_origins,
        openapi_patches=(preview.document_text_limit,),
        body_limits={**preview.BODY_LIMITS, **clone_voice.BODY_LIMITS, **openai_speech.BODY_LIMITS},
        body_read_timeout_seconds=body_read_timeout_seconds,
    )
    if serve_studio:
        if studio_config is not None:
            # Registered before the mount, so it answers instead of web/config.json.
            app.add_api_route(f"{STUDIO_PATH}/config.json", lambda: studio_config, include_in_schema=False)
        app.mount(STUDIO_PATH, StaticFiles(directory=STUDIO_DIR, html=True), name="studio")
        app.add_api_route("/", lambda: RedirectResponse(f"{STUDIO_PATH}/"), include_in_schema=False)
    return app
