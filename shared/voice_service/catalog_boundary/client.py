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
    DELETE_ENTRY,
    GET_ENTRY,
    LIST_ENTRIES,
    CatalogOperation,
    DeleteEntryRequest,
    GetEntryRequest,
    ListEntriesRequest,
    WireModel,
    add_entry_request,
)
from voice_service.catalog_boundary.server import CatalogServer
from voice_service.errors import StorageError
from voice_service.models import NewVoice, VoiceEntry
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

    def list_entries(self, provider: CloneProvider | None = None) -> list[VoiceEntry]:
        reply = self._client.call(LIST_ENTRIES, ListEntriesRequest(provider=provider))
        return [record.to_entry() for record in reply.entries]

    def add_entry(self, voice: NewVoice, now: datetime, wait_seconds: float | None = None) -> VoiceEntry:
        return self._client.call(ADD_ENTRY, add_entry_request(voice, now, wait_seconds)).entry.to_entry()

    def get_entry(self, entry_id: int) -> VoiceEntry | None:
        entry = self._client.call(GET_ENTRY, GetEntryRequest(entry_id=entry_id)).entry
        return None if entry is None else entry.to_entry()

    def delete_entry(self, entry_id: int) -> bool:
        return self._client.call(DELETE_ENTRY, DeleteEntryRequest(entry_id=entry_id)).deleted
