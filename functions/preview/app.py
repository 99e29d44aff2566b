"""POST /tts/preview: a short WAV clip of the text in the chosen provider's voice, for auditioning voices.

Composition root of PreviewFunction: its settings are read and validated at import (the cold start), and the
preview service with one synthesizer per provider and the speech cache is built from them on first use (each
provider's SDK is imported only when that provider is first asked for; boto3 only when the cache is first used).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Response

from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_speech_cache import READ_WRITE_IAM_ACTIONS as SPEECH_CACHE_IAM_ACTIONS
from voice_service.http.app import create_app
from voice_service.http.caching import bypass_requested, etag_matches, speech_headers
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import PREVIEW_BODY_MAX_BYTES, BodyLimit, BodyLimits
from voice_service.http.schemas import ErrorBody
from voice_service.services.preview import PreviewForm, PreviewPolicy, PreviewService
from voice_service.settings import PreviewFunctionSettings, load_settings

SETTINGS = load_settings(PreviewFunctionSettings)
IAM_ACTIONS: Final = PROVIDER_KEYS_IAM_ACTIONS | SPEECH_CACHE_IAM_ACTIONS


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
    return PreviewService(policy, synthesizer_factories(settings), configured_speech_cache(settings.speech_cache))


preview_service = Dependency(build_preview_service, SETTINGS)
DEPENDENCIES = (preview_service,)
router = APIRouter()

PREVIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"audio/wav": {}}, "description": "16-bit mono PCM WAV at the session sample rate"},
    304: {"description": "If-None-Match named this audio's ETag: no body"},
    400: {"model": ErrorBody, "description": "Invalid request"},
    413: {"model": ErrorBody, "description": "The audio is too long to return"},
    502: {"model": ErrorBody, "description": "The provider failed, stalled or sent no audio"},
    503: {"model": ErrorBody, "description": "The provider is not configured"},
}


@router.post("/tts/preview", response_class=Response, summary="Synthesize a voice preview", responses=PREVIEW_RESPONSES)
async def post_preview(
    form: PreviewForm,
    service: Annotated[PreviewService, Depends(preview_service)],
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
    audio = await service.synthesize(form, bypass_cache=bypass)
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
