"""Encode mono 16-bit PCM into the formats of OpenAI's speech API, with libraries rather than hand-written encoders.

- mp3: LAME through `lameenc` (LGPL, 0.5 MB), CBR 64 kbit/s at LAME quality 5: about four times faster than
  libsndfile's LAME settings, which matters when 4,096 characters (about four minutes of speech) must be encoded
  within API Gateway's 29 s. Like most MP3 encoders without a LAME/Xing tag, it leaves LAME's ~50 ms encoder delay
  at the start (OpenAI's own MP3s have one too).
- opus (Ogg Opus), flac, wav: libsndfile through `soundfile`, already in the function for decoding Edge's MP3 (its
  wheels bundle libsndfile 1.2 with libopus and FLAC; LGPL). In-process, no subprocess, no extra size.
- aac (ADTS): ffmpeg's native AAC encoder (part of libavcodec, LGPL), run as a subprocess on our own PCM: in Lambda
  the ffmpeg layer's audio-only build (scripts/build_ffmpeg.py enables the encoder and the ADTS muxer). libsndfile
  has no AAC, and PyAV (ffmpeg bundled, about 95 MB unzipped) would push the function past Lambda's 250 MB limit.
  Without an ffmpeg binary (`OPENTALKING_SPEECH_FFMPEG_EXE`, or imageio-ffmpeg's locally) aac is a clear 400.
- pcm: the samples themselves (24 kHz, 16-bit signed little-endian, mono, no header), as OpenAI defines it.
"""

from __future__ import annotations

import io
import subprocess
import wave
from typing import Final

from voice_service.errors import InvalidRequestError, VoiceServiceError

FFMPEG_SETTING: Final = "OPENTALKING_SPEECH_FFMPEG_EXE"
# (container, subtype) for soundfile.write.
SOUNDFILE_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "opus": ("OGG", "OPUS"),
    "flac": ("FLAC", "PCM_16"),
    "wav": ("WAV", "PCM_16"),
}
AAC_BITRATE: Final = "64k"
MP3_KBITS: Final = 64
MP3_LAME_QUALITY: Final = 5  # 0 best and slowest, 9 worst and fastest; LAME's own default is 3
# Encoding a few minutes of speech takes well under a second; the limit only stops a wedged process.
AAC_TIMEOUT_SECONDS: Final = 20.0


class AacUnavailableError(InvalidRequestError):
    """This deployment has no AAC encoder (no ffmpeg binary)."""


class LibraryAudioEncoder:
    """Implements `voice_service.services.speech.AudioEncoder`."""

    def __init__(self, *, ffmpeg_exe: str | None) -> None:
        self._configured_ffmpeg = ffmpeg_exe

    def encode(self, pcm: bytes, sample_rate: int, audio_format: str) -> bytes:
        if audio_format == "pcm":
            return pcm
        if audio_format == "aac":
            return self._aac(pcm, sample_rate)
        if audio_format == "mp3":
            return _mp3(pcm, sample_rate)
        container, subtype = SOUNDFILE_FORMATS[audio_format]
        import numpy as np
        import soundfile

        buffer = io.BytesIO()
        samples = np.frombuffer(pcm, dtype="<i2")
        soundfile.write(buffer, samples, sample_rate, format=container, subtype=subtype)
        return buffer.getvalue()

    def _aac(self, pcm: bytes, sample_rate: int) -> bytes:
        """ADTS AAC from ffmpeg's native encoder, fed our own PCM as a WAV on stdin (no file, no other input; the
        layer's audio-only ffmpeg reads WAV but has no raw-PCM demuxer)."""
        command = [
            self._ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "wav",
            "-i",
            "pipe:0",
            "-c:a",
            "aac",
            "-b:a",
            AAC_BITRATE,
            "-f",
            "adts",
            "pipe:1",
        ]
        try:
            done = subprocess.run(
                command, input=_wav(pcm, sample_rate), capture_output=True, timeout=AAC_TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VoiceServiceError(f"Encoding the audio as aac failed ({type(exc).__name__}).") from exc
        if done.returncode != 0 or not done.stdout:
            raise VoiceServiceError(f"Encoding the audio as aac failed (ffmpeg status {done.returncode}).")
        return done.stdout

    def _ffmpeg_exe(self) -> str:
        if self._configured_ffmpeg:
            return self._configured_ffmpeg
        try:
            import imageio_ffmpeg

            return str(imageio_ffmpeg.get_ffmpeg_exe())
        except (ImportError, RuntimeError) as exc:
            raise AacUnavailableError(
                "The aac format is not available in this deployment (it has no ffmpeg, "
                f"{FFMPEG_SETTING}); use mp3, opus, flac, wav or pcm.",
                param="response_format",
            ) from exc


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return buffer.getvalue()


def _mp3(pcm: bytes, sample_rate: int) -> bytes:
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_KBITS)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(MP3_LAME_QUALITY)
    return bytes(encoder.encode(pcm) + encoder.flush())
