"""What every TTS adapter needs: a hard deadline around blocking SDK calls and bounded streams of upstream audio.

Upstream text is quoted through `voice_service.adapters.upstream_text.quote_upstream`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from voice_service.errors import UpstreamError

T = TypeVar("T")
# Upstream audio is untrusted: a preview of 240 characters is about a minute; refuse to buffer far more than that.
MAX_UPSTREAM_AUDIO_BYTES = 16 * 1024 * 1024
TOO_MUCH_AUDIO = "it sent far more audio than a preview needs."


def deadline_reason(timeout: float) -> str:
    return f"it did not finish within {timeout:g} seconds."


def run_with_deadline(provider: str, work: Callable[[], T], timeout: float) -> T:
    """Run blocking `work` in a daemon thread and give up after `timeout` seconds with an UpstreamError.

    The abandoned thread ends on its own (every SDK call made from it carries its own timeout); a daemon thread
    never keeps the process alive.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []
    finished = threading.Event()

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)
        finally:
            finished.set()

    threading.Thread(target=target, name=f"tts-{provider}", daemon=True).start()
    if not finished.wait(timeout):
        raise UpstreamError(provider, deadline_reason(timeout))
    if failure:
        raise failure[0]
    return outcome[0]


class StreamOutcome:
    """Collects a callback-driven stream (websocket SDKs): audio chunks, then the first terminal event wins."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._settled = threading.Event()
        self._failure: str | None = None
        self._size = 0

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
                self._settled.set()

    def succeed(self) -> None:
        with self._lock:
            self._settled.set()

    def fail(self, reason: str) -> None:
        with self._lock:
            if not self._settled.is_set():
                self._failure = reason
                self._settled.set()

    def audio_received(self) -> bool:
        with self._lock:
            return bool(self._chunks)

    def wait(self, timeout: float) -> bytes:
        """The audio once the stream succeeded; UpstreamError on failure or after `timeout` seconds."""
        if not self._settled.wait(timeout):
            self.fail(deadline_reason(timeout))
        with self._lock:
            if self._failure is not None:
                raise UpstreamError(self.provider, self._failure)
            return b"".join(self._chunks)


def drive_websocket_stream(
    drive: Callable[[], None], connection: Any, outcome: StreamOutcome, timeout: float, thread_name: str
) -> bytes:
    """Run an SDK's blocking websocket exchange (`drive`) on a daemon thread and wait for `outcome`.

    The request returns at the deadline even if the SDK does not; `connection.ws` is then closed without waiting
    for a close handshake, which a stalled server would never answer.
    """
    threading.Thread(target=drive, name=thread_name, daemon=True).start()
    try:
        return outcome.wait(timeout)
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


def join_limited(provider: str, chunks: Iterable[bytes]) -> bytes:
    """Concatenate streamed audio, refusing more than MAX_UPSTREAM_AUDIO_BYTES."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        if len(buffer) > MAX_UPSTREAM_AUDIO_BYTES:
            raise UpstreamError(provider, TOO_MUCH_AUDIO)
    return bytes(buffer)
