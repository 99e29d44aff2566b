"""Benchmark 4: the clone conversion adapter (upload bytes → 24 kHz mono WAV) against the plain ffmpeg command line.

Inputs are made at run time with the bundled ffmpeg (imageio-ffmpeg): a 12 MiB 44.1 kHz stereo WAV and a 2-minute
48 kHz Opus WebM as a browser's MediaRecorder sends. Both sides convert at most the service's configured sample
length (OPENTALKING_CLONE_MAX_SECONDS, `-t`), so they produce the same audio.

Wall time: adapter and command line alternate in this process; medians. Memory: each conversion runs once more in
a fresh child process, which loads the upload, imports everything, resets its peak-RSS mark (/proc/self/clear_refs)
and converts. "Above baseline" is that process's peak RSS (VmHWM) minus its RSS just before converting, plus the
peak RSS of the ffmpeg it starts, read from /proc/<pid>/status every millisecond while ffmpeg runs. (ffmpeg's
ru_maxrss is useless here: Python starts it with vfork, and exec records the parent's high-water mark as the
child's.) Both processes live at the same time, so the sum bounds what the Lambda sandbox holds. The floor of the
ffmpeg binary itself (an ffmpeg that decodes 0.1 s of silence) is measured the same way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scripts import REPO_ROOT
from scripts.bench.common import Result, bench_env, median_and_p95, ms

if TYPE_CHECKING:
    from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter

TARGET = 1.1
MEMORY_TARGET = 3.0  # x the upload size
RUNS = 25
MIB = 1024 * 1024
WAV_BYTES = 12 * MIB
WAV_HEADER_BYTES = 44  # -bitexact keeps ffmpeg's WAV header at the canonical 44 bytes
WEBM_SECONDS = 120


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def make_inputs(directory: Path) -> dict[str, Path]:
    exe = ffmpeg_exe()
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


def _converter() -> FfmpegSampleConverter:
    from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
    from voice_service.settings import CloneSettings

    settings = CloneSettings.from_environment()
    return FfmpegSampleConverter(
        ffmpeg_exe=settings.ffmpeg_exe,
        max_seconds=settings.max_sample_seconds,
        min_seconds=settings.min_sample_seconds,
        timeout_seconds=settings.conversion_timeout_seconds,
    )


def raw_command(source: Path, target: Path) -> list[str]:
    """What an operator would type: decode, keep the same length, downmix and resample to a 16-bit WAV file."""
    return [
        ffmpeg_exe(),
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


def measure_memory(mode: str, source: Path) -> dict[str, float]:
    """In a fresh process (see the module docstring): peak memory of one conversion above the RSS before it."""
    data = source.read_bytes()
    converter = _converter()
    ffmpeg_exe()
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "out.wav"
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        baseline = _rss_kib("VmRSS")
        with ChildPeakSampler() as ffmpeg:
            if mode == "adapter":
                output_bytes = len(converter.to_clone_wav(data).wav)
            elif mode == "raw":
                subprocess.run(raw_command(source, target), check=True)
                output_bytes = target.stat().st_size
            else:  # the floor: ffmpeg decoding 0.1 s of silence
                silence = ["-f", "lavfi", "-i", "anullsrc=sample_rate=24000", "-t", "0.1", "-f", "null", "-"]
                subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", *silence], check=True)
                output_bytes = 0
        peak = _rss_kib("VmHWM")
    return {
        "python_kib": max(0, peak - baseline),
        "ffmpeg_kib": ffmpeg.peak_kib,
        "upload_bytes": len(data),
        "output_bytes": output_bytes,
    }


def _memory_in_child(mode: str, source: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-m", "scripts.bench.clone_conversion", mode, str(source)],
        cwd=REPO_ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run() -> list[Result]:
    converter = _converter()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, source in make_inputs(Path(scratch)).items():
            data = source.read_bytes()
            target = Path(scratch) / "raw-out.wav"
            command = raw_command(source, target)
            converter.to_clone_wav(data)
            subprocess.run(command, check=True)
            adapter_samples: list[float] = []
            raw_samples: list[float] = []
            for _ in range(RUNS):
                start = time.perf_counter()
                converter.to_clone_wav(data)
                adapter_samples.append(time.perf_counter() - start)
                start = time.perf_counter()
                subprocess.run(command, check=True)
                raw_samples.append(time.perf_counter() - start)
            median, _ = median_and_p95(adapter_samples)
            raw_median, _ = median_and_p95(raw_samples)
            results.append(
                Result(
                    "4. clone conversion (wall)",
                    label,
                    f"adapter median {ms(median)}",
                    f"ffmpeg CLI median {ms(raw_median)}",
                    median / raw_median,
                    TARGET,
                    f"{RUNS} runs each, alternating; → 24 kHz mono 16-bit WAV, first {_max_seconds():g} s",
                )
            )
            adapter_memory = _memory_in_child("adapter", source)
            raw_memory = _memory_in_child("raw", source)
            floor_memory = _memory_in_child("floor", source)
            upload = adapter_memory["upload_bytes"]
            total_kib = adapter_memory["python_kib"] + adapter_memory["ffmpeg_kib"]
            results.append(
                Result(
                    "4. clone conversion (peak memory)",
                    label,
                    f"{total_kib / 1024:.1f} MiB above baseline (Python +{adapter_memory['python_kib'] / 1024:.1f}"
                    f" MiB, ffmpeg {adapter_memory['ffmpeg_kib'] / 1024:.1f} MiB)",
                    f"upload {upload / MIB:.2f} MiB; ffmpeg CLI {raw_memory['ffmpeg_kib'] / 1024:.1f} MiB",
                    total_kib * 1024 / upload,
                    MEMORY_TARGET,
                    f"ratio = peak / upload size (method in scripts/bench/clone_conversion.py); the ffmpeg binary "
                    f"alone holds {floor_memory['ffmpeg_kib'] / 1024:.1f} MiB (0.1 s of silence); output WAV "
                    f"{adapter_memory['output_bytes'] / MIB:.2f} MiB",
                )
            )
    return results


if __name__ == "__main__":
    import os

    from scripts.bench.common import BENCH_ENVIRONMENT

    os.environ.update(BENCH_ENVIRONMENT)
    if len(sys.argv) == 3:
        print(json.dumps(measure_memory(sys.argv[1], Path(sys.argv[2]))))
    else:
        for row in run():
            print(row)
