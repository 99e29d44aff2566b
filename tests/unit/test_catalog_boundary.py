"""The catalog boundary in-process: registry, allow-list, typed errors both ways, and the JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from testsupport.fakes.provider_voices import InMemoryProviderVoices
from voice_service.catalog_boundary.client import CatalogClient, InProcessInvoker, RemoteVoiceCatalog
from voice_service.catalog_boundary.operations import (
    ADD_ENTRY,
    LIST_ENTRIES,
    OPERATIONS,
    AddEntryRequest,
    ListEntriesRequest,
    OwnerRecord,
    WireModel,
)
from voice_service.catalog_boundary.server import CatalogServer
from voice_service.catalog_boundary.wire import ERROR_CODES, CatalogAccessError
from voice_service.errors import (
    InvalidRequestError,
    QuotaExceededError,
    StorageBusyError,
    StorageError,
    VoiceNotFoundError,
    VoiceServiceError,
)
from voice_service.models import SHARED_CATALOG, ConsentRecord, IdempotencyRecord, NewEntry, NewVoice, Owner, VoiceEntry
from voice_service.services.catalog import list_voices
from voice_service.services.speech_cache import SpeechCache
from voice_service.services.voice_lifecycle import delete_voice

NOW = datetime(2026, 11, 29, 12, 0, 0, 123_000, tzinfo=UTC)
ALL = frozenset(OPERATIONS)


def remote(catalog: object, served: frozenset[str] = ALL, declared: frozenset[str] = ALL) -> RemoteVoiceCatalog:
    server = CatalogServer(catalog, served)  # type: ignore[arg-type]
    return RemoteVoiceCatalog(CatalogClient(InProcessInvoker(server), declared))


class FailingCatalog:
    """A catalog whose every call raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def list_entries(self, provider: object = None, status: object = None, **scope: object) -> list[VoiceEntry]:
        raise self.error

    def add_entry(self, new: NewEntry) -> VoiceEntry:
        raise self.error

    def delete_entry(self, entry_id: int, **scope: object) -> bool:
        raise self.error


