"""Container sniffing: only the allowed audio formats are recognised, by their magic bytes."""

from __future__ import annotations

import pytest

from voice_service.adapters.audio.sniff import AAC_ADTS, FLAC, MP3, MP4, OGG, WAV, WEBM, sniff_container

PADDING = bytes(64)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", WAV),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", MP3),
        (b"\xff\xfb\x90\x64", MP3),  # MPEG-1 layer III frame header, no ID3 tag
        (b"fLaC\x00\x00\x00\x22", FLAC),
        (b"OggS\x00\x02\x00\x00", OGG),
        (b"\x00\x00\x00\x20ftypM4A ", MP4),
        (b"\x00\x00\x00\x1cftypisom", MP4),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", WEBM),
        (b"\xff\xf1\x50\x80", AAC_ADTS),
    ],
)
def test_allowed_containers_are_recognised(head: bytes, expected: object) -> None:
    assert sniff_container(head + PADDING) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"ffconcat version 1.0\nfile 'secret.wav'\n",
        b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + PADDING,
        b"RIFF\x24\x00\x00\x00AVI LIST" + PADDING,  # RIFF but not WAVE
        b"\x89PNG\r\n\x1a\n" + PADDING,
        b"hello, this is a text file renamed to .wav\n" * 4,
        b"\xff\xfb\xf0\x64" + PADDING,  # frame sync with the forbidden bitrate index 15
        b"RIFF\x00\x00",  # too short to decide
        b"",
    ],
)
def test_everything_else_is_refused(data: bytes) -> None:
    assert sniff_container(data) is None
