"""POST /tts/preview: a short WAV clip of the text in the chosen provider's voice, for auditioning voices.

Composition root of PreviewFunction: its settings are read and validated at import (the cold start), and the
preview service with one synthesizer per provider and the speech cache is built from them on first use (each
provider's SDK is imported only when that provider is first asked for; boto3 only when the cache is first used).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Response

from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_speech_cache import READ_WRITE_IAM_ACTIONS as SPEECH_CACHE_IAM_ACTIONS
from voice_service.catalog_boundary.operations import TAKE_REQUEST_SLOT, VOICE_OWNERS
from voice_service.http.app import create_app
from voice_service.http.caching import bypass_requested, etag_matches, speech_headers
from voice_service.http.dependencies import Dependency
from voice_service.http.identity import build_gate, caller_of
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import PREVIEW_BODY_MAX_BYTES, BodyLimit, BodyLimits
from voice_service.http.schemas import ErrorBody
from voice_service.identity import Caller, Gate, owner_of
from voice_service.services.preview import PreviewForm, PreviewPolicy, PreviewService
from voice_service.services.preview_access import PreviewAccess
from voice_service.settings import PreviewFunctionSettings, load_settings

SETTINGS = load_settings(PreviewFunctionSettings)
# Where users sign in, the catalog (through the function's own catalog function) says whose a cloned voice is and
# counts each user's previews; in the open and api-key modes the preview never touches it.
CATALOG_OPERATIONS: Final = frozenset({VOICE_OWNERS.name, TAKE_REQUEST_SLOT.name})
IAM_ACTIONS: Final = PROVIDER_KEYS_IAM_ACTIONS | SPEECH_CACHE_IAM_ACTIONS | INVOKE_IAM_ACTIONS


def build_preview_service(settings: PreviewFunctionSettings) -> PreviewService:
    from voice_service.adapters.s3_speech_cache import configured_speech_cache
    from voice_service.adapters.tts.registry import synthesizer_factories

    limits = settings.preview
    policy = PreviewPolicy(
        default_provider=limits.default_provider,
        max_chars=limits.max_chars,
        sample_rate=limits.sample_rate,
        timeout_seconds=limits.timeout_seconds,
    )
    access = None
    if settings.auth.mode == "users":
        from voice_service.adapters.catalog_access import configured_catalog

        catalog = configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS)
        access = PreviewAccess(catalog, settings.quota.previews_per_minute)
    return PreviewService(
        policy, synthesizer_factories(settings), configured_speech_cache(settings.speech_cache), access
    )


preview_service = Dependency(build_preview_service, SETTINGS)
gate = Dependency(lambda settings: build_gate(settings.auth), SETTINGS)
DEPENDENCIES = (preview_service, gate)


def _anonymous_preview(the_gate: Gate) -> bool:
    return the_gate.settings.anonymous_preview


preview_caller = caller_of(gate, anonymous_allowed=_anonymous_preview)
router = APIRouter()

PREVIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"audio/wav": {}}, "description": "16-bit mono PCM WAV at the session sample rate"},
    304: {"description": "If-None-Match named this audio's ETag: no body"},
    400: {"model": ErrorBody, "description": "Invalid request"},
    401: {"model": ErrorBody, "description": "Sign-in required, or the token is invalid or expired"},
    404: {"model": ErrorBody, "description": "The voice is another user's clone (users mode)"},
    413: {"model": ErrorBody, "description": "The audio is too long to return"},
    429: {"model": ErrorBody, "description": "The user's preview rate limit (users mode)"},
    502: {"model": ErrorBody, "description": "The provider failed, stalled or sent no audio"},
    503: {"model": ErrorBody, "description": "The provider is not configured"},
}


@router.post("/tts/preview", response_class=Response, summary="Synthesize a voice preview", responses=PREVIEW_RESPONSES)
async def post_preview(
    form: PreviewForm,
    service: Annotated[PreviewService, Depends(preview_service)],
    # Signed-in users only, unless OPENTALKING_AUTH_ANONYMOUS_PREVIEW allows anyone.
    caller: Annotated[Caller, Depends(preview_caller)],
    cache_control: Annotated[
        str | None, Header(description="no-cache: synthesize afresh and replace the cached copy.")
    ] = None,
    pragma: Annotated[str | None, Header(description="no-cache, when Cache-Control is absent (HTTP/1.0).")] = None,
    if_none_match: Annotated[
        str | None, Header(description="An ETag from an earlier preview: 304 if the audio is unchanged.")
    ] = None,
) -> Response:
    # An async route: the synthesis is awaited on Mangum's event loop, without FastAPI's worker-thread hop.
    bypass = form.no_cache or bypass_requested(cache_control, pragma)
    # Nobody signed in: no catalog of one's own (owner None sees no cloned voice where users sign in).
    owner = None if caller.user_id is None else owner_of(caller)
    audio = await service.synthesize(form, bypass_cache=bypass, owner=owner)
    headers = speech_headers(audio.etag, audio.cache)
    if etag_matches(if_none_match, audio.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=audio.wav, media_type="audio/wav", headers=headers)


def document_text_limit(schema: dict[str, Any]) -> None:
    """The OpenAPI document states the configured text limit (OPENTALKING_TTS_PREVIEW_MAX_CHARS)."""
    form = schema["components"]["schemas"][PreviewForm.__name__]
    form["properties"]["text"]["maxLength"] = SETTINGS.preview.max_chars


BODY_LIMITS: BodyLimits = {"/tts/preview": BodyLimit(PREVIEW_BODY_MAX_BYTES)}
app = create_app(
    router,
    cors_origins=SETTINGS.api.cors_allow_origins,
    openapi_patches=(document_text_limit,),
    body_limits=BODY_LIMITS,
)
lambda_handler = make_lambda_handler(app)
