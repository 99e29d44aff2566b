"""DashScope's `/services/audio/tts/customization` endpoint through the SDK, and its failures as UpstreamError."""

from __future__ import annotations

from typing import Any

from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.upstream_text import quote_upstream
from voice_service.errors import UpstreamError


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
        raise UpstreamError(provider, _sentence(reason))
    return response.output if isinstance(response.output, dict) else {}


def upstream_error_from(provider: str, exc: BaseException) -> UpstreamError:
    """Map an SDK or network exception to a 502-worthy error, never exposing a traceback or a secret."""
    import requests

    if isinstance(exc, requests.Timeout):
        return UpstreamError(provider, "the request timed out.")
    if isinstance(exc, requests.ConnectionError):
        return UpstreamError(provider, "the service could not be reached.")
    if isinstance(exc, UnboundLocalError):
        # VoiceEnrollmentService retries timeouts and refused connections three times, then fails this way.
        return UpstreamError(provider, "the service could not be reached (timed out or refused after retries).")
    if type(exc).__name__ == "VoiceEnrollmentException":
        # Its fields are private; str() is "Request: ..., Status Code: ..., Code: ..., Error Message: ...".
        return UpstreamError(provider, _sentence(str(exc)))
    return UpstreamError(provider, f"unexpected {type(exc).__name__} from the SDK.")


def _sentence(text: str) -> str:
    return f"{quote_upstream(text)}."