def test_entries_survive_the_round_trip_unchanged() -> None:
    # GIVEN a catalog behind the boundary
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing)
    # WHEN voices are added, two with the same label, and listed through it
    first = catalog.add_entry(NewEntry(NewVoice("dashscope", "qwen-tts-vc-1", "Alice's Voice 我", "qwen3-tts-vc"), NOW))
    second = catalog.add_entry(
        NewEntry(NewVoice("dashscope", "qwen-tts-vc-2", "Alice's Voice 我", "qwen3-tts-vc"), NOW)
    )
    catalog.add_entry(NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-x", "Bob", "cosyvoice-v2"), NOW))
    # THEN what comes back equals what the catalog itself holds, timestamps and de-duplicated labels included
    assert catalog.list_entries() == backing.list_entries()
    assert second.display_label == "Alice's Voice 我-20261129-120000-123"
    assert [entry.voice_id for entry in catalog.list_entries("cosyvoice")] == ["cosyvoice-v2-x"]
    assert first.created_at == NOW and first.created_at.tzinfo is not None
    assert catalog.get_entry(first.id) == first
    assert catalog.get_entry(99) is None
    assert catalog.delete_entry(first.id) is True
    assert catalog.delete_entry(first.id) is False


def test_the_callers_identity_crosses_with_every_scoped_call() -> None:
    # GIVEN a catalog behind the boundary, and two signed-in users and an admin
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing)
    alice, bob = Owner("alice"), Owner("bob")
    admin = Owner("root", sees_unowned=True)
    consent = ConsentRecord("Alice", "I agree.", "alice", NOW)
    unowned = catalog.add_entry(NewEntry(NewVoice("dashscope", "qwen-tts-vc-0", "Old", "qwen3-tts-vc"), NOW))
    # WHEN each adds a voice with the same label, Alice with a consent record
    mine = catalog.add_entry(NewEntry(NewVoice("dashscope", "vc-a", "Mine", "m"), NOW, owner=alice, consent=consent))
    theirs = catalog.add_entry(NewEntry(NewVoice("dashscope", "vc-b", "Mine", "m"), NOW, owner=bob, max_voices=1))
    # THEN each sees, gets and deletes only their own; labels are per user; the consent record comes back
    assert (mine.display_label, theirs.display_label) == ("Mine", "Mine")
    assert catalog.list_entries(owner=alice) == [mine] and mine.consent == consent
    assert catalog.get_entry(theirs.id, owner=alice) is None and catalog.delete_entry(theirs.id, owner=alice) is False
    assert [entry.id for entry in catalog.list_entries(owner=admin)] == [unowned.id]
    assert catalog.get_entry(unowned.id, owner=bob) is None and catalog.get_entry(unowned.id, owner=admin) == unowned
    # AND the quota reads and writes cross too: the voice limit, the count, the rate slots, the voice's owners
    with pytest.raises(QuotaExceededError, match="Voice limit reached"):
        catalog.add_entry(NewEntry(NewVoice("dashscope", "vc-c", "Two", "m"), NOW, owner=bob, max_voices=1))
    assert catalog.count_entries(bob) == 1 and catalog.count_entries(SHARED_CATALOG) == 1
    assert [catalog.take_request_slot("bob", "preview", NOW, 2, 60) for _ in range(3)] == [True, True, False]
    assert catalog.voice_owners("dashscope", "vc-a") == ["alice"]
    assert catalog.voice_owners("dashscope", "qwen-tts-vc-0") == [None]
    assert catalog.voice_owners("cosyvoice", "vc-a") == []
    assert catalog.delete_entry(theirs.id, owner=bob) is True
    # AND a status change, an intent (with its owner and consent) and an unowned row's assignment cross scoped
    assert catalog.set_status(mine.id, "gone", owner=bob) is False
    assert catalog.set_status(mine.id, "gone", owner=alice) is True
    intent = catalog.record_intent(
        provider="dashscope",
        target_model="m",
        voice_name="ot1",
        display_label="X",
        now=NOW,
        owner=alice,
        consent=consent,
    )
    assert (intent.user_id, intent.consent) == ("alice", consent) and catalog.list_intents() == [intent]
    assert catalog.drop_intent(intent.id, owner=bob) is False and catalog.drop_intent(intent.id, owner=alice) is True
    assert catalog.assign_unowned("bob", NOW) == [unowned.id]
    assert catalog.get_entry(unowned.id, owner=bob) == unowned._replace(user_id="bob")


def test_the_lifecycle_operations_survive_the_round_trip_unchanged() -> None:
    # GIVEN a catalog behind the boundary
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing)
    # WHEN a clone intent is recorded and listed, then completed by its entry in one call
    intent = catalog.record_intent(
        provider="cosyvoice", target_model="cosyvoice-v2", voice_name="ot1234567", display_label="Bob", now=NOW
    )
    assert catalog.list_intents() == backing.list_intents() == [intent]
    entry = catalog.add_entry(
        NewEntry(
            NewVoice("cosyvoice", "cosyvoice-v2-ot1234567-x", "Bob", "cosyvoice-v2", "deploying"),
            NOW,
            intent_id=intent.id,
        )
    )
    # THEN the intent is gone, the entry carries its status, and the status filter and update cross too
    assert catalog.list_intents() == [] and entry.status == "deploying"
    assert catalog.list_entries(status="deploying") == [entry]
    assert catalog.set_status(entry.id, "ready") is True and catalog.set_status(99, "ready") is False
    assert catalog.list_entries(status="deploying") == [] and catalog.get_entry(entry.id).status == "ready"  # type: ignore[union-attr]
    other = catalog.record_intent(
        provider="dashscope", target_model="qwen3-tts-vc", voice_name="ot7654321", display_label="A", now=NOW
    )
    assert catalog.drop_intent(other.id) is True and catalog.drop_intent(other.id) is False


