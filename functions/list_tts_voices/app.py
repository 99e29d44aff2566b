"""GET /tts/voices: each preview provider's built-in voices and models, for pickers (cloned voices: GET /voices).

Composition root of ListTtsVoicesFunction: its settings are read and validated at import (the cold start); the
voice sources (Edge's live list with a fallback, eSpeak NG's installed voices, configured defaults for the others)
are built from them on first use. A provider that cannot run here (no key, no native library) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.http.app import create_app
from voice_service.http.dependencies import Dependency
from voice_service.http.identity import build_gate, caller_of
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import AUTH_ERROR_RESPONSES
from voice_service.identity import Gate
from voice_service.providers import PREVIEW_PROVIDERS, PROVIDER_ALIASES, preview_provider
from voice_service.services.builtin_voices import BuiltinVoice, VoiceSource, list_builtin_voices
from voice_service.settings import ListTtsVoicesFunctionSettings, load_settings
from voice_service.text import blank_to_none

SETTINGS = load_settings(ListTtsVoicesFunctionSettings)
# The provider secret tells which providers are configured here.
IAM_ACTIONS: Final = PROVIDER_KEYS_IAM_ACTIONS
# Lists change rarely (Edge's a few times a year); let browsers keep one for a few minutes.
CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True, slots=True)
class ProviderDefaults:
    voice: str | None
    model: str | None


@dataclass(frozen=True, slots=True)
class BuiltinVoiceListing:
    """Each provider's voice source and the defaults a preview applies, with the preview's provider and limit."""

    sources: dict[str, VoiceSource]
    defaults: dict[str, ProviderDefaults]
    default_provider: str
    max_chars: int

    def listing(self, provider: str | None) -> dict[str, list[BuiltinVoice]]:
        """The voices of every provider that can run here, or of one (any accepted name; unknown: 400)."""
        if blank_to_none(provider) is None:
            return list_builtin_voices(self.sources)
        name = preview_provider(str(provider))
        return list_builtin_voices({name: self.sources[name]})


def build_voice_listing(settings: ListTtsVoicesFunctionSettings) -> BuiltinVoiceListing:
    from voice_service.adapters.tts.voice_sources import builtin_voice_sources

    defaults = {
        "edge": ProviderDefaults(settings.edge.default_voice, None),
        "dashscope": ProviderDefaults(settings.qwen.default_voice, settings.qwen.default_model),
        "cosyvoice": ProviderDefaults(settings.cosyvoice.default_voice, settings.cosyvoice.default_model),
        "elevenlabs": ProviderDefaults(settings.elevenlabs.default_voice_id, settings.elevenlabs.default_model),
        "espeak": ProviderDefaults(settings.espeak.default_voice, None),
    }
    assert tuple(defaults) == PREVIEW_PROVIDERS, "every preview provider needs its defaults"
    return BuiltinVoiceListing(
        builtin_voice_sources(settings),
        defaults,
        default_provider=preview_provider(settings.preview.default_provider, "OPENTALKING_TTS_PROVIDER"),
        max_chars=settings.preview.max_chars,
    )


voice_listing = Dependency(build_voice_listing, SETTINGS)
gate = Dependency(lambda settings: build_gate(settings.auth), SETTINGS)
DEPENDENCIES = (voice_listing, gate)


def _anonymous_listing(the_gate: Gate) -> bool:
    # Built-in voices are what an anonymous preview can use: listed to anonymous callers exactly when it is allowed.
    return the_gate.settings.anonymous_preview


listing_caller = caller_of(gate, anonymous_allowed=_anonymous_listing)
router = APIRouter()


class BuiltinVoiceItem(BaseModel):
    id: str = Field(description="Send this as `voice` to POST /tts/preview.")
    name: str
    locale: str | None
    gender: str | None


class ProviderVoicesItem(BaseModel):
    provider: str
    default_voice: str | None = Field(description="Used when a preview names no voice.")
    default_model: str | None = Field(description="Used when a preview names no model; null: no models.")
    models: list[str]
    voices: list[BuiltinVoiceItem]


class BuiltinVoicesBody(BaseModel):
    default_provider: str = Field(description="The provider POST /tts/preview uses when a request names none.")
    max_chars: int = Field(description="The longest text POST /tts/preview accepts, in characters.")
    providers: list[ProviderVoicesItem] = Field(description="Only the providers that can run in this deployment.")


@router.get(
    "/tts/voices",
    response_model=BuiltinVoicesBody,
    summary="List each provider's built-in voices",
    responses=AUTH_ERROR_RESPONSES,
    dependencies=[Depends(listing_caller)],
)
def get_builtin_voices(
    builtin: Annotated[BuiltinVoiceListing, Depends(voice_listing)],
    provider: Annotated[
        str | None,
        Query(
            description="Only this provider's voices.",
            json_schema_extra={"enum": [*PREVIEW_PROVIDERS, *PROVIDER_ALIASES]},
        ),
    ] = None,
) -> Response:
    # A sync route runs in a worker thread, where Edge's list gets an event loop of its own (edge-tts is async).
    listing = builtin.listing(provider)
    body = BuiltinVoicesBody(
        default_provider=builtin.default_provider,
        max_chars=builtin.max_chars,
        providers=[
            ProviderVoicesItem(
                provider=name,
                default_voice=builtin.defaults[name].voice,
                default_model=builtin.defaults[name].model,
                models=[model for model in (builtin.defaults[name].model,) if model],
                voices=[
                    BuiltinVoiceItem(id=voice.voice, name=voice.name, locale=voice.language, gender=voice.gender)
                    for voice in voices
                ],
            )
            for name, voices in listing.items()
        ],
    )
    return Response(body.model_dump_json(), media_type="application/json", headers={"Cache-Control": CACHE_CONTROL})


app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins)
lambda_handler = make_lambda_handler(app)
