"""GET /tts/voices: each preview provider's built-in voices and models, for pickers (cloned voices: GET /voices).

Composition root of ListTtsVoicesFunction: its settings are read and validated at import (the cold start), and the
listing service with one voice directory per provider is built from them on first use.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES
from voice_service.providers import PREVIEW_PROVIDERS, PROVIDER_ALIASES
from voice_service.services.builtin_voices import BuiltinVoiceService
from voice_service.settings import ListTtsVoicesFunctionSettings, load_settings

SETTINGS = load_settings(ListTtsVoicesFunctionSettings)
IAM_ACTIONS: Final[frozenset[str]] = frozenset()
# Lists change rarely (Edge's a few times a year); let browsers keep one for a few minutes.
CACHE_CONTROL = "public, max-age=300"


def build_voice_service(settings: ListTtsVoicesFunctionSettings) -> BuiltinVoiceService:
    from voice_service.adapters.tts.voice_directories import voice_directories

    return BuiltinVoiceService(
        voice_directories(settings),
        default_provider=settings.preview.default_provider,
        max_chars=settings.preview.max_chars,
    )


voice_service = Dependency(build_voice_service, SETTINGS)
DEPENDENCIES = (voice_service,)
router = APIRouter()


class BuiltinVoiceItem(BaseModel):
    id: str = Field(description="Send this as `voice` to POST /tts/preview.")
    name: str
    locale: str | None
    gender: str | None


class ProviderVoicesItem(BaseModel):
    provider: str
    source: Literal["live", "installed", "configured", "fallback"] = Field(
        description="live: fetched from the provider; installed: the engine's own voices; configured: the "
        "deployment's default only; fallback: a fixed selection because the live list could not be fetched."
    )
    default_voice: str | None = Field(description="Used when a preview names no voice.")
    default_model: str | None = Field(description="Used when a preview names no model; null: no models.")
    models: list[str]
    voices: list[BuiltinVoiceItem]
    note: str | None = Field(description="Why the list is short or where it came from, when that matters.")


class BuiltinVoicesBody(BaseModel):
    default_provider: str = Field(description="The provider POST /tts/preview uses when a request names none.")
    max_chars: int = Field(description="The longest text POST /tts/preview accepts, in characters.")
    providers: list[ProviderVoicesItem]


@router.get(
    "/tts/voices",
    response_model=BuiltinVoicesBody,
    summary="List each provider's built-in voices",
    responses=ERROR_RESPONSES,
)
def get_builtin_voices(
    service: Annotated[BuiltinVoiceService, Depends(voice_service)],
    provider: Annotated[
        str | None,
        Query(
            description="Only this provider's voices.",
            json_schema_extra={"enum": [*PREVIEW_PROVIDERS, *PROVIDER_ALIASES]},
        ),
    ] = None,
) -> Response:
    # A sync route runs in a worker thread, where Edge's list gets an event loop of its own (edge-tts is async).
    listing = service.list(provider)
    body = BuiltinVoicesBody(
        default_provider=listing.default_provider,
        max_chars=listing.max_chars,
        providers=[
            ProviderVoicesItem(
                provider=entry.provider,
                source=entry.source,
                default_voice=entry.default_voice,
                default_model=entry.default_model,
                models=list(entry.models),
                voices=[
                    BuiltinVoiceItem(id=voice.id, name=voice.name, locale=voice.locale, gender=voice.gender)
                    for voice in entry.voices
                ],
                note=entry.note,
            )
            for entry in listing.providers
        ],
    )
    return Response(body.model_dump_json(), media_type="application/json", headers={"Cache-Control": CACHE_CONTROL})


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
