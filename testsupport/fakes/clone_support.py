"""Helpers for the cloning tests: samples made with a full ffmpeg, moto's S3 server, bucket inspection.

Two ffmpeg binaries, on purpose: the samples are *encoded* with imageio-ffmpeg's full build (MP3, Opus, Vorbis, AAC
encoders), and the service *converts* them with the project's audio-only build (`make ffmpeg`), the one the layer
ships, so the tests exercise the deployed decoder set and nothing more.
"""

from __future__ import annotations

import subprocess
import threading
import uuid
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from testsupport.wiring import FunctionWiring

# ffmpeg output options per container the service accepts (the browser and file-picker formats).
ENCODINGS: dict[str, list[str]] = {
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
    "mp3": ["-c:a", "libmp3lame", "-f", "mp3"],
    "mp3-no-id3": ["-c:a", "libmp3lame", "-id3v2_version", "0", "-f", "mp3"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "ogg-opus": ["-c:a", "libopus", "-f", "ogg"],
    "ogg-vorbis": ["-c:a", "libvorbis", "-f", "ogg"],
    "webm-opus": ["-c:a", "libopus", "-f", "webm"],
    "m4a": ["-c:a", "aac", "-f", "ipod"],
    "mp4-faststart": ["-c:a", "aac", "-movflags", "+faststart", "-f", "mp4"],
    # What Safari's MediaRecorder produces: fragmented mp4.
    "mp4-fragmented": ["-c:a", "aac", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"],
    "aac-adts": ["-c:a", "aac", "-f", "adts"],
}


@cache
def audio_only_ffmpeg() -> str:
    """The project's audio-only ffmpeg for this machine: what the service converts with in the tests."""
    from scripts.build_ffmpeg import host_binary

    return str(host_binary())


@cache
def ffmpeg_exe() -> str:
    """The full ffmpeg that encodes test samples (the audio-only build has no encoder but 16-bit PCM)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@cache
def make_sample(encoding: str, seconds: float = 3.5, sample_rate: int = 44_100, channels: int = 2) -> bytes:
    """A tone in `encoding`, encoded by the full ffmpeg."""
    command = [
        ffmpeg_exe(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=330:duration={seconds}:sample_rate={sample_rate}",
        "-ac",
        str(channels),
        *ENCODINGS[encoding],
        # mp4 needs a seekable output; everything else streams to stdout.
        *(["-"] if encoding not in ("m4a", "mp4-faststart") else []),
    ]
    if encoding in ("m4a", "mp4-faststart"):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / f"sample.{'m4a' if encoding == 'm4a' else 'mp4'}"
            subprocess.run([*command, str(path)], check=True, capture_output=True)
            return path.read_bytes()
    return subprocess.run(command, check=True, capture_output=True).stdout


def use_fresh_bucket(
    monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring, endpoint: str, region: str = "eu-west-1"
) -> str:
    """Create a new bucket on `endpoint` and point the functions at it (boto3 reads AWS_ENDPOINT_URL_S3 itself, as
    in `make run`; the bucket name is a setting)."""
    bucket = f"samples-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    wiring.set(OPENTALKING_SAMPLES_BUCKET=bucket)
    s3_client(endpoint, region).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    return bucket


def s3_client(endpoint: str, region: str = "eu-west-1") -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=region)


def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    listing = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def apigw_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    fields: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event; a multipart body arrives base64-encoded (multipart/form-data is binary)."""
    import base64

    from urllib3 import encode_multipart_formdata

    headers = {"Accept": "application/json", "Host": "abc123.execute-api.eu-west-1.amazonaws.com"}
    headers["Origin"] = "http://localhost:5173"
    body: str | None = None
    if fields is not None or files is not None:
        parts: list[tuple[str, Any]] = list((fields or {}).items()) + list((files or {}).items())
        raw, content_type = encode_multipart_formdata(parts)
        headers["Content-Type"] = content_type
        headers["Content-Length"] = str(len(raw))
        body = base64.b64encode(raw).decode("ascii")
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.10"},
            "path": f"/Prod{path}",
            "protocol": "HTTP/1.1",
            "requestId": f"req-{uuid.uuid4().hex[:8]}",
            "resourcePath": resource or path,
            "stage": "Prod",
        },
        "body": body,
        "isBase64Encoded": body is not None,
    }


class RecordingServer:
    """A loopback HTTP server that only counts requests: any hit means ffmpeg followed a reference."""

    def __init__(self) -> None:
        hits = self.hits = []  # type: list[str]

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hostile_inputs(url: str) -> dict[str, bytes]:
    """Inputs that reference something outside the upload, plain and disguised behind allowed magic bytes."""
    # Comment lines pad each one past the 256-byte floor, so it is the content, not the size, that gets refused.
    padding = b"# " + b"-" * 300 + b"\n"
    concat = b"ffconcat version 1.0\n" + padding + b"file 'secret.wav'\nfile '" + url.encode() + b"/concat.wav'\n"
    playlist = (
        b"#EXTM3U\n#EXT-X-VERSION:3\n"
        + padding
        + b"#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n"
        + url.encode()
        + b"/segment.ts\n#EXTINF:4.0,\nsecret.wav\n#EXT-X-ENDLIST\n"
    )
    wav_header = b"RIFF\x24\x10\x00\x00WAVE"
    return {
        "concat script": concat,
        "HLS playlist": playlist,
        "concat script behind a WAV header": wav_header + concat,
        "HLS playlist behind a WAV header": wav_header + playlist,
        "HLS playlist behind an mp4 ftyp box": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + playlist,
        "HLS playlist behind an Ogg page header": b"OggS\x00\x02" + bytes(20) + playlist,
        "URL list behind an EBML header": b"\x1a\x45\xdf\xa3" + bytes(8) + (url.encode() + b"/x.webm\n") * 10,
        "file URL behind an ID3 tag": b"ID3\x04\x00\x00\x00\x00\x00\x00file:///etc/passwd\n" * 10,
    }


HOSTILE_REFERENCE_CASES = (
    "concat script",
    "HLS playlist",
    "concat script behind a WAV header",
    "HLS playlist behind a WAV header",
    "HLS playlist behind an mp4 ftyp box",
    "HLS playlist behind an Ogg page header",
    "URL list behind an EBML header",
    "file URL behind an ID3 tag",
)
