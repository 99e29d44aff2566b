"""The registry of catalog operations: each one a name, a request model, a response model and what it runs.

Adding an operation is one step here: define its two models and a function `(catalog, request) -> response`, and
append a `CatalogOperation` to `OPERATIONS`. A caller then names it in its declared operations, and the template gives
that caller's catalog function the name in OPENTALKING_CATALOG_OPERATIONS (the template tests hold the two equal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from voice_service.models import (
    CloneIntent,
    ConsentRecord,
    ConsentStatement,
    IdempotencyRecord,
    NewEntry,
    NewVoice,
    Owner,
    VoiceEntry,
    VoiceStatus,
)
from voice_service.providers import CloneProvider
from voice_service.services.catalog import MAX_ENTRY_ID, VoiceCatalog
from voice_service.text import MAX_VOICE_CHARS


class WireModel(BaseModel):
    """Base of every request and response: strict about unknown fields, so a version skew fails loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OwnerRecord(WireModel):
    """The caller's identity as every owner-scoped request carries it: whose catalog the operation works in (an
    `Owner`; `user_id` None is the shared catalog of the open and api-key modes)."""

    user_id: str | None
    sees_unowned: bool = False

    @classmethod
    def of(cls, owner: Owner) -> OwnerRecord:
        return cls(user_id=owner.user_id, sees_unowned=owner.sees_unowned)

    def to_owner(self) -> Owner:
        return Owner(user_id=self.user_id, sees_unowned=self.sees_unowned)


class StatementWire(WireModel):
    """A `ConsentStatement` as it crosses the boundary."""

    key: str
    duration_seconds: float


class ConsentWire(WireModel):
    """A `ConsentRecord` as it crosses the boundary."""

    speaker: str
    affirmation: str
    recorded_by: str | None
    recorded_at: AwareDatetime
    statement: StatementWire | None = None

    @classmethod
    def of(cls, consent: ConsentRecord | None) -> ConsentWire | None:
        if consent is None:
            return None
        return cls(
            speaker=consent.speaker,
            affirmation=consent.affirmation,
            recorded_by=consent.recorded_by,
            recorded_at=consent.recorded_at,
            statement=None
            if consent.statement is None
            else StatementWire(key=consent.statement.key, duration_seconds=consent.statement.duration_seconds),
        )

    def to_consent(self) -> ConsentRecord:
        statement = self.statement
        return ConsentRecord(
            self.speaker,
            self.affirmation,
            self.recorded_by,
            self.recorded_at,
            None if statement is None else ConsentStatement(statement.key, statement.duration_seconds),
        )


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
    consent: ConsentWire | None = None

    @classmethod
    def from_entry(cls, entry: VoiceEntry) -> EntryRecord:
        return cls.model_validate(_entry_fields(entry))

    def to_entry(self) -> VoiceEntry:
        # The fields are declared in VoiceEntry's order (a test holds them equal).
        fields = dict(self.__dict__)
        fields["consent"] = None if self.consent is None else self.consent.to_consent()
        return VoiceEntry(**fields)


def _entry_fields(entry: VoiceEntry) -> dict[str, Any]:
    fields = entry._asdict()
    fields["consent"] = ConsentWire.of(entry.consent)
    return fields


class ListEntriesRequest(WireModel):
    owner: OwnerRecord
    provider: CloneProvider | None = None
    status: VoiceStatus | None = None


class ListEntriesResponse(WireModel):
    entries: list[EntryRecord]


class AddEntryRequest(WireModel):
    owner: OwnerRecord
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
    # The owner's voice limit, checked in the insert's transaction (None: unlimited).
    max_voices: int | None = Field(default=None, ge=0)
    consent: ConsentWire | None = None

    @classmethod
    def of(cls, new: NewEntry) -> AddEntryRequest:
        # Flat on the wire, as before `NewEntry` existed: callers and catalog functions of either age read each other.
        voice = new.voice
        return cls(
            owner=OwnerRecord.of(new.owner),
            provider=voice.provider,
            voice_id=voice.voice_id,
            display_label=voice.display_label,
            target_model=voice.target_model,
            now=new.now,
            status=voice.status,
            intent_id=new.intent_id,
            wait_seconds=new.wait_seconds,
            max_voices=new.max_voices,
            consent=ConsentWire.of(new.consent),
        )

    def to_new_entry(self) -> NewEntry:
        return NewEntry(
            NewVoice(self.provider, self.voice_id, self.display_label, self.target_model, self.status),
            self.now,
            owner=self.owner.to_owner(),
            consent=None if self.consent is None else self.consent.to_consent(),
            intent_id=self.intent_id,
            max_voices=self.max_voices,
            wait_seconds=self.wait_seconds,
        )


class AddEntryResponse(WireModel):
    entry: EntryRecord


class DeleteEntryRequest(WireModel):
    owner: OwnerRecord
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)


class DeleteEntryResponse(WireModel):
    deleted: bool


class GetEntryRequest(WireModel):
    owner: OwnerRecord
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)


class GetEntryResponse(WireModel):
    entry: EntryRecord | None


class SetStatusRequest(WireModel):
    owner: OwnerRecord
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
    user_id: str | None = None
    consent: ConsentWire | None = None

    @classmethod
    def from_intent(cls, intent: CloneIntent) -> IntentRecord:
        fields = {name: getattr(intent, name) for name in cls.model_fields}
        fields["consent"] = ConsentWire.of(intent.consent)
        return cls(**fields)

    def to_intent(self) -> CloneIntent:
        fields = dict(self.__dict__)
        fields["consent"] = None if self.consent is None else self.consent.to_consent()
        return CloneIntent(**fields)


