"""CosyVoice voice cloning through the SDK's `VoiceEnrollmentService`: DashScope fetches the sample from a URL."""

from __future__ import annotations

from typing import Any, Final

from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.enrollment.customization import call_customization, upstream_error_from
from voice_service.errors import UpstreamError

PROVIDER: Final = "cosyvoice"
ENROLLMENT_MODEL: Final = "voice-enrollment"  # what VoiceEnrollmentService sends
STATUS_TIMEOUT_SECONDS: Final = 2


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

    def voice_status(self, voice_id: str) -> str:
        # Not VoiceEnrollmentService.query_voice: its retry loop (up to 4 x timeout + 6 s) would overrun the
        # bounded wait in the cloning service. The same request, tried once and briefly.
        output = call_customization(
            self._sdk,
            PROVIDER,
            ENROLLMENT_MODEL,
            {"action": "query_voice", "voice_id": voice_id},
            STATUS_TIMEOUT_SECONDS,
        )
        status = output.get("status")
        if not isinstance(status, str):
            raise UpstreamError(PROVIDER, "the voice query reply had no status.")
        return status

    def _call(self, operation: Any) -> Any:
        dashscope = self._sdk.configured()
        from dashscope.audio.tts_v2 import VoiceEnrollmentService

        service = VoiceEnrollmentService(api_key=dashscope.api_key, request_timeout=self._timeout_seconds)
        try:
            return operation(service)
        except Exception as exc:
            raise upstream_error_from(PROVIDER, exc) from exc
