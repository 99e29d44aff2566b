"""Use case `POST /voices/clone`: validate everything, convert the sample, enroll it with the provider, catalog it."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from voice_service.errors import (
    InvalidRequestError,
    PayloadTooLargeError,
    UploadNotFoundError,
    UpstreamError,
    VoiceServiceError,
)
from voice_service.models import (
    SHARED_CATALOG,
    CloneIntent,
    ConsentRecord,
    ConsentStatement,
    NewEntry,
    NewVoice,
    Owner,
    VoiceEntry,
    VoiceStatus,
)
from voice_service.observability import logger, record_provider_metric
from voice_service.providers import CloneProvider, clone_provider
from voice_service.services.catalog import VoiceCatalog, utc_now
from voice_service.services.consent import (
    STATEMENT_FIELD,
    ConsentStatementStore,
    check_statement,
    check_statement_duration,
    consent_record,
)
from voice_service.services.quotas import CloneQuota, UsageCounter
from voice_service.services.uploads import (
    MAX_SAMPLE_BYTES,
    MIN_SAMPLE_BYTES,
    UPLOAD_GONE_MESSAGE,
    UploadStore,
    parse_upload_id,
)
from voice_service.text import MAX_PROVIDER_VOICE_ID_CHARS, display_label, model_name, text_field

# CosyVoice: the SDK says "digits and lowercase letters, less than 10", the docs "alphanumeric, max 10": both hold.
PREFIX_PATTERN: Final = re.compile(r"[a-z0-9]{1,9}")
# Qwen enrollment: letters, digits and underscores, at most 16.
PREFERRED_NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9_]{1,16}")
# Longer than any valid prefix, preferred_name or upload_id, short enough to quote in an error.
MAX_NAME_FIELD_CHARS: Final = 64


def random_voice_name() -> str:
    """A name valid for both providers: "v" and 8 hex digits (9 lowercase letters or digits)."""
    return "v" + secrets.token_hex(4)


@dataclass(frozen=True, slots=True)
class ConvertedSample:
    """A sample ready for cloning: a RIFF/WAVE file, 24 kHz, mono, 16-bit PCM."""

    wav: bytes
    duration_seconds: float
    source_format: str
    conversion_seconds: float


@dataclass(frozen=True, slots=True)
class CloneForm:
    """The clone request's fields as received; None or an empty string means "not given"."""

    provider: str | None = None
    target_model: str | None = None
    display_label: str | None = None
    prefix: str | None = None
    preferred_name: str | None = None
    upload_id: str | None = None
    consent_speaker: str | None = None
    consent_affirmed: str | None = None
    # The speaker's recorded consent statement, as sent (hostile bytes, at most MAX_STATEMENT_BYTES + 1 read).
    consent_statement: bytes | None = None


@dataclass(frozen=True, slots=True)
class CloneRequest:
    """A validated clone request: `voice_name` is the CosyVoice prefix or the Qwen preferred name."""

    provider: CloneProvider
    target_model: str
    display_label: str
    voice_name: str
    upload_id: str | None


@dataclass(frozen=True, slots=True)
class CloneResult:
    entry: VoiceEntry
    message: str


class SampleConverter(Protocol):
    """Port: hostile upload in, 24 kHz mono 16-bit WAV out (InvalidRequestError when it cannot be)."""

    def to_clone_wav(self, data: bytes) -> ConvertedSample: ...


class SampleStore(Protocol):
    """Port: short-lived storage of converted samples that a provider fetches through a presigned URL."""

    def put_sample(self, wav: bytes) -> str:
        """Store the WAV under a fresh random key and return the key."""
        ...

    def presigned_sample_url(self, key: str) -> str:
        """A GET URL for the sample that expires within minutes."""
        ...

    def delete_sample(self, key: str) -> None:
        """Remove the sample; failures are logged, not raised (the lifecycle rule is the backstop)."""
        ...


class QwenEnrollment(Protocol):
    """Port: DashScope Qwen voice enrollment (the sample travels inline)."""

    def ensure_configured(self) -> None:
        """Raise ProviderNotConfiguredError when the API key is missing."""
        ...

    def create_voice(self, *, target_model: str, preferred_name: str, wav: bytes) -> str:
        """Return the new voice name; UpstreamError on any failure, VoiceQuotaExceededError when the account is
        full."""
        ...

    def delete_voice(self, voice_id: str) -> bool:
        """Delete the voice; False if the provider had no such voice."""
        ...


