"""The `dashscope` cloning provider, Qwen voice enrollment: model `qwen-voice-enrollment`, action `create`.

The WAV travels inline as a data URI, over HTTP.
The dashscope 1.x SDK has no class for it, so this goes through the SDK's generic `BaseApi.call` HTTP path (the same
one `VoiceEnrollmentService` uses); the base URL follows DASHSCOPE_HTTP_BASE_URL via `DashScopeSdk`.
"""

from __future__ import annotations

import base64
from typing import Final

from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.enrollment.customization import call_customization
from voice_service.errors import UpstreamError

PROVIDER: Final = "dashscope"
ENROLLMENT_MODEL: Final = "qwen-voice-enrollment"


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
