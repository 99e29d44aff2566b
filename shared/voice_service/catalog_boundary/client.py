"""The callers' side of the boundary: `RemoteVoiceCatalog` implements the `VoiceCatalog` port by calling operations.

The transport is an `Invoker` (bytes in, bytes out): `LambdaInvoker` in the cloud and under `sam local`
(adapters/lambda_invoker.py), `InProcessInvoker` where the catalog server runs in the same process.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Protocol, TypeVar

from pydantic import ValidationError

from voice_service.catalog_boundary import wire
from voice_service.catalog_boundary.operations import (
    ADD_ENTRY,
    ASSIGN_UNOWNED,
    CLAIM_IDEMPOTENCY_RECORD,
    COUNT_ENTRIES,
    DELETE_ENTRY,
    DELETE_IDEMPOTENCY_RECORD,
    DROP_INTENT,
    GET_ENTRY,
    GET_IDEMPOTENCY_RECORD,
    LIST_ENTRIES,
    LIST_INTENTS,
    PURGE_IDEMPOTENCY_RECORDS,
    RECORD_INTENT,
    SAVE_IDEMPOTENCY_RECORD,
    SET_STATUS,
    TAKE_REQUEST_SLOT,
    VOICE_OWNERS,
    AddEntryRequest,
    AssignUnownedRequest,
    CatalogOperation,
    ClaimIdempotencyRecordRequest,
    ConsentWire,
    CountEntriesRequest,
    DeleteEntryRequest,
    DropIntentRequest,
    GetEntryRequest,
    IdempotencyKeyRequest,
    IdempotencyRecordWire,
    ListEntriesRequest,
    ListIntentsRequest,
    OwnerRecord,
    PurgeIdempotencyRecordsRequest,
    RecordIntentRequest,
    SaveIdempotencyRecordRequest,
    SetStatusRequest,
    TakeRequestSlotRequest,
    VoiceOwnersRequest,
    WireModel,
)
from voice_service.catalog_boundary.server import CatalogServer
from voice_service.errors import StorageError
from voice_service.models import (
    SHARED_CATALOG,
    CloneIntent,
    ConsentRecord,
    IdempotencyRecord,
    NewEntry,
    Owner,
    VoiceEntry,
    VoiceStatus,
)
from voice_service.providers import CloneProvider

RequestT = TypeVar("RequestT", bound=WireModel)
ResponseT = TypeVar("ResponseT", bound=WireModel)


class Invoker(Protocol):
    """Carries one call to the catalog function and returns its reply; transport failures are StorageErrors."""

    def invoke(self, payload: bytes) -> bytes: ...


class InProcessInvoker:
    """The catalog server in this process, behind the same JSON round trip as a Lambda invoke."""

    def __init__(self, server: CatalogServer) -> None:
        self._server = server

    def invoke(self, payload: bytes) -> bytes:
        return json.dumps(self._server.handle(json.loads(payload))).encode()


class CatalogClient:
    """Typed calls of registered operations over an invoker, limited to the operations the caller declared."""

    def __init__(self, invoker: Invoker, declared: frozenset[str]) -> None:
        self._invoker = invoker
        self._declared = declared

    def call(self, operation: CatalogOperation[RequestT, ResponseT], request: RequestT) -> ResponseT:
        """Run `operation` in the catalog function.

        Raises:
            the domain error the catalog function reported (VoiceNotFoundError, StorageBusyError, ...);
            StorageError: the call could not be made, or its reply was not what the operation promises.
        """
        if operation.name not in self._declared:
            # A programming error: the caller's IAM role could not reach a catalog function that serves it anyway.
            raise StorageError(f"This function did not declare the catalog operation {operation.name}.")
        payload = {"operation": operation.name, "request": request.model_dump(mode="json")}
        raw = self._invoker.invoke(json.dumps(payload).encode())
        try:
            reply = wire.CatalogReply.model_validate_json(raw)
            if reply.ok and reply.response is not None:
                return operation.response_model.model_validate(reply.response)
        except ValidationError as exc:
            raise StorageError("The voice catalog sent a reply this function cannot read.") from exc
        if reply.error is None:
            raise StorageError("The voice catalog sent a reply this function cannot read.")
        wire.raise_for(reply.error)


class RemoteVoiceCatalog:
    """Implements `VoiceCatalog` through the catalog function."""

    def __init__(self, client: CatalogClient) -> None:
        self._client = client

    def list_entries(
        self, provider: CloneProvider | None = None, status: VoiceStatus | None = None, *, owner: Owner = SHARED_CATALOG
    ) -> list[VoiceEntry]:
        request = ListEntriesRequest(owner=OwnerRecord.of(owner), provider=provider, status=status)
        return [record.to_entry() for record in self._client.call(LIST_ENTRIES, request).entries]

    def get_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> VoiceEntry | None:
        entry = self._client.call(GET_ENTRY, GetEntryRequest(owner=OwnerRecord.of(owner), entry_id=entry_id)).entry
        return entry.to_entry() if entry is not None else None

    def add_entry(self, new: NewEntry) -> VoiceEntry:
        return self._client.call(ADD_ENTRY, AddEntryRequest.of(new)).entry.to_entry()

    def set_status(self, entry_id: int, status: VoiceStatus, *, owner: Owner = SHARED_CATALOG) -> bool:
        request = SetStatusRequest(owner=OwnerRecord.of(owner), entry_id=entry_id, status=status)
        return self._client.call(SET_STATUS, request).updated

    def delete_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        request = DeleteEntryRequest(owner=OwnerRecord.of(owner), entry_id=entry_id)
        return self._client.call(DELETE_ENTRY, request).deleted

    def voice_owners(self, provider: str, voice_id: str) -> list[str | None]:
        request = VoiceOwnersRequest.model_validate({"provider": provider, "voice_id": voice_id})
        return self._client.call(VOICE_OWNERS, request).owners

    def count_entries(self, owner: Owner) -> int:
        return self._client.call(COUNT_ENTRIES, CountEntriesRequest(owner=OwnerRecord.of(owner))).count

    def take_request_slot(self, user_id: str, action: str, now: datetime, limit: int, window_seconds: int) -> bool:
        request = TakeRequestSlotRequest.model_validate(
            {"user_id": user_id, "action": action, "now": now, "limit": limit, "window_seconds": window_seconds}
        )
        return self._client.call(TAKE_REQUEST_SLOT, request).taken

    def assign_unowned(self, user_id: str, now: datetime, entry_ids: list[int] | None = None) -> list[int]:
        request = AssignUnownedRequest(user_id=user_id, now=now, entry_ids=entry_ids)
        return self._client.call(ASSIGN_UNOWNED, request).assigned

    def record_intent(
        self,
        *,
        provider: CloneProvider,
        target_model: str,
        voice_name: str,
        display_label: str,
        now: datetime,
        owner: Owner = SHARED_CATALOG,
        consent: ConsentRecord | None = None,
    ) -> CloneIntent:
        request = RecordIntentRequest(
            owner=OwnerRecord.of(owner),
            provider=provider,
            target_model=target_model,
            voice_name=voice_name,
            display_label=display_label,
            now=now,
            consent=ConsentWire.of(consent),
        )
        return self._client.call(RECORD_INTENT, request).intent.to_intent()

    def drop_intent(self, intent_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        request = DropIntentRequest(owner=OwnerRecord.of(owner), intent_id=intent_id)
        return self._client.call(DROP_INTENT, request).dropped

    def list_intents(self) -> list[CloneIntent]:
        return [record.to_intent() for record in self._client.call(LIST_INTENTS, ListIntentsRequest()).intents]

    def get_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        record = self._client.call(GET_IDEMPOTENCY_RECORD, IdempotencyKeyRequest(key=key)).record
        return record.to_record() if record is not None else None

    def claim_idempotency_record(self, record: IdempotencyRecord, now_ms: int) -> IdempotencyRecord | None:
        request = ClaimIdempotencyRecordRequest(record=IdempotencyRecordWire.from_record(record), now_ms=now_ms)
        blocking = self._client.call(CLAIM_IDEMPOTENCY_RECORD, request).record
        return blocking.to_record() if blocking is not None else None

    def save_idempotency_record(self, record: IdempotencyRecord) -> None:
        request = SaveIdempotencyRecordRequest(record=IdempotencyRecordWire.from_record(record))
        self._client.call(SAVE_IDEMPOTENCY_RECORD, request)

    def delete_idempotency_record(self, key: str) -> None:
        self._client.call(DELETE_IDEMPOTENCY_RECORD, IdempotencyKeyRequest(key=key))

    def purge_idempotency_records(self, now_ms: int) -> int:
        return self._client.call(PURGE_IDEMPOTENCY_RECORDS, PurgeIdempotencyRecordsRequest(now_ms=now_ms)).purged
