"""The catalog boundary in-process: registry, allow-list, typed errors both ways, and the JSON round trip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from voice_service.catalog_boundary.client import CatalogClient, InProcessInvoker, RemoteVoiceCatalog
from voice_service.catalog_boundary.operations import (
    ADD_ENTRY,
    LIST_ENTRIES,
    OPERATIONS,
    ListEntriesRequest,
    WireModel,
)
from voice_service.catalog_boundary.server import CatalogServer
from voice_service.catalog_boundary.wire import ERROR_CODES, CatalogAccessError
from voice_service.errors import (
    InvalidRequestError,
    StorageBusyError,
    StorageError,
    VoiceNotFoundError,
    VoiceServiceError,
)
from voice_service.models import NewVoice, VoiceEntry
from voice_service.services.catalog import delete_voice, list_voices
from voice_service.services.speech_cache import SpeechCache

NOW = datetime(2026, 11, 29, 12, 0, 0, 123_000, tzinfo=UTC)
ALL = frozenset(OPERATIONS)


def remote(catalog: object, served: frozenset[str] = ALL, declared: frozenset[str] = ALL) -> RemoteVoiceCatalog:
    server = CatalogServer(catalog, served)  # type: ignore[arg-type]
    return RemoteVoiceCatalog(CatalogClient(InProcessInvoker(server), declared))


class FailingCatalog:
    """A catalog whose every call raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def list_entries(self, provider: object = None) -> list[VoiceEntry]:
        raise self.error

    def add_entry(self, voice: NewVoice, now: datetime) -> VoiceEntry:
        raise self.error

    def delete_entry(self, entry_id: int) -> bool:
        raise self.error


def test_entries_survive_the_round_trip_unchanged() -> None:
    # GIVEN a catalog behind the boundary
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing)
    # WHEN voices are added, two with the same label, and listed through it
    first = catalog.add_entry(NewVoice("dashscope", "qwen-tts-vc-1", "Alice's Voice 我", "qwen3-tts-vc"), NOW)
    second = catalog.add_entry(NewVoice("dashscope", "qwen-tts-vc-2", "Alice's Voice 我", "qwen3-tts-vc"), NOW)
    catalog.add_entry(NewVoice("cosyvoice", "cosyvoice-v2-x", "Bob", "cosyvoice-v2"), NOW)
    # THEN what comes back equals what the catalog itself holds, timestamps and de-duplicated labels included
    assert catalog.list_entries() == backing.list_entries()
    assert second.display_label == "Alice's Voice 我-20261129-120000-123"
    assert [entry.voice_id for entry in catalog.list_entries("cosyvoice")] == ["cosyvoice-v2-x"]
    assert first.created_at == NOW and first.created_at.tzinfo is not None
    assert catalog.get_entry(first.id) == first
    assert catalog.get_entry(99) is None
    assert catalog.delete_entry(first.id) is True
    assert catalog.delete_entry(first.id) is False


def test_the_domain_services_raise_their_own_errors_through_it() -> None:
    catalog = remote(InMemoryVoiceCatalog())
    with pytest.raises(VoiceNotFoundError, match="No cloned voice has id 7"):
        delete_voice(catalog, "7", SpeechCache(None))
    with pytest.raises(InvalidRequestError):
        list_voices(catalog, "edge")


@pytest.mark.parametrize(
    "error",
    [
        StorageBusyError("The voice catalog is busy with other writers; retry in a moment."),
        StorageError("The voice catalog file could not be read: file is not a database."),
        VoiceNotFoundError("No cloned voice has id 3."),
        InvalidRequestError("Bad."),
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
        catalog.add_entry(NewVoice("dashscope", "v", "L", "m"), NOW)
    with pytest.raises(CatalogAccessError):
        catalog.delete_entry(1)
    assert backing.list_entries() == [] and catalog.list_entries() == []


def test_the_client_calls_only_what_its_function_declared() -> None:
    backing = InMemoryVoiceCatalog()
    catalog = remote(backing, declared=frozenset({"list_entries"}))
    with pytest.raises(StorageError, match="did not declare the catalog operation add_entry"):
        catalog.add_entry(NewVoice("dashscope", "v", "L", "m"), NOW)
    assert backing.list_entries() == []


@pytest.mark.parametrize(
    "event",
    [
        None,
        "list_entries",
        {"operation": "list_entries"},
        {"operation": "list_entries", "request": {"provider": "edge"}},
        {"operation": "list_entries", "request": {"provider": None, "extra": 1}},
        {"operation": "delete_entry", "request": {"entry_id": 0}},
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
        client.call(LIST_ENTRIES, ListEntriesRequest())


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