class CosyVoiceEnrollment(Protocol):
    """Port: DashScope CosyVoice voice enrollment (the sample is fetched from a URL)."""

    def ensure_configured(self) -> None: ...

    def create_voice(self, *, target_model: str, prefix: str, sample_url: str) -> str:
        """Return the new voice id; UpstreamError on any failure, VoiceQuotaExceededError when the account is
        full."""
        ...

    def voice_status(self, voice_id: str) -> VoiceStatus:
        """The voice's status (`deploying`, `ready`, `failed`, or `gone`); UpstreamError on any failure."""
        ...

    def delete_voice(self, voice_id: str) -> bool:
        """Delete the voice; False if the provider had no such voice."""
        ...


class CloneUseCase(Protocol):
    """What the clone route calls: a clone, once per Idempotency-Key when one is given (services/idempotency.py)."""

    def clone(
        self, form: CloneForm, audio: bytes | None, idempotency_key: str | None, *, owner: Owner = SHARED_CATALOG
    ) -> CloneResult: ...


@dataclass
class CloningService:
    """Clones a voice. No entry is written and no sample is kept unless the provider created the voice.

    Before the provider is called, an intent is recorded in the catalog; the entry replaces it in one transaction,
    and a definite failure removes it. Whatever interrupts the clone in between (a crash, a timeout, a failed
    catalog write) leaves the intent, which the reconciler resolves with the provider.
    """

    catalog: VoiceCatalog
    converter: SampleConverter
    uploads: UploadStore
    samples: SampleStore
    qwen: QwenEnrollment
    cosyvoice: CosyVoiceEnrollment
    direct_max_bytes: int
    # The whole request, catalog wait included, must finish within this (API Gateway stops waiting at 29 s).
    time_budget_seconds: float
    deploy_wait_seconds: float
    poll_interval_seconds: float
    now: Callable[[], datetime] = utc_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    new_voice_name: Callable[[], str] = random_voice_name
    # Who may clone how much (signed-in users only), counted by `usage` (the catalog); a consent record.
    quota: CloneQuota = CloneQuota(max_voices=0, clones_per_minute=0)
    usage: UsageCounter | None = None
    consent_required: bool = False
    # The recorded consent statement: decoded by its own converter (statement limits), stored in `statements`.
    statement_converter: SampleConverter | None = None
    statements: ConsentStatementStore | None = None
    statement_required: bool = False

    def clone(self, form: CloneForm, audio: bytes | None, owner: Owner = SHARED_CATALOG) -> CloneResult:
        """Clone a voice for `owner` from `audio` (sent directly) or from the upload named by `form.upload_id`.

        Raises:
            InvalidRequestError: a field breaks a rule, or the audio is missing, out of size or not convertible.
            ConsentRequiredError: this deployment requires a consent record and the request has none.
            QuotaExceededError: `owner` reached their clone rate or voice limit (nothing was sent to a provider).
            PayloadTooLargeError: a direct sample is larger than the direct path carries (use an upload).
            UploadNotFoundError: no upload has that id (never uploaded, already used, or expired).
            ProviderNotConfiguredError: the provider's key or ffmpeg is missing.
            UpstreamError: the provider failed; nothing was written and no sample kept.
            StorageError: the catalog or the bucket failed.
        """
        started = self.monotonic()
        request = validate_clone_form(form, has_audio=audio is not None, generate_name=self.new_voice_name)
        consent = consent_record(
            form.consent_speaker,
            form.consent_affirmed,
            # A required statement needs the record it belongs to.
            required=self.consent_required or self.statement_required,
            recorded_by=owner.user_id,
            now=self.now(),
        )
        check_statement(form.consent_statement, consent, required=self.statement_required)
        statement_wav: bytes | None = None
        if form.consent_statement is not None and consent is not None:
            statement_wav, consent = self._decoded_statement(form.consent_statement, consent)
        if self.usage is not None:
            self.quota.admit_clone(self.usage, owner, self.now())
        # A missing key is known before an upload is consumed or ffmpeg runs.
        (self.qwen if request.provider == "dashscope" else self.cosyvoice).ensure_configured()
        if audio is not None:
            self._check_direct_size(len(audio))
            data = audio
        else:
            assert request.upload_id is not None
            data = self._take_upload(request.upload_id)
        sample = self.converter.to_clone_wav(data)
        record_provider_metric(
            "SampleConversionTime", request.provider, sample.conversion_seconds * 1000, MetricUnit.Milliseconds
        )
        # Recorded only once consent, quotas and the sample passed: a refused clone leaves no intent. The intent names
        # the statement's key before the object exists (services/consent.py: the reference first, then the object).
        intent = self.catalog.record_intent(
            provider=request.provider,
            target_model=request.target_model,
            voice_name=request.voice_name,
            display_label=request.display_label,
            now=self.now(),
            owner=owner,
            consent=consent,
        )
        if statement_wav is not None:
            self._store_statement(intent, statement_wav, owner)
        try:
            if request.provider == "dashscope":
                voice_id = self.qwen.create_voice(
                    target_model=request.target_model, preferred_name=request.voice_name, wav=sample.wav
                )
                status: VoiceStatus = "ready"
                message = "Voice cloned with DashScope Qwen voice enrollment; use voice_id with the same target_model."
            else:
                voice_id, status, message = self._clone_cosyvoice(request, sample)
        except UpstreamError as exc:
            if not exc.outcome_unknown:
                self._drop_intent(intent, owner)
            raise
        except VoiceServiceError:
            self._drop_intent(intent, owner)  # a definite refusal (e.g. the quota): nothing was created
            raise
        record_provider_metric("VoiceCloned", request.provider)
        voice = NewVoice(
            request.provider,
            _checked_voice_id(request.provider, voice_id),
            request.display_label,
            request.target_model,
            status,
        )
        # The catalog may be locked by other writers: wait only for what is left of the request's time budget.
        entry = self._catalog_voice(
            voice, intent, max(0.0, started + self.time_budget_seconds - self.monotonic()), owner, consent
        )
        return CloneResult(entry, message)

    def _decoded_statement(self, statement: bytes, consent: ConsentRecord) -> tuple[bytes, ConsentRecord]:
        """The statement decoded to WAV (its container sniffed, never trusted) and the consent record naming the key
        it will be stored under; nothing is written yet."""
        if self.statement_converter is None or self.statements is None:
            raise InvalidRequestError(f"This deployment does not store a {STATEMENT_FIELD}; send the clone without it.")
        try:
            decoded = self.statement_converter.to_clone_wav(statement)
        except InvalidRequestError as exc:
            raise InvalidRequestError(f"{STATEMENT_FIELD}: {exc.message}", param=STATEMENT_FIELD) from exc
        check_statement_duration(decoded.duration_seconds)
        stored = ConsentStatement(self.statements.new_statement_key(), round(decoded.duration_seconds, 3))
        return decoded.wav, replace(consent, statement=stored)

    def _store_statement(self, intent: CloneIntent, wav: bytes, owner: Owner) -> None:
        assert self.statements is not None and intent.consent is not None and intent.consent.statement is not None
        try:
            self.statements.put_statement(intent.consent.statement.key, wav)
        except VoiceServiceError:
            self._drop_intent(intent, owner)  # nothing was sent to the provider
            raise

    def _check_direct_size(self, size: int) -> None:
        # Any direct sample over the direct limit is a 413 pointing at uploads, however large (README).
        if size > self.direct_max_bytes:
            raise PayloadTooLargeError(direct_too_large_message(self.direct_max_bytes))
        check_sample_size(size)

    def _take_upload(self, upload_id: str) -> bytes:
        # An upload is single-use: one request claims it atomically in the bucket (many containers may race for
        # the same id), every other finds it gone; the winner deletes it once looked at, whatever happens next.
        if self.uploads.upload_size(upload_id) is None or not self.uploads.claim_upload(upload_id):
            raise UploadNotFoundError(UPLOAD_GONE_MESSAGE)
        try:
            data = self.uploads.read_upload(upload_id, MAX_SAMPLE_BYTES)
            check_sample_size(len(data))
            return data
        finally:
            self.uploads.delete_upload(upload_id)

    def _clone_cosyvoice(self, request: CloneRequest, sample: ConvertedSample) -> tuple[str, VoiceStatus, str]:
        key = self.samples.put_sample(sample.wav)
        try:
            voice_id = self.cosyvoice.create_voice(
                target_model=request.target_model,
                prefix=request.voice_name,
                sample_url=self.samples.presigned_sample_url(key),
            )
        except BaseException:
            self.samples.delete_sample(key)
            raise
        status = self._release_sample_when_fetched(voice_id, key)
        if status == "ready":
            return (
                voice_id,
                "ready",
                "Voice cloned with CosyVoice and deployed; use voice_id with the same target_model.",
            )
        return (
            voice_id,
            "deploying",
            "Voice cloned with CosyVoice; DashScope is still deploying it, so it may take a minute to work "
            "(GET /voices/{entry_id} shows its status).",
        )

    def _release_sample_when_fetched(self, voice_id: str, key: str) -> str:
        """Delete the sample once DashScope no longer needs it; return the last known voice status.

        `create_voice` returns while the voice is still deploying, and DashScope may fetch the sample during that
        phase, so deleting right away could break the clone. Instead poll `query_voice` for a bounded time (the API
        Gateway request must finish within 29 s): once the voice is ready (built from the sample) or failed, the
        sample is deleted. If it is still deploying when the budget runs out, the sample is left: its presigned URL
        dies after about 300 s anyway, so nobody can fetch it, and the bucket's lifecycle rule on `samples/`
        removes the object after a day or two. A failed voice is deleted at the provider: it would hold a slot.
        """
        deadline = self.monotonic() + self.deploy_wait_seconds
        status: VoiceStatus = "deploying"
        while True:
            try:
                status = self.cosyvoice.voice_status(voice_id)
            except UpstreamError as exc:
                logger.warning(
                    "CosyVoice status unknown; sample left to the lifecycle rule",
                    extra={"voice_id": voice_id, "sample_key": key, "reason": exc.reason},
                )
                return "deploying"
            if status in ("failed", "gone"):
                self.samples.delete_sample(key)
                deleted = self._delete_quietly(self.cosyvoice, "cosyvoice", voice_id)
                # If the failed voice could not be deleted, the intent must stay for the reconciler.
                raise UpstreamError(
                    "cosyvoice",
                    f"voice {voice_id} could not be built from this sample ({status}).",
                    outcome_unknown=not deleted,
                )
            if status != "deploying" or self.monotonic() + self.poll_interval_seconds > deadline:
                break
            self.sleep(self.poll_interval_seconds)
        if status == "deploying":
            logger.info(
                "CosyVoice still deploying; sample left to its URL expiry and the lifecycle rule",
                extra={"voice_id": voice_id, "sample_key": key},
            )
        else:
            self.samples.delete_sample(key)
        return status

    def _catalog_voice(
        self, voice: NewVoice, intent: CloneIntent, wait_seconds: float, owner: Owner, consent: ConsentRecord | None
    ) -> VoiceEntry:
        try:
            return self.catalog.add_entry(
                NewEntry(
                    voice,
                    self.now(),
                    owner=owner,
                    consent=consent,
                    intent_id=intent.id,
                    max_voices=self.quota.voice_limit(owner),
                    wait_seconds=wait_seconds,
                )
            )
        except Exception:
            # The provider has the voice but the catalog does not: undo it at the provider. If that fails too, the
            # intent (written before the provider call) stays, and the reconciler finds the voice by its name.
            logger.error(
                "Catalog write failed after the provider created the voice; deleting it at the provider",
                extra={"provider": voice.provider, "voice_id": voice.voice_id, "intent_id": intent.id},
            )
            enrollment = self.qwen if voice.provider == "dashscope" else self.cosyvoice
            if self._delete_quietly(enrollment, voice.provider, voice.voice_id):
                self._drop_intent(intent, owner)
            raise

    def _drop_intent(self, intent: CloneIntent, owner: Owner) -> None:
        """Remove an intent whose clone definitely created nothing, its statement first; on failure the reconciler
        removes both later."""
        try:
            statement = intent.consent.statement if intent.consent is not None else None
            if statement is not None and self.statements is not None:
                self.statements.delete_statement(statement.key)
            self.catalog.drop_intent(intent.id, owner=owner)
        except VoiceServiceError as exc:
            logger.warning("Clone intent left to the reconciler", extra={"intent_id": intent.id, "reason": exc.message})

    @staticmethod
    def _delete_quietly(enrollment: QwenEnrollment | CosyVoiceEnrollment, provider: str, voice_id: str) -> bool:
        """Delete a voice nobody will use; True when the provider no longer has it."""
        try:
            enrollment.delete_voice(voice_id)
        except VoiceServiceError as exc:
            logger.warning(
                "Provider voice left to the reconciler",
                extra={"provider": provider, "voice_id": voice_id, "reason": exc.message},
            )
            return False
        return True


