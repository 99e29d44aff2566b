"""OpenAI's speech API: POST /v1/audio/speech, GET /v1/audio/voices, GET /v1/models and GET /v1/audio/models.

Composition root of OpenAiSpeechFunction: its settings are read and validated at import (the cold start); the
providers (the preview's adapters), the encoder, the speech cache, the catalog (its catalog function's client in the
cloud) and the voice sources are built from them on first use and reach the routes through one `Dependency`. Errors
on these routes use OpenAI's envelope (`voice_service.http.errors`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from voice_service.adapters.catalog_access import configured_catalog
from voice_service.adapters.lambda_invoker import IAM_ACTIONS as INVOKE_IAM_ACTIONS
from voice_service.adapters.provider_keys import IAM_ACTIONS as PROVIDER_KEYS_IAM_ACTIONS
from voice_service.adapters.s3_speech_cache import READ_WRITE_IAM_ACTIONS as SPEECH_CACHE_IAM_ACTIONS
from voice_service.catalog_boundary.operations import LIST_ENTRIES
from voice_service.http.app import create_app
from voice_service.http.caching import CACHE_STATUS_HEADER, bypass_requested
from voice_service.http.dependencies import Dependency
from voice_service.http.identity import build_gate, caller_of
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.request_guard import BodyLimit, BodyLimits
from voice_service.identity import Caller, Gate, owner_of
from voice_service.models import Owner
from voice_service.providers import preview_provider
from voice_service.services.builtin_voices import VoiceSource, list_builtin_voices
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.openai_names import OPENAI_MODELS, OPENAI_VOICE_TABLE, OPENAI_VOICES, clone_model_name
from voice_service.services.preview import SpeechSynthesizer
from voice_service.services.speech import (
    MEDIA_TYPES,
    RESPONSE_FORMATS,
    STREAM_FORMATS,
    AudioEncoder,
    SpeechAudio,
    SpeechDraft,
    SpeechPolicy,
    clone_finder,
    create_speech,
    listed_clones,
)
from voice_service.services.speech_cache import SpeechCache
from voice_service.settings import OpenAiSpeechFunctionSettings, load_settings

SETTINGS = load_settings(OpenAiSpeechFunctionSettings)
# Outside the VPC, the catalog is reached only through the function's own catalog function, for this operation.
CATALOG_OPERATIONS: Final = frozenset({LIST_ENTRIES.name})
IAM_ACTIONS: Final = PROVIDER_KEYS_IAM_ACTIONS | SPEECH_CACHE_IAM_ACTIONS | INVOKE_IAM_ACTIONS
# Base64 of 12,288 bytes is 16,384 characters without padding: deltas that re-join into the exact file.
SSE_CHUNK_BYTES = 12_288
# OpenAI's model objects carry a creation time; these names are not versioned, so it is 0 (the epoch).
UNVERSIONED = 0


@dataclass(frozen=True)
class SpeechServices:
    """What the routes need, built once per warm container from the settings."""

    policy: SpeechPolicy
    synthesizer_for: Callable[[str], SpeechSynthesizer]
    encoder: AudioEncoder
    cache: SpeechCache
    catalog: VoiceCatalog
    voice_sources: dict[str, VoiceSource]
    configured_providers: Callable[[], list[str]]
    # `provider/model` names each provider is known by besides its name (Edge and eSpeak NG have no models).
    default_models: dict[str, str]


def build_speech_services(settings: OpenAiSpeechFunctionSettings) -> SpeechServices:
    from voice_service.adapters.audio.encoders import LibraryAudioEncoder
    from voice_service.adapters.s3_speech_cache import configured_speech_cache
    from voice_service.adapters.tts.registry import synthesizer_factories
    from voice_service.adapters.tts.voice_sources import builtin_voice_sources, configured_providers

    factories = synthesizer_factories(settings)
    speech = settings.speech
    return SpeechServices(
        policy=SpeechPolicy(
            default_provider=speech.default_provider, max_chars=speech.max_chars, timeout_seconds=speech.timeout_seconds
        ),
        synthesizer_for=lambda provider: factories[provider](),
        encoder=LibraryAudioEncoder(ffmpeg_exe=speech.ffmpeg_exe),
        cache=configured_speech_cache(settings.speech_cache),
        catalog=configured_catalog(settings.catalog, settings.catalog_access, CATALOG_OPERATIONS),
        voice_sources=builtin_voice_sources(settings),
        configured_providers=configured_providers(settings),
        default_models={
            "dashscope": settings.qwen.default_model,
            "cosyvoice": settings.cosyvoice.default_model,
            "elevenlabs": settings.elevenlabs.default_model,
        },
    )


speech_services = Dependency(build_speech_services, SETTINGS)
gate = Dependency(lambda settings: build_gate(settings.auth), SETTINGS)
DEPENDENCIES = (speech_services, gate)
Services = Annotated[SpeechServices, Depends(speech_services)]


def _anonymous_speech(the_gate: Gate) -> bool:
    # With anonymous previews on, anonymous callers may also list and speak with built-in voices here.
    return the_gate.settings.anonymous_preview


SpeechCaller = Annotated[Caller, Depends(caller_of(gate, anonymous_allowed=_anonymous_speech))]


def clone_owner(caller: Caller, the_gate: Gate) -> Owner | None:
    """Whose clones this caller lists and speaks with: their own; the shared catalog when nobody signs in; none
    for an anonymous caller where users sign in (cloned voices are never anonymous)."""
    if the_gate.users_sign_in and caller.user_id is None:
        return None
    return owner_of(caller)


def caller_clones(caller: SpeechCaller, the_gate: Annotated[Gate, Depends(gate)]) -> Owner | None:
    return clone_owner(caller, the_gate)


CloneOwner = Annotated[Owner | None, Depends(caller_clones)]
router = APIRouter()


class CustomVoice(BaseModel):
    """OpenAI's object form of `voice`: a custom voice by id (here: a cloned voice's id, or any voice name)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="A voice id as GET /v1/audio/voices lists it.", max_length=200)


