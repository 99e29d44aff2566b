"""The `openai` SDK pointed at this service two ways, every provider fake at once, and decoders for its answers.

- `LambdaTransport`: an httpx transport that turns each SDK request into an API Gateway REST proxy event (from
  `events/`) for a function's `lambda_handler`, and its result back into an HTTP response, as API Gateway does.
- `serve_local_app()`: `make run`'s app under uvicorn on a loopback port.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from testsupport.apigw import FakeLambdaContext, load_event
from testsupport.fakes.dashscope_cosyvoice_fake import CosyVoiceFake
from testsupport.fakes.dashscope_qwen_fake import API_KEY as DASHSCOPE_KEY
from testsupport.fakes.dashscope_qwen_fake import QwenRealtimeFake
from testsupport.fakes.edge_fake import EdgeFake
from testsupport.fakes.elevenlabs_fake import API_KEY as ELEVENLABS_KEY
from testsupport.fakes.elevenlabs_fake import ElevenLabsFake
from testsupport.fakes.tts_loopback import LoopbackServer
from testsupport.wiring import FunctionWiring

OPENAI_SAMPLE_RATE = 24_000
PROVIDERS_WITH_FAKES = ("edge", "dashscope", "cosyvoice", "elevenlabs")


class LambdaTransport(httpx.BaseTransport):
    """Sends each request through `handler` as API Gateway would (REST proxy event, `*/*` binary media type)."""

    def __init__(self, handler: Any, base_event: str = "openai_models") -> None:
        self._handler = handler
        self._base_event = base_event
        self.events: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        event = load_event(self._base_event)
        path = request.url.path
        event["httpMethod"] = request.method
        event["path"] = path
        event["resource"] = path
        event["requestContext"]["httpMethod"] = request.method
        event["requestContext"]["path"] = f"/Prod{path}"
        event["requestContext"]["resourcePath"] = path
        event["headers"] = dict(request.headers.items())
        event["multiValueHeaders"] = {name: [value] for name, value in request.headers.items()}
        query = dict(request.url.params)
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()} or None
        body = request.read()
        # The API lists `*/*` as binary, so API Gateway hands every request body over base64-encoded.
        event["body"] = base64.b64encode(body).decode("ascii") if body else None
        event["isBase64Encoded"] = bool(body)
        self.events.append(event)
        result = self._handler(event, FakeLambdaContext())
        headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(values)
        raw = result.get("body") or ""
        content = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        headers.pop("content-length", None)
        return httpx.Response(result["statusCode"], headers=headers, content=content, request=request)


@contextmanager
def serve_local_app(app: FastAPI) -> Iterator[str]:
    """`app` (`make run`'s, from `functions.local_api.create_local_app`) under uvicorn on 127.0.0.1; yields its URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="local-app", daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started, "uvicorn did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class ProviderFakes:
    edge: EdgeFake
    qwen: QwenRealtimeFake
    cosyvoice: CosyVoiceFake
    elevenlabs: ElevenLabsFake


@contextmanager
def all_provider_fakes(wiring: FunctionWiring) -> Iterator[ProviderFakes]:
    """Every networked provider's loopback fake, with the service's settings pointed at it."""
    # DashScope uses one key for Qwen and CosyVoice: both fakes accept the same one.
    fakes = ProviderFakes(
        edge=EdgeFake(),
        qwen=QwenRealtimeFake(),
        cosyvoice=CosyVoiceFake(api_key=DASHSCOPE_KEY),
        elevenlabs=ElevenLabsFake(),
    )
    started: list[LoopbackServer] = []
    try:
        for fake in (fakes.edge, fakes.qwen, fakes.cosyvoice, fakes.elevenlabs):
            fake.server = LoopbackServer(fake.app).start()
            started.append(fake.server)
        assert fakes.elevenlabs.server is not None
        wiring.set(
            OPENTALKING_EDGE_TTS_URL=fakes.edge.url,
            OPENTALKING_EDGE_VOICE_LIST_URL=fakes.edge.voice_list_url,
            OPENTALKING_QWEN_TTS_WS_URL=fakes.qwen.url,
            DASHSCOPE_WEBSOCKET_BASE_URL=fakes.cosyvoice.url,
            DASHSCOPE_API_KEY=DASHSCOPE_KEY,
            OPENTALKING_TTS_ELEVENLABS_BASE_URL=fakes.elevenlabs.server.base_url,
            OPENTALKING_TTS_ELEVENLABS_API_KEY=ELEVENLABS_KEY,
            OPENTALKING_TTS_ELEVENLABS_VOICE_ID="DefaultVoice01",
        )
        yield fakes
    finally:
        for server in started:
            server.stop()
        from edge_tts.drm import DRM

        DRM.clock_skew_seconds = 0.0


@dataclass(frozen=True)
class DecodedAudio:
    sample_rate: int
    channels: int
    seconds: float


def decode(audio_format: str, data: bytes) -> DecodedAudio:
    """Decode an answer with libsndfile (ffmpeg for ADTS AAC, which libsndfile cannot read); pcm is raw."""
    import soundfile

    if audio_format == "pcm":
        assert len(data) % 2 == 0, "16-bit PCM has an even length"
        return DecodedAudio(OPENAI_SAMPLE_RATE, 1, len(data) / 2 / OPENAI_SAMPLE_RATE)
    if audio_format == "aac":
        data = _ffmpeg_to_wav(data, "aac")
    with soundfile.SoundFile(io.BytesIO(data)) as clip:
        frames = clip.frames if clip.frames > 0 else len(clip.read(dtype="int16"))
        return DecodedAudio(clip.samplerate, clip.channels, frames / clip.samplerate)


def _ffmpeg_to_wav(data: bytes, demuxer: str) -> bytes:
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", demuxer, "-i", "pipe:0", "-f", "wav", "pipe:1"]
    done = subprocess.run(command, input=data, capture_output=True, timeout=30, check=True)
    return done.stdout


def parse_sse_like_livekit(body: str) -> tuple[bytes, list[dict[str, Any]]]:
    """Parse a speech SSE answer the way LiveKit's OpenAI plugin does: `data: ` lines, JSON with `type`, audio in
    `audio` (or `delta`), `[DONE]` tolerated; returns the joined audio and every event."""
    audio = bytearray()
    events: list[dict[str, Any]] = []
    for line in body.splitlines():
        line = line.strip()
        if not line.startswith("data: "):
            continue
        payload = line[len("data: ") :]
        if payload == "[DONE]":
            break
        event = json.loads(payload)
        events.append(event)
        if event.get("type") == "speech.audio.delta":
            audio += base64.b64decode(event.get("audio") or event.get("delta") or "")
        elif event.get("type") == "speech.audio.done":
            break
    return bytes(audio), events
