"""A local identity provider for the signed-in mode offline: a key pair under .data/, its JWKS on loopback, tokens,
and the authorization-code flow with PKCE, so the voice studio signs in locally as it does against Cognito.

`make run AUTH=users` serves it next to the API (the studio's Sign in button leads to its page, where any user name
is accepted); `make token USER=alice` prints a token for that user (add `GROUPS=admins` for the admin group). Tests
use the same provider with keys of their own. Nothing here is used by a deployed stack: there, tokens come from
Cognito or another OIDC provider. It signs in whoever asks, so it only listens on loopback and only sends codes back
to pages on loopback.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# OPENTALKING_LOCAL_ISSUER_KEY moves the key (the browser tests keep theirs in a temporary directory).
KEY_PATH = Path(os.environ.get("OPENTALKING_LOCAL_ISSUER_KEY") or Path(".data") / "local-issuer" / "signing-key.pem")
DEFAULT_PORT = 8001
LOCAL_ISSUER = f"http://127.0.0.1:{DEFAULT_PORT}"
LOCAL_AUDIENCE = "opentalking-local"
JWKS_PATH = "/.well-known/jwks.json"
DISCOVERY_PATH = "/.well-known/openid-configuration"
AUTHORIZE_PATH = "/authorize"
TOKEN_PATH = "/token"
LOGOUT_PATH = "/logout"
# A code is traded at once by the page that asked for it; real providers allow a minute or ten.
CODE_LIFETIME_SECONDS = 60
TOKEN_LIFETIME_SECONDS = 3600
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
USER_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")


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
        lifetime_seconds: int = TOKEN_LIFETIME_SECONDS,
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


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, document: Any, *headers: tuple[str, str]) -> Reply:
        return cls(status, json.dumps(document).encode(), "application/json", (("Cache-Control", "no-store"), *headers))

    @classmethod
    def page(cls, status: int, text: str) -> Reply:
        return cls(status, text.encode(), "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location: str) -> Reply:
        return cls(303, b"", "text/plain", (("Location", location),))


class JwksServer:
    """Serves `{"keys": [...]}` at /.well-known/jwks.json on loopback; `keys` may be changed while it runs."""

    def __init__(self, keys: list[SigningKey], host: str = "127.0.0.1", port: int = 0) -> None:
        self.keys = keys
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                self._send(server.answer_get(url.path, parse_qs(url.query)))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8", "replace")) if length else {}
                self._send(server.answer_post(urlsplit(self.path).path, form))

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def answer_get(self, path: str, query: dict[str, list[str]]) -> Reply:
        if path != JWKS_PATH:
            return Reply.json(404, {"error": "not_found"})
        self.requests += 1
        return Reply.json(200, {"keys": [key.public_jwk() for key in self.keys]})

    def answer_post(self, path: str, form: dict[str, list[str]]) -> Reply:
        return Reply.json(404, {"error": "not_found"})


@dataclass(frozen=True)
class _Grant:
    """An issued authorization code: who signed in, for which page, and the PKCE challenge the trade must meet."""

    user: str
    groups: tuple[str, ...]
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    expires_at: float


class _Refusal(Exception):
    """An /authorize request that cannot be sent back to its page (OAuth 2.0: show it, never redirect)."""


class LocalIdentityProvider(JwksServer):
    """The JWKS plus OpenID Connect discovery, /authorize (a page that signs in any user name), /token (the
    authorization code with S256 PKCE, for one public client) and /logout, all on loopback.

    `issuer` is what the tokens' `iss` says (its own URL unless given); `client_id` is the one client it knows,
    also the ID tokens' audience.
    """

    def __init__(
        self,
        key: SigningKey,
        *,
        client_id: str = LOCAL_AUDIENCE,
        issuer: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__([key], host=host, port=port)
        self.client_id = client_id
        self._issuer = issuer
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return self._issuer or self.url

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.url + AUTHORIZE_PATH,
            "token_endpoint": self.url + TOKEN_PATH,
            "end_session_endpoint": self.url + LOGOUT_PATH,
            "jwks_uri": self.url + JWKS_PATH,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["none"],
        }

    def answer_get(self, path: str, query: dict[str, list[str]]) -> Reply:
        if path == DISCOVERY_PATH:
            return Reply.json(200, self.discovery())
        if path == AUTHORIZE_PATH:
            return self._authorize(query, signing_in=False)
        if path == LOGOUT_PATH:
            # No session is kept (each sign-in asks for a name again): only the way back is checked.
            target = _first(query, "post_logout_redirect_uri") or _first(query, "logout_uri")
            if target and _on_loopback(target):
                return Reply.redirect(target)
            return Reply.page(200, _page("Signed out", "<p>You are signed out of the local issuer.</p>"))
        return super().answer_get(path, query)

    def answer_post(self, path: str, form: dict[str, list[str]]) -> Reply:
        if path == AUTHORIZE_PATH:
            return self._authorize(form, signing_in=True)
        if path == TOKEN_PATH:
            return self._token(form)
        return super().answer_post(path, form)

    # ------------------------------------------------------------ /authorize

    def _authorize(self, params: dict[str, list[str]], *, signing_in: bool) -> Reply:
        try:
            redirect_uri = self._checked_redirect(params)
        except _Refusal as refusal:
            return Reply.page(400, _page("Sign-in refused", f"<p>{html.escape(str(refusal))}</p>"))
        state = _first(params, "state")

        def back(**answer: str) -> Reply:
            answer = {**answer, **({"state": state} if state else {})}
            return Reply.redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}")

        if _first(params, "response_type") != "code":
            return back(error="unsupported_response_type", error_description="Only the code flow is supported.")
        challenge = _first(params, "code_challenge")
        if _first(params, "code_challenge_method") != "S256" or not challenge:
            return back(error="invalid_request", error_description="PKCE with S256 is required.")
        if not signing_in:
            return Reply.page(200, self._sign_in_page(params))
        if _first(params, "action") == "cancel":
            return back(error="access_denied", error_description="The sign-in was cancelled.")
        user = (_first(params, "user") or "").strip()
        if not USER_NAME.match(user):
            return Reply.page(400, self._sign_in_page(params, "A user name is letters, digits and . _ @ + - only."))
        groups = tuple(group for group in (_first(params, "groups") or "").replace(" ", "").split(",") if group)
        code = secrets.token_urlsafe(32)
        grant = _Grant(
            user,
            groups,
            self.client_id,
            redirect_uri,
            challenge,
            _first(params, "nonce"),
            time.monotonic() + CODE_LIFETIME_SECONDS,
        )
        with self._lock:
            self._grants[code] = grant
        return back(code=code)

    def _checked_redirect(self, params: dict[str, list[str]]) -> str:
        if _first(params, "client_id") != self.client_id:
            raise _Refusal(f"Unknown client; this issuer knows only {self.client_id!r}.")
        redirect_uri = _first(params, "redirect_uri") or ""
        if not _on_loopback(redirect_uri):
            raise _Refusal("The local issuer only sends sign-ins back to pages on this machine (loopback).")
        return redirect_uri

    def _sign_in_page(self, params: dict[str, list[str]], problem: str = "") -> str:
        kept = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(values[0])}">'
            for name, values in sorted(params.items())
            if name not in {"user", "groups", "action"} and values
        )
        warning = f'<p role="alert" id="problem">{html.escape(problem)}</p>' if problem else ""
        return _page(
            "Sign in (local issuer)",
            f"""<p>This is the local issuer of <code>make run AUTH=users</code>: it signs in any user name, with no
