"""Idempotency-Key over the in-memory catalog: replay, key reuse, in progress, release on failure, retention."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from voice_service.errors import (
    IdempotencyConflictError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
    UpstreamError,
)
from voice_service.models import SHARED_CATALOG, ConsentRecord, Owner, VoiceEntry
from voice_service.services.cloning import CloneForm, CloneResult, CloningService
from voice_service.services.idempotency import IdempotentCloning

FORM = CloneForm("dashscope", "qwen3-tts-vc-realtime-2026-01-15", "Alice")
AUDIO = b"RIFF" + bytes(300)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@dataclass
class CountingCloning:
    """Stands in for CloningService: counts clones, can fail, can run code while "in progress"."""

    calls: int = 0
    error: Exception | None = None
    during: list[object] = field(default_factory=list)

    def clone(self, form: CloneForm, audio: bytes | None, owner: Owner = SHARED_CATALOG) -> CloneResult:
        self.calls += 1
        for action in self.during:
            action()  # type: ignore[operator]
        if self.error is not None:
            raise self.error
        consent = (
            None
            if form.consent_speaker is None
            else ConsentRecord(form.consent_speaker, "I agree.", owner.user_id, NOW)
        )
        entry = VoiceEntry(
            self.calls,
            owner.user_id,
            "dashscope",
            f"voice-{self.calls}",
            str(form.display_label),
            "m",
            "clone",
            NOW,
            consent=consent,
        )
        return CloneResult(entry, "cloned")


def idempotent(cloning: CountingCloning, catalog: InMemoryVoiceCatalog) -> IdempotentCloning:
    service: CloningService = cloning  # type: ignore[assignment]
    return IdempotentCloning(service, catalog, retention_seconds=86_400, in_progress_seconds=30)


def test_the_same_key_and_form_replays_the_first_result_without_cloning_again() -> None:
    cloning, catalog = CountingCloning(), InMemoryVoiceCatalog()
    service = idempotent(cloning, catalog)
    first = service.clone(FORM, AUDIO, "key-1")
    again = service.clone(FORM, AUDIO, " key-1 ")
    assert again == first and cloning.calls == 1
    # Another key is another request; no key means no idempotency at all
    assert service.clone(FORM, AUDIO, "key-2").entry.voice_id == "voice-2"
    service.clone(FORM, AUDIO, None)
    service.clone(FORM, AUDIO, None)
    assert cloning.calls == 4


def test_keys_are_per_user_so_another_user_never_gets_the_first_result() -> None:
    # GIVEN alice's clone under a key, with a consent record
    cloning, catalog = CountingCloning(), InMemoryVoiceCatalog()
    service = idempotent(cloning, catalog)
    form = replace(FORM, consent_speaker="Alice", consent_affirmed="true")
    alices = service.clone(form, AUDIO, "shared-key", owner=Owner("alice"))
    # WHEN bob sends the same key and form
    bobs = service.clone(form, AUDIO, "shared-key", owner=Owner("bob"))
    # THEN bob's is a clone of his own, and alice's repeat replays hers, consent record and owner included
    assert cloning.calls == 2 and bobs.entry.user_id == "bob" and bobs.entry.voice_id != alices.entry.voice_id
    assert service.clone(form, AUDIO, "shared-key", owner=Owner("alice")) == alices
    assert alices.entry.user_id == "alice" and alices.entry.consent is not None and cloning.calls == 2
    # AND the records are stored under different keys, neither of which is the header's value
    assert len(catalog.records) == 2 and not any("shared-key" in key for key in catalog.records)


@pytest.mark.parametrize(
    "other",
    [
        {"form": replace(FORM, display_label="Bob")},
        {"form": replace(FORM, preferred_name="bob")},
        {"audio": AUDIO + b"x"},
    ],
)
def test_the_same_key_with_a_different_request_is_refused(other: dict[str, object]) -> None:
    cloning, catalog = CountingCloning(), InMemoryVoiceCatalog()
    service = idempotent(cloning, catalog)
    service.clone(FORM, AUDIO, "key-1")
    form = other.get("form", FORM)
    audio = other.get("audio", AUDIO)
    with pytest.raises(IdempotencyKeyReusedError, match="different clone request"):
        service.clone(form, audio, "key-1")  # type: ignore[arg-type]
    assert cloning.calls == 1


def test_a_repeat_while_the_first_runs_is_told_it_is_in_progress() -> None:
    cloning, catalog = CountingCloning(), InMemoryVoiceCatalog()
    service = idempotent(cloning, catalog)
    seen: list[Exception] = []

    def repeat() -> None:
        with pytest.raises(IdempotencyConflictError, match="still in progress") as raised:
            service.clone(FORM, AUDIO, "key-1")
        seen.append(raised.value)

    cloning.during.append(repeat)
    service.clone(FORM, AUDIO, "key-1")
    assert len(seen) == 1 and cloning.calls == 1


def test_a_failed_clone_releases_the_key_for_a_retry() -> None:
    cloning, catalog = CountingCloning(error=UpstreamError("dashscope", "boom.")), InMemoryVoiceCatalog()
    service = idempotent(cloning, catalog)
    with pytest.raises(UpstreamError):
        service.clone(FORM, AUDIO, "key-1")
    assert catalog.records == {}
    cloning.error = None
    assert service.clone(FORM, AUDIO, "key-1").entry.voice_id == "voice-2"


def test_after_the_retention_window_the_key_clones_again() -> None:
    cloning, catalog = CountingCloning(), InMemoryVoiceCatalog()
    service = idempotent(cloning, catalog)
    service.clone(FORM, AUDIO, "key-1")
    (key,) = catalog.records
    assert catalog.records[key].status == "COMPLETED"
    # The record's retention is 24 h; once past it, the key is free
    assert 86_000 < catalog.records[key].expires_at - datetime.now(UTC).timestamp() <= 86_400
    catalog.records[key] = replace(catalog.records[key], expires_at=int(datetime.now(UTC).timestamp()) - 1)
    service.clone(FORM, AUDIO, "key-1")
    assert cloning.calls == 2


def test_an_abandoned_in_progress_record_stops_blocking_after_the_request_deadline() -> None:
    cloning, catalog = CountingCloning(), InMemoryVoiceCatalog()
    service = idempotent(cloning, catalog)
    crashed: list[str] = []

    def crash_leaving_the_record() -> None:
        crashed.append("yes")
        raise SystemExit  # not an Exception: Powertools keeps the record, as when the process dies

    cloning.during.append(crash_leaving_the_record)
    with pytest.raises(SystemExit):
        service.clone(FORM, AUDIO, "key-1")
    cloning.during.clear()
    (key,) = catalog.records
    record = catalog.records[key]
    assert record.status == "INPROGRESS" and record.in_progress_expires_at is not None
    with pytest.raises(IdempotencyConflictError):
        service.clone(FORM, AUDIO, "key-1")
    # Past the deadline (the clone function's timeout) the request must have died: a retry proceeds
    catalog.records[key] = replace(record, in_progress_expires_at=record.in_progress_expires_at - 31_000)
    assert service.clone(FORM, AUDIO, "key-1").entry.voice_id == "voice-2"


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "with space", "naïve"])
def test_malformed_keys_are_refused(key: str) -> None:
    cloning = CountingCloning()
    with pytest.raises(InvalidRequestError, match="Idempotency-Key"):
        idempotent(cloning, InMemoryVoiceCatalog()).clone(FORM, AUDIO, key)
    assert cloning.calls == 0
