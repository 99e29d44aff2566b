"""POST /tts/preview: a short WAV clip of the text in the chosen provider's voice, for auditioning voices.

Composition root of PreviewFunction: its settings are read and validated at import (the cold start), and the
preview service with one synthesizer per provider is built from them on first use (each provider's SDK is imported
only when that provider is first asked for).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Response

from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import PREVIEW_BODY_MAX_BYTES, BodyLimit, BodyLimits
from voice_service.http.schemas import ErrorBody
from voice_service.services.preview import PreviewForm, PreviewPolicy, PreviewService
from voice_service.settings import PreviewFunctionSettings, load_settings

SETTINGS = load_settings(PreviewFunctionSettings)
IAM_ACTIONS: Final = PROVIDER_KEYS_IAM_ACTIONS


def build_preview_service(settings: PreviewFunctionSettings) -> PreviewService:
    from voice_service.adapters.tts.registry import synthesizer_factories

    limits = settings.preview
    policy = PreviewPolicy(
        default_provider=limits.default_provider,
        max_chars=limits.max_chars,
        sample_rate=limits.sample_rate,
        timeout_seconds=limits.timeout_seconds,
    )
    return PreviewService(policy, synthesizer_factories(settings))


preview_service = Dependency(build_preview_service, SETTINGS)
DEPENDENCIES = (preview_service,)
router = APIRouter()

PREVIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"audio/wav": {}}, "description": "16-bit mono PCM WAV at the session sample rate"},
    400: {"model": ErrorBody, "description": "Invalid request"},
    413: {"model": ErrorBody, "description": "The audio is too long to return"},
    502: {"model": ErrorBody, "description": "The provider failed, stalled or sent no audio"},
    503: {"model": ErrorBody, "description": "The provider is not configured"},
}


@router.post("/tts/preview", response_class=Response, summary="Synthesize a voice preview", responses=PREVIEW_RESPONSES)
def post_preview(form: PreviewForm, service: Annotated[PreviewService, Depends(preview_service)]) -> Response:
    audio = service.synthesize(form)
    # Each preview is synthesized fresh: the same text may sound different after a voice or model change.
    return Response(content=audio.wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})


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
