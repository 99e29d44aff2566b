"""A local token issuer for the signed-in mode offline: a key pair under .data/, its JWKS on loopback, and tokens.

`make run AUTH=users` serves the JWKS next to the API; `make token USER=alice` prints a token for that user (add
`GROUPS=admins` for the admin group). Tests use the same issuer with keys of their own. Nothing here is used by a
deployed stack: there, tokens come from Cognito or another OIDC provider.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_PATH = Path(".data") / "local-issuer" / "signing-key.pem"
DEFAULT_PORT = 8001
LOCAL_ISSUER = f"http://127.0.0.1:{DEFAULT_PORT}"
LOCAL_AUDIENCE = "opentalking-local"
JWKS_PATH = "/.well-known/jwks.json"


@dataclass
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:16])

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def stored(cls, path: Path = KEY_PATH) -> SigningKey:
        """The key in `path`, generated (readable by the owner only) the first time."""
        if not path.exists():
            key = cls.generate()
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = key.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            path.touch(mode=0o600)
            path.write_bytes(pem)
            path.with_suffix(".kid").write_text(key.kid, encoding="utf-8")
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(private_key, rsa.RSAPrivateKey)
        return cls(private_key, path.with_suffix(".kid").read_text(encoding="utf-8").strip())

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def token(
        self,
        subject: str,
        *,
        issuer: str = LOCAL_ISSUER,
        audience: str = LOCAL_AUDIENCE,
        groups: Iterable[str] = (),
        lifetime_seconds: int = 3600,
        now: float | None = None,
        **claims: Any,
    ) -> str:
        issued = int(time.time() if now is None else now)
        payload: dict[str, Any] = {
            "sub": subject,
            "iss": issuer,
            "aud": audience,
            "iat": issued,
            "exp": issued + lifetime_seconds,
            **claims,
        }
        if groups:
            payload["cognito:groups"] = list(groups)
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})


class JwksServer:
    """Serves `{"keys": [...]}` at /.well-known/jwks.json on loopback; `keys` may be changed while it runs."""

    def __init__(self, keys: list[SigningKey], host: str = "127.0.0.1", port: int = 0) -> None:
        self.keys = keys
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != JWKS_PATH:
                    self.send_error(404)
                    return
                server.requests += 1
                body = json.dumps({"keys": [key.public_jwk() for key in server.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> JwksServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


def local_auth_environment(issuer: str = LOCAL_ISSUER) -> dict[str, str]:
    """The settings that make the service trust the local issuer."""
    return {
        "OPENTALKING_AUTH_MODE": "users",
        "OPENTALKING_AUTH_ISSUER": issuer,
        "OPENTALKING_AUTH_AUDIENCE": LOCAL_AUDIENCE,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a token from the local issuer (make token).")
    parser.add_argument("--user", default="local-user", help="the token's sub (the user id)")
    parser.add_argument("--groups", default="", help="comma-separated groups (e.g. admins)")
    parser.add_argument("--minutes", type=int, default=60, help="how long the token is valid")
    args = parser.parse_args(argv)
    groups = [group for group in args.groups.split(",") if group]
    print(SigningKey.stored().token(args.user, groups=groups, lifetime_seconds=args.minutes * 60))
    return 0


if __name__ == "__main__":
    sys.exit(main())
