"""Who may preview with which voice where users sign in: a cloned voice only by the user who owns it (another
user's clone is "not found", as in GET /voices), and each user at a per-minute rate.

The check runs before the speech cache is consulted, so a cached preview of one user's clone is never served to
another: the cache key stays content-addressed (and the delete's purge by voice keeps working) because nobody
reaches it for a voice they may not use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from voice_service.errors import VoiceNotFoundError
from voice_service.models import Owner
from voice_service.providers import CLONE_PROVIDERS
from voice_service.services.catalog import utc_now
from voice_service.services.quotas import UsageCounter, take_rate_slot

NOT_YOURS = "No cloned voice of yours has this voice id; list yours with GET /voices."


class VoiceOwnership(UsageCounter, Protocol):
    """Port: the owners of a provider voice, and the request counts (the catalog implements both)."""

    def voice_owners(self, provider: str, voice_id: str) -> list[str | None]: ...


@dataclass(frozen=True, slots=True)
class PreviewAccess:
    catalog: VoiceOwnership
    previews_per_minute: int
    now: Callable[[], datetime] = utc_now

    def admit(self, owner: Owner | None, provider: str, voice: str) -> None:
        """Refuse a preview before the cache or a provider is reached. `owner` None: a caller who did not sign in
        (an anonymous preview), who owns no cloned voice and is not counted per user.

        Raises:
            QuotaExceededError: the user reached their preview rate.
            VoiceNotFoundError: the voice is a clone in the catalog, and not one `owner` sees.
        """
        if owner is not None and owner.user_id is not None:
            take_rate_slot(self.catalog, owner.user_id, "preview", self.now(), self.previews_per_minute)
        if provider not in CLONE_PROVIDERS:
            return
        owners = self.catalog.voice_owners(provider, voice)
        # A voice in no catalog row is the provider's own (a system voice): anyone may preview it.
        if owners and not (owner is not None and any(owner.sees(user_id) for user_id in owners)):
            raise VoiceNotFoundError(NOT_YOURS)