password. A deployed stack signs in with Cognito or another OpenID Connect provider instead.</p>{warning}
<form method="post" action="{AUTHORIZE_PATH}">{kept}
<p><label for="user">User name</label>
<input id="user" name="user" required autofocus pattern="[A-Za-z0-9._@+\\-]+"></p>
<p><label for="groups">Groups (optional, comma-separated)</label> <input id="groups" name="groups"></p>
<p><button type="submit" id="sign-in" name="action" value="sign-in">Sign in</button>
<button type="submit" id="cancel" name="action" value="cancel" formnovalidate>Cancel</button></p>
</form>""",
        )

    # ------------------------------------------------------------ /token

    def _token(self, form: dict[str, list[str]]) -> Reply:
        # The page posts here from its own origin (a simple CORS request: no preflight).
        cors = ("Access-Control-Allow-Origin", "*")

        def refuse(error: str, description: str) -> Reply:
            return Reply.json(400, {"error": error, "error_description": description}, cors)

        if _first(form, "grant_type") != "authorization_code":
            return refuse("unsupported_grant_type", "Only authorization_code is supported.")
        with self._lock:
            grant = self._grants.pop(_first(form, "code") or "", None)  # a code is good for one trade only
        if grant is None or grant.expires_at < time.monotonic():
            return refuse("invalid_grant", "The code is unknown, used or expired.")
        if _first(form, "client_id") != grant.client_id or _first(form, "redirect_uri") != grant.redirect_uri:
            return refuse("invalid_grant", "The code was issued to another client or page.")
        verifier = _first(form, "code_verifier") or ""
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(digest, grant.code_challenge):
            return refuse("invalid_grant", "The code verifier does not match the challenge (PKCE).")
        key = self.keys[0]
        claims: dict[str, Any] = {"nonce": grant.nonce} if grant.nonce else {}
        id_token = key.token(grant.user, issuer=self.issuer, audience=grant.client_id, groups=grant.groups, **claims)
        access_token = key.token(
            grant.user, issuer=self.issuer, audience=grant.client_id, groups=grant.groups, token_use="access"
        )
        return Reply.json(
            200,
            {
                "id_token": id_token,
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECONDS,
            },
            cors,
        )


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _on_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and parts.hostname in LOOPBACK_HOSTS and not parts.fragment


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        # No icon to fetch: browsers would ask for /favicon.ico otherwise.
        '<link rel="icon" href="data:,"></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


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
