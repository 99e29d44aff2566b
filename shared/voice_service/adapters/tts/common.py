"""What every TTS adapter needs: a hard deadline around thread-driven SDKs and bounded streams of upstream audio.

Upstream text is quoted through `voice_service.adapters.upstream_text.quote_upstream`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from voice_service.errors import UpstreamError

# Upstream audio is untrusted: a preview of 240 characters is about a minute; refuse to buffer far more than that.
MAX_UPSTREAM_AUDIO_BYTES = 16 * 1024 * 1024
TOO_MUCH_AUDIO = "it sent far more audio than a preview needs."


def deadline_reason(timeout: float) -> str:
    return f"it did not finish within {timeout:g} seconds."


class StreamOutcome:
    """Collects a callback-driven stream (websocket SDKs): audio chunks, then the first terminal event wins.

    The SDK's threads report into it; the request's event loop awaits it (`wait`) without a thread of its own.
    """

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._settled = threading.Event()
        self._failure: str | None = None
        self._size = 0
        self._on_settled: Callable[[], None] | None = None

    @property
    def settled(self) -> bool:
        return self._settled.is_set()

    def add_audio(self, chunk: bytes) -> None:
        with self._lock:
            if self._settled.is_set():
                return
            self._chunks.append(bytes(chunk))
            self._size += len(chunk)
            if self._size > MAX_UPSTREAM_AUDIO_BYTES:
                self._chunks.clear()
                self._failure = TOO_MUCH_AUDIO
                self._settle()

    def succeed(self) -> None:
        with self._lock:
            self._settle()

    def fail(self, reason: str) -> None:
        with self._lock:
            if not self._settled.is_set():
                self._failure = reason
                self._settle()

    def audio_received(self) -> bool:
        with self._lock:
            return bool(self._chunks)

    async def wait(self, timeout: float) -> bytes:
        """The audio once the stream succeeded; UpstreamError on failure or after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        settled = asyncio.Event()
        with self._lock:
            if self._settled.is_set():
                settled.set()
            else:

                def wake() -> None:
                    loop.call_soon_threadsafe(settled.set)

                self._on_settled = wake
        try:
            await asyncio.wait_for(settled.wait(), timeout)
        except TimeoutError:
            self.fail(deadline_reason(timeout))
        with self._lock:
            self._on_settled = None
            if self._failure is not None:
                raise UpstreamError(self.provider, self._failure)
            return b"".join(self._chunks)

    def _settle(self) -> None:
        """Mark the stream finished and wake a waiting loop (called with the lock held)."""
        if self._settled.is_set():
            return
        self._settled.set()
        if self._on_settled is not None:
            try:
                self._on_settled()
            except RuntimeError:  # the waiting loop already closed (the request gave up)
                pass


async def drive_websocket_stream(
    drive: Callable[[], None], connection: Any, outcome: StreamOutcome, timeout: float, thread_name: str
) -> bytes:
    """Run an SDK's blocking websocket exchange (`drive`) on a daemon thread and await `outcome`.

    The request returns at the deadline even if the SDK does not; `connection.ws` is then closed without waiting
    for a close handshake, which a stalled server would never answer.
    """
    threading.Thread(target=drive, name=thread_name, daemon=True).start()
    try:
        return await outcome.wait(timeout)
    finally:
        if connection.ws is not None:
            connection.ws.close(timeout=0)


def websocket_failure_reason(error: object) -> str:
    """Wording for a websocket-client failure seen by the dashscope SDKs (bad handshake, refused, other)."""
    from websocket import WebSocketBadStatusException

    if isinstance(error, WebSocketBadStatusException):
        return f"the server refused the connection with HTTP {error.status_code}."
    if isinstance(error, ConnectionRefusedError | TimeoutError):
        return "the server could not be reached."
    return f"the connection failed ({type(error).__name__})."
