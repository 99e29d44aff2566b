"""A loopback fake of DashScope's `/services/audio/tts/customization` endpoint (Qwen and CosyVoice enrollment).

It speaks the wire protocol the real SDK uses (JSON envelope `{"model", "parameters", "input"}`, Bearer auth,
`{"output", "usage", "request_id"}` or `{"code", "message", "request_id"}`), checks what a real service would
reject, and records every problem it saw so tests can assert there were none. For CosyVoice it downloads the
presigned sample URL (from moto's HTTP server) exactly as DashScope would.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import urllib.parse
import urllib.request
import wave
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CUSTOMIZATION_PATH = "/api/v1/services/audio/tts/customization"
QWEN_MODEL = "qwen-voice-enrollment"
COSYVOICE_MODEL = "voice-enrollment"
DATA_URI_PREFIX = "data:audio/wav;base64,"
# The failure modes a test can switch on.
OK, ERROR_JSON, SERVER_ERROR, SLOW = "ok", "error_json", "server_error", "slow"


@dataclass(frozen=True)
class WavFormat:
    sample_rate: int
    channels: int
    sample_width: int
    frames: int


def describe_wav(data: bytes) -> WavFormat:
    """Parse a RIFF/WAVE file (raises wave.Error / EOFError when it is not one)."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        return WavFormat(reader.getframerate(), reader.getnchannels(), reader.getsampwidth(), reader.getnframes())


def is_clone_wav(data: bytes) -> bool:
    try:
        wav = describe_wav(data)
    except (wave.Error, EOFError):
        return False
    return (wav.sample_rate, wav.channels, wav.sample_width) == (24_000, 1, 2) and wav.frames > 0


@dataclass
class FakeDashScopeEnrollment:
    """Run with `with FakeDashScopeEnrollment() as fake:`; point the SDK at `fake.base_url`."""

    api_key: str = "sk-test-enrollment"
    mode: str = OK
    slow_seconds: float = 5.0
    # query_voice answers these statuses in turn (the last one repeats).
    deploy_statuses: list[str] = field(default_factory=lambda: ["OK"])
    requests: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fetched_samples: list[bytes] = field(default_factory=list)
    created_voices: list[str] = field(default_factory=list)
    # Where to listen, and the origin presigned sample URLs must have. The sam local suite listens on all interfaces
    # (functions reach the fake from their containers) and gets URLs on host.containers.internal.
    bind_host: str = "127.0.0.1"
    sample_url_prefix: str = "http://127.0.0.1:"
    # Host names the fake resolves itself when downloading a sample (the Host header, which is signed, is kept).
    resolve: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v1"

    def __enter__(self) -> FakeDashScopeEnrollment:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, body = fake._handle(
                    self.path, dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))
                )
                if status == 0:
                    return  # slow mode gave up because the fake is shutting down
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.bind_host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        request_id = f"req-{len(self.requests) + 1}"
        if path != CUSTOMIZATION_PATH:
            self._problem(f"unexpected path {path}")
            return 404, {"code": "NotFound", "message": "No such path.", "request_id": request_id}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            self._problem("missing or wrong Authorization header")
            return 401, {"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": request_id}
        envelope = json.loads(raw)
        with self._lock:
            self.requests.append(envelope)
        if self.mode == SLOW:
            self._stop.wait(self.slow_seconds)
            if self._stop.is_set():
                return 0, None
        if self.mode == SERVER_ERROR:
            return 500, b"upstream exploded"
        if self.mode == ERROR_JSON:
            return 400, {
                "code": "Audio.PreprocessError",
                "message": "No clean speech was found in the audio.",
                "request_id": request_id,
            }
        model, task_input = envelope.get("model"), envelope.get("input", {})
        if model == QWEN_MODEL:
            return self._qwen(task_input, request_id)
        if model == COSYVOICE_MODEL:
            return self._cosyvoice(task_input, request_id)
        self._problem(f"unexpected model {model!r}")
        return 400, {"code": "InvalidParameter", "message": "Model not found.", "request_id": request_id}

    def _qwen(self, task_input: dict[str, Any], request_id: str) -> tuple[int, Any]:
        checks = {
            "action is create": task_input.get("action") == "create",
            "target_model given": bool(task_input.get("target_model")),
            "preferred_name valid": bool(re.fullmatch(r"[A-Za-z0-9_]{1,16}", str(task_input.get("preferred_name")))),
        }
        data_uri = str(task_input.get("audio", {}).get("data", ""))
        sample = base64.b64decode(data_uri[len(DATA_URI_PREFIX) :]) if data_uri.startswith(DATA_URI_PREFIX) else b""
        checks["audio is a 24 kHz mono 16-bit WAV data URI"] = is_clone_wav(sample)
        failed = [name for name, passed in checks.items() if not passed]
        if failed:
            self._problem(f"qwen create: {', '.join(failed)}")
            return 400, {"code": "InvalidParameter", "message": "; ".join(failed), "request_id": request_id}
        with self._lock:
            self.fetched_samples.append(sample)
            voice = f"qwen-tts-vc-{task_input['preferred_name']}-voice-{len(self.created_voices) + 1:04d}"
            self.created_voices.append(voice)
        return 200, {
            "output": {"voice": voice, "target_model": task_input["target_model"]},
            "usage": {"count": 1},
            "request_id": request_id,
        }

    def _cosyvoice(self, task_input: dict[str, Any], request_id: str) -> tuple[int, Any]:
        action = task_input.get("action")
        if action == "query_voice":
            with self._lock:
                status = self.deploy_statuses.pop(0) if len(self.deploy_statuses) > 1 else self.deploy_statuses[0]
            output = {"status": status, "target_model": "cosyvoice-v2", "resource_link": "", "gmt_create": ""}
            return 200, {"output": output, "usage": {}, "request_id": request_id}
        if action != "create_voice":
            self._problem(f"unexpected cosyvoice action {action!r}")
            return 400, {"code": "InvalidParameter", "message": "Unknown action.", "request_id": request_id}
        checks = {
            "target_model given": bool(task_input.get("target_model")),
            "prefix valid": bool(re.fullmatch(r"[a-z0-9]{1,9}", str(task_input.get("prefix")))),
        }
        sample = b""
        url = str(task_input.get("url", ""))
        checks["url is a loopback presigned SigV4 GET"] = (
            url.startswith(self.sample_url_prefix) and "X-Amz-Signature=" in url
        )
        if checks["url is a loopback presigned SigV4 GET"]:
            with urllib.request.urlopen(self._sample_request(url), timeout=5) as response:
                sample = response.read()
        checks["sample is a 24 kHz mono 16-bit WAV"] = is_clone_wav(sample)
        failed = [name for name, passed in checks.items() if not passed]
        if failed:
            self._problem(f"cosyvoice create_voice: {', '.join(failed)}")
            return 400, {"code": "InvalidParameter", "message": "; ".join(failed), "request_id": request_id}
        with self._lock:
            self.fetched_samples.append(sample)
            voice_id = f"{task_input['target_model']}-{task_input['prefix']}-{len(self.created_voices) + 1:04d}"
            self.created_voices.append(voice_id)
        return 200, {"output": {"voice_id": voice_id}, "usage": {"count": 1}, "request_id": request_id}

    def _sample_request(self, url: str) -> urllib.request.Request:
        parts = urllib.parse.urlsplit(url)
        address = self.resolve.get(parts.hostname or "")
        if address is None:
            return urllib.request.Request(url)
        netloc = f"{address}:{parts.port}" if parts.port else address
        return urllib.request.Request(parts._replace(netloc=netloc).geturl(), headers={"Host": parts.netloc})
