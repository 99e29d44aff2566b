"""Benchmark 4: the clone conversion (upload bytes → 24 kHz mono WAV) with the layer's audio-only ffmpeg, against
the full ffmpeg build the layer used to ship (imageio-ffmpeg's) and against the plain ffmpeg command line.

Inputs are made at run time with the full ffmpeg (the audio-only build has no encoder but PCM): a 12 MiB 44.1 kHz
stereo WAV and a 2-minute 48 kHz Opus WebM as a browser's MediaRecorder sends. Every side converts at most the
service's configured sample length (OPENTALKING_CLONE_MAX_SECONDS, `-t`), so they produce the same audio.

Wall time: the adapter with the audio-only build, the adapter with the full build and the command line (audio-only
build) alternate in this process; medians. Memory: each conversion runs once more in a fresh child process, which
loads the upload, imports everything, resets its peak-RSS mark (/proc/self/clear_refs) and converts. "Above
baseline" is that process's peak RSS (VmHWM) minus its RSS just before converting, plus the peak RSS of the ffmpeg
it starts, read from /proc/<pid>/status every millisecond while ffmpeg runs. (ffmpeg's ru_maxrss is useless here:
Python starts it with vfork, and exec records the parent's high-water mark as the child's.) Both processes live at
the same time, so the sum bounds what the Lambda sandbox holds. The floor of each ffmpeg binary (one that decodes
0.1 s of a WAV of silence) is measured the same way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from scripts import REPO_ROOT
from scripts.bench.common import Result, bench_env, median_and_p95, ms

if TYPE_CHECKING:
    from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter

TARGET = 1.1
# Issue 16: a 12 MiB WAV peaks at no more than the upload; a 2-minute WebM at no more than 10 MiB above baseline.
WAV_MEMORY_TARGET = 1.0  # x the upload size
WEBM_MEMORY_TARGET_MIB = 10.0
RUNS = 25
MIB = 1024 * 1024
WAV_BYTES = 12 * MIB
WAV_HEADER_BYTES = 44  # -bitexact keeps ffmpeg's WAV header at the canonical 44 bytes
WEBM_SECONDS = 120


def audio_only_ffmpeg() -> str:
    """The layer's ffmpeg, built for this machine (`make ffmpeg`)."""
    from scripts.build_ffmpeg import host_binary

    return str(host_binary())


