"""PCM helpers: in-process MP3 decoding (libsndfile) and soxr resampling keep length and pitch."""

from __future__ import annotations

import numpy as np
import pytest

from testsupport.fakes.tts_loopback import TONE_HZ, tone_mp3, tone_pcm16
from voice_service.adapters.audio_pcm import AudioDecodeError, decode_to_pcm16, resample_pcm16


def dominant_frequency(pcm: bytes, sample_rate: int) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / sample_rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize(("source", "target"), [(24000, 16000), (22050, 16000), (16000, 48000), (24000, 24000)])
def test_resampling_keeps_duration_and_pitch(source: int, target: int) -> None:
    pcm = resample_pcm16(tone_pcm16(1.0, source), source, target)
    assert len(pcm) // 2 == pytest.approx(target, abs=2)
    assert dominant_frequency(pcm, target) == pytest.approx(TONE_HZ, abs=2)


def test_resampling_drops_an_odd_trailing_byte() -> None:
    assert resample_pcm16(b"\x01\x00\x02", 16000, 16000) == b"\x01\x00"


def test_mp3_from_memory_decodes_to_the_session_rate() -> None:
    # GIVEN one second of 24 kHz MP3, as Edge sends
    mp3 = tone_mp3(1.0, 24000)
    # WHEN it is decoded for a 16 kHz session
    pcm = decode_to_pcm16(mp3, 16000)
    # THEN the length and the tone survive
    assert len(pcm) // 2 == pytest.approx(16000, abs=16000 * 0.03)
    assert dominant_frequency(pcm, 16000) == pytest.approx(TONE_HZ, abs=2)


@pytest.mark.parametrize("payload", [b"", b"<html>busy</html>" * 10, b"RIFF\x00\x00"])
def test_bytes_that_are_not_audio_raise_a_decode_error(payload: bytes) -> None:
    with pytest.raises(AudioDecodeError):
        decode_to_pcm16(payload, 16000)
