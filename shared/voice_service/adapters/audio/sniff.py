"""Identify an uploaded sample's container from its magic bytes, so ffmpeg never guesses (and never probes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class AudioContainer:
    """An allowed container: a name for messages and the ffmpeg demuxer forced for it."""

    name: str
    demuxer: str
    # mp4 keeps its index (moov) at the end unless "faststart"ed, so its demuxer must be able to seek.
    needs_seekable_input: bool = False


WAV: Final = AudioContainer("WAV", "wav")
MP3: Final = AudioContainer("MP3", "mp3")
FLAC: Final = AudioContainer("FLAC", "flac")
OGG: Final = AudioContainer("Ogg (Opus or Vorbis)", "ogg")
MP4: Final = AudioContainer("MP4/M4A", "mov", needs_seekable_input=True)
WEBM: Final = AudioContainer("WebM/Matroska", "matroska")
AAC_ADTS: Final = AudioContainer("AAC (ADTS)", "aac")

ALLOWED_CONTAINERS: Final = (WAV, MP3, FLAC, OGG, MP4, WEBM, AAC_ADTS)
# Bytes needed to decide; shorter inputs are rejected earlier by the size floor anyway.
SNIFF_BYTES: Final = 12


def sniff_container(data: bytes) -> AudioContainer | None:
    """The container `data` starts with, or None when it is not one of the allowed audio formats.

    Anything else (text such as a concat script or an HLS playlist, zip, images, video-only formats) is None.
    """
    head = data[:SNIFF_BYTES]
    if len(head) < SNIFF_BYTES:
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:3] == b"ID3":
        return MP3
    if head[:4] == b"fLaC":
        return FLAC
    if head[:4] == b"OggS":
        return OGG
    if head[4:8] == b"ftyp":
        return MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM
    if head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS sync word with layer bits 00
            return AAC_ADTS
        if _is_mpeg_audio_frame_header(head):
            return MP3
    return None


def _is_mpeg_audio_frame_header(head: bytes) -> bool:
    # 11-bit frame sync, then: version != reserved, layer != reserved, bitrate != "bad", sample rate != reserved.
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate_index = head[2] >> 4
    sample_rate_index = (head[2] >> 2) & 0b11
    return (
        head[1] & 0xE0 == 0xE0
        and version != 0b01
        and layer != 0b00
        and bitrate_index != 0xF
        and sample_rate_index != 0b11
    )
