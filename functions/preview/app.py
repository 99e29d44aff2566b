"""POST /tts/preview: a short WAV clip of the text in the chosen provider's voice, for auditioning voices."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from voice_service.adapters.tts.registry import get_synthesizer
from voice_service.http.app import create_app
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import PREVIEW_BODY_MAX_BYTES, BodyLimit, BodyLimits
from voice_service.http.schemas import ErrorBody
from voice_service.services.fields import MAX_MODEL_CHARS, MAX_VOICE_CHARS
from voice_service.services.preview import (
    PREVIEW_PROVIDERS,
    PROVIDER_ALIASES,
    PreviewDraft,
    PreviewPolicy,
    synthesize_preview,
)
from voice_service.settings import PreviewSettings, get_settings

router = APIRouter()


class PreviewBody(BaseModel):
    """The spec's fields plus the web client's spellings (`tts_provider`, `tts_model`); other fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    # Limits and names are documented for clients and fuzzers; the service itself checks them (with its own
    # sentences, the configured limit, and any letter case of the provider names).
    text: str = Field(
        description="Text to synthesize (at most OPENTALKING_TTS_PREVIEW_MAX_CHARS characters, default 240).",
        json_schema_extra={"minLength": 1, "maxLength": 240, "pattern": "\\S"},
    )
    voice: str | None = Field(
        default=None,
        description="Voice identifier; its format depends on the provider.",
        json_schema_extra={"maxLength": MAX_VOICE_CHARS},
    )
    provider: str | None = Field(
        default=None,
        description="edge, dashscope, cosyvoice, elevenlabs or espeak; default OPENTALKING_TTS_PROVIDER.",
        json_schema_extra={"enum": [*PREVIEW_PROVIDERS, *PROVIDER_ALIASES]},
    )
    model: str | None = Field(
        default=None,
        description="Provider-specific model identifier.",
        json_schema_extra={"maxLength": MAX_MODEL_CHARS},
    )
    tts_provider: str | None = Field(
        default=None,
        description="The web client's name for `provider`.",
        json_schema_extra={"enum": [*PREVIEW_PROVIDERS, *PROVIDER_ALIASES]},
    )
    tts_model: str | None = Field(
        default=None, description="The web client's name for `model`.", json_schema_extra={"maxLength": MAX_MODEL_CHARS}
    )


PREVIEW_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"audio/wav": {}}, "description": "16-bit mono PCM WAV at the session sample rate"},
    400: {"model": ErrorBody, "description": "Invalid request"},
    413: {"model": ErrorBody, "description": "The audio is too long to return"},
    502: {"model": ErrorBody, "description": "The provider failed, stalled or sent no audio"},
    503: {"model": ErrorBody, "description": "The provider is not configured"},
}


@router.post("/tts/preview", response_class=Response, summary="Synthesize a voice preview", responses=PREVIEW_RESPONSES)
def post_preview(body: PreviewBody) -> Response:
    settings = get_settings(PreviewSettings)
    policy = PreviewPolicy(
        default_provider=settings.default_provider,
        max_chars=settings.max_chars,
        sample_rate=settings.sample_rate,
        timeout_seconds=settings.timeout_seconds,
    )
    draft = PreviewDraft(**body.model_dump())
    audio = synthesize_preview(draft, policy, get_synthesizer)
    # Each preview is synthesized fresh: the same text may sound different after a voice or model change.
    return Response(content=audio.wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})


BODY_LIMITS: BodyLimits = {"/tts/preview": BodyLimit(PREVIEW_BODY_MAX_BYTES)}
app = create_app(router, body_limits=BODY_LIMITS)
lambda_handler = make_lambda_handler(app)
