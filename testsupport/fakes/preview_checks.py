"""Helpers shared by the preview tests: call the function's lambda_handler, read the WAV it returns."""

from __future__ import annotations

import base64
import io
import json
import wave
from dataclasses import dataclass
from typing import Any

from functions.preview.app import lambda_handler
from testsupport.apigw import FakeLambdaContext, header, load_event

# The fakes send 1.0 s of audio; resampling and MP3 padding may move the end by a few milliseconds.
DURATION_TOLERANCE_SECONDS = 0.03


@dataclass(frozen=True)
class WavInfo:
    channels: int
    sample_width: int
    sample_rate: int
    frames: int
    data_bytes: int

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


@dataclass(frozen=True)
class PreviewResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")[:500]

    def json(self) -> Any:
        return json.loads(self.content)


def post_preview(body: Any, *, raw: str | None = None, headers: dict[str, str] | None = None) -> PreviewResponse:
    """POST /tts/preview through lambda_handler, with the browser event from events/ and `body` as JSON.

    `headers` are added to the browser's own (as API Gateway passes them: both header maps).
    """
    event = load_event("preview_web_client")
    for name, value in (headers or {}).items():
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    text = raw if raw is not None else json.dumps(body, ensure_ascii=False)
    # The API lists `*/*` as binary, so API Gateway hands every request body over base64-encoded.
    event["body"] = base64.b64encode(text.encode("utf-8")).decode("ascii")
    event["isBase64Encoded"] = True
    result = lambda_handler(event, FakeLambdaContext())
    content = base64.b64decode(result["body"]) if result["isBase64Encoded"] else result["body"].encode("utf-8")
    names = {*result.get("headers", {}), *result.get("multiValueHeaders", {})}
    headers = {name.lower(): header(result, name) or "" for name in names}
    return PreviewResponse(status_code=result["statusCode"], headers=headers, content=content)


def read_wav(data: bytes) -> WavInfo:
    """Parse with the standard `wave` module and check that the RIFF and data sizes match the file."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        info = WavInfo(
            channels=reader.getnchannels(),
            sample_width=reader.getsampwidth(),
            sample_rate=reader.getframerate(),
            frames=reader.getnframes(),
            data_bytes=reader.getnframes() * reader.getsampwidth() * reader.getnchannels(),
        )
    assert int.from_bytes(data[4:8], "little") == len(data) - 8, "RIFF chunk size must match the file"
    assert info.data_bytes == len(data) - 44, "the data chunk must hold every byte after the 44-byte header"
    return info


def assert_preview_wav(response: Any, sample_rate: int, seconds: float) -> WavInfo:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["etag"].startswith('"')
    info = read_wav(response.content)
    assert (info.channels, info.sample_width, info.sample_rate) == (1, 2, sample_rate)
    assert abs(info.duration - seconds) <= DURATION_TOLERANCE_SECONDS, info.duration
    return info


def assert_error(response: Any, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"detail": detail}
