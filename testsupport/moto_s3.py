"""moto's S3 over real HTTP, for `make run`, the `sam local` recipe and the tests (one way to start it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def start_moto_server(ip_address: str = "127.0.0.1") -> tuple[Any, int]:
    """Start moto's server on a free port of `ip_address`; return the server (call `.stop()`) and its port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=ip_address, port=0, verbose=False)
    server.start()
    return server, int(server.get_host_and_port()[1])


def running_moto_server() -> Iterator[str]:
    """moto's S3 on loopback while the generator runs (a pytest fixture body); yields its endpoint URL."""
    server, port = start_moto_server()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