def test_idempotency_records_survive_the_round_trip_and_a_claim_is_refused_while_one_is_live() -> None:
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing)
    record = IdempotencyRecord("key-1", "INPROGRESS", 2_000, 1_500_000, "hash", "")
    # The first claim stores the record; a second, while it is live, gets the blocking record back
    assert catalog.claim_idempotency_record(record, now_ms=1_000_000) is None
    assert catalog.claim_idempotency_record(record, now_ms=1_000_000) == record
    assert catalog.get_idempotency_record("key-1") == backing.records["key-1"] == record
    done = IdempotencyRecord("key-1", "COMPLETED", 2_000, None, "hash", '{"entry_id": 1}')
    catalog.save_idempotency_record(done)
    assert catalog.get_idempotency_record("key-1") == done
    catalog.delete_idempotency_record("key-1")
    assert catalog.get_idempotency_record("key-1") is None
    catalog.save_idempotency_record(done)
    assert catalog.purge_idempotency_records(now_ms=3_000_000) == 1 and backing.records == {}


def test_the_domain_services_raise_their_own_errors_through_it() -> None:
    catalog = remote(InMemoryVoiceCatalog())
    with pytest.raises(VoiceNotFoundError, match="No cloned voice has id 7"):
        providers = {"cosyvoice": InMemoryProviderVoices("cosyvoice"), "dashscope": InMemoryProviderVoices("dashscope")}
        delete_voice(catalog, providers, "7", SpeechCache(None))
    with pytest.raises(InvalidRequestError):
        list_voices(catalog, "edge")


@pytest.mark.parametrize(
    "error",
    [
        StorageBusyError("The voice catalog is busy with other writers; retry in a moment."),
        StorageError("The voice catalog file could not be read: file is not a database."),
        VoiceNotFoundError("No cloned voice has id 3."),
        InvalidRequestError("Bad."),
        QuotaExceededError("Voice limit reached: you have 3 cloned voices."),
    ],
    ids=lambda error: type(error).__name__,
)
def test_domain_errors_cross_as_the_same_class_and_sentence(error: VoiceServiceError) -> None:
    catalog = remote(FailingCatalog(error))
    with pytest.raises(type(error)) as raised:
        catalog.list_entries()
    # The exact class, so the one HTTP mapping answers as it would in-process (busy → 503, not found → 404, ...)
    assert type(raised.value) is type(error)
    assert raised.value.message == error.message


def test_an_unexpected_failure_crosses_as_a_storage_error_without_its_details() -> None:
    catalog = remote(FailingCatalog(RuntimeError("/mnt/catalog/secret-path exploded")))
    with pytest.raises(StorageError) as raised:
        catalog.list_entries()
    assert type(raised.value) is StorageError
    assert "secret-path" not in raised.value.message


def test_the_server_refuses_operations_outside_its_allow_list() -> None:
    # GIVEN a catalog function deployed for the list function only, called by a client that claims every operation
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing, served=frozenset({"list_entries"}))
    # THEN a write is refused, nothing is written, and reading still works
    with pytest.raises(CatalogAccessError, match="does not serve this operation"):
        catalog.add_entry(NewEntry(NewVoice("dashscope", "v", "L", "m"), NOW))
    with pytest.raises(CatalogAccessError):
        catalog.delete_entry(1)
    assert backing.list_entries() == [] and catalog.list_entries() == []


def test_the_client_calls_only_what_its_function_declared() -> None:
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing, declared=frozenset({"list_entries"}))
    with pytest.raises(StorageError, match="did not declare the catalog operation add_entry"):
        catalog.add_entry(NewEntry(NewVoice("dashscope", "v", "L", "m"), NOW))
    assert backing.list_entries() == []


@pytest.mark.parametrize(
    "event",
    [
        None,
        "list_entries",
        {"operation": "list_entries"},
        {"operation": "list_entries", "request": {"owner": {"user_id": None}, "provider": "edge"}},
        {"operation": "list_entries", "request": {"owner": {"user_id": None}, "provider": None, "extra": 1}},
        {"operation": "list_entries", "request": {"provider": None}},
        {"operation": "delete_entry", "request": {"owner": {"user_id": None}, "entry_id": 0}},
        {"operation": "take_request_slot", "request": {"user_id": "", "action": "clone", "limit": 1}},
        {"operation": "add_entry", "request": {"provider": "dashscope", "voice_id": "v"}},
        {"operation": "drop_table", "request": {}},
    ],
)
def test_malformed_or_unknown_calls_are_refused_and_touch_nothing(event: object) -> None:
    backing = InMemoryVoiceCatalog()
    reply = CatalogServer(backing, ALL).handle(event)  # type: ignore[arg-type]
    assert reply["ok"] is False and reply["error"]["code"] == "refused"
    assert backing.list_entries() == []


