"""CosyVoice voice cloning through the SDK's `VoiceEnrollmentService`: DashScope fetches the sample from a URL.

Besides creating voices: their status (`query_voice`), deletion (`delete_voice`) and listing (`list_voice`), each
sent once as the SDK sends it, with a short timeout (the SDK's own methods retry for up to 4 x timeout + 6 s).
"""

from __future__ import annotations

import re
from typing import Any, Final

from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.enrollment.customization import (
    ProviderVoiceNotFound,
    VoiceDirectory,
    call_customization,
    parse_provider_time,
    status_from_provider,
    upstream_error_from,
)
from voice_service.errors import UpstreamError
from voice_service.models import ProviderVoice, VoiceStatus

PROVIDER: Final = "cosyvoice"
ENROLLMENT_MODEL: Final = "voice-enrollment"  # what VoiceEnrollmentService sends
STATUS_TIMEOUT_SECONDS: Final = 2
# Voice ids are `{target_model}-{prefix}-{unique id}`; the prefix is what the clone sent (1-9 of [a-z0-9]).
VOICE_ID_PATTERN: Final = re.compile(r"^(?P<model>.+)-(?P<prefix>[a-z0-9]{1,9})-(?P<unique>[^-]+)$")


def parse_voice_id(voice_id: str) -> tuple[str | None, str | None]:
    """The (target model, prefix) a CosyVoice voice id was made from, or (None, None) for another shape."""
    match = VOICE_ID_PATTERN.match(voice_id)
    return (match.group("model"), match.group("prefix")) if match else (None, None)


def listed_voice(voice_id: str, item: dict[str, Any]) -> ProviderVoice:
    target_model, prefix = parse_voice_id(voice_id)
    return ProviderVoice(
        PROVIDER,
        voice_id,
        prefix,
        target_model,
        parse_provider_time(item.get("gmt_create")),
        status_from_provider(item.get("status")),
    )


VOICES: Final = VoiceDirectory(
    PROVIDER,
    ENROLLMENT_MODEL,
    delete_action="delete_voice",
    list_action="list_voice",
    voice_field="voice_id",
    parse_item=listed_voice,
)


class CosyVoiceEnrollment:
    """Implements the CosyVoiceEnrollment port with the real dashscope SDK.

    The SDK retries timeouts and refused connections itself (3 more tries, 2 s apart), so the worst case is about
    4 x timeout + 6 s; keep OPENTALKING_COSYVOICE_TIMEOUT_SECONDS small enough for API Gateway's 29 s.
    """

    def __init__(self, sdk: DashScopeSdk, *, timeout_seconds: int) -> None:
        self._sdk = sdk
        self._timeout_seconds = timeout_seconds

    def ensure_configured(self) -> None:
        self._sdk.ensure_configured()

    def create_voice(self, *, target_model: str, prefix: str, sample_url: str) -> str:
        voice_id = self._call(
            lambda service: service.create_voice(target_model=target_model, prefix=prefix, url=sample_url)
        )
        if not isinstance(voice_id, str) or not voice_id:
            raise UpstreamError(PROVIDER, "the enrollment reply named no voice.")
        return voice_id

    def voice_status(self, voice_id: str) -> VoiceStatus:
        # Not VoiceEnrollmentService.query_voice: its retry loop (up to 4 x timeout + 6 s) would overrun the
        # bounded wait in the cloning service. The same request, tried once and briefly.
        try:
            output = call_customization(
                self._sdk,
                PROVIDER,
                ENROLLMENT_MODEL,
                {"action": "query_voice", "voice_id": voice_id},
                STATUS_TIMEOUT_SECONDS,
            )
        except ProviderVoiceNotFound:
            return "gone"
        status = output.get("status")
        if not isinstance(status, str):
            raise UpstreamError(PROVIDER, "the voice query reply had no status.")
        return status_from_provider(status)

    def delete_voice(self, voice_id: str) -> bool:
        return VOICES.delete_voice(self._sdk, voice_id, self._timeout_seconds)

    def list_voices_page(self, page_index: int, page_size: int) -> list[ProviderVoice]:
        return VOICES.list_voices_page(self._sdk, page_index, page_size, self._timeout_seconds)

    def _call(self, operation: Any) -> Any:
        dashscope = self._sdk.configured()
        from dashscope.audio.tts_v2 import VoiceEnrollmentService

        service = VoiceEnrollmentService(api_key=dashscope.api_key, request_timeout=self._timeout_seconds)
        try:
            return operation(service)
        except Exception as exc:
            raise upstream_error_from(PROVIDER, exc) from exc
