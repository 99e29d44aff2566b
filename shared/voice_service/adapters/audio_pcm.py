"""PCM helpers of the preview path: in-process decoding (libsndfile) and band-limited resampling (soxr).

Audio stays 16-bit integers from decoder to WAV: libsndfile decodes straight to int16 and soxr resamples int16 to
int16 (it dithers and clips itself), so no float copy, scaling or clipping pass is made in Python. soxr's "HQ"
quality (20-bit precision, a steep band-limited filter) already exceeds what 16-bit output can carry; "VHQ" costs
half again as much for bits that are then thrown away.

numpy, soundfile and soxr are imported inside each function so that functions which never touch audio do not
pay for them at cold start.
"""

from __future__ import annotations

import io
from typing import Any

RESAMPLE_QUALITY = "HQ"


class AudioDecodeError(ValueError):
    """Provider audio that libsndfile cannot read (truncated, wrong codec, not audio at all)."""


def decode_to_pcm16(encoded: bytes, sample_rate: int) -> bytes:
    """Decode an encoded clip (MP3, WAV, FLAC, Ogg) held in memory to mono 16-bit PCM at `sample_rate`.

    Raises:
        AudioDecodeError: the bytes are not a clip libsndfile can decode.
    """
    import numpy as np
    import soundfile

    try:
        with soundfile.SoundFile(io.BytesIO(encoded)) as clip:
            native_rate = clip.samplerate
            samples = clip.read(dtype="int16", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioDecodeError(f"undecodable audio ({exc})") from exc
    # Mono needs no mixing (a strided mean over one column costs as much as the decode itself).
    if samples.shape[1] == 1:
        mono = samples[:, 0]
    else:
        mono = np.rint(samples.mean(axis=1)).astype(np.int16)
    return _resampled_bytes(np.ascontiguousarray(mono), native_rate, sample_rate)


def resample_pcm16(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """Mono 16-bit little-endian PCM at `from_rate` → the same at `to_rate` (an odd trailing byte is dropped)."""
    whole = pcm[: len(pcm) - len(pcm) % 2] if len(pcm) % 2 else pcm
    if from_rate == to_rate or not whole:
        return whole
    import numpy as np

    return _resampled_bytes(np.frombuffer(whole, dtype="<i2"), from_rate, to_rate)


def _resampled_bytes(samples: Any, from_rate: int, to_rate: int) -> bytes:
    """int16 samples (a numpy array) at `to_rate`, as little-endian bytes."""
    if from_rate != to_rate:
        import soxr

        samples = soxr.resample(samples, from_rate, to_rate, quality=RESAMPLE_QUALITY)
    data: bytes = samples.tobytes()
    return data
