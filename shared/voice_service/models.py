"""Domain entities and value objects shared by services and adapters."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Final, Literal, NamedTuple

from voice_service.providers import CloneProvider

# Lifecycle of a cloned voice. `deploying`: the provider is still building it (CosyVoice only); `ready`: usable;
# `failed`: the provider could not build it; `gone`: the provider no longer has it (deleted elsewhere, or taken
# offline after a year unused). Only `deploying` changes by itself; the others change only when the provider's
# listing says so (the reconciler) or the entry is deleted.
VoiceStatus = Literal["deploying", "ready", "failed", "gone"]
VOICE_STATUSES: Final[tuple[VoiceStatus, ...]] = ("deploying", "ready", "failed", "gone")


@dataclass(frozen=True, slots=True)
class NewVoice:
    """A voice the provider has just created, not yet in the catalog."""

    provider: CloneProvider
    voice_id: str
    display_label: str
    target_model: str
    status: VoiceStatus = "ready"


@dataclass(frozen=True, slots=True)
class ConsentStatement:
    """The speaker's recorded consent statement: where it is stored (a key under the samples bucket's `consent/`
    prefix, which no lifecycle rule expires) and how long it is."""

    key: str
    duration_seconds: float


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """Who consented to be cloned, the statement the caller affirmed, who recorded it when, and optionally the
    speaker's recorded consent statement."""

    speaker: str
    affirmation: str
    recorded_by: str | None
    recorded_at: datetime
    statement: ConsentStatement | None = None


@dataclass(frozen=True, slots=True)
class CloneIntent:
    """A clone about to be sent to the provider, recorded first so that a crash leaves a trace.

    `voice_name` is the CosyVoice prefix or the Qwen preferred name: it appears in the provider's voice id, which is
    how the reconciler finds the voice an interrupted clone may have created.
    """

    id: int
    provider: CloneProvider
    target_model: str
    voice_name: str
    display_label: str
    created_at: datetime
    # Whose clone it is (None: the shared catalog) and the consent it was cloned with: the entry the reconciler
    # completes from this intent keeps both.
    user_id: str | None = None
    consent: ConsentRecord | None = None


@dataclass(frozen=True, slots=True)
class ProviderVoice:
    """A voice as the provider lists it. `voice_name` is the prefix or preferred name parsed from its id (or None)."""

    provider: CloneProvider
    voice_id: str
    voice_name: str | None
    target_model: str | None
    created_at: datetime | None
    status: VoiceStatus


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """One `Idempotency-Key` of POST /voices/clone, stored with the catalog so it holds across containers.

    Timestamps are Unix epoch: `expires_at` in seconds, `in_progress_expires_at` in milliseconds (Powertools'
    idempotency record format, which this mirrors).
    """

    key: str
    status: str
    expires_at: int
    in_progress_expires_at: int | None
    payload_hash: str
    response_data: str


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose voices a catalog call sees and writes.

    `user_id` None is the shared catalog of the open and api-key modes: every row, new rows unowned (the service's
    behaviour before sign-in existed). A signed-in user sees only rows with their id; an admin (the configured
    group) also sees unowned rows, those cloned before users signed in.
    """

    user_id: str | None
    sees_unowned: bool = False

    @property
    def shared(self) -> bool:
        return self.user_id is None

    def sees(self, entry_user_id: str | None) -> bool:
        """Whether a row owned by `entry_user_id` is in this owner's catalog (the SQLite adapter's WHERE rule)."""
        return self.shared or entry_user_id == self.user_id or (self.sees_unowned and entry_user_id is None)


SHARED_CATALOG: Final = Owner(user_id=None)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """One call of `VoiceCatalog.add_entry`: `voice` for `owner`, with its consent record, stored in one transaction
    that also checks `owner`'s voice limit and removes the clone intent the entry completes."""

    voice: NewVoice
    # The caller's clock: the label suffix and created_at describe when the clone was made, not when it was stored.
    now: datetime
    _: KW_ONLY
    owner: Owner = SHARED_CATALOG
    consent: ConsentRecord | None = None
    # The clone intent this entry completes (removed in the same transaction), if any.
    intent_id: int | None = None
    # The owner's voice limit, counting every status (None: unlimited).
    max_voices: int | None = None
    # How long to wait for other writers (None: the catalog's busy timeout); StorageBusyError after.
    wait_seconds: float | None = None


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
    status: VoiceStatus = "ready"
    # The speaker's consent record, or None for entries cloned without one.
    consent: ConsentRecord | None = None


# What GET /voices shows of an entry: all its fields (the spec's seven in the spec's order, then created_at and
# status, which the voice lifecycle added, then the consent record sign-in added).
LISTED_FIELDS: Final = VoiceEntry._fields
