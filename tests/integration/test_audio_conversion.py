"""Sample conversion with the project's audio-only ffmpeg: every accepted container becomes 24 kHz mono 16-bit
WAV; hostile input is refused without ffmpeg reading anything but the upload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testsupport.fakes.clone_support import (
    ENCODINGS,
    HOSTILE_REFERENCE_CASES,
    RecordingServer,
    audio_only_ffmpeg,
    hostile_inputs,
    make_sample,
)
from testsupport.fakes.dashscope_enrollment_fake import describe_wav
from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
from voice_service.errors import InvalidRequestError, ProviderNotConfiguredError

SOURCE_FORMATS = {
    "wav": "WAV",
    "mp3": "MP3",
    "mp3-no-id3": "MP3",
    "flac": "FLAC",
    "ogg-opus": "Ogg (Opus or Vorbis)",
    "ogg-vorbis": "Ogg (Opus or Vorbis)",
    "webm-opus": "WebM/Matroska",
    "m4a": "MP4/M4A",
    "mp4-faststart": "MP4/M4A",
    "mp4-fragmented": "MP4/M4A",
    "aac-adts": "AAC (ADTS)",
}


def converter(**overrides: Any) -> FfmpegSampleConverter:
    options: dict[str, Any] = {
        "ffmpeg_exe": audio_only_ffmpeg(),
        "max_seconds": 60,
        "min_seconds": 3,
        "timeout_seconds": 15,
    }
    return FfmpegSampleConverter(**{**options, **overrides})


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_each_accepted_container_becomes_24k_mono_16bit_wav(encoding: str) -> None:
    # Given a 3.5 s stereo 44.1 kHz tone in the container
    sample = converter().to_clone_wav(make_sample(encoding))
    # Then the result is exactly the format both providers want, about as long as the input
    wav = describe_wav(sample.wav)
    assert (wav.sample_rate, wav.channels, wav.sample_width) == (24_000, 1, 2)
    assert sample.source_format == SOURCE_FORMATS[encoding]
    assert 3.4 <= wav.frames / 24_000 <= 3.6
    assert sample.duration_seconds == pytest.approx(wav.frames / 24_000)


def test_low_rate_mono_input_is_resampled_up() -> None:
    sample = converter().to_clone_wav(make_sample("wav", seconds=3.5, sample_rate=8_000, channels=1))
    wav = describe_wav(sample.wav)
    assert (wav.sample_rate, wav.channels, wav.sample_width) == (24_000, 1, 2)
    assert wav.frames == pytest.approx(3.5 * 24_000, abs=240)


def test_long_input_is_cut_to_the_maximum_duration() -> None:
    sample = converter(max_seconds=4).to_clone_wav(make_sample("ogg-opus", seconds=9))
    assert describe_wav(sample.wav).frames == 4 * 24_000


def test_too_short_input_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="too short"):
        converter().to_clone_wav(make_sample("wav", seconds=1.0))


def test_conversion_that_overruns_its_time_limit_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="too long to decode"):
        converter(timeout_seconds=0.001).to_clone_wav(make_sample("flac"))


def test_missing_ffmpeg_binary_says_which_setting_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ProviderNotConfiguredError, match="OPENTALKING_FFMPEG_PATH"):
        converter(ffmpeg_exe=str(tmp_path / "no-ffmpeg-here")).to_clone_wav(make_sample("flac"))


def test_unset_ffmpeg_setting_is_refused_rather_than_guessed() -> None:
    # No fallback to some other ffmpeg on the machine: only the configured audio-only build converts
    with pytest.raises(ProviderNotConfiguredError, match="OPENTALKING_FFMPEG_PATH"):
        converter(ffmpeg_exe=None).to_clone_wav(make_sample("flac"))


@pytest.fixture
def recording_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.stop()


@pytest.mark.parametrize("case", HOSTILE_REFERENCE_CASES)
def test_inputs_that_reference_other_files_or_urls_are_refused_without_reading_them(
    case: str, recording_server: RecordingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a real sample named like the reference, next to where the process runs
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.wav").write_bytes(make_sample("wav"))
    # When the hostile input is converted, Then it is refused (had ffmpeg read the secret, it would have succeeded)
    with pytest.raises(InvalidRequestError):
        converter().to_clone_wav(hostile_inputs(recording_server.url)[case])
    # And nothing was fetched over the network
    assert recording_server.hits == []


@pytest.mark.parametrize(
    ("case", "data"),
    [
        ("m4a cut in half (index lost)", make_sample("m4a")[: len(make_sample("m4a")) // 2]),
        ("wav header only", make_sample("wav")[:600]),
        ("flac magic then noise", b"fLaC" + bytes(range(256)) * 8),
        ("ogg with a broken page", make_sample("ogg-opus")[:28] + b"\x00" * 4000),
        ("webm header then zeros", make_sample("webm-opus")[:40] + bytes(4000)),
        ("zip renamed .wav", b"PK\x03\x04" + bytes(2000)),
        ("text renamed .wav", b"This is not audio at all.\n" * 40),
    ],
)
def test_truncated_corrupt_or_disguised_files_are_refused(case: str, data: bytes) -> None:
    with pytest.raises(InvalidRequestError):
        converter().to_clone_wav(data)
