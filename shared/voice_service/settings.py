"""Settings: one model per function, read from the environment and validated when the function's module is imported.

A function's model (`PreviewFunctionSettings`, ...) is made of sections (`CorsSettings`, `CatalogSettings`, ...);
each section field names its environment variable in `validation_alias`, and pydantic parses and validates it.
`load_settings(Model)` runs at the Lambda cold start (and when `make run` starts): an invalid or missing value
raises `SettingsError`, one sentence naming the variable and the rule, so the function fails its init instead of
answering 500 at the first request. Tests build a model from a mapping (`Model.from_environment({...})`).

pydantic-settings would do the same reading, but importing it costs ~12 ms of every cold start (7% of the
framework floor), and these models need nothing from it beyond "look the alias up in os.environ".
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

DEFAULT_SQLITE_PATH = Path(".data") / "voices.sqlite3"


class SettingsError(Exception):
    """A setting is invalid or missing; the message is one sentence naming the variable and the rule."""


class EnvSettings(BaseModel):
    """A section of settings: `from_environment()` reads each field's alias from the environment (or a mapping)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        source = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name, field in cls.model_fields.items():
            for variable in variable_names(name, field):
                if variable in source:
                    values[variable] = source[variable]
                    break  # the first name present wins, as AliasChoices orders them
        return cls.model_validate(values)

    @classmethod
    def variables(cls) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
        """Each field as (the variable names that can set it, the field)."""
        for name, field in cls.model_fields.items():
            yield tuple(variable_names(name, field)), field


def variable_names(name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return [name.upper()]


_Base = EnvSettings


class CorsSettings(_Base):
    """Browser origins allowed to call the API (an allow-list; never `*` with credentials)."""

    cors_allow_origins: tuple[str, ...] = Field(
        default=("http://localhost:5173", "http://127.0.0.1:5173"),
        validation_alias="OPENTALKING_CORS_ALLOW_ORIGINS",
    )

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())
        return value


class CatalogSettings(_Base):
    """Where the SQLite catalog lives and how long a writer waits for the lock."""

    sqlite_path: Path = Field(default=DEFAULT_SQLITE_PATH, validation_alias="OPENTALKING_SQLITE_PATH")
    sqlite_busy_timeout_seconds: float = Field(
        default=10.0, gt=0, le=25, validation_alias="OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS"
    )


AuthMode = Literal["open", "api-key", "users"]


