"""A test identity provider: signing keys, a JWKS on loopback, and the settings that make every function trust it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from scripts.local_issuer import JWKS_PATH, JwksServer, SigningKey

TEST_ISSUER = "https://issuer.test.invalid/pool"
TEST_AUDIENCE = "voice-api-test"


@contextmanager
def running_issuer() -> Iterator[tuple[SigningKey, JwksServer]]:
    key = SigningKey.generate()
    server = JwksServer([key]).start()
    try:
        yield key, server
    finally:
        server.stop()


def users_mode_settings(server: JwksServer, **extra: str) -> dict[str, str]:
    """Settings of the signed-in mode trusting `server`'s keys (the issuer name is not the JWKS host, as with
    sam local, where the functions reach the issuer's keys through another address)."""
    return {
        "OPENTALKING_AUTH_MODE": "users",
        "OPENTALKING_AUTH_ISSUER": TEST_ISSUER,
        "OPENTALKING_AUTH_AUDIENCE": TEST_AUDIENCE,
        "OPENTALKING_AUTH_JWKS_URL": server.url + JWKS_PATH,
        **extra,
    }
