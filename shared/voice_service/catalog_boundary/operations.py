"""The registry of catalog operations: each one a name, a request model, a response model and what it runs.

Adding an operation is one step here: define its two models and a function `(catalog, request) -> response`, and
append a `CatalogOperation` to `OPERATIONS`. A caller then names it in its declared operations, and the template gives
that caller's catalog function the name in OPENTALKING_CATALOG_OPERATIONS (the template tests hold the two equal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from voice_service.models import CloneIntent, IdempotencyRecord, NewVoice, VoiceEntry, VoiceStatus
from voice_service.providers import CloneProvider
from voice_service.services.catalog import MAX_ENTRY_ID, VoiceCatalog


class WireModel(BaseModel):
    """Base of every request and response: strict about unknown fields, so a version skew fails loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EntryRecord(WireModel):
    """A `VoiceEntry` as it crosses the boundary."""

    id: int
    user_id: str | None
    provider: str
    voice_id: str
    display_label: str
    target_model: str
    source: str
    created_at: AwareDatetime
    status: VoiceStatus

    @classmethod
    def from_entry(cls, entry: VoiceEntry) -> EntryRecord:
        return cls.model_validate(dict(zip(VoiceEntry._fields, entry, strict=True)))

    def to_entry(self) -> VoiceEntry:
        # The fields are declared in VoiceEntry's order (a test holds them equal).
        return VoiceEntry._make(self.__dict__.values())


class ListEntriesRequest(WireModel):
    provider: CloneProvider | None = None
    status: VoiceStatus | None = None


class ListEntriesResponse(WireModel):
    entries: list[EntryRecord]


class AddEntryRequest(WireModel):
    provider: CloneProvider
    voice_id: str = Field(min_length=1)
    display_label: str = Field(min_length=1)
    target_model: str = Field(min_length=1)
    # The caller's clock: the label suffix and created_at describe when the clone was made, not when it was stored.
    now: AwareDatetime
    status: VoiceStatus = "ready"
    # The clone intent this entry completes (removed in the same transaction).
    intent_id: int | None = Field(default=None, ge=1)
    # What is left of the clone's time budget for waiting on other writers (None: the catalog's busy timeout).
    wait_seconds: float | None = Field(default=None, ge=0)


class AddEntryResponse(WireModel):
    entry: EntryRecord


class DeleteEntryRequest(WireModel):
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)


class DeleteEntryResponse(WireModel):
    deleted: bool


class GetEntryRequest(WireModel):
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)


class GetEntryResponse(WireModel):
    entry: EntryRecord | None


class SetStatusRequest(WireModel):
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)
    status: VoiceStatus


class SetStatusResponse(WireModel):
    updated: bool


class IntentRecord(WireModel):
    """A `CloneIntent` as it crosses the boundary."""

    id: int
    provider: CloneProvider
    target_model: str
    voice_name: str
    display_label: str
    created_at: AwareDatetime

    @classmethod
    def from_intent(cls, intent: CloneIntent) -> IntentRecord:
        return cls(**{name: getattr(intent, name) for name in cls.model_fields})

    def to_intent(self) -> CloneIntent:
        return CloneIntent(**self.model_dump())


class RecordIntentRequest(WireModel):
    provider: CloneProvider
    target_model: str = Field(min_length=1)
    voice_name: str = Field(min_length=1)
    display_label: str = Field(min_length=1)
    now: AwareDatetime


class RecordIntentResponse(WireModel):
    intent: IntentRecord


class DropIntentRequest(WireModel):
    intent_id: int = Field(ge=1)


class DropIntentResponse(WireModel):
    dropped: bool


class ListIntentsRequest(WireModel):
    pass


class ListIntentsResponse(WireModel):
    intents: list[IntentRecord]


class IdempotencyRecordWire(WireModel):
    """An `IdempotencyRecord` as it crosses the boundary."""

    key: str = Field(min_length=1)
    status: str
    expires_at: int
    in_progress_expires_at: int | None
    payload_hash: str
    response_data: str

    @classmethod
    def from_record(cls, record: IdempotencyRecord) -> IdempotencyRecordWire:
        return cls(**{name: getattr(record, name) for name in cls.model_fields})

    def to_record(self) -> IdempotencyRecord:
        return IdempotencyRecord(**self.model_dump())


