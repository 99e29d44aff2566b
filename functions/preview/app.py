"""POST /tts/preview: a short WAV clip of the text in the chosen provider's voice, for auditioning voices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from voice_service.adapters.factories import get_speech_cache
from voice_service.adapters.tts.registry import get_synthesizer
from voice_service.http.app import create_app
from voice_service.http.caching import bypass_requested, etag_matches, speech_headers
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ErrorBody
from voice_service.services.preview import (
    MAX_MODEL_CHARS,
    MAX_VOICE_CHARS,
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
    no_cache: bool = Field(
        default=False,
        strict=True,
        description="true: synthesize afresh and replace the cached copy (as the header Cache-Control: no-cache).",
    )


PREVIEW_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"audio/wav": {}}, "description": "16-bit mono PCM WAV at the session sample rate"},
    304: {"description": "If-None-Match named this audio's ETag: no body"},
    400: {"model": ErrorBody, "description": "Invalid request"},
    413: {"model": ErrorBody, "description": "The audio is too long to return"},
    502: {"model": ErrorBody, "description": "The provider failed, stalled or sent no audio"},
    503: {"model": ErrorBody, "description": "The provider is not configured"},
}


@router.post("/tts/preview", response_class=Response, summary="Synthesize a voice preview", responses=PREVIEW_RESPONSES)
async def post_preview(
    body: PreviewBody,
    cache_control: Annotated[
        str | None, Header(description="no-cache: synthesize afresh and replace the cached copy.")
    ] = None,
    pragma: Annotated[str | None, Header(description="no-cache, when Cache-Control is absent (HTTP/1.0).")] = None,
    if_none_match: Annotated[
        str | None, Header(description="An ETag from an earlier preview: 304 if the audio is unchanged.")
    ] = None,
) -> Response:
    # An async route: the synthesis is awaited on Mangum's event loop, without FastAPI's worker-thread hop.
    settings = get_settings(PreviewSettings)
    policy = PreviewPolicy(
        default_provider=settings.default_provider,
        max_chars=settings.max_chars,
        sample_rate=settings.sample_rate,
        timeout_seconds=settings.timeout_seconds,
    )
    draft = PreviewDraft(**body.model_dump(exclude={"no_cache"}))
    bypass = body.no_cache or bypass_requested(cache_control, pragma)
    audio = await synthesize_preview(draft, policy, get_synthesizer, get_speech_cache(), bypass_cache=bypass)
    headers = speech_headers(audio.etag, audio.cache)
    if etag_matches(if_none_match, audio.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=audio.wav, media_type="audio/wav", headers=headers)


app = create_app(router)
lambda_handler = make_lambda_handler(app)
