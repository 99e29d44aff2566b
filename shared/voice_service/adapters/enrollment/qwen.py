"""Qwen voice cloning: model `qwen-voice-enrollment`, action `create`, the WAV inline as a data URI, over HTTP.

The dashscope 1.x SDK has no class for it, so this goes through the SDK's generic `BaseApi.call` HTTP path (the same
one `VoiceEnrollmentService` uses); the base URL follows DASHSCOPE_HTTP_BASE_URL via `configured_dashscope()`.
"""

from __future__ import annotations

import base64
from typing import Any, Final

from voice_service.adapters.dashscope_sdk import configured_dashscope
from voice_service.adapters.enrollment.errors import upstream_error_from
from voice_service.adapters.provider_keys import dashscope_api_key
from voice_service.errors import UpstreamError

PROVIDER: Final = "dashscope"
ENROLLMENT_MODEL: Final = "qwen-voice-enrollment"


class QwenVoiceEnrollment:
    """Implements the QwenEnrollment port with the real dashscope SDK."""

    def __init__(self, *, timeout_seconds: int) -> None:
        self._timeout_seconds = timeout_seconds

    def ensure_configured(self) -> None:
        dashscope_api_key()

    def create_voice(self, *, target_model: str, preferred_name: str, wav: bytes) -> str:
        configured_dashscope()
        from dashscope.client.base_api import BaseApi
        from dashscope.common.constants import ApiProtocol, HTTPMethod

        request_input = {
            "action": "create",
            "target_model": target_model,
            "preferred_name": preferred_name,
            "audio": {"data": "data:audio/wav;base64," + base64.b64encode(wav).decode("ascii")},
        }
        try:
            response: Any = BaseApi.call(
                model=ENROLLMENT_MODEL,
                task_group="audio",
                task="tts",
                function="customization",
                input=request_input,
                api_protocol=ApiProtocol.HTTP,
                http_method=HTTPMethod.POST,
                request_timeout=self._timeout_seconds,
            )
        except Exception as exc:
            raise upstream_error_from(PROVIDER, exc) from exc
        if response.status_code != 200:
            raise UpstreamError(
                PROVIDER, f"{response.code or 'error'} (HTTP {response.status_code}): {response.message}"
            )
        voice = (response.output or {}).get("voice") if isinstance(response.output, dict) else None
        if not isinstance(voice, str) or not voice:
            raise UpstreamError(PROVIDER, "the enrollment reply named no voice.")
        return voice
