"""The envelope of a catalog call and of its reply, and the codes that carry domain errors across the boundary.

A call is `{"operation": name, "request": {...}}`. A reply is `{"ok": true, "response": {...}}` or
`{"ok": false, "error": {"code": ..., "message": ...}}`; the caller raises the domain error the code names, with
the message, so the one HTTP error mapping sees the same exception it would see in-process (busy → 503, not found →
404, ...). Messages of domain errors are written to be shown; anything else crosses as a fixed sentence.
"""

from __future__ import annotations

from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict

from voice_service import errors


class CatalogAccessError(errors.StorageError):
    """The catalog function refused the call: the operation is not this caller's, or the call was malformed."""


# Code → the error the caller raises. Most specific first: the server sends the first code whose class matches.
ERROR_CODES: dict[str, type[errors.VoiceServiceError]] = {
    "voice_not_found": errors.VoiceNotFoundError,
    "not_found": errors.NotFoundError,
    "invalid_request": errors.InvalidRequestError,
    "busy": errors.StorageBusyError,
    "refused": CatalogAccessError,
    "storage": errors.StorageError,
}
# What the caller raises for an error no code covers (a bug in the catalog function; its log has the details).
UNEXPECTED_MESSAGE = "The voice catalog failed unexpectedly."


class CatalogCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation: str
    request: dict[str, Any]


class WireError(BaseModel):
    code: str
    message: str


class CatalogReply(BaseModel):
    ok: bool
    response: dict[str, Any] | None = None
    error: WireError | None = None


def error_code(error: BaseException) -> str | None:
    """The code for a domain error, or None for anything else."""
    for code, error_class in ERROR_CODES.items():
        if isinstance(error, error_class):
            return code
    return None


def success(response: BaseModel) -> dict[str, Any]:
    return {"ok": True, "response": response.model_dump(mode="json")}


def failure(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


def raise_for(error: WireError) -> NoReturn:
    """Raise the domain error a reply's error stands for (an unknown code is an unexpected failure)."""
    error_class = ERROR_CODES.get(error.code)
    if error_class is None:
        raise errors.StorageError(UNEXPECTED_MESSAGE)
    raise error_class(error.message)
