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

from voice_service.models import NewVoice, VoiceEntry
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

    @classmethod
    def from_entry(cls, entry: VoiceEntry) -> EntryRecord:
        return cls.model_validate(dict(zip(VoiceEntry._fields, entry, strict=True)))

    def to_entry(self) -> VoiceEntry:
        # The fields are declared in VoiceEntry's order (a test holds them equal).
        return VoiceEntry._make(self.__dict__.values())


class ListEntriesRequest(WireModel):
    provider: CloneProvider | None = None


class ListEntriesResponse(WireModel):
    entries: list[EntryRecord]


class AddEntryRequest(WireModel):
    provider: CloneProvider
    voice_id: str = Field(min_length=1)
    display_label: str = Field(min_length=1)
    target_model: str = Field(min_length=1)
    # The caller's clock: the label suffix and created_at describe when the clone was made, not when it was stored.
    now: AwareDatetime
    # What is left of the clone's time budget for waiting on other writers (None: the catalog's busy timeout).
    wait_seconds: float | None = Field(default=None, ge=0)


class AddEntryResponse(WireModel):
    entry: EntryRecord


class GetEntryRequest(WireModel):
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)


class GetEntryResponse(WireModel):
    entry: EntryRecord | None


class DeleteEntryRequest(WireModel):
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID)


class DeleteEntryResponse(WireModel):
    deleted: bool


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
    rows = [dict(zip(VoiceEntry._fields, entry, strict=True)) for entry in catalog.list_entries(request.provider)]
    return ListEntriesResponse.model_validate({"entries": rows})


def _add_entry(catalog: VoiceCatalog, request: AddEntryRequest) -> AddEntryResponse:
    voice = NewVoice(request.provider, request.voice_id, request.display_label, request.target_model)
    return AddEntryResponse(
        entry=EntryRecord.from_entry(catalog.add_entry(voice, request.now, wait_seconds=request.wait_seconds))
    )


def _get_entry(catalog: VoiceCatalog, request: GetEntryRequest) -> GetEntryResponse:
    entry = catalog.get_entry(request.entry_id)
    return GetEntryResponse(entry=None if entry is None else EntryRecord.from_entry(entry))


def _delete_entry(catalog: VoiceCatalog, request: DeleteEntryRequest) -> DeleteEntryResponse:
    return DeleteEntryResponse(deleted=catalog.delete_entry(request.entry_id))


LIST_ENTRIES = CatalogOperation("list_entries", ListEntriesRequest, ListEntriesResponse, _list_entries, writes=False)
ADD_ENTRY = CatalogOperation("add_entry", AddEntryRequest, AddEntryResponse, _add_entry, writes=True)
GET_ENTRY = CatalogOperation("get_entry", GetEntryRequest, GetEntryResponse, _get_entry, writes=False)
DELETE_ENTRY = CatalogOperation("delete_entry", DeleteEntryRequest, DeleteEntryResponse, _delete_entry, writes=True)

OPERATIONS: Mapping[str, CatalogOperation[Any, Any]] = {
    operation.name: operation for operation in (LIST_ENTRIES, ADD_ENTRY, GET_ENTRY, DELETE_ENTRY)
}


def add_entry_request(voice: NewVoice, now: datetime, wait_seconds: float | None = None) -> AddEntryRequest:
    return AddEntryRequest(
        provider=voice.provider,
        voice_id=voice.voice_id,
        display_label=voice.display_label,
        target_model=voice.target_model,
        now=now,
        wait_seconds=wait_seconds,
    )
