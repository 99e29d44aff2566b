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
    COUNT_ENTRIES,
    DELETE_ENTRY,
    GET_ENTRY,
    LIST_ENTRIES,
    TAKE_REQUEST_SLOT,
    VOICE_OWNERS,
    AddEntryRequest,
    CatalogOperation,
    ConsentWire,
    CountEntriesRequest,
    DeleteEntryRequest,
    GetEntryRequest,
    ListEntriesRequest,
    OwnerRecord,
    TakeRequestSlotRequest,
    VoiceOwnersRequest,
    WireModel,
)
from voice_service.catalog_boundary.server import CatalogServer
from voice_service.errors import StorageError
from voice_service.models import SHARED_CATALOG, ConsentRecord, NewVoice, Owner, VoiceEntry
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

    def list_entries(self, provider: CloneProvider | None = None, owner: Owner = SHARED_CATALOG) -> list[VoiceEntry]:
        reply = self._client.call(LIST_ENTRIES, ListEntriesRequest(owner=OwnerRecord.of(owner), provider=provider))
        return [record.to_entry() for record in reply.entries]

    def add_entry(
        self,
        voice: NewVoice,
        now: datetime,
        wait_seconds: float | None = None,
        *,
        owner: Owner = SHARED_CATALOG,
        max_voices: int | None = None,
        consent: ConsentRecord | None = None,
    ) -> VoiceEntry:
        request = AddEntryRequest(
            owner=OwnerRecord.of(owner),
            provider=voice.provider,
            voice_id=voice.voice_id,
            display_label=voice.display_label,
            target_model=voice.target_model,
            now=now,
            wait_seconds=wait_seconds,
            max_voices=max_voices,
            consent=ConsentWire.of(consent),
        )
        return self._client.call(ADD_ENTRY, request).entry.to_entry()

    def get_entry(self, entry_id: int, owner: Owner = SHARED_CATALOG) -> VoiceEntry | None:
        entry = self._client.call(GET_ENTRY, GetEntryRequest(owner=OwnerRecord.of(owner), entry_id=entry_id)).entry
        return None if entry is None else entry.to_entry()

    def delete_entry(self, entry_id: int, owner: Owner = SHARED_CATALOG) -> bool:
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