class AuthSettings(_Base):
    """Who may call: `open` (anyone; one shared catalog), `api-key` (API Gateway checks x-api-key; one shared
    catalog), or `users` (a signed-in user's JWT, verified against the issuer's JWKS; a catalog per user).

    In Lambda the authorizer function verifies the token and the functions read its verdict from the request
    context; `make run` verifies the same way in-process (voice_service.identity.tokens).
    """

    mode: AuthMode = Field(default="open", validation_alias="OPENTALKING_AUTH_MODE")
    issuer: str | None = Field(default=None, validation_alias="OPENTALKING_AUTH_ISSUER")
    audience: str | None = Field(default=None, validation_alias="OPENTALKING_AUTH_AUDIENCE")
    # Blank: the issuer's `/.well-known/jwks.json` (where Cognito publishes it; other OIDC providers name theirs
    # in `jwks_uri` of their discovery document).
    jwks_url: str | None = Field(default=None, validation_alias="OPENTALKING_AUTH_JWKS_URL")
    clock_skew_seconds: int = Field(default=60, ge=0, le=600, validation_alias="OPENTALKING_AUTH_CLOCK_SKEW_SECONDS")
    jwks_cache_seconds: int = Field(
        default=3600, ge=60, le=86400, validation_alias="OPENTALKING_AUTH_JWKS_CACHE_SECONDS"
    )
    # A token naming an unknown key id refetches the key set at most this often (a flood of forged key ids cannot
    # turn into a flood of requests to the issuer); 0 refetches on every unknown key id.
    jwks_refresh_cooldown_seconds: int = Field(
        default=30, ge=0, le=3600, validation_alias="OPENTALKING_AUTH_JWKS_REFRESH_COOLDOWN_SECONDS"
    )
    # Members of this group (the token's `cognito:groups` or `groups` claim) also see voices no user owns.
    admin_group: str | None = Field(default=None, validation_alias="OPENTALKING_AUTH_ADMIN_GROUP")
    anonymous_preview: bool = Field(default=False, validation_alias="OPENTALKING_AUTH_ANONYMOUS_PREVIEW")

    @field_validator("issuer", "audience", "jwks_url", "admin_group", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("anonymous_preview", mode="before")
    @classmethod
    def _blank_is_false(cls, value: object) -> object:
        return False if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _users_need_an_issuer(self) -> Self:
        if self.mode == "users" and (self.issuer is None or self.audience is None):
            raise ValueError("OPENTALKING_AUTH_MODE users needs OPENTALKING_AUTH_ISSUER and OPENTALKING_AUTH_AUDIENCE")
        return self

    def jwks_location(self) -> str:
        """Where the issuer publishes its signing keys."""
        if self.jwks_url is not None:
            return self.jwks_url
        if self.issuer is None:
            raise ValueError("no issuer is configured")
        return f"{self.issuer.rstrip('/')}/.well-known/jwks.json"


class QuotaSettings(_Base):
    """Per-user limits in the `users` mode (0 = no limit): voices kept, clones and previews per minute."""

    max_voices_per_user: int = Field(default=50, ge=0, le=1000, validation_alias="OPENTALKING_QUOTA_MAX_VOICES")
    clones_per_minute: int = Field(default=5, ge=0, le=1000, validation_alias="OPENTALKING_QUOTA_CLONES_PER_MINUTE")


class PreviewQuotaSettings(_Base):
    """The per-user preview rate in the `users` mode (0 = no limit; anonymous previews are not counted per user)."""

    previews_per_minute: int = Field(
        default=30, ge=0, le=10000, validation_alias="OPENTALKING_QUOTA_PREVIEWS_PER_MINUTE"
    )


class ConsentSettings(_Base):
    """Whether a clone needs a consent record: `auto` = required when users sign in, else optional."""

    consent: Literal["auto", "required", "optional"] = Field(
        default="auto", validation_alias="OPENTALKING_CLONE_CONSENT"
    )
    # The speaker's recorded consent statement (the file field `consent_statement`); `required` implies a consent
    # record whatever OPENTALKING_CLONE_CONSENT says.
    statement: Literal["optional", "required"] = Field(
        default="optional", validation_alias="OPENTALKING_CLONE_CONSENT_STATEMENT"
    )

    def required(self, auth: AuthSettings) -> bool:
        return self.consent == "required" or (self.consent == "auto" and auth.mode == "users")


class CatalogAccessSettings(_Base):
    """How a function outside the VPC reaches the catalog: the catalog function it invokes for every read and write.

    Unset (`make run`, the in-process tests), the function opens the SQLite file of its CatalogSettings itself.
    """

    catalog_function: str | None = Field(default=None, min_length=1, validation_alias="OPENTALKING_CATALOG_FUNCTION")
    # Above the catalog function's own timeout, so its typed answer (busy, not found) arrives before this gives up.
    invoke_timeout_seconds: float = Field(
        default=10.0, gt=0, le=25, validation_alias="OPENTALKING_CATALOG_INVOKE_TIMEOUT_SECONDS"
    )


class CatalogOperationsSettings(_Base):
    """The catalog operations a catalog function serves: its one caller's declared ones; every other is refused.

    Empty (unset) serves none. An unknown name stops the cold start.
    """

    operations: tuple[str, ...] = Field(default=(), validation_alias="OPENTALKING_CATALOG_OPERATIONS")

    @field_validator("operations", mode="before")
    @classmethod
    def _split_operations(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("operations")
    @classmethod
    def _registered(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Imported here: the registry imports the domain, which the other settings never need.
        from voice_service.catalog_boundary.operations import OPERATIONS

        unknown = sorted(set(value) - set(OPERATIONS))
        if unknown:
            raise ValueError(f"names no catalog operation {', '.join(unknown)} (known: {', '.join(OPERATIONS)})")
        return value


class ProviderKeySettings(_Base):
    """Provider API keys: from the environment locally, from one Secrets Manager secret in the cloud.

    The secret (OPENTALKING_PROVIDER_SECRETS_ARN) is a JSON object whose keys are the variable names below; a
    non-empty environment variable wins over it.
    """

    dashscope_api_key: SecretStr | None = Field(default=None, validation_alias="DASHSCOPE_API_KEY")
    elevenlabs_api_key: SecretStr | None = Field(default=None, validation_alias="OPENTALKING_TTS_ELEVENLABS_API_KEY")
    provider_secrets_arn: str | None = Field(default=None, validation_alias="OPENTALKING_PROVIDER_SECRETS_ARN")
    provider_secrets_max_age_seconds: int = Field(
        default=300, ge=0, le=3600, validation_alias="OPENTALKING_PROVIDER_SECRETS_MAX_AGE_SECONDS"
    )


class DashScopeEndpointSettings(_Base):
    """Where the dashscope SDK sends requests (defaults: the public service)."""

    http_base_url: str = Field(
        default="https://dashscope.aliyuncs.com/api/v1", validation_alias="DASHSCOPE_HTTP_BASE_URL"
    )
    websocket_base_url: str = Field(
        default="wss://dashscope.aliyuncs.com/api-ws/v1/inference", validation_alias="DASHSCOPE_WEBSOCKET_BASE_URL"
    )


class SpeechCacheSettings(_Base):
    """The bucket of finished speech, previews and /v1 audio (unset: no cache; all speech is synthesized)."""

    speech_cache_bucket: str | None = Field(default=None, validation_alias="OPENTALKING_SPEECH_CACHE_BUCKET")


class PreviewSettings(_Base):
    """POST /tts/preview: default provider, text limit, output sample rate and the per-request deadline."""

    default_provider: str = Field(default="edge", validation_alias="OPENTALKING_TTS_PROVIDER")
    max_chars: int = Field(default=240, ge=1, le=5000, validation_alias="OPENTALKING_TTS_PREVIEW_MAX_CHARS")
    sample_rate: int = Field(default=16000, ge=8000, le=48000, validation_alias="OPENTALKING_TTS_SAMPLE_RATE")
    # API Gateway gives up after 29 s; the deadline must leave room for decoding and the response.
    timeout_seconds: float = Field(
        default=20.0, gt=0, le=25, validation_alias="OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS"
    )


class SpeechSettings(_Base):
    """The OpenAI-compatible routes (/v1/audio/speech and the listings): default provider, limits, AAC's ffmpeg."""

    default_provider: str = Field(default="edge", validation_alias="OPENTALKING_TTS_PROVIDER")
    max_chars: int = Field(default=4096, ge=1, le=4096, validation_alias="OPENTALKING_SPEECH_MAX_CHARS")
    # API Gateway gives up after 29 s and the function after 28 s: leave 6 s or more for encoding up to four minutes
    # of speech (mp3 about 1 s, opus several) and for the response.
    timeout_seconds: float = Field(default=20.0, gt=0, le=22, validation_alias="OPENTALKING_SPEECH_TIMEOUT_SECONDS")
    # Only `aac` runs ffmpeg: in Lambda the ffmpeg layer's audio-only build (2.5 MB, with the native AAC encoder).
    # Unset: imageio-ffmpeg's binary where installed (locally), else aac is a 400.
    ffmpeg_exe: str | None = Field(default=None, validation_alias="OPENTALKING_SPEECH_FFMPEG_EXE")


class EdgeTtsSettings(_Base):
    """Microsoft Edge read-aloud TTS (no key). The URL must already carry its query string."""

    websocket_url: str | None = Field(default=None, validation_alias="OPENTALKING_EDGE_TTS_URL")
    voice_list_url: str | None = Field(default=None, validation_alias="OPENTALKING_EDGE_VOICE_LIST_URL")
    default_voice: str = Field(default="zh-CN-XiaoxiaoNeural", validation_alias="OPENTALKING_TTS_EDGE_VOICE")


class QwenTtsSettings(_Base):
    """DashScope Qwen realtime TTS (the SDK ignores DASHSCOPE_WEBSOCKET_BASE_URL for it)."""

    websocket_url: str = Field(
        default="wss://dashscope.aliyuncs.com/api-ws/v1/realtime", validation_alias="OPENTALKING_QWEN_TTS_WS_URL"
    )
    default_model: str = Field(default="qwen3-tts-flash-realtime", validation_alias="OPENTALKING_TTS_DASHSCOPE_MODEL")
    default_voice: str = Field(default="Cherry", validation_alias="OPENTALKING_TTS_DASHSCOPE_VOICE")


class CosyVoiceTtsSettings(_Base):
    """DashScope CosyVoice TTS (endpoint: DASHSCOPE_WEBSOCKET_BASE_URL)."""

    default_model: str = Field(default="cosyvoice-v2", validation_alias="OPENTALKING_TTS_COSYVOICE_MODEL")
    default_voice: str = Field(default="longxiaochun_v2", validation_alias="OPENTALKING_TTS_COSYVOICE_VOICE")


class ElevenLabsTtsSettings(_Base):
    """ElevenLabs TTS (key: OPENTALKING_TTS_ELEVENLABS_API_KEY)."""

    base_url: str = Field(default="https://api.elevenlabs.io", validation_alias="OPENTALKING_TTS_ELEVENLABS_BASE_URL")
    default_voice_id: str | None = Field(default=None, validation_alias="OPENTALKING_TTS_ELEVENLABS_VOICE_ID")
    default_model: str = Field(default="eleven_flash_v2_5", validation_alias="OPENTALKING_TTS_ELEVENLABS_MODEL_ID")


class EspeakTtsSettings(_Base):
    """eSpeak NG, the offline provider (no key, no network)."""

    default_voice: str = Field(default="en-us", validation_alias="OPENTALKING_TTS_ESPEAK_VOICE")


MIB = 1024 * 1024


class SampleBucketSettings(_Base):
    """The S3 bucket holding direct uploads (`uploads/`) and CosyVoice samples (`samples/`) for minutes at most."""

    samples_bucket: str | None = Field(default=None, validation_alias="OPENTALKING_SAMPLES_BUCKET")
    # Presigned URLs must be signed for the bucket's own region (Lambda sets AWS_REGION).
    samples_bucket_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENTALKING_SAMPLES_BUCKET_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    sample_url_ttl_seconds: int = Field(
        default=300, ge=30, le=3600, validation_alias="OPENTALKING_SAMPLE_URL_TTL_SECONDS"
    )
    upload_url_ttl_seconds: int = Field(
        default=300, ge=30, le=3600, validation_alias="OPENTALKING_UPLOAD_URL_TTL_SECONDS"
    )


class ConsentStatementSettings(_Base):
    """Where recorded consent statements live (the samples bucket's `consent/` prefix), for the functions that read
    or delete them with their voices, and how long a listening URL lives."""

    samples_bucket: str | None = Field(default=None, validation_alias="OPENTALKING_SAMPLES_BUCKET")
    samples_bucket_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENTALKING_SAMPLES_BUCKET_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    statement_url_ttl_seconds: int = Field(
        default=300, ge=30, le=3600, validation_alias="OPENTALKING_CONSENT_STATEMENT_URL_TTL_SECONDS"
    )


# API Gateway stops waiting at 29 s; keep 2 s for S3, the catalog write and the response.
CLONE_TIME_BUDGET_SECONDS = 27


class CloneSettings(_Base):
    """Limits and time budgets of `POST /voices/clone` (sizes per contract rule 9)."""

    # API Gateway + Lambda carry about 4.5 MiB of raw multipart body; larger samples use POST /voices/uploads.
    direct_upload_max_bytes: int = Field(
        default=4_500_000, ge=256, le=12 * MIB, validation_alias="OPENTALKING_CLONE_DIRECT_MAX_BYTES"
    )
    # Providers accept at most 60 s of prompt audio and need a few seconds of speech (Qwen: 3 s).
    max_sample_seconds: float = Field(default=60.0, gt=0, le=300, validation_alias="OPENTALKING_CLONE_MAX_SECONDS")
    min_sample_seconds: float = Field(default=3.0, ge=0, le=60, validation_alias="OPENTALKING_CLONE_MIN_SECONDS")
    # A 12 MiB WAV converts in ~30 ms and two minutes of webm/opus in ~120 ms here (BENCHMARKS.md). One limit for
    # all of a clone's decoding: the sample gets three quarters of it, a consent statement (at most 2 MiB) the rest.
    conversion_timeout_seconds: float = Field(
        default=4.0, gt=0, le=120, validation_alias="OPENTALKING_CLONE_CONVERSION_TIMEOUT_SECONDS"
    )
    # The project's audio-only ffmpeg: /opt/bin/ffmpeg in Lambda (the ffmpeg layer); `make run` and the tests set
    # it to the same build for the host (`make ffmpeg`). Unset: cloning answers that conversion is not configured.
    ffmpeg_exe: str | None = Field(default=None, validation_alias="OPENTALKING_FFMPEG_PATH")
    # Qwen enrollment processes the inline sample before answering: give it time, within API Gateway's 29 s.
    provider_timeout_seconds: int = Field(
        default=8, ge=1, le=25, validation_alias="OPENTALKING_CLONE_PROVIDER_TIMEOUT_SECONDS"
    )
    # CosyVoice's create_voice only registers the voice (it deploys afterwards), but the SDK retries a timeout
    # three times 2 s apart: the worst case is 4 x this + 6 s, so keep it small.
    cosyvoice_timeout_seconds: int = Field(
        default=3, ge=1, le=5, validation_alias="OPENTALKING_COSYVOICE_TIMEOUT_SECONDS"
    )
    # How long a CosyVoice clone waits for the voice to finish deploying before deleting its sample (see cloning.py).
    cosyvoice_deploy_wait_seconds: float = Field(
        default=3.0, ge=0, le=25, validation_alias="OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS"
    )
    cosyvoice_poll_interval_seconds: float = Field(
        default=1.0, gt=0, le=10, validation_alias="OPENTALKING_COSYVOICE_POLL_INTERVAL_SECONDS"
    )

    @property
    def sample_conversion_timeout_seconds(self) -> float:
        return self.conversion_timeout_seconds * 3 / 4

    @property
    def statement_conversion_timeout_seconds(self) -> float:
        return self.conversion_timeout_seconds / 4

    @model_validator(mode="after")
    def _fits_api_gateway(self) -> Self:
        """A clone must answer before API Gateway gives up (29 s), or the caller sees a 504 for a clone that may
        still succeed; refuse settings whose worst case does not fit."""
        worst = self.worst_case_seconds()
        if worst > CLONE_TIME_BUDGET_SECONDS:
            raise ValueError(
                "the clone time budgets (OPENTALKING_CLONE_CONVERSION_TIMEOUT_SECONDS, "
                "OPENTALKING_CLONE_PROVIDER_TIMEOUT_SECONDS, OPENTALKING_COSYVOICE_TIMEOUT_SECONDS, "
                f"OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS) add up to {worst:.1f} s in the worst case, over the "
                f"{CLONE_TIME_BUDGET_SECONDS} s a request may take behind API Gateway"
            )
        return self

    def worst_case_seconds(self) -> float:
        """Conversion plus the slower provider path: Qwen's request, or CosyVoice's create_voice with the SDK's
        three retries 2 s apart, the deploy wait and its last status query.

        The catalog write comes last and waits for a busy catalog only for what is left of the 27 s (at most
        OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS), so a busy catalog never stretches a clone past the budget: in the
        worst case it is a 503 at 27 s."""
        cosyvoice = 4 * self.cosyvoice_timeout_seconds + 6 + self.cosyvoice_deploy_wait_seconds + 2
        return self.conversion_timeout_seconds + max(self.provider_timeout_seconds, cosyvoice)


class VoiceNamingSettings(_Base):
    """The tag that starts the provider-side names this deployment generates (see services/voice_lifecycle.py).

    Deployments sharing one DashScope account need different tags: each reconciler deletes unclaimed voices whose
    name carries its own tag.
    """

    voice_name_tag: str = Field(
        default="ot", pattern=r"^[a-z][a-z0-9]{0,3}$", validation_alias="OPENTALKING_VOICE_NAME_TAG"
    )


class ProviderVoicesSettings(_Base):
    """Requests about existing voices (status, deletion, listing): one try each, this long at most."""

    provider_voices_timeout_seconds: int = Field(
        default=5, ge=1, le=20, validation_alias="OPENTALKING_PROVIDER_VOICES_TIMEOUT_SECONDS"
    )


class IdempotencySettings(_Base):
    """How long an Idempotency-Key of POST /voices/clone is remembered."""

    idempotency_retention_seconds: int = Field(
        default=86_400, ge=60, le=7 * 86_400, validation_alias="OPENTALKING_IDEMPOTENCY_RETENTION_SECONDS"
    )


class ReconcileSettings(_Base):
    """The scheduled reconciler: when an intent or an orphan is old enough to act on, and its per-run budgets."""

    # A clone ends within 29 s; an intent older than this belongs to a clone that was interrupted.
    intent_stale_seconds: int = Field(
        default=600, ge=60, le=86_400, validation_alias="OPENTALKING_RECONCILE_INTENT_STALE_SECONDS"
    )
    orphan_grace_seconds: int = Field(
        default=3600, ge=0, le=30 * 86_400, validation_alias="OPENTALKING_RECONCILE_ORPHAN_GRACE_SECONDS"
    )
    max_provider_calls: int = Field(
        default=200, ge=1, le=5000, validation_alias="OPENTALKING_RECONCILE_MAX_PROVIDER_CALLS"
    )
    # Below the reconcile function's 300 s timeout, leaving room for the catalog writes and the summary.
    time_budget_seconds: float = Field(
        default=240, gt=0, le=840, validation_alias="OPENTALKING_RECONCILE_TIME_BUDGET_SECONDS"
    )


class FunctionSettings(BaseModel):
    """All the settings one function reads: a field per section, each section read from the environment."""

    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read and validate every section; raises SettingsError naming the first bad variable and its rule."""
        sections: dict[str, EnvSettings] = {}
        for name, section in cls.sections().items():
            try:
                sections[name] = section.from_environment(environ)
            except ValidationError as exc:
                raise SettingsError(describe_invalid_setting(exc)) from None
        return cls.model_validate(sections)

    @classmethod
    def sections(cls) -> dict[str, type[EnvSettings]]:
        found: dict[str, type[EnvSettings]] = {}
        for name, field in cls.model_fields.items():
            section = field.annotation
            assert isinstance(section, type) and issubclass(section, EnvSettings), f"{cls.__name__}.{name}"
            found[name] = section
        return found

    @classmethod
    def variables(cls) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
        """Every variable the function reads, as (the names that can set it, the field)."""
        for section in cls.sections().values():
            yield from section.variables()


FunctionSettingsT = TypeVar("FunctionSettingsT", bound=FunctionSettings)


def load_settings(model: type[FunctionSettingsT]) -> FunctionSettingsT:
    """The function's settings from os.environ, validated now (at import: the Lambda cold start).

    Raises:
        SettingsError: a variable is invalid or a required one is missing; the message names it and the rule.
    """
    return model.from_environment()


def describe_invalid_setting(error: ValidationError) -> str:
    """One sentence for the first problem: the variable, what it must be, never its value (it may be a key)."""
    problem: Any = error.errors(include_url=False, include_input=False)[0]
    location = [str(part) for part in problem.get("loc", ())]
    message = str(problem.get("msg", "is invalid")).removeprefix("Value error, ").rstrip(".")
    if not location:
        return f"Invalid settings: {message}."
    variable = location[0]
    if problem.get("type") == "missing":
        return f"Invalid setting {variable}: it is required and not set."
    return f"Invalid setting {variable}: {message[0].lower()}{message[1:]}."


class ListVoicesFunctionSettings(FunctionSettings):
    """GET /voices."""

    api: CorsSettings
    auth: AuthSettings
    catalog: CatalogSettings
    catalog_access: CatalogAccessSettings


class GetVoiceFunctionSettings(FunctionSettings):
    """GET /voices/{entry_id} (a voice still deploying is refreshed from DashScope)."""

    api: CorsSettings
    auth: AuthSettings
    catalog: CatalogSettings
    catalog_access: CatalogAccessSettings
    keys: ProviderKeySettings
    dashscope: DashScopeEndpointSettings
    provider_voices: ProviderVoicesSettings
    statements: ConsentStatementSettings


class DeleteVoiceFunctionSettings(FunctionSettings):
    """DELETE /voices/{entry_id} (deletes the voice at DashScope first, then its cached previews)."""

    api: CorsSettings
    auth: AuthSettings
    catalog: CatalogSettings
    catalog_access: CatalogAccessSettings
    keys: ProviderKeySettings
    dashscope: DashScopeEndpointSettings
    provider_voices: ProviderVoicesSettings
    speech_cache: SpeechCacheSettings
    statements: ConsentStatementSettings


class ReconcileVoicesFunctionSettings(FunctionSettings):
    """The scheduled reconciler (no HTTP app, so no CORS)."""

    catalog: CatalogSettings
    catalog_access: CatalogAccessSettings
    keys: ProviderKeySettings
    dashscope: DashScopeEndpointSettings
    provider_voices: ProviderVoicesSettings
    naming: VoiceNamingSettings
    reconcile: ReconcileSettings
    statements: ConsentStatementSettings


class CatalogFunctionSettings(FunctionSettings):
    """The catalog function (CatalogForListFunction, ...: one deployment per caller, inside the VPC)."""

    catalog: CatalogSettings
    served: CatalogOperationsSettings


class CreateUploadFunctionSettings(FunctionSettings):
    """POST /voices/uploads."""

    api: CorsSettings
    auth: AuthSettings
    bucket: SampleBucketSettings


class CloneVoiceFunctionSettings(FunctionSettings):
    """POST /voices/clone."""

    api: CorsSettings
    auth: AuthSettings
    quota: QuotaSettings
    consent: ConsentSettings
    catalog: CatalogSettings
    catalog_access: CatalogAccessSettings
    bucket: SampleBucketSettings
    clone: CloneSettings
    keys: ProviderKeySettings
    dashscope: DashScopeEndpointSettings
    naming: VoiceNamingSettings
    idempotency: IdempotencySettings


class SynthesisFunctionSettings(FunctionSettings):
    """What a function that synthesizes through every provider reads: the keys and each provider's settings."""

    keys: ProviderKeySettings
    dashscope: DashScopeEndpointSettings
    edge: EdgeTtsSettings
    qwen: QwenTtsSettings
    cosyvoice: CosyVoiceTtsSettings
    elevenlabs: ElevenLabsTtsSettings
    espeak: EspeakTtsSettings


class PreviewFunctionSettings(SynthesisFunctionSettings):
    """POST /tts/preview."""

    api: CorsSettings
    auth: AuthSettings
    quota: PreviewQuotaSettings
    # Users mode only: whose a cloned voice is, and the per-user preview rate, are read from the catalog.
    catalog: CatalogSettings
    catalog_access: CatalogAccessSettings
    preview: PreviewSettings
    speech_cache: SpeechCacheSettings


class OpenAiSpeechFunctionSettings(SynthesisFunctionSettings):
    """POST /v1/audio/speech, GET /v1/audio/voices, /v1/models and /v1/audio/models."""

    api: CorsSettings
    auth: AuthSettings
    catalog: CatalogSettings
    catalog_access: CatalogAccessSettings
    speech: SpeechSettings
    speech_cache: SpeechCacheSettings


class ListTtsVoicesFunctionSettings(SynthesisFunctionSettings):
    """GET /tts/voices: each provider's voices and defaults (the keys tell which providers can run), and the
    preview's default provider and limit."""

    api: CorsSettings
    auth: AuthSettings
    preview: PreviewSettings


class PreflightFunctionSettings(FunctionSettings):
    """OPTIONS on every path: the CORS preflights, answered from the allow-list (no token, no route of its own)."""

    api: CorsSettings


class AuthorizerFunctionSettings(FunctionSettings):
    """The API's Lambda authorizer (no route of its own)."""

    auth: AuthSettings
