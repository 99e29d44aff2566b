"""The ffmpeg layer as `sam build` ships it: an audio-only, static, LGPL ffmpeg for each architecture.

The arm64 binary (what Lambda runs) is executed here through Debian's qemu-user-static: it converts every container
the sniffer accepts with the adapter's exact flags, and its WAV must match the x86_64 binary's.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from scripts.build_ffmpeg import DECODERS, DEMUXERS, ENCODERS, FORBIDDEN_OPTIONS, MUXERS
from tests.template.conftest import ARCHITECTURES, Build
from testsupport.fakes.clone_support import ENCODINGS, make_sample
from testsupport.fakes.dashscope_enrollment_fake import describe_wav
from voice_service.adapters.audio.encoders import LibraryAudioEncoder
from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ELF_MACHINES = {"x86_64": "EM_X86_64", "arm64": "EM_AARCH64"}
QEMU = "qemu-aarch64-static"
# Different SIMD code (NEON against SSE/AVX) may round a float decoder's or the resampler's output differently in
# the last bit; anything more would be a different decode.
MAX_SAMPLE_DIFFERENCE = 4
WAV_HEADER_BYTES = 44  # the adapter writes -bitexact WAV: the canonical header


def layer_dir(build: Build) -> Path:
    (layer,) = build.functions["CloneVoiceFunction"].layer_dirs
    return layer


def run_ffmpeg(build: Build, *arguments: str) -> str:
    """ffmpeg of that build with `arguments`, natively or, for arm64, under qemu; its standard output."""
    binary = str(layer_dir(build) / "bin" / "ffmpeg")
    command = [QEMU, binary] if build.architecture == "arm64" else [binary]
    completed = subprocess.run(
        [*command, "-hide_banner", *arguments], capture_output=True, text=True, timeout=120, check=True
    )
    return completed.stdout


def listed_names(listing: str) -> set[str]:
    """The names of an `ffmpeg -demuxers` / `-decoders` / `-encoders` / `-muxers` table (after its legend)."""
    body = listing.split(" --\n", 1)[1] if " --\n" in listing else listing.split("------\n", 1)[1]
    return {line.split()[1] for line in body.splitlines() if line.strip()}


@pytest.fixture(scope="session")
def qemu() -> str:
    if shutil.which(QEMU) is None:
        pytest.fail(f"{QEMU} is missing: `make test` installs Debian's qemu-user-static first")
    return QEMU


@pytest.fixture(scope="session")
def arm64_ffmpeg_wrapper(builds: dict[str, Build], qemu: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An executable that runs the arm64 layer binary under qemu: the adapter starts it like any ffmpeg."""
    wrapper = tmp_path_factory.mktemp("qemu") / "ffmpeg"
    binary = layer_dir(builds["arm64"]) / "bin" / "ffmpeg"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which(qemu)} "{binary}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_layer_binary_is_a_static_executable_for_its_architecture(builds: dict[str, Build], architecture: str) -> None:
    with (layer_dir(builds[architecture]) / "bin" / "ffmpeg").open("rb") as file:
        elf = ELFFile(file)
        segments = {segment["p_type"] for segment in elf.iter_segments()}
        assert elf["e_machine"] == ELF_MACHINES[architecture]
    # No program interpreter and no dynamic section: nothing is loaded from the runtime's glibc (AL2023: 2.34).
    assert "PT_LOAD" in segments
    assert not segments & {"PT_INTERP", "PT_DYNAMIC"}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_layer_ships_the_lgpl_text_and_the_exact_configure_line(
    builds: dict[str, Build], qemu: str, architecture: str
) -> None:
    build = builds[architecture]
    docs = layer_dir(build) / "share" / "doc" / "ffmpeg"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (docs / "COPYING.LGPLv2.1").read_text()
    assert (docs / "LICENSE.md").is_file()
    recorded = (docs / "BUILD.txt").read_text().split("./configure ", 1)[1].splitlines()[0].split()
    # The binary reports the configure line it was built with (quoting lists) and its license
    built_with = run_ffmpeg(build, "-buildconf").replace("'", "").split()
    assert [option for option in built_with if option.startswith("--")] == recorded
    assert not set(recorded) & set(FORBIDDEN_OPTIONS)
    assert "GNU Lesser General Public License" in " ".join(run_ffmpeg(build, "-L").split())
    assert ("--enable-neon" in recorded) == (architecture == "arm64")


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_layer_binary_reads_and_writes_only_what_the_conversion_needs(
    builds: dict[str, Build], qemu: str, architecture: str
) -> None:
    build = builds[architecture]
    demuxers = {name.split(",")[0] for name in listed_names(run_ffmpeg(build, "-demuxers"))}
    assert demuxers == set(DEMUXERS)
    assert listed_names(run_ffmpeg(build, "-decoders")) == set(DECODERS)
    assert listed_names(run_ffmpeg(build, "-encoders")) == set(ENCODERS)
    assert listed_names(run_ffmpeg(build, "-muxers")) == set(MUXERS)
    # No network, no devices: reading and writing go through files and pipes only
    inputs, outputs = run_ffmpeg(build, "-protocols").split("Input:", 1)[1].split("Output:")
    assert set(inputs.split()) == set(outputs.split()) == {"file", "pipe"}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_arm64_layer_converts_every_accepted_container_like_x86_64(
    builds: dict[str, Build], arm64_ffmpeg_wrapper: str, encoding: str
) -> None:
    # GIVEN a 3.5 s tone in the container, and the adapter driving each architecture's layer binary
    sample = make_sample(encoding)
    options = {"max_seconds": 60, "min_seconds": 3, "timeout_seconds": 120}
    native = str(layer_dir(builds["x86_64"]) / "bin" / "ffmpeg")

    # WHEN both convert it with the adapter's exact flags (arm64 under qemu)
    x86_64 = FfmpegSampleConverter(ffmpeg_exe=native, **options).to_clone_wav(sample)
    arm64 = FfmpegSampleConverter(ffmpeg_exe=arm64_ffmpeg_wrapper, **options).to_clone_wav(sample)

    # THEN the WAVs have the same format and length, and the samples agree to the last bits
    expected, actual = describe_wav(x86_64.wav), describe_wav(arm64.wav)
    assert (actual.sample_rate, actual.channels, actual.sample_width) == (24_000, 1, 2)
    assert (actual.sample_rate, actual.channels, actual.frames) == (
        expected.sample_rate,
        expected.channels,
        expected.frames,
    )
    assert arm64.duration_seconds == x86_64.duration_seconds
    reference = np.frombuffer(x86_64.wav[WAV_HEADER_BYTES:], "<i2").astype(np.int32)
    converted = np.frombuffer(arm64.wav[WAV_HEADER_BYTES:], "<i2").astype(np.int32)
    assert np.abs(reference).max() > 1000  # a tone, not silence
    assert np.abs(converted - reference).max() <= MAX_SAMPLE_DIFFERENCE


def test_arm64_layer_encodes_openais_aac_like_x86_64(builds: dict[str, Build], arm64_ffmpeg_wrapper: str) -> None:
    # GIVEN 3.5 s of a 24 kHz tone, as /v1/audio/speech hands its encoder
    rate = 24_000
    seconds = np.arange(int(rate * 3.5)) / rate
    pcm = (np.sin(2 * np.pi * 220 * seconds) * 8000).astype("<i2").tobytes()
    native = str(layer_dir(builds["x86_64"]) / "bin" / "ffmpeg")
    decoder = FfmpegSampleConverter(ffmpeg_exe=native, max_seconds=60, min_seconds=3, timeout_seconds=120)

    # WHEN the OpenAI function's encoder runs each architecture's layer binary (arm64 under qemu)
    for exe in (native, arm64_ffmpeg_wrapper):
        aac = LibraryAudioEncoder(ffmpeg_exe=exe).encode(pcm, rate, "aac")
        # THEN it is ADTS AAC (sync word 0xFFF) whose audio lasts as long as the speech
        assert aac[:2] in (b"\xff\xf1", b"\xff\xf9"), exe
        assert abs(decoder.to_clone_wav(aac).duration_seconds - 3.5) < 0.1, exe
