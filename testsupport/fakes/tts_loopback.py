"""Runs an aiohttp application on 127.0.0.1 (ephemeral port) in a background thread, for the provider fakes."""

from __future__ import annotations

import asyncio
import io
import math
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from typing import Any

from aiohttp import web

# A fake told to stall holds the connection this long at most (teardown releases it sooner).
STALL_LIMIT_SECONDS = 30.0
TONE_HZ = 440.0


class LoopbackServer:
    """Start with `start()`, read `base_url`, stop with `stop()` (releases stalled handlers first)."""

    def __init__(self, build_app: Callable[[], web.Application]) -> None:
        self._build_app = build_app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tts-fake", daemon=True)
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        self._call(self._start()).result(timeout=10)
        return self

    def stop(self) -> None:
        self._call(self._stop()).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def stall(self) -> None:
        """Hold the current handler until teardown (or STALL_LIMIT_SECONDS)."""
        assert self._release is not None
        try:
            await asyncio.wait_for(self._release.wait(), STALL_LIMIT_SECONDS)
        except TimeoutError:
            pass

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> Future[None]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def _start(self) -> None:
        self._release = asyncio.Event()
        self._runner = web.AppRunner(self._build_app(), shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        assert self._release is not None and self._runner is not None
        self._release.set()
        await self._runner.cleanup()


@cache
@dataclass(frozen=True)
class Pacing:
    """How a fake delivers audio: at once (tests), or like a real provider (first audio after a delay, then the
    audio no faster than it plays), for the benchmarks."""

    first_audio_seconds: float = 0.0
    real_time: bool = False

    def clock(self, bytes_per_second: float) -> PacingClock:
        """Start timing one reply now (when the request has been read)."""
        return PacingClock(self, bytes_per_second, time.monotonic())


INSTANT = Pacing()
# What a real provider looks like to a preview: about 300 ms to first audio, then real time.
LIKE_A_PROVIDER = Pacing(first_audio_seconds=0.3, real_time=True)


@dataclass
class PacingClock:
    pacing: Pacing
    bytes_per_second: float
    started: float
    sent: int = 0

    async def before(self, chunk: bytes) -> None:
        """Wait until `chunk` is due, then count it as sent."""
        due = self.started + self.pacing.first_audio_seconds
        if self.pacing.real_time:
            due += self.sent / self.bytes_per_second
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self.sent += len(chunk)


def tone_pcm16(seconds: float, sample_rate: int) -> bytes:
    """A 440 Hz tone as mono 16-bit little-endian PCM: what a fake 'speaks' (cached: a fake adds no latency)."""
    import numpy as np

    count = int(round(seconds * sample_rate))
    samples = 0.3 * np.sin(2 * math.pi * TONE_HZ * np.arange(count) / sample_rate)
    return (samples * 32767).astype("<i2").tobytes()


@cache
def tone_mp3(seconds: float, sample_rate: int) -> bytes:
    """The same tone encoded as MP3 (what Edge sends: 24 kHz mono)."""
    import numpy as np
    import soundfile

    samples = np.frombuffer(tone_pcm16(seconds, sample_rate), dtype="<i2")
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, sample_rate, format="MP3", subtype="MPEG_LAYER_III")
    return buffer.getvalue()


def closed_port() -> int:
    """A loopback port nobody listens on (bound once, then released), for refused-connection tests."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class GarbageServer:
    """A loopback TCP server that answers every connection with bytes that are neither HTTP nor a websocket."""

    REPLY = b"\x00\x01\x02 SSH-2.0-not-what-you-expected \xff\xfe\r\n\r\n" + bytes(range(256))

    def __init__(self) -> None:
        import socket

        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="garbage-server", daemon=True)
        self.port = int(self._listener.getsockname()[1])
        self.connections = 0

    def __enter__(self) -> GarbageServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                connection.settimeout(1.0)
                try:
                    connection.recv(65536)  # the request line and headers
                    connection.sendall(self.REPLY)
                except OSError:
                    pass
