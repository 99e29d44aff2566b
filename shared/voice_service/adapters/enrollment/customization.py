"""DashScope's `/services/audio/tts/customization` endpoint through the SDK, and its failures as UpstreamError."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.upstream_text import quote_upstream
from voice_service.errors import UpstreamError, VoiceQuotaExceededError
from voice_service.models import ProviderVoice, VoiceStatus

# DashScope documents neither the error of a voice it does not have nor that of a full voice quota. These match
# the wording of its other errors ("... does not exist", "NotFound"; "... limit exceeded", "quota") and are kept
# together here so that one place changes when the real codes are known. A quota error must mention voices, so
# that request-rate throttling ("Throttling.RateQuota") is not mistaken for it.
NOT_FOUND_PATTERN: Final = re.compile(r"not ?found|not ?exist|no such voice", re.IGNORECASE)
VOICE_QUOTA_PATTERN: Final = re.compile(r"voice.*(quota|limit|exceed|maximum)|(quota|limit).*voice", re.IGNORECASE)
# DashScope's voice states as `query_voice` and `list_voice` report them.
STATUS_BY_PROVIDER_STATE: Final[dict[str, VoiceStatus]] = {
    "DEPLOYING": "deploying",
    "OK": "ready",
    "UNDEPLOYED": "failed",
}
# Voices listed per request (DashScope's default is 10; a 1,000-voice account then takes 10 pages of 100).
LIST_PAGE_SIZE: Final = 100


class ProviderVoiceNotFound(UpstreamError):
    """The provider answered that it has no such voice (for a deletion: already deleted)."""


def status_from_provider(state: object) -> VoiceStatus:
    """Map DashScope's state to ours; an unknown state counts as still deploying (it is checked again later)."""
    return STATUS_BY_PROVIDER_STATE.get(str(state).upper(), "deploying")


def parse_provider_time(value: object) -> datetime | None:
    """DashScope's `gmt_create` ("2025-08-11 17:59:32"). Without an offset it is read as UTC: if DashScope means
    Beijing time (UTC+8), voices then look 8 h younger, which only delays the reconciler's deletion of orphans."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def call_customization(
    sdk: DashScopeSdk, provider: str, model: str, task_input: dict[str, Any], timeout_seconds: int
) -> dict[str, Any]:
    """POST one customization request with the SDK's generic 1.x HTTP path (one try) and return its `output`.

    The base URL and key come from `sdk` (DASHSCOPE_HTTP_BASE_URL, DASHSCOPE_API_KEY).
    """
    sdk.configured()
    from dashscope.client.base_api import BaseApi
    from dashscope.common.constants import ApiProtocol, HTTPMethod

    try:
        response: Any = BaseApi.call(
            model=model,
            task_group="audio",
            task="tts",
            function="customization",
            input=task_input,
            api_protocol=ApiProtocol.HTTP,
            http_method=HTTPMethod.POST,
            request_timeout=timeout_seconds,
        )
    except Exception as exc:
        raise upstream_error_from(provider, exc) from exc
    if response.status_code != 200:
        reason = f"{response.code or 'error'} (HTTP {response.status_code}): {response.message}"
        raise classified_error(provider, _sentence(reason), not_found=response.status_code == 404)
    return response.output if isinstance(response.output, dict) else {}


# Makes a listed voice from its id and its whole item of `voice_list`.
ItemParser = Callable[[str, dict[str, Any]], ProviderVoice]


@dataclass(frozen=True, slots=True)
class VoiceDirectory:
    """Deleting and listing one enrollment model's voices: the same calls under each model's own names.

    `voice_field` names the voice in the deletion request and in each listed item (`voice` for Qwen, `voice_id`
    for CosyVoice); `parse_item` reads the rest of an item.
    """

    provider: str
    model: str
    delete_action: str
    list_action: str
    voice_field: str
    parse_item: ItemParser

    def delete_voice(self, sdk: DashScopeSdk, voice_id: str, timeout_seconds: int) -> bool:
        """True if the provider deleted the voice, False if it answered that it has no such voice."""
        request = {"action": self.delete_action, self.voice_field: voice_id}
        try:
            call_customization(sdk, self.provider, self.model, request, timeout_seconds)
        except ProviderVoiceNotFound:
            return False
        return True

    def list_voices_page(
        self, sdk: DashScopeSdk, page_index: int, page_size: int, timeout_seconds: int
    ) -> list[ProviderVoice]:
        request = {"action": self.list_action, "page_index": page_index, "page_size": page_size}
        return self.voices_in(call_customization(sdk, self.provider, self.model, request, timeout_seconds))

    def voices_in(self, output: dict[str, Any]) -> list[ProviderVoice]:
        """The voices of one listing reply; a reply without the list or an item without its id is an UpstreamError."""
        items = output.get("voice_list")
        if not isinstance(items, list):
            raise UpstreamError(self.provider, "the voice list reply had no voice_list.")
        voices = []
        for item in items:
            voice_id = item.get(self.voice_field) if isinstance(item, dict) else None
            if not isinstance(voice_id, str) or not voice_id:
                raise UpstreamError(self.provider, f"the voice list reply had an item without {self.voice_field}.")
            voices.append(self.parse_item(voice_id, item))
        return voices


def classified_error(provider: str, reason: str, *, not_found: bool = False) -> UpstreamError | VoiceQuotaExceededError:
    """The domain error for a provider's error reply: quota reached, no such voice, or a plain failure."""
    if VOICE_QUOTA_PATTERN.search(reason):
        return VoiceQuotaExceededError(provider, reason)
    if not_found or NOT_FOUND_PATTERN.search(reason):
        return ProviderVoiceNotFound(provider, reason)
    return UpstreamError(provider, reason)


def upstream_error_from(provider: str, exc: BaseException) -> UpstreamError | VoiceQuotaExceededError:
    """Map an SDK or network exception to a 502-worthy error, never exposing a traceback or a secret.

    No reply (timeout, connection error) means the request may have been carried out: `outcome_unknown`.
    """
    import requests

    if isinstance(exc, requests.Timeout):
        return UpstreamError(provider, "the request timed out.", outcome_unknown=True)
    if isinstance(exc, requests.ConnectionError):
        return UpstreamError(provider, "the service could not be reached.", outcome_unknown=True)
    if isinstance(exc, UnboundLocalError):
        # VoiceEnrollmentService retries timeouts and refused connections three times, then fails this way.
        return UpstreamError(
            provider, "the service could not be reached (timed out or refused after retries).", outcome_unknown=True
        )
    if type(exc).__name__ == "VoiceEnrollmentException":
        # Its fields are private; str() is "Request: ..., Status Code: ..., Code: ..., Error Message: ...".
        return classified_error(provider, _sentence(str(exc)))
    return UpstreamError(provider, f"unexpected {type(exc).__name__} from the SDK.", outcome_unknown=True)


def _sentence(text: str) -> str:
    return f"{quote_upstream(text)}."
