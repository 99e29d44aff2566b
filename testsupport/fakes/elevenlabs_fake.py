"""A loopback fake of the ElevenLabs text-to-speech stream endpoint, as the elevenlabs SDK 2.x calls it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from testsupport.fakes.tts_loopback import INSTANT, LoopbackServer, Pacing, tone_pcm16

ElevenLabsMode = Literal[
    "ok", "http_401", "http_500_html", "http_422", "close_mid_stream", "stall", "no_audio", "garbage_chunks"
]
AUDIO_SECONDS = 1.0
API_KEY = "el-test-key-0123456789"


@dataclass
class ElevenLabsCall:
    voice_id: str
    output_format: str | None
    api_key: str | None
    body: dict[str, Any]


@dataclass
class ElevenLabsFake:
    mode: ElevenLabsMode = "ok"
    calls: list[ElevenLabsCall] = field(default_factory=list)
    server: LoopbackServer | None = None
    # How much tone every successful reply carries (the benchmark asks for a 200-character text's worth).
    audio_seconds: float = AUDIO_SECONDS
    pacing: Pacing = INSTANT

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_post("/v1/text-to-speech/{voice_id}/stream", self._stream)
        return application

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        call = ElevenLabsCall(
            voice_id=request.match_info["voice_id"],
            output_format=request.query.get("output_format"),
            api_key=request.headers.get("xi-api-key"),
            body=await request.json(),
        )
        self.calls.append(call)
        if call.api_key != API_KEY or self.mode == "http_401":
            return web.json_response(
                {"detail": {"status": "invalid_api_key", "message": f"Invalid API key: {call.api_key}"}}, status=401
            )
        if self.mode == "http_500_html":
            return web.Response(
                status=500, text="<html><body>Internal Server Error</body></html>", content_type="text/html"
            )
        if self.mode == "http_422":
            return web.json_response({"detail": [{"loc": ["body", "text"], "msg": "field required"}]}, status=422)
        output_format = call.output_format or "mp3_44100_128"
        if not output_format.startswith("pcm_"):
            return web.json_response({"detail": {"status": "invalid_format", "message": "fake speaks PCM only"}}, 400)
        audio = (
            b"" if self.mode == "no_audio" else tone_pcm16(self.audio_seconds, int(output_format.removeprefix("pcm_")))
        )
        response = web.StreamResponse(headers={"Content-Type": "audio/pcm"})
        if self.mode == "close_mid_stream":
            response.content_length = len(audio)  # promise everything, then send half and hang up
        await response.prepare(request)
        if self.mode == "stall":
            await response.write(audio[:1024])
            assert self.server is not None
            await self.server.stall()
            return response
        if self.mode == "garbage_chunks":
            # Chunked transfer encoding broken under the client: bytes that are no chunk-size line.
            await response.write(audio[:1024])
            assert request.transport is not None
            request.transport.write(b"zz-not-a-chunk-size\r\n\x00\x01garbage\r\n")
            request.transport.close()
            return response
        if self.mode == "close_mid_stream":
            await response.write(audio[: len(audio) // 2])
            assert request.transport is not None
            request.transport.close()
            return response
        clock = self.pacing.clock(2 * int(output_format.removeprefix("pcm_")))
        for start in range(0, len(audio), 4096):
            await clock.before(audio[start : start + 4096])
            await response.write(audio[start : start + 4096])
        await response.write_eof()
        return response
