"""A loopback fake of the Edge read-aloud websocket, speaking the framing edge-tts 7.3 parses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import WSMsgType, web

from testsupport.fakes.tts_loopback import INSTANT, LoopbackServer, Pacing, tone_mp3

EdgeMode = Literal[
    "ok",
    "http_403",
    "http_503",
    "close_before_audio",
    "close_mid_audio",
    "stall",
    "no_audio",
    "not_mp3",
    "garbage_frames",
]
AUDIO_SECONDS = 1.0
EDGE_RATE = 24000
# MP3 bytes per binary frame (Edge sends a few hundred milliseconds of audio per frame).
EDGE_FRAME_BYTES = 1024
SEC_MS_GEC = re.compile(r"^[0-9A-F]{16}-[0-9A-F]{64}$")
VOICE_IN_SSML = re.compile(r"<voice name='([^']*)'>")
VoiceListMode = Literal["ok", "http_403", "stall"]
# What Edge's voice list returns per voice (a few of its ~400), in the fields edge-tts's `list_voices` passes on.
VOICE_LIST = [
    {
        "Name": f"Microsoft Server Speech Text to Speech Voice ({locale}, {name})",
        "ShortName": f"{locale}-{name}",
        "Gender": gender,
        "Locale": locale,
        "SuggestedCodec": "audio-24khz-48kbitrate-mono-mp3",
        "FriendlyName": f"Microsoft {name.removesuffix('Neural')} Online (Natural) - {language}",
        "Status": "GA",
        "VoiceTag": {"ContentCategories": ["General"], "VoicePersonalities": ["Friendly"]},
    }
    for locale, name, gender, language in (
        ("en-US", "AriaNeural", "Female", "English (United States)"),
        ("en-US", "GuyNeural", "Male", "English (United States)"),
        ("en-GB", "RyanNeural", "Male", "English (United Kingdom)"),
        ("zh-CN", "XiaoxiaoNeural", "Female", "Chinese (Mainland)"),
        ("zh-CN", "YunxiNeural", "Male", "Chinese (Mainland)"),
        ("zh-CN-liaoning", "XiaobeiNeural", "Female", "Chinese (Northeastern Mandarin)"),
    )
]


@dataclass
class EdgeCall:
    query: dict[str, str]
    origin: str | None
    output_format: str | None = None
    voice: str | None = None
    ssml: str | None = None


@dataclass
class EdgeFake:
    """Set `mode` before the request; read `calls` afterwards."""

    mode: EdgeMode = "ok"
    calls: list[EdgeCall] = field(default_factory=list)
    server: LoopbackServer | None = None
    # How much tone every successful reply carries (the benchmark asks for a 200-character text's worth).
    audio_seconds: float = AUDIO_SECONDS
    voice_list_mode: VoiceListMode = "ok"
    voice_list_queries: list[dict[str, str]] = field(default_factory=list)
    pacing: Pacing = INSTANT

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_get("/edge/v1", self._synthesize)
        application.router.add_get("/edge/voices/list", self._voice_list)
        return application

    @property
    def voice_list_url(self) -> str:
        """OPENTALKING_EDGE_VOICE_LIST_URL: edge-tts appends `&Sec-MS-GEC=...`, so the query is already open."""
        assert self.server is not None
        return f"{self.server.base_url}/edge/voices/list?trustedclienttoken=fake-token"

    async def _voice_list(self, request: web.Request) -> web.StreamResponse:
        """Edge's voice list, in its JSON shape (edge-tts reads ShortName, Gender, Locale, FriendlyName). It fails
        with `voice_list_mode`, and with the whole service when `mode` is http_503."""
        self.voice_list_queries.append(dict(request.query))
        if self.mode == "http_503":
            return web.Response(status=503, text="Service Unavailable")
        if self.voice_list_mode == "http_403":
            return web.Response(status=403, text="Forbidden")
        if self.voice_list_mode == "stall":
            assert self.server is not None
            await self.server.stall()
        return web.json_response(VOICE_LIST)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.server.ws_base_url}/edge/v1?TrustedClientToken=fake-token"

    async def _synthesize(self, request: web.Request) -> web.StreamResponse:
        call = EdgeCall(query=dict(request.query), origin=request.headers.get("Origin"))
        self.calls.append(call)
        if self.mode == "http_403":
            return web.Response(status=403, text="Forbidden")
        if self.mode == "http_503":
            return web.Response(status=503, text="Service Unavailable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            if "Path:speech.config" in message.data:
                found = re.search(r'"outputFormat":"([^"]+)"', message.data)
                call.output_format = found.group(1) if found else None
            if "Path:ssml" in message.data:
                call.ssml = message.data
                voice = VOICE_IN_SSML.search(message.data)
                call.voice = voice.group(1) if voice else None
                break
        if self.mode == "stall":
            assert self.server is not None
            await self.server.stall()
            return socket
        await socket.send_str(_text_frame("turn.start", "{}"))
        if self.mode == "close_before_audio":
            await socket.close()
            return socket
        if self.mode == "garbage_frames":
            # A binary frame whose 2-byte header length points past its end, then one without any header.
            await socket.send_bytes(b"\x7f\xff" + b"Path:audio\r\n")
            await socket.send_bytes(b"\x00\x00" + bytes(64))
            await socket.close()
            return socket
        if self.mode != "no_audio":
            audio = b"<html>busy</html>" * 64 if self.mode == "not_mp3" else tone_mp3(self.audio_seconds, EDGE_RATE)
            # Paced by the clip's own byte rate (the encoder's bit rate varies with the content).
            clock = self.pacing.clock(len(audio) / self.audio_seconds)
            for start in range(0, len(audio), EDGE_FRAME_BYTES):
                await clock.before(audio[start : start + EDGE_FRAME_BYTES])
                await socket.send_bytes(_audio_frame(audio[start : start + EDGE_FRAME_BYTES]))
                if self.mode == "close_mid_audio":
                    await socket.close()  # no turn.end: the audio stops after its first frame
                    return socket
        await socket.send_str(_text_frame("turn.end", "{}"))
        await socket.close()
        return socket


def _text_frame(path: str, body: str) -> str:
    return f"X-RequestId:fake\r\nContent-Type:application/json; charset=utf-8\r\nPath:{path}\r\n\r\n{body}"


def _audio_frame(audio: bytes) -> bytes:
    # The first header line is a throw-away: edge-tts glues the 2 length bytes to it (see provider-protocols.md).
    header = b"X-RequestId:fake\r\nContent-Type:audio/mpeg\r\nX-StreamId:1\r\nPath:audio\r\n"
    return len(header).to_bytes(2, "big") + header + audio