class SpeechBody(BaseModel):
    """OpenAI's CreateSpeechRequest. Unknown fields are ignored, as the servers clients already use do."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="tts-1, tts-1-hd, gpt-4o-mini-tts, a provider, or provider/model.")
    input: str = Field(
        description="The text to speak, at most 4,096 characters.", json_schema_extra={"maxLength": 4096}
    )
    voice: str | CustomVoice = Field(
        description="OpenAI's voice names, provider:voice (e.g. edge:en-US-AriaNeural) or a cloned voice's id."
    )
    response_format: str = Field(default="mp3", json_schema_extra={"enum": list(RESPONSE_FORMATS)})
    speed: float = Field(default=1.0, description="0.25 to 4.0, within the provider's own range.")
    instructions: str | None = Field(default=None, description="Style instructions (DashScope and CosyVoice).")
    stream_format: str = Field(default="audio", json_schema_extra={"enum": list(STREAM_FORMATS)})


def _openai_error(description: str) -> dict[str, object]:
    schema = {"type": "object", "properties": {"error": {"type": "object"}}, "required": ["error"]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SPEECH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The audio in response_format, or text/event-stream with stream_format sse",
        "content": {**{media: {} for media in sorted(set(MEDIA_TYPES.values()))}, "text/event-stream": {}},
    },
    400: _openai_error("Invalid request"),
    401: _openai_error("Sign-in required, or the token is invalid or expired"),
    404: _openai_error("Unknown voice or model"),
    413: _openai_error("The audio would not fit in a response"),
    502: _openai_error("The provider failed"),
    503: _openai_error("The provider is not configured"),
}


@router.post("/v1/audio/speech", response_class=Response, summary="Create speech", responses=SPEECH_RESPONSES)
async def post_speech(
    body: SpeechBody,
    services: Services,
    owner: CloneOwner,
    cache_control: Annotated[
        str | None, Header(description="no-cache: synthesize afresh and replace the cached audio.")
    ] = None,
    pragma: Annotated[str | None, Header(description="no-cache, when Cache-Control is absent (HTTP/1.0).")] = None,
) -> Response:
    # An async route: the synthesis is awaited on Mangum's event loop; the catalog read and the encoding take
    # worker threads inside the use case.
    voice = body.voice.id if isinstance(body.voice, CustomVoice) else body.voice
    draft = SpeechDraft(
        model=body.model,
        input=body.input,
        voice=voice,
        response_format=body.response_format,
        speed=body.speed,
        instructions=body.instructions,
        stream_format=body.stream_format,
    )
    audio = await create_speech(
        draft,
        services.policy,
        services.synthesizer_for,
        services.encoder,
        clone_finder(services.catalog, owner),
        services.cache,
        bypass_cache=bypass_requested(cache_control, pragma),
    )
    # no-store: OpenAI's clients keep nothing; the speech cache is on the server side (X-Speech-Cache says which
    # path answered).
    headers = {"Cache-Control": "no-store", CACHE_STATUS_HEADER: audio.cache.value}
    if body.stream_format == "sse":
        return Response(content=b"".join(sse_events(audio)), media_type="text/event-stream", headers=headers)
    return Response(content=audio.content, media_type=audio.media_type, headers=headers)


def sse_events(audio: SpeechAudio) -> Iterator[bytes]:
    """OpenAI's speech SSE: `speech.audio.delta` events with base64 audio, then `speech.audio.done`.

    The audio is whole before the first event (API Gateway REST buffers responses anyway). No `usage` is sent:
    these providers count no tokens, and a made-up count would mislead.
    """
    for start in range(0, len(audio.content), SSE_CHUNK_BYTES):
        chunk = base64.b64encode(audio.content[start : start + SSE_CHUNK_BYTES]).decode("ascii")
        yield _event({"type": "speech.audio.delta", "audio": chunk})
    yield _event({"type": "speech.audio.done"})


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


class VoiceListing(BaseModel):
    voices: list[dict[str, Any]]


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {401: _openai_error("Sign-in required, or the token is invalid")}


@router.get(
    "/v1/audio/voices",
    response_model=VoiceListing,
    summary="List voices",
    responses={**AUTH_RESPONSES, 502: {}},
)
def get_voices(services: Services, owner: CloneOwner) -> dict[str, Any]:
    """OpenAI's voice names (for the default provider), each configured provider's built-in voices, and clones."""
    default = preview_provider(services.policy.default_provider, "default provider (OPENTALKING_TTS_PROVIDER)")
    voices: list[dict[str, Any]] = [
        {
            "id": name,
            "name": f"{name} ({default} {OPENAI_VOICE_TABLE[default][name]})",
            "provider": default,
            "voice": OPENAI_VOICE_TABLE[default][name],
            "model": OPENAI_MODELS[0],
            "source": "openai",
        }
        for name in OPENAI_VOICES
    ]
    for provider, builtins in list_builtin_voices(services.voice_sources).items():
        voices += [
            {
                "id": f"{provider}:{voice.voice}",
                "name": voice.name,
                "provider": provider,
                "voice": voice.voice,
                "model": provider,
                "language": voice.language,
                "gender": voice.gender,
                "source": "builtin",
            }
            for voice in builtins
        ]
    voices += [
        {
            "id": entry.voice_id,
            "name": entry.display_label,
            "provider": entry.provider,
            "voice": entry.voice_id,
            "model": clone_model_name(entry),
            "source": "clone",
        }
        for entry in listed_clones(services.catalog, owner)
    ]
    return {"voices": voices}


class ModelObject(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = UNVERSIONED
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelObject]


class AudioModelList(BaseModel):
    models: list[ModelObject]


def model_objects(services: SpeechServices, owner: Owner | None) -> list[ModelObject]:
    """OpenAI's model names, each configured provider (and provider/default model), and the clones' models."""
    objects = [ModelObject(id=name, owned_by="opentalking") for name in OPENAI_MODELS]
    providers = services.configured_providers()
    for provider in providers:
        objects.append(ModelObject(id=provider, owned_by=provider))
        if provider in services.default_models:
            objects.append(ModelObject(id=f"{provider}/{services.default_models[provider]}", owned_by=provider))
    for entry in listed_clones(services.catalog, owner):
        if entry.provider in providers:
            objects.append(ModelObject(id=clone_model_name(entry), owned_by=entry.provider))
    unique: dict[str, ModelObject] = {}
    for model in objects:
        unique.setdefault(model.id, model)
    return list(unique.values())


@router.get("/v1/models", response_model=ModelList, summary="List models", responses=AUTH_RESPONSES)
def get_models(services: Services, owner: CloneOwner) -> ModelList:
    return ModelList(data=model_objects(services, owner))


@router.get("/v1/audio/models", response_model=AudioModelList, summary="List speech models", responses=AUTH_RESPONSES)
def get_audio_models(services: Services, owner: CloneOwner) -> AudioModelList:
    return AudioModelList(models=model_objects(services, owner))


# `input` and `instructions` of 4,096 characters each, even escaped as \uXXXX surrogate pairs (12 bytes a character).
SPEECH_BODY_MAX_BYTES: Final = 128 * 1024
BODY_LIMITS: BodyLimits = {"/v1/audio/speech": BodyLimit(SPEECH_BODY_MAX_BYTES)}
app = create_app(router, cors_origins=SETTINGS.api.cors_allow_origins, body_limits=BODY_LIMITS)
lambda_handler = make_lambda_handler(app)
