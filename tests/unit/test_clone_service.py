"""The clone use case with in-memory fakes: validation before any call or write, cleanup, dedupe, sample release."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from voice_service.adapters.enrollment.customization import STATUS_BY_PROVIDER_STATE
from voice_service.errors import (
    ConsentRequiredError,
    InvalidRequestError,
    PayloadTooLargeError,
    ProviderNotConfiguredError,
    QuotaExceededError,
    StorageError,
    UploadNotFoundError,
    UpstreamError,
    VoiceQuotaExceededError,
)
from voice_service.models import NewEntry, NewVoice, Owner, VoiceEntry, VoiceStatus
from voice_service.services.cloning import CloneForm, CloningService, ConvertedSample
from voice_service.services.quotas import CloneQuota
from voice_service.services.uploads import MAX_SAMPLE_BYTES, UploadTicket

NOW = datetime(2026, 11, 24, 2, 3, 4, 567000, tzinfo=UTC)
GOOD_AUDIO = b"GOOD" + bytes(1000)
UPLOAD_ID = "0123456789abcdef0123456789abcdef"


@dataclass
class FakeConverter:
    calls: int = 0

    def to_clone_wav(self, data: bytes) -> ConvertedSample:
        self.calls += 1
        if not data.startswith(b"GOOD"):
            raise InvalidRequestError("The audio is not in a supported format.")
        return ConvertedSample(b"RIFF-converted-" + data[:8], 4.0, "WAV", 0.01)


@dataclass
class FakeBucket:
    objects: dict[str, bytes] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)

    def new_upload(self, min_bytes: int, max_bytes: int) -> UploadTicket:
        raise AssertionError("not used here")

    def upload_size(self, upload_id: str) -> int | None:
        data = self.objects.get(f"uploads/{upload_id}")
        return None if data is None else len(data)

    def claim_upload(self, upload_id: str) -> bool:
        if upload_id in self.claimed:
            return False
        self.claimed.add(upload_id)
        return True

    def read_upload(self, upload_id: str, max_bytes: int) -> bytes:
        if f"uploads/{upload_id}" not in self.objects:
            raise UploadNotFoundError("gone")
        return self.objects[f"uploads/{upload_id}"][: max_bytes + 1]

    def delete_upload(self, upload_id: str) -> None:
        self._delete(f"uploads/{upload_id}")

    def put_sample(self, wav: bytes) -> str:
        key = f"samples/{len(self.objects):032x}.wav"
        self.objects[key] = wav
        return key

    def presigned_sample_url(self, key: str) -> str:
        return f"https://bucket.example/{key}?X-Amz-Signature=x"

    def delete_sample(self, key: str) -> None:
        self._delete(key)

    def _delete(self, key: str) -> None:
        self.objects.pop(key, None)
        self.deleted.append(key)


@dataclass
class FakeQwen:
    error: Exception | None = None
    configured: bool = True
    calls: list[dict[str, object]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def ensure_configured(self) -> None:
        if not self.configured:
            raise ProviderNotConfiguredError("dashscope", "DASHSCOPE_API_KEY")

    def create_voice(self, *, target_model: str, preferred_name: str, wav: bytes) -> str:
        self.calls.append({"target_model": target_model, "preferred_name": preferred_name, "wav": wav})
        if self.error:
            raise self.error
        return f"qwen-tts-vc-{preferred_name}-{len(self.calls)}"

    def delete_voice(self, voice_id: str) -> bool:
        self.deleted.append(voice_id)
        return True


@dataclass
class FakeCosyVoice:
    statuses: list[str] = field(default_factory=lambda: ["OK"])
    error: Exception | None = None
    status_error: Exception | None = None
    calls: list[dict[str, object]] = field(default_factory=list)
    status_queries: int = 0
    deleted: list[str] = field(default_factory=list)
    delete_error: Exception | None = None

    def ensure_configured(self) -> None:
        pass

    def create_voice(self, *, target_model: str, prefix: str, sample_url: str) -> str:
        self.calls.append({"target_model": target_model, "prefix": prefix, "sample_url": sample_url})
        if self.error:
            raise self.error
        return f"{target_model}-{prefix}-1"

    def voice_status(self, voice_id: str) -> VoiceStatus:
        self.status_queries += 1
        if self.status_error:
            raise self.status_error
        state = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return STATUS_BY_PROVIDER_STATE[state]

    def delete_voice(self, voice_id: str) -> bool:
        if self.delete_error:
            raise self.delete_error
        self.deleted.append(voice_id)
        return True


@dataclass
class FakeClock:
    time: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def cloning_service(**wiring: Any) -> CloningService:
    """The clone use case over in-memory fakes (`wiring` adds or replaces collaborators and settings)."""
    bucket = FakeBucket()
    defaults: dict[str, Any] = {
        "catalog": InMemoryVoiceCatalog(),
        "converter": FakeConverter(),
        "uploads": bucket,
        "samples": bucket,
        "qwen": FakeQwen(),
        "cosyvoice": FakeCosyVoice(),
        "direct_max_bytes": 4_500_000,
        "time_budget_seconds": 27,
        "deploy_wait_seconds": 5,
        "poll_interval_seconds": 1,
        "now": lambda: NOW,
    }
    return CloningService(**(defaults | wiring))


@pytest.fixture
def service(clock: FakeClock) -> CloningService:
    return cloning_service(monotonic=clock.monotonic, sleep=clock.sleep)


def dashscope_form(**changes: str | None) -> CloneForm:
    fields: dict[str, str | None] = {
        "provider": "dashscope",
        "target_model": "qwen3-tts-vc-realtime-2026-01-15",
        "display_label": "My voice",
        "prefix": "",
        "preferred_name": "",
        "upload_id": "",
    }
    return CloneForm(**{**fields, **changes})


def cosyvoice_form(**changes: str | None) -> CloneForm:
    return dashscope_form(provider="cosyvoice", target_model="cosyvoice-v2", **changes)


def nothing_happened(service: CloningService) -> bool:
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.cosyvoice, FakeCosyVoice)
    assert isinstance(service.samples, FakeBucket)
    return (
        not service.qwen.calls
        and not service.cosyvoice.calls
        and not [key for key in service.samples.objects if key.startswith("samples/")]
        and service.catalog.list_entries() == []
    )


@pytest.mark.parametrize(
    ("form", "audio", "message"),
    [
        (dashscope_form(provider=None), GOOD_AUDIO, "'provider' is required"),
        (dashscope_form(provider="edge"), GOOD_AUDIO, "Unknown clone provider 'edge'"),
        (dashscope_form(target_model="  "), GOOD_AUDIO, "'target_model' is required"),
        (dashscope_form(display_label=""), GOOD_AUDIO, "'display_label' is required"),
        (dashscope_form(preferred_name="has space"), GOOD_AUDIO, "preferred_name must be 1 to 16"),
        (dashscope_form(preferred_name="x" * 17), GOOD_AUDIO, "preferred_name must be 1 to 16"),
        (cosyvoice_form(prefix="Upper"), GOOD_AUDIO, "prefix must be 1 to 9 lowercase"),
        (cosyvoice_form(prefix="abcdefghij"), GOOD_AUDIO, "prefix must be 1 to 9 lowercase"),
        (dashscope_form(), None, "audio sample is missing"),
        (dashscope_form(upload_id=UPLOAD_ID), GOOD_AUDIO, "either the audio file or an upload_id"),
        (dashscope_form(upload_id="../../etc/passwd"), None, "upload_id must be the 32-hex-digit id"),
        (dashscope_form(), b"GOOD" + bytes(251), "too small (255 bytes)"),
        (dashscope_form(), b"", "too small (0 bytes)"),
        (dashscope_form(), b"NOT AUDIO" + bytes(1000), "not in a supported format"),
    ],
)
def test_invalid_requests_are_refused_before_any_call_or_write(
    service: CloningService, form: CloneForm, audio: bytes | None, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=re.escape(message)):
        service.clone(form, audio)
    assert nothing_happened(service)


@pytest.mark.parametrize("size", [4_500_001, MAX_SAMPLE_BYTES, MAX_SAMPLE_BYTES + 1, 2 * MAX_SAMPLE_BYTES])
def test_direct_audio_above_the_direct_limit_is_413_pointing_at_uploads(service: CloningService, size: int) -> None:
    # However large: the README promises a 413 for any direct sample over the direct limit.
    with pytest.raises(PayloadTooLargeError, match="POST /voices/uploads"):
        service.clone(dashscope_form(), b"GOOD" + bytes(size - 4))
    assert nothing_happened(service)


def test_prefix_and_preferred_name_are_not_checked_against_the_other_provider(service: CloningService) -> None:
    # The web client sends both fields; only the chosen provider's one matters.
    entry = service.clone(dashscope_form(prefix="NOT valid for cosyvoice!", preferred_name="Alice_1"), GOOD_AUDIO).entry
    assert entry.voice_id == "qwen-tts-vc-Alice_1-1"


def test_dashscope_clone_sends_the_converted_wav_and_catalogs_the_voice(service: CloningService) -> None:
    result = service.clone(dashscope_form(provider=" Qwen ", preferred_name="alice"), GOOD_AUDIO)
    assert isinstance(service.qwen, FakeQwen)
    assert service.qwen.calls == [
        {
            "target_model": "qwen3-tts-vc-realtime-2026-01-15",
            "preferred_name": "alice",
            "wav": b"RIFF-converted-GOOD\x00\x00\x00\x00",
        }
    ]
    assert result.entry == VoiceEntry(
        1, None, "dashscope", "qwen-tts-vc-alice-1", "My voice", "qwen3-tts-vc-realtime-2026-01-15", "clone", NOW
    )
    assert "DashScope" in result.message


def test_omitted_names_are_generated_valid_and_random(service: CloningService) -> None:
    service.clone(dashscope_form(), GOOD_AUDIO)
    service.clone(cosyvoice_form(), GOOD_AUDIO)
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.cosyvoice, FakeCosyVoice)
    preferred_name = str(service.qwen.calls[0]["preferred_name"])
    prefix = str(service.cosyvoice.calls[0]["prefix"])
    assert len(preferred_name) == 9 and preferred_name.isalnum() and preferred_name.islower()
    assert len(prefix) == 9 and prefix.isalnum() and prefix.islower()
    assert preferred_name != prefix


def test_same_label_twice_gets_a_timestamp_suffix(service: CloningService) -> None:
    first = service.clone(dashscope_form(), GOOD_AUDIO).entry
    second = service.clone(dashscope_form(), GOOD_AUDIO).entry
    assert first.display_label == "My voice"
    assert second.display_label == "My voice-20261124-020304-567"


def test_upstream_failure_writes_nothing(service: CloningService) -> None:
    assert isinstance(service.qwen, FakeQwen)
    service.qwen.error = UpstreamError("dashscope", "Audio.PreprocessError")
    with pytest.raises(UpstreamError):
        service.clone(dashscope_form(), GOOD_AUDIO)
    assert service.catalog.list_entries() == []


def test_missing_key_is_reported_before_anything_is_sent(service: CloningService) -> None:
    assert isinstance(service.qwen, FakeQwen)
    service.qwen.configured = False
    with pytest.raises(ProviderNotConfiguredError, match="DASHSCOPE_API_KEY"):
        service.clone(dashscope_form(), GOOD_AUDIO)
    assert nothing_happened(service)


def test_cosyvoice_failure_leaves_no_sample(service: CloningService) -> None:
    assert isinstance(service.cosyvoice, FakeCosyVoice) and isinstance(service.samples, FakeBucket)
    service.cosyvoice.error = UpstreamError("cosyvoice", "InvalidParameter")
    with pytest.raises(UpstreamError):
        service.clone(cosyvoice_form(), GOOD_AUDIO)
    assert service.samples.objects == {}
    assert service.samples.deleted == ["samples/00000000000000000000000000000000.wav"]
    assert service.catalog.list_entries() == []


def test_cosyvoice_sample_is_deleted_once_the_voice_is_deployed(service: CloningService, clock: FakeClock) -> None:
    assert isinstance(service.cosyvoice, FakeCosyVoice) and isinstance(service.samples, FakeBucket)
    service.cosyvoice.statuses = ["DEPLOYING", "DEPLOYING", "OK"]
    result = service.clone(cosyvoice_form(prefix="alice"), GOOD_AUDIO)
    assert result.entry.voice_id == "cosyvoice-v2-alice-1"
    assert str(service.cosyvoice.calls[0]["sample_url"]).startswith("https://bucket.example/samples/")
    assert service.samples.objects == {}
    assert clock.sleeps == [1, 1]
    assert "deployed" in result.message


def test_cosyvoice_sample_is_left_to_the_lifecycle_while_still_deploying(
    service: CloningService, clock: FakeClock
) -> None:
    # Given a voice that stays DEPLOYING past the wait budget (5 s, polled every 1 s)
    assert isinstance(service.cosyvoice, FakeCosyVoice) and isinstance(service.samples, FakeBucket)
    service.cosyvoice.statuses = ["DEPLOYING"]
    result = service.clone(cosyvoice_form(), GOOD_AUDIO)
    # Then the clone succeeds, the sample stays (DashScope may still fetch it) and the wait was bounded
    assert result.entry.provider == "cosyvoice"
    assert list(service.samples.objects) == ["samples/00000000000000000000000000000000.wav"]
    assert clock.time <= 5
    assert "still deploying" in result.message


def test_cosyvoice_status_failure_keeps_the_clone_and_the_sample(service: CloningService) -> None:
    assert isinstance(service.cosyvoice, FakeCosyVoice) and isinstance(service.samples, FakeBucket)
    service.cosyvoice.status_error = UpstreamError("cosyvoice", "timed out")
    result = service.clone(cosyvoice_form(), GOOD_AUDIO)
    assert result.entry.id == 1
    assert len(service.samples.objects) == 1


def test_cosyvoice_voice_that_fails_to_deploy_is_502_with_no_entry_and_no_sample(service: CloningService) -> None:
    assert isinstance(service.cosyvoice, FakeCosyVoice) and isinstance(service.samples, FakeBucket)
    assert isinstance(service.catalog, InMemoryVoiceCatalog)
    service.cosyvoice.statuses = ["DEPLOYING", "UNDEPLOYED"]
    with pytest.raises(UpstreamError, match="could not be built") as raised:
        service.clone(cosyvoice_form(prefix="bob"), GOOD_AUDIO)
    assert service.samples.objects == {}
    assert service.catalog.list_entries() == []
    # The failed voice would hold a slot: it is deleted, and with it the intent
    assert service.cosyvoice.deleted == ["cosyvoice-v2-bob-1"]
    assert service.catalog.list_intents() == [] and not raised.value.outcome_unknown


def test_failed_voice_that_cannot_be_deleted_keeps_its_intent_for_the_reconciler(service: CloningService) -> None:
    assert isinstance(service.cosyvoice, FakeCosyVoice) and isinstance(service.catalog, InMemoryVoiceCatalog)
    service.cosyvoice.statuses = ["UNDEPLOYED"]
    service.cosyvoice.delete_error = UpstreamError("cosyvoice", "the request timed out.", outcome_unknown=True)
    with pytest.raises(UpstreamError):
        service.clone(cosyvoice_form(prefix="bob"), GOOD_AUDIO)
    (intent,) = service.catalog.list_intents()
    assert (intent.provider, intent.voice_name) == ("cosyvoice", "bob")


def test_a_clone_records_its_intent_before_the_provider_call_and_removes_it_with_the_entry(
    service: CloningService,
) -> None:
    # GIVEN a provider that looks at the catalog when it is called
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.catalog, InMemoryVoiceCatalog)
    catalog = service.catalog
    seen: list[object] = []
    original = service.qwen.create_voice

    def create_voice(**kwargs: object) -> str:
        seen.extend(catalog.list_intents())
        return original(**kwargs)  # type: ignore[arg-type]

    service.qwen.create_voice = create_voice  # type: ignore[method-assign]
    # WHEN a clone runs
    result = service.clone(dashscope_form(preferred_name="alice"), GOOD_AUDIO)
    # THEN the intent existed during the call (invisible to the listing) and is gone with the entry written
    assert [(i.voice_name, i.display_label) for i in seen] == [("alice", "My voice")]  # type: ignore[attr-defined]
    assert catalog.list_intents() == [] and result.entry.status == "ready"


def test_definite_provider_failure_removes_the_intent_but_a_timeout_keeps_it(service: CloningService) -> None:
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.catalog, InMemoryVoiceCatalog)
    service.qwen.error = UpstreamError("dashscope", "InvalidParameter (HTTP 400): bad audio.")
    with pytest.raises(UpstreamError):
        service.clone(dashscope_form(), GOOD_AUDIO)
    assert service.catalog.list_intents() == []
    # A timeout: the provider may have created the voice, so the reconciler must look
    service.qwen.error = UpstreamError("dashscope", "the request timed out.", outcome_unknown=True)
    with pytest.raises(UpstreamError):
        service.clone(dashscope_form(), GOOD_AUDIO)
    assert len(service.catalog.list_intents()) == 1


def test_quota_refusal_removes_the_intent(service: CloningService) -> None:
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.catalog, InMemoryVoiceCatalog)
    service.qwen.error = VoiceQuotaExceededError("dashscope", "Voice limit exceeded")
    with pytest.raises(VoiceQuotaExceededError, match="delete cloned voices"):
        service.clone(dashscope_form(), GOOD_AUDIO)
    assert service.catalog.list_intents() == [] and service.catalog.list_entries() == []


def test_a_signed_in_clone_without_consent_or_over_the_voice_limit_records_no_intent(service: CloningService) -> None:
    # GIVEN the users mode's rules: consent required, one voice per user, and alice's voice still deploying
    assert isinstance(service.catalog, InMemoryVoiceCatalog)
    alice = Owner("alice")
    service.consent_required, service.usage = True, service.catalog
    service.quota = CloneQuota(max_voices=1, clones_per_minute=0)
    service.catalog.add_entry(
        NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-a-1", "A", "cosyvoice-v2", "deploying"), NOW, owner=alice)
    )
    # WHEN she clones without consent, then with consent
    with pytest.raises(ConsentRequiredError):
        service.clone(dashscope_form(), GOOD_AUDIO, alice)
    with pytest.raises(QuotaExceededError, match="Voice limit reached"):
        service.clone(dashscope_form(consent_speaker="Alice", consent_affirmed="true"), GOOD_AUDIO, alice)
    # THEN the deploying voice counted, and neither refusal reached the provider or left an intent
    assert service.catalog.list_intents() == [] and len(service.catalog.list_entries()) == 1
    assert isinstance(service.qwen, FakeQwen) and service.qwen.calls == []


def test_an_interrupted_signed_in_clone_leaves_an_intent_with_its_owner_and_consent(service: CloningService) -> None:
    # GIVEN a provider call whose outcome is unknown (a timeout)
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.catalog, InMemoryVoiceCatalog)
    service.qwen.error = UpstreamError("dashscope", "the request timed out.", outcome_unknown=True)
    # WHEN alice's clone, with consent, is interrupted there
    with pytest.raises(UpstreamError):
        service.clone(dashscope_form(consent_speaker="Alice", consent_affirmed="true"), GOOD_AUDIO, Owner("alice"))
    # THEN the intent the reconciler will resolve names her and carries her consent
    (intent,) = service.catalog.list_intents()
    assert intent.user_id == "alice" and intent.consent is not None and intent.consent.speaker == "Alice"


def test_upload_is_read_validated_and_deleted(service: CloningService) -> None:
    assert isinstance(service.uploads, FakeBucket)
    service.uploads.objects[f"uploads/{UPLOAD_ID}"] = GOOD_AUDIO
    service.clone(dashscope_form(upload_id=UPLOAD_ID.upper()), None)
    assert service.uploads.objects == {}
    # Single use: the same id again is a 404
    with pytest.raises(UploadNotFoundError):
        service.clone(dashscope_form(upload_id=UPLOAD_ID), None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GOOD" + bytes(MAX_SAMPLE_BYTES - 3), "larger than 12 MiB"),
        (b"GOOD" + bytes(251), "too small"),
        (b"NOT AUDIO" + bytes(1000), "not in a supported format"),
    ],
)
def test_invalid_upload_is_refused_and_still_deleted(service: CloningService, content: bytes, message: str) -> None:
    assert isinstance(service.uploads, FakeBucket)
    service.uploads.objects[f"uploads/{UPLOAD_ID}"] = content
    with pytest.raises(InvalidRequestError, match=message):
        service.clone(dashscope_form(upload_id=UPLOAD_ID), None)
    assert service.uploads.objects == {}
    assert nothing_happened(service)


class BrokenCatalog(InMemoryVoiceCatalog):
    def add_entry(self, new: NewEntry) -> VoiceEntry:
        raise StorageError("The voice catalog could not be used: disk I/O error.")


def test_catalog_failure_after_the_provider_created_the_voice_deletes_it_there(
    service: CloningService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a catalog that fails the entry's write
    assert isinstance(service.qwen, FakeQwen)
    service.catalog = catalog = BrokenCatalog()
    # WHEN a clone reaches it
    with caplog.at_level(logging.ERROR), pytest.raises(StorageError):
        service.clone(dashscope_form(preferred_name="orphan"), GOOD_AUDIO)
    # THEN the voice id is logged, the provider's voice deleted, and no intent is left to resolve
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert any(getattr(record, "voice_id", None) == "qwen-tts-vc-orphan-1" for record in errors)
    assert service.qwen.deleted == ["qwen-tts-vc-orphan-1"]
    assert catalog.list_intents() == []


def test_catalog_failure_and_failed_undo_leave_the_intent_for_the_reconciler(service: CloningService) -> None:
    assert isinstance(service.cosyvoice, FakeCosyVoice)
    service.catalog = catalog = BrokenCatalog()
    service.cosyvoice.delete_error = UpstreamError("cosyvoice", "the service could not be reached.")
    with pytest.raises(StorageError):
        service.clone(cosyvoice_form(prefix="orphan"), GOOD_AUDIO)
    assert [intent.voice_name for intent in catalog.list_intents()] == ["orphan"]


def test_missing_key_does_not_consume_the_upload(service: CloningService) -> None:
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.uploads, FakeBucket)
    service.qwen.configured = False
    service.uploads.objects[f"uploads/{UPLOAD_ID}"] = GOOD_AUDIO
    with pytest.raises(ProviderNotConfiguredError):
        service.clone(dashscope_form(upload_id=UPLOAD_ID), None)
    assert list(service.uploads.objects) == [f"uploads/{UPLOAD_ID}"]


@pytest.mark.parametrize(("provider_seconds", "catalog_wait"), [(1.5, 25.5), (20, 7), (27, 0), (40, 0)])
def test_the_catalog_write_waits_only_for_what_is_left_of_the_27_s(
    service: CloningService, clock: FakeClock, provider_seconds: float, catalog_wait: float
) -> None:
    # GIVEN a provider that takes `provider_seconds` and a catalog that records how long it may wait for its lock
    waits: list[float | None] = []

    class SlowQwen(FakeQwen):
        def create_voice(self, *, target_model: str, preferred_name: str, wav: bytes) -> str:
            clock.time += provider_seconds
            return super().create_voice(target_model=target_model, preferred_name=preferred_name, wav=wav)

    class RecordingCatalog(InMemoryVoiceCatalog):
        def add_entry(self, new: NewEntry) -> VoiceEntry:
            waits.append(new.wait_seconds)
            return super().add_entry(new)

    service.qwen, service.catalog = SlowQwen(), RecordingCatalog()
    # WHEN a clone runs
    service.clone(dashscope_form(), GOOD_AUDIO)
    # THEN a busy catalog can hold it only until the request's budget is spent
    assert waits == [catalog_wait]