def full_ffmpeg() -> str:
    """imageio-ffmpeg's full GPL build: the layer's binary before issue 16, and the encoder of the inputs."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


BINARIES = {"audio-only": audio_only_ffmpeg, "full": full_ffmpeg}


def make_inputs(directory: Path) -> dict[str, Path]:
    exe = full_ffmpeg()
    quiet = [exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    # Speech-like enough for the codecs: a tone under pink noise.
    source = "sine=frequency=220:sample_rate={rate}:duration={seconds}"
    noise = "anoisesrc=color=pink:amplitude=0.1:sample_rate={rate}:duration={seconds}"
    wav = directory / "upload-12mib.wav"
    frames = (WAV_BYTES - WAV_HEADER_BYTES) // 4
    wav_seconds = frames / 44_100 + 1
    subprocess.run(
        [
            *quiet,
            *("-f", "lavfi", "-i", source.format(rate=44_100, seconds=wav_seconds)),
            *("-f", "lavfi", "-i", noise.format(rate=44_100, seconds=wav_seconds)),
            *("-filter_complex", f"amix=inputs=2,atrim=end_sample={frames}", "-ac", "2", "-c:a", "pcm_s16le"),
            *("-bitexact", "-f", "wav", str(wav)),
        ],
        check=True,
    )
    webm = directory / "recording-2min.webm"
    subprocess.run(
        [
            *quiet,
            *("-f", "lavfi", "-i", source.format(rate=48_000, seconds=WEBM_SECONDS)),
            *("-f", "lavfi", "-i", noise.format(rate=48_000, seconds=WEBM_SECONDS)),
            *("-filter_complex", "amix=inputs=2", "-ac", "1", "-c:a", "libopus", "-b:a", "64k", "-f", "webm"),
            str(webm),
        ],
        check=True,
    )
    return {f"12 MiB WAV 44.1 kHz stereo ({wav.stat().st_size} B)": wav, f"2 min WebM/Opus ({_size(webm)})": webm}


def _size(path: Path) -> str:
    return f"{path.stat().st_size / MIB:.2f} MiB"


def _max_seconds() -> float:
    from voice_service.settings import CloneSettings

    return CloneSettings.from_environment().max_sample_seconds


def _converter(exe: str) -> FfmpegSampleConverter:
    from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
    from voice_service.settings import CloneSettings

    settings = CloneSettings.from_environment()
    return FfmpegSampleConverter(
        ffmpeg_exe=exe,
        max_seconds=settings.max_sample_seconds,
        min_seconds=settings.min_sample_seconds,
        timeout_seconds=settings.conversion_timeout_seconds,
    )


def raw_command(exe: str, source: Path, target: Path) -> list[str]:
    """What an operator would type: decode, keep the same length, downmix and resample to a 16-bit WAV file."""
    return [
        exe,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source)),
        *("-t", f"{_max_seconds():g}", "-ac", "1", "-ar", "24000", "-c:a", "pcm_s16le", str(target)),
    ]


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


class ChildPeakSampler:
    """Polls the peak RSS (VmHWM) of this process's ffmpeg children while they run."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ChildPeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for children in Path("/proc/self/task").glob("*/children"):
                for pid in children.read_text().split():
                    self.peak_kib = max(self.peak_kib, _ffmpeg_hwm_kib(pid))
            time.sleep(0.001)


def _ffmpeg_hwm_kib(pid: str) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0  # already gone
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    # Before exec the child still shares Python's memory (vfork): only count it once it is ffmpeg.
    if not fields.get("Name", "").strip().startswith("ffmpeg") or "VmHWM" not in fields:
        return 0
    return int(fields["VmHWM"].split()[0])


def measure_memory(mode: str, binary: str, source: Path) -> dict[str, float]:
    """In a fresh process (see the module docstring): peak memory of one conversion above the RSS before it."""
    data = source.read_bytes()
    exe = BINARIES[binary]()
    converter = _converter(exe)
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "out.wav"
        silence = Path(scratch) / "silence.wav"
        silence.write_bytes(_silent_wav(0.1))
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        baseline = _rss_kib("VmRSS")
        with ChildPeakSampler() as ffmpeg:
            if mode == "adapter":
                output_bytes = len(converter.to_clone_wav(data).wav)
            elif mode == "raw":
                subprocess.run(raw_command(exe, source, target), check=True)
                output_bytes = target.stat().st_size
            else:  # the floor: ffmpeg decoding 0.1 s of silence
                subprocess.run(raw_command(exe, silence, target), check=True)
                output_bytes = 0
        peak = _rss_kib("VmHWM")
    return {
        "python_kib": max(0, peak - baseline),
        "ffmpeg_kib": ffmpeg.peak_kib,
        "upload_bytes": len(data),
        "output_bytes": output_bytes,
    }


def _silent_wav(seconds: float) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(24_000)
        writer.writeframes(b"\0\0" * int(24_000 * seconds))
    return buffer.getvalue()