class RecordIntentRequest(WireModel):
    owner: OwnerRecord
    provider: CloneProvider
    target_model: str = Field(min_length=1)
    voice_name: str = Field(min_length=1)
    display_label: str = Field(min_length=1)
    now: AwareDatetime
    consent: ConsentWire | None = None


class RecordIntentResponse(WireModel):
    intent: IntentRecord


class DropIntentRequest(WireModel):
    owner: OwnerRecord
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


class VoiceOwnersRequest(WireModel):
    provider: CloneProvider
    voice_id: str = Field(min_length=1, max_length=MAX_VOICE_CHARS)


class VoiceOwnersResponse(WireModel):
    owners: list[str | None]


class CountEntriesRequest(WireModel):
    owner: OwnerRecord


class CountEntriesResponse(WireModel):
    count: int


class TakeRequestSlotRequest(WireModel):
    user_id: str = Field(min_length=1)
    action: Literal["clone", "preview"]
    now: AwareDatetime
    limit: int = Field(ge=1)
    window_seconds: int = Field(ge=1)


class TakeRequestSlotResponse(WireModel):
    taken: bool


class AssignUnownedRequest(WireModel):
    user_id: str = Field(min_length=1)
    now: AwareDatetime
    # None: every unowned entry.
    entry_ids: list[Annotated[int, Field(ge=1, le=MAX_ENTRY_ID)]] | None = None


class AssignUnownedResponse(WireModel):
    assigned: list[int]


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
    rows = [
        _entry_fields(entry)
        for entry in catalog.list_entries(request.provider, request.status, owner=request.owner.to_owner())
    ]
    return ListEntriesResponse.model_validate({"entries": rows})


def _add_entry(catalog: VoiceCatalog, request: AddEntryRequest) -> AddEntryResponse:
    return AddEntryResponse(entry=EntryRecord.from_entry(catalog.add_entry(request.to_new_entry())))


def _delete_entry(catalog: VoiceCatalog, request: DeleteEntryRequest) -> DeleteEntryResponse:
    return DeleteEntryResponse(deleted=catalog.delete_entry(request.entry_id, owner=request.owner.to_owner()))


def _voice_owners(catalog: VoiceCatalog, request: VoiceOwnersRequest) -> VoiceOwnersResponse:
    return VoiceOwnersResponse(owners=catalog.voice_owners(request.provider, request.voice_id))


def _count_entries(catalog: VoiceCatalog, request: CountEntriesRequest) -> CountEntriesResponse:
    return CountEntriesResponse(count=catalog.count_entries(request.owner.to_owner()))


def _take_request_slot(catalog: VoiceCatalog, request: TakeRequestSlotRequest) -> TakeRequestSlotResponse:
    taken = catalog.take_request_slot(
        request.user_id, request.action, request.now, request.limit, request.window_seconds
    )
    return TakeRequestSlotResponse(taken=taken)


def _assign_unowned(catalog: VoiceCatalog, request: AssignUnownedRequest) -> AssignUnownedResponse:
    return AssignUnownedResponse(assigned=catalog.assign_unowned(request.user_id, request.now, request.entry_ids))


def _get_entry(catalog: VoiceCatalog, request: GetEntryRequest) -> GetEntryResponse:
    entry = catalog.get_entry(request.entry_id, owner=request.owner.to_owner())
    return GetEntryResponse(entry=EntryRecord.from_entry(entry) if entry is not None else None)


def _set_status(catalog: VoiceCatalog, request: SetStatusRequest) -> SetStatusResponse:
    updated = catalog.set_status(request.entry_id, request.status, owner=request.owner.to_owner())
    return SetStatusResponse(updated=updated)


def _record_intent(catalog: VoiceCatalog, request: RecordIntentRequest) -> RecordIntentResponse:
    intent = catalog.record_intent(
        provider=request.provider,
        target_model=request.target_model,
        voice_name=request.voice_name,
        display_label=request.display_label,
        now=request.now,
        owner=request.owner.to_owner(),
        consent=None if request.consent is None else request.consent.to_consent(),
    )
    return RecordIntentResponse(intent=IntentRecord.from_intent(intent))


def _drop_intent(catalog: VoiceCatalog, request: DropIntentRequest) -> DropIntentResponse:
    return DropIntentResponse(dropped=catalog.drop_intent(request.intent_id, owner=request.owner.to_owner()))


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
# Sign-in (issue 17): whose a cloned voice is (preview), a user's voice count and request rate (quotas), and
# handing unowned rows to a user (an administrator's command).
VOICE_OWNERS = CatalogOperation("voice_owners", VoiceOwnersRequest, VoiceOwnersResponse, _voice_owners, writes=False)
COUNT_ENTRIES = CatalogOperation(
    "count_entries", CountEntriesRequest, CountEntriesResponse, _count_entries, writes=False
)
TAKE_REQUEST_SLOT = CatalogOperation(
    "take_request_slot", TakeRequestSlotRequest, TakeRequestSlotResponse, _take_request_slot, writes=True
)
ASSIGN_UNOWNED = CatalogOperation(
    "assign_unowned", AssignUnownedRequest, AssignUnownedResponse, _assign_unowned, writes=True
)
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
        VOICE_OWNERS,
        COUNT_ENTRIES,
        TAKE_REQUEST_SLOT,
        ASSIGN_UNOWNED,
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