class IdempotencyKeyRequest(WireModel):
    key: str = Field(min_length=1)


class IdempotencyRecordResponse(WireModel):
    record: IdempotencyRecordWire | None


class ClaimIdempotencyRecordRequest(WireModel):
    record: IdempotencyRecordWire
    now_ms: int


class SaveIdempotencyRecordRequest(WireModel):
    record: IdempotencyRecordWire


class DoneResponse(WireModel):
    done: bool = True


class PurgeIdempotencyRecordsRequest(WireModel):
    now_ms: int


class PurgeIdempotencyRecordsResponse(WireModel):
    purged: int


RequestT = TypeVar("RequestT", bound=WireModel)
ResponseT = TypeVar("ResponseT", bound=WireModel)


@dataclass(frozen=True)
class CatalogOperation(Generic[RequestT, ResponseT]):
    """One operation: its wire name, its two models, what the catalog function runs, and whether it writes (a
    catalog function serving only reads mounts EFS read-only; the template tests hold the two together)."""

    name: str
    request_model: type[RequestT]
    response_model: type[ResponseT]
    run: Callable[[VoiceCatalog, RequestT], ResponseT]
    writes: bool


def _list_entries(catalog: VoiceCatalog, request: ListEntriesRequest) -> ListEntriesResponse:
    # One validation of the whole list (in pydantic's core) rather than a model per entry: a thousand entries in a
    # few milliseconds.
    entries = catalog.list_entries(request.provider, request.status)
    rows = [dict(zip(VoiceEntry._fields, entry, strict=True)) for entry in entries]
    return ListEntriesResponse.model_validate({"entries": rows})


def _add_entry(catalog: VoiceCatalog, request: AddEntryRequest) -> AddEntryResponse:
    voice = NewVoice(request.provider, request.voice_id, request.display_label, request.target_model, request.status)
    entry = catalog.add_entry(voice, request.now, intent_id=request.intent_id, wait_seconds=request.wait_seconds)
    return AddEntryResponse(entry=EntryRecord.from_entry(entry))


def _delete_entry(catalog: VoiceCatalog, request: DeleteEntryRequest) -> DeleteEntryResponse:
    return DeleteEntryResponse(deleted=catalog.delete_entry(request.entry_id))


def _get_entry(catalog: VoiceCatalog, request: GetEntryRequest) -> GetEntryResponse:
    entry = catalog.get_entry(request.entry_id)
    return GetEntryResponse(entry=EntryRecord.from_entry(entry) if entry is not None else None)


def _set_status(catalog: VoiceCatalog, request: SetStatusRequest) -> SetStatusResponse:
    return SetStatusResponse(updated=catalog.set_status(request.entry_id, request.status))


def _record_intent(catalog: VoiceCatalog, request: RecordIntentRequest) -> RecordIntentResponse:
    intent = catalog.record_intent(
        provider=request.provider,
        target_model=request.target_model,
        voice_name=request.voice_name,
        display_label=request.display_label,
        now=request.now,
    )
    return RecordIntentResponse(intent=IntentRecord.from_intent(intent))


def _drop_intent(catalog: VoiceCatalog, request: DropIntentRequest) -> DropIntentResponse:
    return DropIntentResponse(dropped=catalog.drop_intent(request.intent_id))


def _list_intents(catalog: VoiceCatalog, request: ListIntentsRequest) -> ListIntentsResponse:
    return ListIntentsResponse(intents=[IntentRecord.from_intent(intent) for intent in catalog.list_intents()])


def _optional_record(record: IdempotencyRecord | None) -> IdempotencyRecordResponse:
    return IdempotencyRecordResponse(record=IdempotencyRecordWire.from_record(record) if record is not None else None)


def _get_idempotency_record(catalog: VoiceCatalog, request: IdempotencyKeyRequest) -> IdempotencyRecordResponse:
    return _optional_record(catalog.get_idempotency_record(request.key))


def _claim_idempotency_record(
    catalog: VoiceCatalog, request: ClaimIdempotencyRecordRequest
) -> IdempotencyRecordResponse:
    return _optional_record(catalog.claim_idempotency_record(request.record.to_record(), request.now_ms))


