"""The request body, read once up front: capped per route (413), bounded in time (408), UTF-8 forms only (400).

API Gateway and Lambda cap a body near 6 MB and stop waiting for one after 29 s; uvicorn (`make run`) caps
neither. This middleware gives every run the same rules, and the routes' own parsers then see a complete body in
memory: a route can never be fed more than it can use, nor be held open by a client that trickles its body.
"""

from __future__ import annotations

import asyncio
import codecs
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Final

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voice_service.http.errors import error_response

# Routes without an entry of their own take no body worth the name (GET, DELETE, POST /voices/uploads).
DEFAULT_BODY_MAX_BYTES: Final = 16 * 1024
# A preview is a few hundred characters of JSON; even 5,000 characters escaped as \uXXXX pairs fit.
PREVIEW_BODY_MAX_BYTES: Final = 64 * 1024
# What a clone form carries besides the sample: its text fields and the multipart framing.
CLONE_FORM_ALLOWANCE_BYTES: Final = 64 * 1024
# The whole body must arrive within this, counted from the first read (API Gateway waits 29 s for a response).
BODY_READ_TIMEOUT_SECONDS: Final = 30.0
FORM_CHARSET: Final = "utf-8"


@dataclass(frozen=True, slots=True)
class BodyLimit:
    """The largest body a route accepts, and the sentence a larger one gets."""

    max_bytes: int
    too_large_detail: str | None = None

    def detail(self, path: str) -> str:
        return (
            self.too_large_detail or f"The request body is larger than {self.max_bytes} bytes, the most {path} takes."
        )


# Per path (exact); every other path takes DEFAULT_BODY_MAX_BYTES.
BodyLimits = Mapping[str, BodyLimit]


class RequestGuardMiddleware:
    """Reads and checks the whole body before the app runs, then hands the app that body."""

    def __init__(self, app: ASGIApp, *, body_limits: BodyLimits, read_timeout_seconds: float) -> None:
        self._app = app
        self._limits = dict(body_limits)
        self._read_timeout = read_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        headers = Headers(scope=scope)
        refusal = _refuse_headers(headers, limit, scope["path"])
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        try:
            body = await self._read_body(receive, limit)
        except _BodyTooLarge:
            await _closing_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, limit.detail(scope["path"]))(scope, receive, send)
            return
        except TimeoutError:
            detail = f"The request body did not arrive within {self._read_timeout:g} seconds; send it at once."
            await _closing_error(HTTPStatus.REQUEST_TIMEOUT, detail)(scope, receive, send)
            return
        if body is None:
            return  # the client disconnected: nobody is left to answer
        await self._app(scope, _replay(body, receive), send)

    def _limit_for(self, path: str) -> BodyLimit:
        return self._limits.get(path, _DEFAULT_LIMIT)

    async def _read_body(self, receive: Receive, limit: BodyLimit) -> bytes | None:
        deadline = time.monotonic() + self._read_timeout
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit.max_bytes:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


_DEFAULT_LIMIT: Final = BodyLimit(DEFAULT_BODY_MAX_BYTES)


class _BodyTooLarge(Exception):
    pass


def _refuse_headers(headers: Headers, limit: BodyLimit, path: str) -> Response | None:
    """An error response decided by the headers alone, before a byte of the body is read."""
    declared = headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            return error_response(HTTPStatus.BAD_REQUEST, "The Content-Length header must be a decimal number.")
        if int(declared) > limit.max_bytes:
            return _closing_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, limit.detail(path))
    content_type = headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() == "multipart/form-data":
        charset = _parameter(content_type, "charset")
        if charset is not None and _codec_name(charset) != FORM_CHARSET:
            # Starlette would decode the fields with it: UTF-7 or unicode_escape yield lone surrogates.
            return error_response(
                HTTPStatus.BAD_REQUEST, "Multipart form fields must be UTF-8: drop the charset parameter or use utf-8."
            )
    return None


def _parameter(content_type: str, name: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return None


def _codec_name(charset: str) -> str | None:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _closing_error(status: HTTPStatus, detail: str) -> Response:
    # The rest of the body stays unread, so the connection cannot carry another request.
    return error_response(status, detail, headers={"Connection": "close"})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the buffered body once, then whatever the server sends next (a disconnect)."""
    delivered = False

    async def replayed() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
