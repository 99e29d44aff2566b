"""Domain errors. They carry an English message for the caller and know nothing of HTTP.

`voice_service.http.errors` is the one place that maps each class to a status code.
"""

from __future__ import annotations


class VoiceServiceError(Exception):
    """Base class: `message` is a complete English sentence that is safe to show to the caller.

    `param` names the request field at fault, when there is one (OpenAI's error envelope reports it).
    """

    param: str | None = None

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if param is not None:
            self.param = param


class InvalidRequestError(VoiceServiceError):
    """The request is malformed or breaks a rule; nothing was written."""


class ProviderUnavailableError(InvalidRequestError):
    """The named provider cannot run in this deployment (e.g. its native library is missing)."""


class PayloadTooLargeError(VoiceServiceError):
    """The request body is larger than this path accepts."""


class NotFoundError(VoiceServiceError):
    """The named resource does not exist."""


class VoiceNotFoundError(NotFoundError):
    """No catalog entry has that id."""


class UploadNotFoundError(NotFoundError):
    """No uploaded sample has that id (never uploaded, already used, or expired)."""


class UpstreamError(VoiceServiceError):
    """A provider failed: error reply, refused or dropped connection, timeout, or no audio."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"The {provider} provider failed: {reason}")
        self.provider = provider
        self.reason = reason


class ProviderNotConfiguredError(VoiceServiceError):
    """A provider needs a setting (usually an API key) that this deployment lacks."""

    def __init__(self, provider: str, setting: str) -> None:
        super().__init__(f"The {provider} provider is not configured: set {setting}.")
        self.provider = provider
        self.setting = setting


class StorageError(VoiceServiceError):
    """The catalog or the sample store failed; nothing partial was kept."""


class StorageBusyError(StorageError):
    """The catalog stayed locked by other writers for longer than the busy timeout."""