def _memory_in_child(mode: str, binary: str, source: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-m", "scripts.bench.clone_conversion", mode, binary, str(source)],
        cwd=REPO_ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _total_mib(memory: dict[str, float]) -> float:
    return (memory["python_kib"] + memory["ffmpeg_kib"]) / 1024


def run() -> list[Result]:
    new, old = _converter(audio_only_ffmpeg()), _converter(full_ffmpeg())
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, source in make_inputs(Path(scratch)).items():
            data = source.read_bytes()
            command = raw_command(audio_only_ffmpeg(), source, Path(scratch) / "raw-out.wav")
            calls = {
                "new": partial(new.to_clone_wav, data),
                "old": partial(old.to_clone_wav, data),
                "cli": partial(subprocess.run, command, check=True),
            }
            samples: dict[str, list[float]] = {name: [] for name in calls}
            for call in calls.values():  # warm-up
                call()
            for _ in range(RUNS):
                for name, call in calls.items():
                    start = time.perf_counter()
                    call()
                    samples[name].append(time.perf_counter() - start)
            median = {name: median_and_p95(values)[0] for name, values in samples.items()}
            cap = f"→ 24 kHz mono 16-bit WAV, first {_max_seconds():g} s"
            results.append(
                Result(
                    "4. clone conversion (wall)",
                    label,
                    f"adapter, audio-only ffmpeg: median {ms(median['new'])}",
                    f"ffmpeg CLI (audio-only) median {ms(median['cli'])}",
                    median["new"] / median["cli"],
                    TARGET,
                    f"{RUNS} runs each, alternating; {cap}",
                )
            )
            results.append(
                Result(
                    "4. clone conversion (wall, new vs old ffmpeg)",
                    label,
                    f"adapter, audio-only ffmpeg: median {ms(median['new'])}",
                    f"adapter, full ffmpeg (old layer): median {ms(median['old'])}",
                    median["new"] / median["old"],
                    None,
                    f"same {RUNS} alternating runs; ratio = audio-only / full build",
                )
            )
            memory = {
                (mode, binary): _memory_in_child(mode, binary, source)
                for mode in ("adapter", "raw", "floor")
                for binary in BINARIES
            }
            adapter = memory[("adapter", "audio-only")]
            upload = adapter["upload_bytes"]
            total = _total_mib(adapter)
            is_wav = label.startswith("12 MiB WAV")
            ratio, target = (
                (total * MIB / upload, WAV_MEMORY_TARGET) if is_wav else (total / WEBM_MEMORY_TARGET_MIB, 1.0)
            )
            results.append(
                Result(
                    "4. clone conversion (peak memory)",
                    label,
                    f"{total:.1f} MiB above baseline (Python +{adapter['python_kib'] / 1024:.1f} MiB, audio-only "
                    f"ffmpeg {adapter['ffmpeg_kib'] / 1024:.1f} MiB)",
                    (f"upload {upload / MIB:.2f} MiB" if is_wav else f"budget {WEBM_MEMORY_TARGET_MIB:g} MiB")
                    + f"; old full ffmpeg via adapter {_total_mib(memory[('adapter', 'full')]):.1f} MiB; ffmpeg CLI "
                    f"audio-only {memory[('raw', 'audio-only')]['ffmpeg_kib'] / 1024:.1f} MiB, full "
                    f"{memory[('raw', 'full')]['ffmpeg_kib'] / 1024:.1f} MiB",
                    ratio,
                    target,
                    ("ratio = peak / upload size" if is_wav else f"ratio = peak / {WEBM_MEMORY_TARGET_MIB:g} MiB")
                    + " (method in scripts/bench/clone_conversion.py); the binary alone (0.1 s of silence): "
                    f"audio-only {memory[('floor', 'audio-only')]['ffmpeg_kib'] / 1024:.1f} MiB, full "
                    f"{memory[('floor', 'full')]['ffmpeg_kib'] / 1024:.1f} MiB; output WAV "
                    f"{adapter['output_bytes'] / MIB:.2f} MiB",
                )
            )
    return results


if __name__ == "__main__":
    import os

    from scripts.bench.common import BENCH_ENVIRONMENT

    os.environ.update(BENCH_ENVIRONMENT)
    if len(sys.argv) == 4:
        print(json.dumps(measure_memory(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
    else:
        for row in run():
            print(row)
