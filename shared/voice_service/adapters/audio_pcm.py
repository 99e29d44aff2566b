"""PCM helpers of the preview path: in-process decoding (libsndfile) and band-limited resampling (soxr VHQ).

numpy, soundfile and soxr are imported inside each function so that functions which never touch audio do not
pay for them at cold start.
"""

from __future__ import annotations

import io


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
            samples = clip.read(dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioDecodeError(f"undecodable audio ({exc})") from exc
    # A strided mean over a single column costs as much as the decode itself; mono needs no mixing.
    mono = samples[:, 0] if samples.shape[1] == 1 else samples.mean(axis=1, dtype=np.float32)
    return _to_pcm16(_resample(mono, native_rate, sample_rate))


def resample_pcm16(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """Mono 16-bit little-endian PCM at `from_rate` → the same at `to_rate` (an odd trailing byte is dropped)."""
    whole = pcm[: len(pcm) - len(pcm) % 2]
    if from_rate == to_rate or not whole:
        return whole
    import numpy as np

    samples = np.frombuffer(whole, dtype="<i2").astype(np.float32) / 32768.0
    return _to_pcm16(_resample(samples, from_rate, to_rate))


def _resample(samples: object, from_rate: int, to_rate: int) -> object:
    if from_rate == to_rate:
        return samples
    import soxr

    return soxr.resample(samples, from_rate, to_rate, quality="VHQ")


def _to_pcm16(samples: object) -> bytes:
    import numpy as np

    scaled = np.clip(np.rint(np.asarray(samples, dtype=np.float32) * 32768.0), -32768, 32767)
    return scaled.astype("<i2").tobytes()
