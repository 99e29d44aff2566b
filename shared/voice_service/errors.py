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
    """A provider failed: error reply, refused or dropped connection, timeout, or no audio.

    `outcome_unknown` is True when no reply arrived (timeout, dropped connection): the provider may have done what
    was asked, so a clone keeps its intent for the reconciler instead of assuming nothing was created.
    """

    def __init__(self, provider: str, reason: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(f"The {provider} provider failed: {reason}")
        self.provider = provider
        self.reason = reason
        self.outcome_unknown = outcome_unknown


class VoiceQuotaExceededError(VoiceServiceError):
    """The provider refused a clone because the account holds as many cloned voices as it may."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(
            f"The {provider} voice quota is reached ({reason.rstrip('.')}): delete cloned voices you no longer need "
            "with DELETE /voices/{entry_id}, which frees their slots at the provider, then retry."
        )
        self.provider = provider
        self.reason = reason


class IdempotencyConflictError(VoiceServiceError):
    """A request with this Idempotency-Key is still running; retry after it finished."""


class IdempotencyKeyReusedError(VoiceServiceError):
    """An Idempotency-Key was sent again with a different request."""


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


class AuthenticationError(VoiceServiceError):
    """The caller must sign in: the bearer token is missing, malformed, expired or not from the trusted issuer."""


class IdentityProviderUnavailableError(VoiceServiceError):
    """The issuer's signing keys (JWKS) could not be fetched, so no token can be checked right now."""


class QuotaExceededError(VoiceServiceError):
    """A per-user limit was reached; the message names the limit."""


class ConsentRequiredError(InvalidRequestError):
    """A clone needs a consent record in this deployment, and the request has none (or an incomplete one)."""
