"""Per-user limits: how many voices a user keeps, and how many clones and previews they start per minute.

Both are counted in the catalog (API Gateway usage plans meter API keys, not users) and apply only to signed-in
users; 0 disables a limit. Each refusal is a QuotaExceededError (429) naming the limit that was hit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from voice_service.errors import QuotaExceededError
from voice_service.models import Owner

RATE_WINDOW_SECONDS: Final = 60


class UsageCounter(Protocol):
    """Port: counts a user's voices and recent requests (the catalog adapter implements it)."""

    def count_entries(self, owner: Owner) -> int:
        """How many catalog entries `owner` has."""
        ...

    def take_request_slot(self, user_id: str, action: str, now: datetime, limit: int, window_seconds: int) -> bool:
        """Record one `action` by `user_id` unless `limit` were already recorded in the last `window_seconds`;
        return whether it was recorded. Atomic across processes."""
        ...


@dataclass(frozen=True, slots=True)
class CloneQuota:
    max_voices: int
    clones_per_minute: int

    def voice_limit(self, owner: Owner) -> int | None:
        """The voice limit to enforce for `owner` (None: unlimited, e.g. the shared catalog)."""
        return self.max_voices if self.max_voices and not owner.shared else None

    def admit_clone(self, counter: UsageCounter, owner: Owner, now: datetime) -> None:
        """Refuse a clone before any provider is called when `owner` is at a limit.

        The voice limit is checked again when the entry is written, under the catalog's write lock, so concurrent
        clones cannot overshoot it.

        Raises:
            QuotaExceededError: the rate or the voice limit is reached.
        """
        if owner.user_id is None:
            return
        take_rate_slot(counter, owner.user_id, "clone", now, self.clones_per_minute)
        limit = self.voice_limit(owner)
        if limit is not None:
            count = counter.count_entries(owner)
            if count >= limit:
                raise voice_limit_reached(count, limit)


# The setting that names each per-user request rate, for the refusal's detail.
RATE_SETTINGS: Final = {
    "clone": "OPENTALKING_QUOTA_CLONES_PER_MINUTE",
    "preview": "OPENTALKING_QUOTA_PREVIEWS_PER_MINUTE",
}


def take_rate_slot(counter: UsageCounter, user_id: str, action: str, now: datetime, per_minute: int) -> None:
    """Count one `action` against `user_id`'s per-minute rate (0: unlimited).

    Raises:
        QuotaExceededError: `per_minute` such requests were already made in the last minute.
    """
    if per_minute and not counter.take_request_slot(user_id, action, now, per_minute, RATE_WINDOW_SECONDS):
        raise QuotaExceededError(
            f"{action.capitalize()} rate limit reached: at most {per_minute} {action}s per minute per user "
            f"({RATE_SETTINGS[action]}); try again in a minute."
        )


def voice_limit_reached(count: int, limit: int) -> QuotaExceededError:
    return QuotaExceededError(
        f"Voice limit reached: you have {count} cloned voices and this deployment allows {limit} per user "
        "(OPENTALKING_QUOTA_MAX_VOICES); delete one first."
    )