def _checked_voice_id(provider: str, voice_id: str) -> str:
    """The provider's voice id is stored and listed for everyone: refuse one that is unbounded or not plain text."""
    if (
        not voice_id
        or len(voice_id) > MAX_PROVIDER_VOICE_ID_CHARS
        or not all(character.isprintable() and not character.isspace() for character in voice_id)
    ):
        logger.error("Provider returned an unusable voice id", extra={"provider": provider, "length": len(voice_id)})
        raise UpstreamError(provider, "it returned a voice id that is empty, too long or not plain text.")
    return voice_id


def direct_too_large_message(direct_max_bytes: int) -> str:
    return (
        f"The audio is larger than {direct_max_bytes} bytes, the most a direct request carries: "
        "upload it with POST /voices/uploads and send its upload_id instead of audio."
    )


def check_sample_size(size: int) -> None:
    """Contract rule 9: 256 bytes to 12 MiB."""
    if size < MIN_SAMPLE_BYTES:
        raise InvalidRequestError(f"The audio is too small ({size} bytes): send at least {MIN_SAMPLE_BYTES} bytes.")
    if size > MAX_SAMPLE_BYTES:
        raise InvalidRequestError(f"The audio is larger than 12 MiB ({MAX_SAMPLE_BYTES} bytes): send a shorter sample.")


