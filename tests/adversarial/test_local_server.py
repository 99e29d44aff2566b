"""The local server (`make run` is uvicorn) against callers that hold things up: a catalog locked by another process
must not freeze unrelated requests, and a body that trickles in is cut off after a bounded time (issue 11, 7 and 8).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from functions.local_api import create_local_app
from testsupport.wiring import FunctionWiring

READ_TIMEOUT_SECONDS = 1.0
# The longest the settings allow, so that the catalog requests are still waiting when the preview answers, however
# loaded the machine is.
BUSY_TIMEOUT_SECONDS = 25


@contextmanager
def live_server(
    wiring: FunctionWiring, body_read_timeout_seconds: float = READ_TIMEOUT_SECONDS
) -> Iterator[tuple[str, uvicorn.Server]]:
    """The local app under uvicorn on a free loopback port, as `make run` serves it, wired to the test's settings;
    yields its base URL and the server (whose state holds the requests in flight)."""
    app = create_local_app(body_read_timeout_seconds=body_read_timeout_seconds)
    wiring.attach(app)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        threading.Event().wait(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def catalog_locked_by_another_process(path: Path) -> Iterator[None]:
    """Another process holds the catalog's exclusive lock until the block ends (as a stuck writer on EFS would)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            " c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)


def test_a_locked_catalog_does_not_hold_up_an_unrelated_preview(wiring: FunctionWiring) -> None:
    wiring.set(OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS=str(BUSY_TIMEOUT_SECONDS))
    path = wiring.catalog().path
    wiring.catalog().list_intents()  # the file and its schema exist
    finished: list[str] = []
    preview_body = {"text": "Still here.", "provider": "espeak", "voice": "en-us"}
    with live_server(wiring) as (base_url, server):
        # eSpeak NG loads its data on first use: warm it up before the catalog is locked
        assert httpx.post(f"{base_url}/tts/preview", json=preview_body, timeout=60).status_code == 200

        def call(method: str, route: str) -> None:
            response = httpx.request(method, f"{base_url}{route}", timeout=60)
            finished.append(f"{method} {route} {response.status_code}")

        routes = [("GET", "/voices"), ("DELETE", "/voices/1"), ("GET", "/voices"), ("DELETE", "/voices/2")]
        waiting = [threading.Thread(target=call, args=route) for route in routes]
        with catalog_locked_by_another_process(path):
            # GIVEN list and delete requests that reached the server and wait for the catalog's lock
            for thread in waiting:
                thread.start()
            # (uvicorn keeps one task per request in flight)
            for _ in range(3000):
                if len(server.server_state.tasks) >= len(routes):
                    break
                threading.Event().wait(0.01)
            assert len(server.server_state.tasks) >= len(routes)
            # WHEN an espeak preview, which never touches the catalog, is requested meanwhile
            preview = httpx.post(f"{base_url}/tts/preview", json=preview_body, timeout=60)
            # THEN it is answered while every catalog request is still waiting (on the event loop, they ran one
            # after the other, each blocking the whole server for up to the busy timeout)
            assert preview.status_code == 200 and preview.headers["content-type"] == "audio/wav"
            assert finished == []
        # AND once the lock is released, the waiting requests complete normally
        for thread in waiting:
            thread.join(timeout=60)
    assert sorted(finished) == ["DELETE /voices/1 404", "DELETE /voices/2 404", "GET /voices 200", "GET /voices 200"]


def test_the_catalog_wait_is_bounded_by_what_the_caller_has_left(wiring: FunctionWiring) -> None:
    from voice_service.errors import StorageBusyError
    from voice_service.models import NewEntry, NewVoice
    from voice_service.services.catalog import utc_now

    wiring.set(OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS=str(BUSY_TIMEOUT_SECONDS))
    catalog = wiring.catalog()
    catalog.list_intents()  # creates the file
    with catalog_locked_by_another_process(catalog.path):
        # The lock is held until this block ends: a clone with 0.2 s of its budget left gives up with a 503 instead
        # of waiting the 25 s busy timeout (which would outlast the block and then succeed)
        with pytest.raises(StorageBusyError):
            catalog.add_entry(NewEntry(NewVoice("dashscope", "v1", "Late", "m"), utc_now(), wait_seconds=0.2))
    assert catalog.list_entries() == []


def trickle(base_url: str, path: str, body: bytes, *, pause: float) -> tuple[bytes, bool]:
    """Send the headers, then the body a byte at a time; return what the server answered and whether it closed."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        connection.sendall(head.encode())
        answer = b""
        connection.settimeout(pause)
        for index in range(len(body)):
            try:
                connection.sendall(body[index : index + 1])
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer = connection.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                return answer, True
            break  # the server answered (or closed): stop sending, as a client would
        connection.settimeout(10)
        while True:
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                return answer, False
            except ConnectionResetError:
                return answer, True  # closed with unread bytes of ours pending
            if not chunk:
                return answer, True
            answer += chunk


@pytest.mark.parametrize("path", ["/tts/preview", "/voices/clone", "/voices"])
def test_a_trickled_body_is_cut_off_with_a_408(path: str, wiring: FunctionWiring) -> None:
    # A body of 400 bytes at one byte per 0.1 s would take 40 s; the server gives the whole body 1 s.
    body = json.dumps({"text": "x" * 380, "provider": "espeak"}).encode()
    with live_server(wiring) as (base_url, _):
        answer, closed = trickle(base_url, path, body, pause=0.1)
        # Other callers are served meanwhile
        assert httpx.get(f"{base_url}/voices", timeout=30).status_code == 200
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    assert b"content-type: application/json" in head.lower()
    assert json.loads(payload) == {"detail": "The request body did not arrive within 1 seconds; send it at once."}
    assert closed
