"""A loopback fake of DashScope's `/services/audio/tts/customization` endpoint (Qwen and CosyVoice enrollment).

It speaks the wire protocol the real SDK uses (JSON envelope `{"model", "parameters", "input"}`, Bearer auth,
`{"output", "usage", "request_id"}` or `{"code", "message", "request_id"}`), checks what a real service would
reject, and records every problem it saw so tests can assert there were none. For CosyVoice it downloads the
presigned sample URL (from moto's HTTP server) exactly as DashScope would.

It keeps the account's voices: Qwen `create`/`list`/`delete` and CosyVoice `create_voice`/`list_voice`/
`query_voice`/`delete_voice` act on them. A CosyVoice voice answers `deploy_statuses` to its queries in turn (the
last one repeats), e.g. `["DEPLOYING"] * 3 + ["OK"]`. Tests can make voices vanish (`vanish`), cap the account
(`voice_quota`), and make one action fail (`failing_actions`). DashScope documents neither its "no such voice" nor
its "quota reached" reply; the shapes used here (`NOT_FOUND_REPLY`, `QUOTA_REPLY`) are assumptions that the
adapters' patterns must recognise.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CUSTOMIZATION_PATH = "/api/v1/services/audio/tts/customization"
QWEN_MODEL = "qwen-voice-enrollment"
COSYVOICE_MODEL = "voice-enrollment"
DATA_URI_PREFIX = "data:audio/wav;base64,"
# The failure modes a test can switch on.
OK, ERROR_JSON, SERVER_ERROR, SLOW = "ok", "error_json", "server_error", "slow"
NOT_FOUND_REPLY = {"code": "InvalidParameter", "message": "Voice does not exist."}
QUOTA_REPLY = {"code": "Audio.VoiceLimitExceeded", "message": "Voice quota exceeded: the account holds the maximum."}


def provider_time(moment: datetime) -> str:
    """DashScope's `gmt_create` format (no offset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class FakeVoice:
    model: str  # QWEN_MODEL or COSYVOICE_MODEL: which enrollment created it
    voice_id: str
    target_model: str
    statuses: list[str]
    gmt_create: str

    def status(self, *, consume: bool) -> str:
        if consume and len(self.statuses) > 1:
            return self.statuses.pop(0)
        return self.statuses[0]


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
    # The account's voices by id (created ones and those a test adds).
    voices: dict[str, FakeVoice] = field(default_factory=dict)
    deleted_voices: list[str] = field(default_factory=list)
    voice_quota: int | None = None
    # action (e.g. "delete_voice", "list") -> ERROR_JSON, SERVER_ERROR or SLOW, for that action only.
    failing_actions: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Where to listen, and the origin presigned sample URLs must have. The sam local suite listens on all interfaces
    # (functions reach the fake from their containers) and gets URLs on host.containers.internal.
    bind_host: str = "127.0.0.1"
    sample_url_prefix: str = "http://127.0.0.1:"
    # Host names the fake resolves itself when downloading a sample (the Host header, which is signed, is kept).
    resolve: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._voice_numbers = 0
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

    def add_voice(
        self, model: str, voice_id: str, target_model: str, *, statuses: list[str] | None = None, age_seconds: float = 0
    ) -> None:
        """A voice the account holds without this test having created it through the service."""
        created = datetime.fromtimestamp(self.clock().timestamp() - age_seconds, UTC)
        with self._lock:
            statuses = list(statuses or ["OK"])
            self.voices[voice_id] = FakeVoice(model, voice_id, target_model, statuses, provider_time(created))

    def vanish(self, voice_id: str) -> None:
        """The provider drops the voice on its own (DashScope takes voices unused for a year offline)."""
        with self._lock:
            del self.voices[voice_id]

    def action_count(self, action: str) -> int:
        with self._lock:
            return sum(1 for envelope in self.requests if envelope.get("input", {}).get("action") == action)

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
        mode = self.failing_actions.get(str(envelope.get("input", {}).get("action")), self.mode)
        if mode == SLOW:
            self._stop.wait(self.slow_seconds)
            if self._stop.is_set():
                return 0, None
        if mode == SERVER_ERROR:
            return 500, b"upstream exploded"
        if mode == ERROR_JSON:
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

    def _listing(self, model: str, task_input: dict[str, Any]) -> list[FakeVoice]:
        page_index, page_size = task_input.get("page_index", 0), task_input.get("page_size", 10)
        if not (isinstance(page_index, int) and isinstance(page_size, int) and page_index >= 0 and page_size >= 1):
            self._problem(f"bad paging {page_index!r}/{page_size!r}")
            return []
        with self._lock:
            mine = [voice for voice in self.voices.values() if voice.model == model]
        return mine[page_index * page_size : (page_index + 1) * page_size]

    def _delete(self, model: str, voice_id: object, request_id: str) -> tuple[int, Any] | None:
        """Delete a voice; an error reply when there is no such voice (None when deleted)."""
        with self._lock:
            voice = self.voices.get(str(voice_id))
            if voice is None or voice.model != model:
                return 400, {**NOT_FOUND_REPLY, "request_id": request_id}
            del self.voices[voice.voice_id]
            self.deleted_voices.append(voice.voice_id)
        return None

    def _quota_reached(self) -> bool:
        with self._lock:
            return self.voice_quota is not None and len(self.voices) >= self.voice_quota

    def _register(self, model: str, voice_id: str, target_model: str, statuses: list[str]) -> None:
        with self._lock:
            self.created_voices.append(voice_id)
            self.voices[voice_id] = FakeVoice(model, voice_id, target_model, statuses, provider_time(self.clock()))

    def _next_number(self) -> int:
        with self._lock:
            self._voice_numbers += 1
            return self._voice_numbers

    def _qwen(self, task_input: dict[str, Any], request_id: str) -> tuple[int, Any]:
        action = task_input.get("action")
        if action == "list":
            items = [
                {
                    "voice": voice.voice_id,
                    "target_model": voice.target_model,
                    "language": "en",
                    "gmt_create": voice.gmt_create,
                    "gmt_modified": voice.gmt_create,
                }
                for voice in self._listing(QWEN_MODEL, task_input)
            ]
            output = {"page_index": task_input.get("page_index"), "page_size": task_input.get("page_size")}
            with self._lock:
                output["total_count"] = sum(1 for voice in self.voices.values() if voice.model == QWEN_MODEL)
            return 200, {"output": {**output, "voice_list": items}, "usage": {"count": 0}, "request_id": request_id}
        if action == "delete":
            refused = self._delete(QWEN_MODEL, task_input.get("voice"), request_id)
            if refused is not None:
                return refused
            return 200, {"output": {"voice": task_input.get("voice")}, "usage": {}, "request_id": request_id}
        if action == "create" and self._quota_reached():
            return 400, {**QUOTA_REPLY, "request_id": request_id}
        checks = {
            "action is create": action == "create",
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
        voice = f"qwen-tts-vc-{task_input['preferred_name']}-voice-{self._next_number():04d}"
        self._register(QWEN_MODEL, voice, str(task_input["target_model"]), ["OK"])
        return 200, {
            "output": {"voice": voice, "target_model": task_input["target_model"]},
            "usage": {"count": 1},
            "request_id": request_id,
        }

    def _cosyvoice(self, task_input: dict[str, Any], request_id: str) -> tuple[int, Any]:
        action = task_input.get("action")
        if action == "query_voice":
            with self._lock:
                voice = self.voices.get(str(task_input.get("voice_id")))
                status = voice.status(consume=True) if voice is not None and voice.model == COSYVOICE_MODEL else None
            if voice is None or status is None:
                return 400, {**NOT_FOUND_REPLY, "request_id": request_id}
            output = {
                "status": status,
                "target_model": voice.target_model,
                "resource_link": "",
                "gmt_create": voice.gmt_create,
                "gmt_modified": voice.gmt_create,
            }
            return 200, {"output": output, "usage": {}, "request_id": request_id}
        if action == "list_voice":
            # _listing takes the lock itself; reading a status without consuming it needs none.
            items = [
                {
                    "voice_id": voice.voice_id,
                    "gmt_create": voice.gmt_create,
                    "gmt_modified": voice.gmt_create,
                    "status": voice.status(consume=False),
                }
                for voice in self._listing(COSYVOICE_MODEL, task_input)
            ]
            return 200, {"output": {"voice_list": items}, "usage": {}, "request_id": request_id}
        if action == "delete_voice":
            refused = self._delete(COSYVOICE_MODEL, task_input.get("voice_id"), request_id)
            return refused or (200, {"output": {}, "usage": {}, "request_id": request_id})
        if action == "create_voice" and self._quota_reached():
            return 400, {**QUOTA_REPLY, "request_id": request_id}
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
        voice_id = f"{task_input['target_model']}-{task_input['prefix']}-{self._next_number():04d}"
        self._register(COSYVOICE_MODEL, voice_id, str(task_input["target_model"]), list(self.deploy_statuses))
        return 200, {"output": {"voice_id": voice_id}, "usage": {"count": 1}, "request_id": request_id}

    def _sample_request(self, url: str) -> urllib.request.Request:
        parts = urllib.parse.urlsplit(url)
        address = self.resolve.get(parts.hostname or "")
        if address is None:
            return urllib.request.Request(url)
        netloc = f"{address}:{parts.port}" if parts.port else address
        return urllib.request.Request(parts._replace(netloc=netloc).geturl(), headers={"Host": parts.netloc})
