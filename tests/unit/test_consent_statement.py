"""The recorded consent statement with in-memory fakes: refused before any call or write, stored with the intent's
reference first, deleted before the row that names it (by a failed clone, DELETE and the reconciler)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.test_clone_service import (
    GOOD_AUDIO,
    BrokenCatalog,
    FakeConverter,
    FakeQwen,
    cloning_service,
    dashscope_form,
)
from testsupport.fakes.catalog import InMemoryVoiceCatalog
from testsupport.fakes.consent_statements import InMemoryConsentStatements
from testsupport.fakes.provider_voices import InMemoryProviderVoices
from voice_service.errors import ConsentRequiredError, InvalidRequestError, StorageError, UpstreamError
from voice_service.models import ConsentRecord, ConsentStatement, NewEntry, NewVoice, Owner
from voice_service.services.cloning import CloneForm, CloningService, ConvertedSample
from voice_service.services.consent import MAX_STATEMENT_BYTES
from voice_service.services.idempotency import request_fingerprint
from voice_service.services.reconciler import Reconciler
from voice_service.services.voice_lifecycle import VoiceNaming, delete_voice, get_voice

NOW = datetime(2026, 11, 24, 2, 3, 4, tzinfo=UTC)
CONSENT = {"consent_speaker": "Alice Example", "consent_affirmed": "true"}
STATEMENT = b"GOOD statement" + bytes(1000)


@dataclass
class StatementConverter(FakeConverter):
    """Decodes "GOOD…" bytes as a statement of `seconds`."""

    seconds: float = 4.0

    def to_clone_wav(self, data: bytes) -> ConvertedSample:
        converted = super().to_clone_wav(data)
        return ConvertedSample(converted.wav, self.seconds, "WAV", 0.01)


@pytest.fixture
def statements() -> InMemoryConsentStatements:
    return InMemoryConsentStatements()


@pytest.fixture
def service(statements: InMemoryConsentStatements) -> CloningService:
    """The clone use case over in-memory fakes, with a statement converter and store."""
    return cloning_service(now=lambda: NOW, statement_converter=StatementConverter(), statements=statements)


def with_statement(statement: bytes | None = STATEMENT, **fields: str | None) -> CloneForm:
    form = dashscope_form(**fields)
    return CloneForm(**{**{name: getattr(form, name) for name in form.__slots__}, "consent_statement": statement})


def refused_before_anything(service: CloningService, statements: InMemoryConsentStatements) -> bool:
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.catalog, InMemoryVoiceCatalog)
    return (
        service.qwen.calls == []
        and statements.objects == {}
        and service.catalog.list_intents() == []
        and service.catalog.list_entries() == []
    )


@pytest.mark.parametrize(
    ("form", "error", "message"),
    [
        (with_statement(), ConsentRequiredError, "belongs to a consent record"),
        (with_statement(consent_speaker="Alice"), ConsentRequiredError, "consent_affirmed"),
        (with_statement(b"GOOD" + bytes(100), **CONSENT), InvalidRequestError, "too small"),
        (with_statement(b"GOOD" + bytes(MAX_STATEMENT_BYTES), **CONSENT), InvalidRequestError, "larger than 2 MiB"),
        (with_statement(b"NOT AUDIO" + bytes(1000), **CONSENT), InvalidRequestError, "consent_statement: The audio"),
    ],
)
def test_a_bad_statement_is_refused_before_any_call_or_write(
    service: CloningService,
    statements: InMemoryConsentStatements,
    form: CloneForm,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        service.clone(form, GOOD_AUDIO)
    assert refused_before_anything(service, statements)


def test_a_statement_longer_than_60_s_is_refused_before_any_call_or_write(
    service: CloningService,
    statements: InMemoryConsentStatements,
) -> None:
    assert isinstance(service.statement_converter, StatementConverter)
    service.statement_converter.seconds = 60.5
    with pytest.raises(InvalidRequestError, match="longer than 60 seconds"):
        service.clone(with_statement(**CONSENT), GOOD_AUDIO)
    assert refused_before_anything(service, statements)


def test_a_required_statement_that_is_missing_is_refused_and_so_is_a_clone_without_consent(
    service: CloningService,
    statements: InMemoryConsentStatements,
) -> None:
    service.statement_required = True
    with pytest.raises(ConsentRequiredError, match="consent_statement"):
        service.clone(with_statement(None, **CONSENT), GOOD_AUDIO)
    # A required statement implies the consent record, even where consent itself is optional
    with pytest.raises(ConsentRequiredError, match="consent_speaker"):
        service.clone(with_statement(None), GOOD_AUDIO)
    assert refused_before_anything(service, statements)
    assert service.clone(with_statement(**CONSENT), GOOD_AUDIO).entry.consent is not None


def test_the_statement_is_stored_under_its_key_and_named_by_the_intent_and_the_entry(
    service: CloningService,
    statements: InMemoryConsentStatements,
) -> None:
    # GIVEN the provider interrupted (no answer): the intent stays for the reconciler
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.catalog, InMemoryVoiceCatalog)
    service.qwen.error = UpstreamError("dashscope", "the request timed out.", outcome_unknown=True)
    with pytest.raises(UpstreamError):
        service.clone(with_statement(**CONSENT), GOOD_AUDIO, Owner("alice"))
    # THEN the intent names the stored statement (the decoded WAV, never the caller's bytes)
    (intent,) = service.catalog.list_intents()
    assert intent.consent is not None and intent.consent.statement is not None
    assert list(statements.objects) == [intent.consent.statement.key]
    assert statements.objects[intent.consent.statement.key].startswith(b"RIFF-converted-")
    # WHEN a clone succeeds
    service.qwen.error = None
    entry = service.clone(with_statement(**CONSENT), GOOD_AUDIO, Owner("alice")).entry
    # THEN its entry names its own statement, with the decoded duration
    assert entry.consent is not None and entry.consent.statement is not None
    assert entry.consent.statement.key.startswith("consent/") and entry.consent.statement.duration_seconds == 4.0
    assert entry.consent.statement.key in statements.objects and len(statements.objects) == 2


@pytest.mark.parametrize("failure", ["provider", "catalog"])
def test_a_failed_clone_deletes_its_statement_with_its_intent(
    service: CloningService,
    statements: InMemoryConsentStatements,
    failure: str,
) -> None:
    assert isinstance(service.qwen, FakeQwen)
    if failure == "provider":
        service.qwen.error = UpstreamError("dashscope", "it answered an error.")
    else:
        service.catalog = BrokenCatalog()  # the entry's write fails; the provider's voice is undone
    with pytest.raises((UpstreamError, StorageError)):
        service.clone(with_statement(**CONSENT), GOOD_AUDIO)
    assert statements.objects == {} and service.catalog.list_intents() == []


def test_a_statement_that_cannot_be_stored_fails_the_clone_before_the_provider(
    service: CloningService,
    statements: InMemoryConsentStatements,
) -> None:
    statements.failing.add("put")
    with pytest.raises(StorageError):
        service.clone(with_statement(**CONSENT), GOOD_AUDIO)
    assert refused_before_anything(service, statements)


def test_a_failed_clone_whose_statement_cannot_be_deleted_keeps_the_intent_naming_it(
    service: CloningService,
    statements: InMemoryConsentStatements,
) -> None:
    assert isinstance(service.qwen, FakeQwen) and isinstance(service.catalog, InMemoryVoiceCatalog)
    service.qwen.error = UpstreamError("dashscope", "it answered an error.")
    statements.failing.add("delete")
    with pytest.raises(UpstreamError):
        service.clone(with_statement(**CONSENT), GOOD_AUDIO)
    # The object is still named by its intent: the reconciler drops both later, never the intent alone
    (intent,) = service.catalog.list_intents()
    assert intent.consent is not None and intent.consent.statement is not None
    assert list(statements.objects) == [intent.consent.statement.key]


def test_the_idempotency_fingerprint_covers_the_statement() -> None:
    assert request_fingerprint(with_statement(**CONSENT), GOOD_AUDIO) != request_fingerprint(
        with_statement(STATEMENT + b"x", **CONSENT), GOOD_AUDIO
    )
    assert request_fingerprint(with_statement(**CONSENT), GOOD_AUDIO) != request_fingerprint(
        with_statement(None, **CONSENT), GOOD_AUDIO
    )


class NoPreviews:
    def purge_voice(self, provider: str, voice_id: str) -> None:
        pass


def catalog_with_a_statement(store: InMemoryConsentStatements, owner: Owner) -> tuple[InMemoryVoiceCatalog, int, str]:
    catalog = InMemoryVoiceCatalog()
    key = store.new_statement_key()
    store.objects[key] = b"RIFF"
    consent = ConsentRecord("Alice", "I agree.", owner.user_id, NOW, ConsentStatement(key, 4.0))
    entry = catalog.add_entry(NewEntry(NewVoice("dashscope", "vc-1", "Mine", "m"), NOW, owner=owner, consent=consent))
    return catalog, entry.id, key


@pytest.mark.parametrize("catalog_only", [False, True])
def test_deleting_a_voice_deletes_its_statement_before_its_row(catalog_only: bool) -> None:
    store, alice = InMemoryConsentStatements(), Owner("alice")
    catalog, entry_id, key = catalog_with_a_statement(store, alice)
    providers = {"dashscope": InMemoryProviderVoices("dashscope"), "cosyvoice": InMemoryProviderVoices("cosyvoice")}
    # WHEN S3 fails the statement's delete, the row stays (a 500 the caller retries)
    store.failing.add("delete")
    with pytest.raises(StorageError, match="consent statement could not be removed"):
        delete_voice(
            catalog, providers, str(entry_id), NoPreviews(), catalog_only=catalog_only, owner=alice, statements=store
        )
    assert catalog.get_entry(entry_id, owner=alice) is not None and key in store.objects
    # AND the retry removes the statement, then the row
    store.failing.clear()
    delete_voice(
        catalog, providers, str(entry_id), NoPreviews(), catalog_only=catalog_only, owner=alice, statements=store
    )
    assert catalog.get_entry(entry_id, owner=alice) is None and store.objects == {}


def test_reading_a_voice_gives_its_owner_a_short_lived_url_of_the_statement() -> None:
    store, alice = InMemoryConsentStatements(), Owner("alice")
    catalog, entry_id, key = catalog_with_a_statement(store, alice)
    view = get_voice(catalog, {}, str(entry_id), owner=alice, statements=store)
    assert view.statement_url is not None and key in view.statement_url and view.statement_url_expires_in == 300
    # A URL that cannot be issued never fails the read: the statement is still said to exist, without a URL
    store.failing.add("url")
    view = get_voice(catalog, {}, str(entry_id), owner=alice, statements=store)
    assert view.statement_url is None and view.entry.consent is not None and view.entry.consent.statement is not None


def test_the_reconciler_drops_an_intent_with_its_statement_first() -> None:
    # GIVEN an interrupted clone whose voice was never created, with a stored statement
    store, catalog = InMemoryConsentStatements(), InMemoryVoiceCatalog()
    key = store.new_statement_key()
    store.objects[key] = b"RIFF"
    catalog.record_intent(
        provider="cosyvoice",
        target_model="cosyvoice-v2",
        voice_name="ot1234567",
        display_label="Mine",
        now=NOW - timedelta(hours=1),
        owner=Owner("alice"),
        consent=ConsentRecord("Alice", "I agree.", "alice", NOW, ConsentStatement(key, 4.0)),
    )
    providers = {"dashscope": InMemoryProviderVoices("dashscope"), "cosyvoice": InMemoryProviderVoices("cosyvoice")}
    reconciler = Reconciler(catalog, providers, VoiceNaming("ot"), now=lambda: NOW, statements=store)
    # WHEN S3 fails the statement's delete, the intent stays for the next run
    store.failing.add("delete")
    assert reconciler.run().intents_dropped == 0 and len(catalog.list_intents()) == 1
    # AND the next run deletes the statement, then drops the intent
    store.failing.clear()
    assert reconciler.run().intents_dropped == 1
    assert catalog.list_intents() == [] and store.objects == {}
