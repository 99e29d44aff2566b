"""A loopback fake of DashScope's Qwen realtime TTS websocket (session.update → append → finish → audio events)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import WSMsgType, web

from testsupport.fakes.tts_loopback import INSTANT, LoopbackServer, Pacing, tone_pcm16

QwenMode = Literal[
    "ok", "error_event", "http_401", "http_503", "close_mid_stream", "stall", "no_audio", "garbage_frames"
]
AUDIO_SECONDS = 1.0
QWEN_RATE = 24000
API_KEY = "sk-qwen-test-key-0123456789"


@dataclass
class QwenCall:
    model: str | None
    authorization: str | None
    session: dict[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass
class QwenRealtimeFake:
    mode: QwenMode = "ok"
    calls: list[QwenCall] = field(default_factory=list)
    server: LoopbackServer | None = None
    # How much tone every successful reply carries (the benchmark asks for a 200-character text's worth).
    audio_seconds: float = AUDIO_SECONDS
    pacing: Pacing = INSTANT
    # The key the fake accepts (DashScope uses one key for every service).
    api_key: str = API_KEY

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_get("/api-ws/v1/realtime", self._realtime)
        return application

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.server.ws_base_url}/api-ws/v1/realtime"

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        call = QwenCall(model=request.query.get("model"), authorization=request.headers.get("Authorization"))
        self.calls.append(call)
        if self.mode == "http_503":
            return web.Response(status=503, text="<html>Service Temporarily Unavailable</html>")
        if self.mode == "http_401" or call.authorization != f"Bearer {self.api_key}":
            return web.json_response({"code": "InvalidApiKey", "message": "Invalid API-key provided."}, status=401)
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "session.created", "session": {"id": "sess_1", "model": call.model}})
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            event = json.loads(message.data)
            kind = event.get("type")
            if kind == "session.update":
                call.session = event["session"]
                if self.mode == "error_event":
                    await socket.send_json(_error("invalid_value", f"Voice {call.session.get('voice')} not found."))
                    continue
                await socket.send_json({"type": "session.updated", "session": call.session})
            elif kind == "input_text_buffer.append":
                call.text += event["text"]
            elif kind == "session.finish":
                await self._respond(socket)
                break
        return socket

    async def _respond(self, socket: web.WebSocketResponse) -> None:
        if self.mode == "stall":
            assert self.server is not None
            await self.server.stall()
            return
        await socket.send_json({"type": "response.created", "response": {"id": "resp_1"}})
        if self.mode == "garbage_frames":
            # Not JSON, binary where only text is spoken, JSON of the wrong shape, then the connection ends.
            await socket.send_str("\x00\x01 this is not json {")
            await socket.send_bytes(bytes(range(256)))
            await socket.send_json(["response.audio.delta", 42])
            await socket.send_json({"type": "response.audio.delta", "delta": 12345})
            await socket.close()
            return
        audio = b"" if self.mode == "no_audio" else tone_pcm16(self.audio_seconds, QWEN_RATE)
        clock = self.pacing.clock(2 * QWEN_RATE)
        for start in range(0, len(audio), 9600):
            await clock.before(audio[start : start + 9600])
            delta = base64.b64encode(audio[start : start + 9600]).decode()
            await socket.send_json({"type": "response.audio.delta", "response_id": "resp_1", "delta": delta})
            if self.mode == "close_mid_stream":
                await socket.close()
                return
        await socket.send_json({"type": "response.audio.done", "response_id": "resp_1"})
        await socket.send_json({"type": "response.done", "response": {"id": "resp_1", "status": "completed"}})
        await socket.send_json({"type": "session.finished"})
        await socket.close()


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": "invalid_request_error", "code": code, "message": message}}