def test_a_catalog_function_with_an_unknown_operation_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="drop_table"):
        CatalogServer(InMemoryVoiceCatalog(), frozenset({"list_entries", "drop_table"}))


def test_a_catalog_function_told_no_operation_serves_none() -> None:
    catalog = remote(InMemoryVoiceCatalog(), served=frozenset())
    with pytest.raises(CatalogAccessError):
        catalog.list_entries()


def test_a_reply_the_operation_does_not_promise_is_a_storage_error() -> None:
    class Garbled:
        def invoke(self, payload: bytes) -> bytes:
            return b'{"ok": true, "response": {"items": []}}'

    client = CatalogClient(Garbled(), ALL)
    with pytest.raises(StorageError, match="cannot read"):
        client.call(LIST_ENTRIES, ListEntriesRequest(owner=OwnerRecord(user_id=None)))


def test_every_registered_operation_has_typed_models_and_a_unique_name() -> None:
    for name, operation in OPERATIONS.items():
        assert operation.name == name
        assert issubclass(operation.request_model, WireModel) and issubclass(operation.response_model, WireModel)
    assert ADD_ENTRY.request_model.model_json_schema()["required"]


def test_every_error_code_names_a_domain_error() -> None:
    assert all(issubclass(error, VoiceServiceError) for error in ERROR_CODES.values())
    assert issubclass(CatalogAccessError, StorageError)  # a refused call is the deployment's fault: 500


def test_the_wire_entry_has_the_entrys_fields_in_its_order() -> None:
    # EntryRecord.to_entry builds the VoiceEntry positionally from the record's fields
    from voice_service.catalog_boundary.operations import EntryRecord

    assert tuple(EntryRecord.model_fields) == VoiceEntry._fields


def test_add_entry_crosses_flat_as_catalog_functions_deployed_before_new_entry_read_it() -> None:
    # GIVEN a call with every field of NewEntry set, through a transport that records what it carries
    sent: list[object] = []

    class Recording(InProcessInvoker):
        def invoke(self, payload: bytes) -> bytes:
            sent.append(json.loads(payload))
            return super().invoke(payload)

    backing = InMemoryVoiceCatalog()
    intent = backing.record_intent(
        provider="cosyvoice", target_model="cosyvoice-v2", voice_name="ot1", display_label="Bob", now=NOW
    )
    consent = ConsentRecord("Bob", "I agree.", "bob", NOW)
    new = NewEntry(
        NewVoice("cosyvoice", "cosyvoice-v2-ot1-x", "Bob", "cosyvoice-v2", "deploying"),
        NOW,
        owner=Owner("bob", sees_unowned=True),
        consent=consent,
        intent_id=intent.id,
        max_voices=3,
        wait_seconds=1.5,
    )
    # WHEN it is added through the boundary
    entry = RemoteVoiceCatalog(CatalogClient(Recording(CatalogServer(backing, ALL)), ALL)).add_entry(new)
    # THEN the request is the flat object the operation has always taken, and the catalog got every field back
    assert sent == [
        {
            "operation": "add_entry",
            "request": {
                "owner": {"user_id": "bob", "sees_unowned": True},
                "provider": "cosyvoice",
                "voice_id": "cosyvoice-v2-ot1-x",
                "display_label": "Bob",
                "target_model": "cosyvoice-v2",
                "now": "2026-11-29T12:00:00.123000Z",
                "status": "deploying",
                "intent_id": intent.id,
                "wait_seconds": 1.5,
                "max_voices": 3,
                "consent": {
                    "speaker": "Bob",
                    "affirmation": "I agree.",
                    "recorded_by": "bob",
                    "recorded_at": "2026-11-29T12:00:00.123000Z",
                    "statement": None,  # the recorded consent statement, when one was sent (schema version 4)
                },
            },
        }
    ]
    assert AddEntryRequest.of(new).to_new_entry() == new
    assert (entry.user_id, entry.status, entry.consent) == ("bob", "deploying", consent)
    assert backing.list_intents() == []
