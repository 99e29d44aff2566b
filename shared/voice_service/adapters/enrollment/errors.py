"""Turn what the dashscope SDK raises on a failed enrollment call into an UpstreamError with a plain reason."""

from __future__ import annotations

from typing import Final

from voice_service.errors import UpstreamError

# Upstream messages are shown to the caller; keep them to a sentence.
MAX_REASON_CHARS: Final = 300


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
    text = " ".join(text.split())[:MAX_REASON_CHARS]
    return text if text.endswith(".") else f"{text}."