def validate_clone_form(form: CloneForm, *, has_audio: bool, generate_name: Callable[[], str]) -> CloneRequest:
    """Check every field of the form (contract rule 8); generate the provider-side name when omitted."""
    provider = clone_provider(form.provider)
    target_model = model_name("target_model", form.target_model)
    if target_model is None:
        raise InvalidRequestError("The field 'target_model' is required and must not be empty.")
    label = display_label(form.display_label)
    if label is None:
        raise InvalidRequestError("The field 'display_label' is required and must not be empty.")
    # Both name fields are checked as text (the web client sends both); only the chosen provider's one is used.
    prefix, preferred_name = _name_field("prefix", form.prefix), _name_field("preferred_name", form.preferred_name)
    if provider == "cosyvoice":
        voice_name = prefix or generate_name()
        if not PREFIX_PATTERN.fullmatch(voice_name):
            raise InvalidRequestError("The CosyVoice prefix must be 1 to 9 lowercase letters or digits.")
    else:
        voice_name = preferred_name or generate_name()
        if not PREFERRED_NAME_PATTERN.fullmatch(voice_name):
            raise InvalidRequestError("The DashScope preferred_name must be 1 to 16 letters, digits or underscores.")
    upload_id = _name_field("upload_id", form.upload_id)
    if has_audio and upload_id is not None:
        raise InvalidRequestError("Send either the audio file or an upload_id, not both.")
    if not has_audio and upload_id is None:
        raise InvalidRequestError(
            "The audio sample is missing: send it as the file field 'audio', or upload it with POST /voices/uploads "
            "and send its upload_id."
        )
    return CloneRequest(
        provider=provider,
        target_model=target_model,
        display_label=label,
        voice_name=voice_name,
        upload_id=parse_upload_id(upload_id) if upload_id is not None else None,
    )


def _name_field(name: str, value: str | None) -> str | None:
    """A short token field (prefix, preferred_name, upload_id): checked as text; its pattern is checked after."""
    return text_field(name, value, MAX_NAME_FIELD_CHARS)
