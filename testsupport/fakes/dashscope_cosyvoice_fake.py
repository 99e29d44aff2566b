"""A loopback fake of DashScope's CosyVoice duplex websocket (run-task / continue-task / finish-task)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import WSMsgType, web

from testsupport.fakes.tts_loopback import INSTANT, LoopbackServer, Pacing, tone_pcm16

CosyVoiceMode = Literal[
    "ok",
    "task_failed_start",
    "task_failed_mid",
    "http_401",
    "http_503",
    "close_mid_stream",
    "stall",
    "no_audio",
    "garbage_frames",
]
AUDIO_SECONDS = 1.0
API_KEY = "sk-cosy-test-key-0123456789"


@dataclass
class CosyVoiceCall:
    authorization: str | None
    model: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    actions: list[str] = field(default_factory=list)


@dataclass
class CosyVoiceFake:
    mode: CosyVoiceMode = "ok"
    calls: list[CosyVoiceCall] = field(default_factory=list)
    server: LoopbackServer | None = None
    # How much tone every successful reply carries (the benchmark asks for a 200-character text's worth).
    audio_seconds: float = AUDIO_SECONDS
    pacing: Pacing = INSTANT
    # The key the fake accepts (DashScope uses one key for every service).
    api_key: str = API_KEY

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_get("/api-ws/v1/inference", self._inference)
        application.router.add_get("/api-ws/v1/inference/", self._inference)
        return application

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.server.ws_base_url}/api-ws/v1/inference"

    async def _inference(self, request: web.Request) -> web.StreamResponse:
        call = CosyVoiceCall(authorization=request.headers.get("Authorization"))
        self.calls.append(call)
        if self.mode == "http_503":
            return web.Response(status=503, text="<html>Service Temporarily Unavailable</html>")
        if self.mode == "http_401" or call.authorization != f"Bearer {self.api_key}":
            return web.json_response({"code": "InvalidApiKey", "message": "Invalid API-key provided."}, status=401)
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            command = json.loads(message.data)
            action, task_id = command["header"]["action"], command["header"]["task_id"]
            call.actions.append(action)
            if action == "run-task":
                call.model = command["payload"]["model"]
                call.parameters = command["payload"]["parameters"]
                if self.mode == "task_failed_start":
                    await socket.send_json(_failed(task_id, "InvalidParameter", "Voice not found."))
                    continue
                await socket.send_json(_event(task_id, "task-started"))
            elif action == "continue-task":
                call.text += command["payload"]["input"].get("text", "")
            elif action == "finish-task":
                await self._respond(socket, task_id, call)
                break
        return socket

    async def _respond(self, socket: web.WebSocketResponse, task_id: str, call: CosyVoiceCall) -> None:
        if self.mode == "stall":
            assert self.server is not None
            await self.server.stall()
            return
        if self.mode == "garbage_frames":
            # Not JSON, JSON without a header, an event for another task, then the connection ends.
            await socket.send_str("\x00\x01 this is not json {")
            await socket.send_json({"payload": {"output": 42}})
            await socket.send_json(_event("some-other-task", "task-finished"))
            await socket.close()
            return
        rate = int(call.parameters["sample_rate"])
        audio = b"" if self.mode == "no_audio" else tone_pcm16(self.audio_seconds, rate)
        clock = self.pacing.clock(2 * rate)
        for start in range(0, len(audio), 6400):
            await clock.before(audio[start : start + 6400])
            await socket.send_json(_event(task_id, "result-generated", {"output": {"type": "sentence-synthesis"}}))
            await socket.send_bytes(audio[start : start + 6400])
            if self.mode == "close_mid_stream":
                await socket.close()
                return
            if self.mode == "task_failed_mid":
                await socket.send_json(_failed(task_id, "InternalError", "Synthesis engine crashed."))
                return
        await socket.send_json(_event(task_id, "task-finished", {"output": {}, "usage": {"characters": 5}}))
        await socket.close()


def _event(task_id: str, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"header": {"task_id": task_id, "event": event, "attributes": {}}, "payload": payload or {}}


def _failed(task_id: str, code: str, message: str) -> dict[str, Any]:
    header = {"task_id": task_id, "event": "task-failed", "error_code": code, "error_message": message}
    return {"header": {**header, "attributes": {}}, "payload": {}}
