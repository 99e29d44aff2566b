"""Domain entities and value objects shared by services and adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, NamedTuple

from voice_service.providers import CloneProvider


@dataclass(frozen=True, slots=True)
class NewVoice:
    """A voice the provider has just created, not yet in the catalog."""

    provider: CloneProvider
    voice_id: str
    display_label: str
    target_model: str


class VoiceEntry(NamedTuple):
    """A cloned voice as stored in the catalog.

    A NamedTuple rather than a frozen dataclass: equally immutable, but built ~40% faster, which matters when
    GET /voices turns a thousand rows into entries.
    """

    id: int
    user_id: str | None
    provider: str
    voice_id: str
    display_label: str
    target_model: str
    source: str
    created_at: datetime


# What GET /voices shows of an entry: every field but `created_at` (the spec's seven, in the spec's order).
LISTED_FIELDS: Final = VoiceEntry._fields[:-1]