def _save_idempotency_record(catalog: VoiceCatalog, request: SaveIdempotencyRecordRequest) -> DoneResponse:
    catalog.save_idempotency_record(request.record.to_record())
    return DoneResponse()


def _delete_idempotency_record(catalog: VoiceCatalog, request: IdempotencyKeyRequest) -> DoneResponse:
    catalog.delete_idempotency_record(request.key)
    return DoneResponse()


def _purge_idempotency_records(
    catalog: VoiceCatalog, request: PurgeIdempotencyRecordsRequest
) -> PurgeIdempotencyRecordsResponse:
    return PurgeIdempotencyRecordsResponse(purged=catalog.purge_idempotency_records(request.now_ms))


LIST_ENTRIES = CatalogOperation("list_entries", ListEntriesRequest, ListEntriesResponse, _list_entries, writes=False)
ADD_ENTRY = CatalogOperation("add_entry", AddEntryRequest, AddEntryResponse, _add_entry, writes=True)
DELETE_ENTRY = CatalogOperation("delete_entry", DeleteEntryRequest, DeleteEntryResponse, _delete_entry, writes=True)
# The voice lifecycle (statuses, clone intents, Idempotency-Key records).
GET_ENTRY = CatalogOperation("get_entry", GetEntryRequest, GetEntryResponse, _get_entry, writes=False)
SET_STATUS = CatalogOperation("set_status", SetStatusRequest, SetStatusResponse, _set_status, writes=True)
RECORD_INTENT = CatalogOperation(
    "record_intent", RecordIntentRequest, RecordIntentResponse, _record_intent, writes=True
)
DROP_INTENT = CatalogOperation("drop_intent", DropIntentRequest, DropIntentResponse, _drop_intent, writes=True)
LIST_INTENTS = CatalogOperation("list_intents", ListIntentsRequest, ListIntentsResponse, _list_intents, writes=False)
GET_IDEMPOTENCY_RECORD = CatalogOperation(
    "get_idempotency_record", IdempotencyKeyRequest, IdempotencyRecordResponse, _get_idempotency_record, writes=False
)
CLAIM_IDEMPOTENCY_RECORD = CatalogOperation(
    "claim_idempotency_record",
    ClaimIdempotencyRecordRequest,
    IdempotencyRecordResponse,
    _claim_idempotency_record,
    writes=True,
)
SAVE_IDEMPOTENCY_RECORD = CatalogOperation(
    "save_idempotency_record", SaveIdempotencyRecordRequest, DoneResponse, _save_idempotency_record, writes=True
)
DELETE_IDEMPOTENCY_RECORD = CatalogOperation(
    "delete_idempotency_record", IdempotencyKeyRequest, DoneResponse, _delete_idempotency_record, writes=True
)
PURGE_IDEMPOTENCY_RECORDS = CatalogOperation(
    "purge_idempotency_records",
    PurgeIdempotencyRecordsRequest,
    PurgeIdempotencyRecordsResponse,
    _purge_idempotency_records,
    writes=True,
)

OPERATIONS: Mapping[str, CatalogOperation[Any, Any]] = {
    operation.name: operation
    for operation in (
        LIST_ENTRIES,
        ADD_ENTRY,
        DELETE_ENTRY,
        GET_ENTRY,
        SET_STATUS,
        RECORD_INTENT,
        DROP_INTENT,
        LIST_INTENTS,
        GET_IDEMPOTENCY_RECORD,
        CLAIM_IDEMPOTENCY_RECORD,
        SAVE_IDEMPOTENCY_RECORD,
        DELETE_IDEMPOTENCY_RECORD,
        PURGE_IDEMPOTENCY_RECORDS,
    )
}


def add_entry_request(
    voice: NewVoice, now: datetime, intent_id: int | None = None, wait_seconds: float | None = None
) -> AddEntryRequest:
    return AddEntryRequest(
        provider=voice.provider,
        voice_id=voice.voice_id,
        display_label=voice.display_label,
        target_model=voice.target_model,
        now=now,
        status=voice.status,
        intent_id=intent_id,
        wait_seconds=wait_seconds,
    )
