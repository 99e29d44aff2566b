"""The `dashscope` cloning provider, Qwen voice enrollment: model `qwen-voice-enrollment`, action `create`.

The WAV travels inline as a data URI, over HTTP.
The dashscope 1.x SDK has no class for it, so this goes through the SDK's generic `BaseApi.call` HTTP path (the same
one `VoiceEnrollmentService` uses); the base URL follows DASHSCOPE_HTTP_BASE_URL via `DashScopeSdk`.
"""

from __future__ import annotations

import base64
import re
from typing import Any, Final

from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.enrollment.customization import (
    LIST_PAGE_SIZE,
    VoiceDirectory,
    call_customization,
    parse_provider_time,
)
from voice_service.errors import UpstreamError
from voice_service.models import ProviderVoice, VoiceStatus

PROVIDER: Final = "dashscope"
ENROLLMENT_MODEL: Final = "qwen-voice-enrollment"
# Voice names are `qwen-tts-vc-{preferred_name}-voice-{timestamp}-{suffix}` (docs; other families say `omni`).
VOICE_NAME_PATTERN: Final = re.compile(r"^qwen-[a-z0-9]+-vc-(?P<name>[A-Za-z0-9_]{1,16})-voice-")
# Qwen enrollment has no query action: a status check reads the listing, at most this many pages (the account
# quota is 1,000 voices).
MAX_STATUS_PAGES: Final = 10


def preferred_name_of(voice: str) -> str | None:
    match = VOICE_NAME_PATTERN.match(voice)
    return match.group("name") if match else None


def listed_voice(voice: str, item: dict[str, Any]) -> ProviderVoice:
    # A listed Qwen voice is usable: enrollment builds it before answering `create`.
    target_model = item.get("target_model")
    return ProviderVoice(
        PROVIDER,
        voice,
        preferred_name_of(voice),
        target_model if isinstance(target_model, str) else None,
        parse_provider_time(item.get("gmt_create")),
        "ready",
    )


VOICES: Final = VoiceDirectory(
    PROVIDER, ENROLLMENT_MODEL, delete_action="delete", list_action="list", voice_field="voice", parse_item=listed_voice
)


class QwenVoiceEnrollment:
    """Implements the QwenEnrollment port with the real dashscope SDK."""

    def __init__(self, sdk: DashScopeSdk, *, timeout_seconds: int) -> None:
        self._sdk = sdk
        self._timeout_seconds = timeout_seconds

    def ensure_configured(self) -> None:
        self._sdk.ensure_configured()

    def create_voice(self, *, target_model: str, preferred_name: str, wav: bytes) -> str:
        request_input = {
            "action": "create",
            "target_model": target_model,
            "preferred_name": preferred_name,
            "audio": {"data": "data:audio/wav;base64," + base64.b64encode(wav).decode("ascii")},
        }
        output = call_customization(self._sdk, PROVIDER, ENROLLMENT_MODEL, request_input, self._timeout_seconds)
        voice = output.get("voice")
        if not isinstance(voice, str) or not voice:
            raise UpstreamError(PROVIDER, "the enrollment reply named no voice.")
        return voice

    def voice_status(self, voice_id: str) -> VoiceStatus:
        """`ready` if the listing holds the voice (Qwen voices are usable once created), else `gone`."""
        for page_index in range(MAX_STATUS_PAGES):
            page = self.list_voices_page(page_index, LIST_PAGE_SIZE)
            if any(voice.voice_id == voice_id for voice in page):
                return "ready"
            if len(page) < LIST_PAGE_SIZE:
                return "gone"
        raise UpstreamError(PROVIDER, f"the voice list has more than {MAX_STATUS_PAGES} pages.")

    def delete_voice(self, voice_id: str) -> bool:
        return VOICES.delete_voice(self._sdk, voice_id, self._timeout_seconds)

    def list_voices_page(self, page_index: int, page_size: int) -> list[ProviderVoice]:
        return VOICES.list_voices_page(self._sdk, page_index, page_size, self._timeout_seconds)
