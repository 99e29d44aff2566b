"""A whole service for hostile-caller tests: every provider a loopback fake (espeak in-process), moto's S3 server,
a fresh catalog, and a snapshot of everything a request could touch, to prove that a refused request touched nothing.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from functions.local_api import create_local_app
from testsupport.fakes.clone_support import bucket_keys, use_fresh_bucket
from testsupport.fakes.dashscope_cosyvoice_fake import CosyVoiceFake
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.fakes.dashscope_qwen_fake import QwenRealtimeFake
from testsupport.fakes.edge_fake import EdgeFake
from testsupport.fakes.elevenlabs_fake import API_KEY as ELEVENLABS_KEY
from testsupport.fakes.elevenlabs_fake import ElevenLabsFake
from testsupport.fakes.tts_loopback import LoopbackServer
from testsupport.moto_s3 import running_moto_server
from testsupport.wiring import FunctionWiring
from voice_service.adapters.tts.cosyvoice import CosyVoiceSynthesizer
from voice_service.adapters.tts.dashscope_qwen import QwenRealtimeSynthesizer
from voice_service.adapters.tts.edge import EdgeSynthesizer
from voice_service.adapters.tts.eleven_labs import ElevenLabsSynthesizer
from voice_service.adapters.tts.espeak import EspeakSynthesizer

DASHSCOPE_KEY = "sk-hostile-0123456789"
QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"
PREVIEW_PROVIDERS = ("edge", "dashscope", "cosyvoice", "elevenlabs", "espeak")
SYNTHESIZERS = (
    EdgeSynthesizer,
    QwenRealtimeSynthesizer,
    CosyVoiceSynthesizer,
    ElevenLabsSynthesizer,
    EspeakSynthesizer,
)


@dataclass
class ProviderFakes:
    edge: EdgeFake
    qwen: QwenRealtimeFake
    cosyvoice: CosyVoiceFake
    elevenlabs: ElevenLabsFake
    enrollment: FakeDashScopeEnrollment
    environment: dict[str, str]


@dataclass(frozen=True)
class Snapshot:
    """Everything a request could change or call."""

    synthesizer_calls: int
    wire_calls: int
    catalog: tuple[Any, ...]
    bucket: tuple[str, ...]


@dataclass
class HostileWorld:
    client: TestClient
    wiring: FunctionWiring
    fakes: ProviderFakes
    s3_endpoint: str
    bucket: str
    synthesizer_calls: list[str] = field(default_factory=list)

    def catalog(self) -> Any:
        return self.wiring.catalog()

    def snapshot(self) -> Snapshot:
        fakes = self.fakes
        wire = len(fakes.edge.calls) + len(fakes.qwen.calls) + len(fakes.cosyvoice.calls)
        wire += len(fakes.elevenlabs.calls) + len(fakes.enrollment.requests)
        return Snapshot(
            synthesizer_calls=len(self.synthesizer_calls),
            wire_calls=wire,
            catalog=tuple(self.catalog().list_entries()),
            bucket=tuple(bucket_keys(self.s3_endpoint, self.bucket)),
        )


def provider_fakes() -> Iterator[ProviderFakes]:
    edge, elevenlabs = EdgeFake(), ElevenLabsFake()
    qwen, cosyvoice = QwenRealtimeFake(api_key=DASHSCOPE_KEY), CosyVoiceFake(api_key=DASHSCOPE_KEY)
    servers = [LoopbackServer(fake.app).start() for fake in (edge, qwen, cosyvoice, elevenlabs)]
    edge.server, qwen.server, cosyvoice.server, elevenlabs.server = servers
    with FakeDashScopeEnrollment(api_key=DASHSCOPE_KEY) as enrollment:
        try:
            yield ProviderFakes(
                edge,
                qwen,
                cosyvoice,
                elevenlabs,
                enrollment,
                {
                    "OPENTALKING_EDGE_TTS_URL": edge.url,
                    "OPENTALKING_QWEN_TTS_WS_URL": qwen.url,
                    "DASHSCOPE_WEBSOCKET_BASE_URL": cosyvoice.url,
                    "DASHSCOPE_HTTP_BASE_URL": enrollment.base_url,
                    "OPENTALKING_TTS_ELEVENLABS_BASE_URL": servers[3].base_url,
                    "OPENTALKING_TTS_ELEVENLABS_VOICE_ID": "21m00Tcm4TlvDq8ikWAM",
                    "DASHSCOPE_API_KEY": DASHSCOPE_KEY,
                    "OPENTALKING_TTS_ELEVENLABS_API_KEY": ELEVENLABS_KEY,
                    "OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS": "5",
                    "OPENTALKING_CLONE_PROVIDER_TIMEOUT_SECONDS": "2",
                    "OPENTALKING_COSYVOICE_TIMEOUT_SECONDS": "2",
                    "OPENTALKING_COSYVOICE_POLL_INTERVAL_SECONDS": "0.05",
                    "OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS": "1",
                },
            )
        finally:
            for server in servers:
                server.stop()


def build_world(
    fakes: ProviderFakes, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> Iterator[HostileWorld]:
    """The local app and every function's handler wired to the fakes, a fresh bucket and the test's catalog."""
    wiring.set(**fakes.environment)
    bucket = use_fresh_bucket(monkeypatch, wiring, s3_endpoint)
    calls: list[str] = []
    for synthesizer in SYNTHESIZERS:
        spy_on_synthesize(monkeypatch, synthesizer, calls)
    app = create_local_app()
    wiring.attach(app)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield HostileWorld(client, wiring, fakes, s3_endpoint, bucket, calls)


def spy_on_synthesize(monkeypatch: pytest.MonkeyPatch, synthesizer: type[Any], calls: list[str]) -> None:
    """Count every call of the adapter's `synthesize` (the call still happens)."""
    original = synthesizer.synthesize

    def counted(self: Any, *args: Any, **kwargs: Any) -> bytes:
        calls.append(synthesizer.__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(synthesizer, "synthesize", counted)


def moto_endpoint() -> Iterator[str]:
    yield from running_moto_server()


def serialize_conditional_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto's conditional PUT atomic, as S3's is.

    moto checks `If-None-Match: *` and then stores the object in two steps, so two threads of its server can both
    pass the check; S3 itself decides conditional writes atomically (412 or 409 for every loser). One lock around
    moto's put_object restores that, so a test of the claim exercises the service, not moto's race.
    """
    from moto.s3.responses import S3Response

    original = S3Response.put_object
    lock = threading.Lock()

    def atomic_put_object(self: Any) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(S3Response, "put_object", atomic_put_object)


def preview_event(raw_body: bytes, *, content_type: str = "application/json") -> dict[str, Any]:
    """An API Gateway REST proxy event for POST /tts/preview; API Gateway base64-encodes every body (`*/*`)."""
    return api_event("POST", "/tts/preview", raw_body, content_type=content_type)


def api_event(
    method: str,
    path: str,
    raw_body: bytes | None = None,
    *,
    content_type: str | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    headers = {"Accept": "*/*", "Host": "abc123.execute-api.eu-west-1.amazonaws.com", "Origin": "http://localhost:5173"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if raw_body is not None:
        headers["Content-Length"] = str(len(raw_body))
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.10"},
            "path": f"/dev{path}",
            "protocol": "HTTP/1.1",
            "requestId": "req-hostile",
            "resourcePath": resource or path,
            "stage": "dev",
        },
        "body": base64.b64encode(raw_body).decode("ascii") if raw_body is not None else None,
        "isBase64Encoded": raw_body is not None,
    }


def json_bytes(payload: dict[str, Any]) -> bytes:
    """JSON as a hostile client may send it: `ensure_ascii` escapes lone surrogates as `\\udXXX`, valid JSON."""
    return json.dumps(payload, ensure_ascii=True).encode("ascii")


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None, *, charset: str | None = None
) -> tuple[bytes, str]:
    """A multipart body whose text fields are encoded with `charset` (UTF-8 by default, surrogates passed through)."""
    boundary = "hostile-boundary-7d1f"
    parts: list[bytes] = []
    encoding = charset or "utf-8"
    for name, value in fields.items():
        try:
            encoded = value.encode(encoding, errors="surrogatepass")
        except (LookupError, UnicodeEncodeError):
            encoded = value.encode("utf-8", errors="surrogatepass")  # the label lies about the bytes
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + encoded + b"\r\n"
        )
    for name, (filename, content, media_type) in (files or {}).items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {media_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    if charset is not None:
        content_type += f"; charset={charset}"
    return body, content_type
