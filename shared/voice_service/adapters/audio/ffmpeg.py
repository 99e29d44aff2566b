"""Convert an uploaded sample to the 24 kHz mono 16-bit WAV the cloning providers want, treating it as hostile.

pydub's `from_file` is not used on uploads: it runs ffprobe, reads stdin through the `cache:` protocol and lets
ffmpeg guess the format, which is how a concat script or playlist disguised as audio reads other files. Instead:
the container is sniffed from its magic bytes and that demuxer is forced, the upload reaches ffmpeg as a stream on
its standard input with no other protocol allowed (mp4 only: by the file protocol, because its index may sit at the
end and needs seeking; either way from a file in a private temporary directory), ffmpeg runs in that directory
with an empty environment, the decoded duration and size are capped, and the process is killed after a timeout.
ffmpeg writes the WAV into that directory itself (a seekable file, so its header carries the real sizes), which
spares the PCM a trip through a pipe and a second copy in memory.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import time
import wave
from contextlib import nullcontext
from pathlib import Path
from typing import Final

from voice_service.adapters.audio.sniff import AudioContainer, sniff_container
from voice_service.errors import InvalidRequestError, ProviderNotConfiguredError
from voice_service.observability import logger
from voice_service.services.cloning import ConvertedSample

CLONE_SAMPLE_RATE: Final = 24_000
CLONE_CHANNELS: Final = 1
CLONE_SAMPLE_WIDTH: Final = 2  # bytes: signed 16-bit little-endian
FFMPEG_SETTING: Final = "OPENTALKING_FFMPEG_PATH"
# ffmpeg's own messages go to the log only, and only this much of them (they can repeat per frame).
STDERR_LOG_CHARS: Final = 600
SUPPORTED_FORMATS_SENTENCE: Final = (
    "The audio is not in a supported format: send WAV, MP3, M4A/MP4, AAC, FLAC, Ogg (Opus or Vorbis) or WebM."
)


class FfmpegSampleConverter:
    """Turns uploaded bytes into a `ConvertedSample`, or raises InvalidRequestError with a sentence for the caller."""

    def __init__(
        self,
        *,
        ffmpeg_exe: str | None,
        max_seconds: float,
        min_seconds: float,
        timeout_seconds: float,
    ) -> None:
        self._configured_exe = ffmpeg_exe
        self._max_seconds = max_seconds
        self._min_seconds = min_seconds
        self._timeout_seconds = timeout_seconds

    @property
    def max_pcm_bytes(self) -> int:
        return int(self._max_seconds * CLONE_SAMPLE_RATE) * CLONE_CHANNELS * CLONE_SAMPLE_WIDTH

    def to_clone_wav(self, data: bytes) -> ConvertedSample:
        """Decode `data` (any allowed container) and return it as 24 kHz mono 16-bit WAV.

        Raises:
            InvalidRequestError: not an allowed container, undecodable (truncated, corrupt, disguised), too slow to
                decode, or shorter than the minimum duration.
            ProviderNotConfiguredError: no ffmpeg binary is available.
        """
        container = sniff_container(data)
        if container is None:
            raise InvalidRequestError(SUPPORTED_FORMATS_SENTENCE)
        started = time.perf_counter()
        wav = self._decode_to_wav(data, container)
        try:
            with wave.open(io.BytesIO(wav), "rb") as reader:
                frames = reader.getnframes()
        except (wave.Error, EOFError) as exc:
            raise InvalidRequestError(f"The {container.name} audio contains no sound that could be decoded.") from exc
        duration = frames / CLONE_SAMPLE_RATE
        if duration == 0:
            raise InvalidRequestError(f"The {container.name} audio contains no sound that could be decoded.")
        if duration < self._min_seconds:
            raise InvalidRequestError(
                f"The audio is too short ({duration:.1f} s): at least {self._min_seconds:g} seconds are needed."
            )
        elapsed = time.perf_counter() - started
        logger.info(
            "Sample converted",
            extra={
                "source_format": container.name,
                "input_bytes": len(data),
                "duration_seconds": round(duration, 3),
                "conversion_ms": round(elapsed * 1000, 1),
            },
        )
        return ConvertedSample(wav, duration, container.name, elapsed)

    def _decode_to_wav(self, data: bytes, container: AudioContainer) -> bytes:
        exe = self._ffmpeg_exe()
        # A fresh private working directory holding only the upload: a relative path in a disguised input resolves
        # to nothing else.
        with tempfile.TemporaryDirectory(prefix="clone-sample-") as workdir:
            input_path = Path(workdir) / "input.bin"
            input_path.write_bytes(data)
            output_path = Path(workdir) / "sample.wav"
            if container.needs_seekable_input:
                source, protocols, streamed = f"file:{input_path}", "file", False
            else:
                # Still a stream on standard input with only the pipe protocol allowed, but backed by the file:
                # ffmpeg reads it at C speed, where feeding a pipe from Python costs a select() round per 4 KiB.
                source, protocols, streamed = "pipe:0", "pipe", True
            command = [
                exe,
                "-nostdin",
                "-hide_banner",
                "-loglevel",
                "error",
                "-protocol_whitelist",
                protocols,
                "-f",
                container.demuxer,
                *(["-enable_drefs", "0"] if container.demuxer == "mov" else []),
                "-i",
                source,
                "-vn",
                "-sn",
                "-dn",
                "-map_metadata",
                "-1",
                "-t",
                f"{self._max_seconds:g}",
                "-ac",
                str(CLONE_CHANNELS),
                "-ar",
                str(CLONE_SAMPLE_RATE),
                "-c:a",
                "pcm_s16le",
                "-f",
                "wav",
                "-bitexact",  # the canonical 44-byte header, no encoder tag
                "-fs",
                str(self.max_pcm_bytes + 4096),
                str(output_path),
            ]
            try:
                with input_path.open("rb") if streamed else nullcontext(subprocess.DEVNULL) as stdin:
                    completed = subprocess.run(
                        command,
                        stdin=stdin,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                        cwd=workdir,
                        env={},
                        timeout=self._timeout_seconds,
                        check=False,
                    )
            except subprocess.TimeoutExpired as exc:
                logger.warning("Sample conversion timed out", extra={"source_format": container.name})
                raise InvalidRequestError(
                    "The audio took too long to decode; send a shorter or simpler recording."
                ) from exc
            except OSError as exc:
                raise ProviderNotConfiguredError("audio conversion", FFMPEG_SETTING) from exc
            if completed.returncode != 0:
                logger.warning(
                    "Sample conversion failed",
                    extra={
                        "source_format": container.name,
                        "returncode": completed.returncode,
                        "ffmpeg_stderr": completed.stderr[:STDERR_LOG_CHARS].decode("utf-8", "replace"),
                    },
                )
                raise InvalidRequestError(
                    f"The audio could not be decoded as {container.name}: the file is truncated, corrupt or not audio."
                )
            # Read before the private directory goes away (no file: nothing was decoded, judged by the caller).
            return output_path.read_bytes() if output_path.is_file() else b""

    def _ffmpeg_exe(self) -> str:
        # No fallback to whatever ffmpeg a machine has: every environment runs the project's audio-only build
        # (the layer in Lambda, `make ffmpeg` locally), so a missing binary is a configuration error, not a guess.
        if not self._configured_exe:
            raise ProviderNotConfiguredError("audio conversion", FFMPEG_SETTING)
        return self._configured_exe
