"""Build the audio-only, LGPL ffmpeg of the ffmpeg layer from Debian's source package, for arm64 or x86_64.

The binary decodes exactly what the sample sniffer accepts and writes the 16-bit WAV the cloning providers want,
nothing else: no network, no devices, no video, no external libraries. It is linked statically, so it runs on any
Linux of its architecture whatever its glibc (Lambda's python3.12 runtime is Amazon Linux 2023, glibc 2.34). arm64 is
cross-compiled with Debian's gcc-aarch64-linux-gnu and keeps NEON; x86_64 keeps its assembly (nasm).

Source: the upstream tarball of Debian's ffmpeg source package (`apt-get source --download-only`, through a private
apt state that adds deb-src entries for the machine's own Debian mirrors), checked against a pinned sha256.

Builds are cached outside the work tree (FFMPEG_CACHE_DIR, default ~/.cache/opentalking-ffmpeg), keyed by a hash of
everything that decides the binary: the source hash, the configure line, the compile steps and the compiler's
version. A cached build is reused by every clone and worktree of the project; a change to any input builds anew.

    python scripts/build_ffmpeg.py --architecture arm64 --install-to DIR   # DIR/bin/ffmpeg and DIR/share/doc/ffmpeg
    python scripts/build_ffmpeg.py --architecture host --print-path        # build if needed, print the binary's path
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

# Debian 12's ffmpeg (security suite). A new Debian revision replaces this one in the archive: then update all three.
SOURCE_PACKAGE: Final = "ffmpeg=7:5.1.9-0+deb12u1"
SOURCE_TARBALL: Final = "ffmpeg_5.1.9.orig.tar.xz"
SOURCE_SHA256: Final = "d9b593bb2ba93d4b50f74177e0cdcd41747e708596367deed0c30348a71dd176"
LICENSE_FILES: Final = ("COPYING.LGPLv2.1", "LICENSE.md")

# What the conversion (shared/voice_service/adapters/audio/ffmpeg.py) uses for each container the sniffer accepts
# (sniff.py): the forced demuxer, the codecs those containers carry for audio, the parsers the raw demuxers need,
# the filters ffmpeg's command line inserts for -ac/-ar (aformat, aresample) and -t, and the WAV output; and, for
# /v1/audio/speech's `aac` (functions/openai_speech): WAV in, ffmpeg's native AAC encoder, ADTS out.
DEMUXERS: Final = ("wav", "mp3", "flac", "ogg", "mov", "matroska", "aac")
DECODERS: Final = (
    # WAV: integer and float PCM, A-law/mu-law, the two ADPCMs Windows recorders write.
    "pcm_s16le",
    "pcm_s24le",
    "pcm_s32le",
    "pcm_f32le",
    "pcm_f64le",
    "pcm_u8",
    "pcm_alaw",
    "pcm_mulaw",
    "adpcm_ms",
    "adpcm_ima_wav",
    # MPEG audio (the sniffer accepts layers I to III), FLAC, Ogg/WebM's Opus and Vorbis, MP4/ADTS's AAC and ALAC.
    "mp1float",
    "mp2float",
    "mp3float",
    "flac",
    "opus",
    "vorbis",
    "aac",
    "alac",
)
PARSERS: Final = ("mpegaudio", "flac", "opus", "vorbis", "aac")
FILTERS: Final = ("abuffer", "abuffersink", "aformat", "anull", "aresample", "atrim")
ENCODERS: Final = ("pcm_s16le", "aac")
MUXERS: Final = ("wav", "adts")
COMMON_CONFIGURE: Final = (
    "--disable-everything",
    "--disable-autodetect",
    "--disable-network",
    "--disable-doc",
    "--disable-debug",
    "--disable-programs",
    "--enable-ffmpeg",
    "--disable-avdevice",
    "--disable-swscale",
    "--disable-postproc",
    "--enable-swresample",
    "--enable-static",
    "--disable-shared",
    "--extra-ldflags=-static",
    "--enable-protocol=pipe,file",
    f"--enable-demuxer={','.join(DEMUXERS)}",
    f"--enable-decoder={','.join(DECODERS)}",
    f"--enable-parser={','.join(PARSERS)}",
    f"--enable-filter={','.join(FILTERS)}",
    f"--enable-encoder={','.join(ENCODERS)}",
    f"--enable-muxer={','.join(MUXERS)}",
)
# Neither --enable-gpl nor --enable-nonfree: the result is LGPL v2.1 or later (checked after configure).
FORBIDDEN_OPTIONS: Final = ("--enable-gpl", "--enable-nonfree", "--enable-version3")


@dataclass(frozen=True)
class Target:
    architecture: str  # Lambda's name
    machine: str  # ELF / uname name
    configure: tuple[str, ...]
    cross_prefix: str  # "" for a native build
    simd_marker: str  # a line configure prints when the SIMD code is on

    @property
    def compiler(self) -> str:
        return f"{self.cross_prefix}gcc"


TARGETS: Final = {
    "arm64": Target(
        "arm64",
        "aarch64",
        (
            "--enable-cross-compile",
            "--cross-prefix=aarch64-linux-gnu-",
            "--arch=aarch64",
            "--target-os=linux",
            "--enable-neon",
        ),
        "aarch64-linux-gnu-",
        "NEON enabled              yes",
    ),
    "x86_64": Target("x86_64", "x86_64", ("--enable-x86asm",), "", "x86 assembler             nasm"),
}
HOST_ARCHITECTURE: Final = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
# Debian packages the build needs; installed when missing (make test must work on a fresh machine).
BUILD_PACKAGES: Final = {"arm64": ("gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"), "x86_64": ("gcc", "nasm")}
BUILD_TOOLS: Final = {"arm64": ("aarch64-linux-gnu-gcc", "make", "xz"), "x86_64": ("gcc", "nasm", "make", "xz")}


def cache_root() -> Path:
    configured = os.environ.get("FFMPEG_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "opentalking-ffmpeg"


def configure_options(target: Target) -> tuple[str, ...]:
    return COMMON_CONFIGURE + target.configure


def build_key(target: Target) -> str:
    """A hash of every input that decides the binary, so a cached build is reused only when nothing changed."""
    compiler = subprocess.run([target.compiler, "--version"], capture_output=True, text=True, check=True).stdout
    digest = hashlib.sha256()
    recipe = inspect.getsource(compile_ffmpeg)
    for part in (SOURCE_SHA256, " ".join(configure_options(target)), recipe, compiler):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_build_tools(architecture: str) -> None:
    missing = [tool for tool in BUILD_TOOLS[architecture] if shutil.which(tool) is None]
    if not missing:
        return
    print(f"ffmpeg build: installing {', '.join(BUILD_PACKAGES[architecture])} (missing: {', '.join(missing)})")
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]
    subprocess.run([*apt, "update", "-qq"], check=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    packages = [*BUILD_PACKAGES[architecture], "make", "xz-utils"]
    subprocess.run([*apt, "install", "-y", "-qq", "--no-install-recommends", *packages], check=True, env=env)


def debian_source_entries() -> str:
    """deb-src twins of the machine's Debian `deb` entries (same mirrors, suites and keys), as one-line entries."""
    lines: list[str] = []
    sources_dir = Path("/etc/apt/sources.list.d")
    for path in sorted(sources_dir.glob("*.sources")) if sources_dir.is_dir() else []:
        for stanza in path.read_text().split("\n\n"):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith(("#", " ")):
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.strip()
            is_debian = "debian-archive-keyring" in fields.get("signed-by", "")
            if "deb" not in fields.get("types", "").split() or not is_debian:
                continue
            for uri in fields.get("uris", "").split():
                for suite in fields.get("suites", "").split():
                    lines.append(
                        f"deb-src [signed-by={fields['signed-by']}] {uri} {suite} {fields.get('components', 'main')}"
                    )
    legacy = Path("/etc/apt/sources.list")
    for line in legacy.read_text().splitlines() if legacy.is_file() else []:
        if line.startswith("deb ") and "/debian" in line:
            lines.append("deb-src " + line.removeprefix("deb "))
    if not lines:
        raise SystemExit("ffmpeg build: no Debian apt source found in /etc/apt to fetch the ffmpeg source package from")
    return "\n".join(lines) + "\n"


def fetch_source(cache: Path) -> Path:
    """The pinned upstream tarball, downloaded once through apt-get and checked against its sha256."""
    tarball = cache / "sources" / SOURCE_TARBALL
    if tarball.is_file() and sha256_of(tarball) == SOURCE_SHA256:
        return tarball
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ffmpeg-source-") as scratch_name:
        scratch = Path(scratch_name)
        (scratch / "lists" / "partial").mkdir(parents=True)
        (scratch / "sources.list").write_text(debian_source_entries())
        apt = [
            "apt-get",
            "-qq",
            "-o",
            f"Dir::Etc::SourceList={scratch / 'sources.list'}",
            "-o",
            "Dir::Etc::SourceParts=/dev/null",
            "-o",
            f"Dir::State::Lists={scratch / 'lists'}",
            "-o",
            f"Dir::Cache={scratch / 'cache'}",
            "-o",
            "APT::Sandbox::User=root",
        ]
        subprocess.run([*apt, "update"], check=True)
        download = scratch / "download"
        download.mkdir()
        result = subprocess.run([*apt, "source", "--download-only", SOURCE_PACKAGE], cwd=download, check=False)
        if result.returncode != 0:
            raise SystemExit(
                f"ffmpeg build: apt-get could not download {SOURCE_PACKAGE}; if Debian has replaced that revision,"
                " update SOURCE_PACKAGE, SOURCE_TARBALL and SOURCE_SHA256 in scripts/build_ffmpeg.py"
            )
        downloaded = download / SOURCE_TARBALL
        actual = sha256_of(downloaded)
        if actual != SOURCE_SHA256:
            raise SystemExit(f"ffmpeg build: {SOURCE_TARBALL} has sha256 {actual}, expected {SOURCE_SHA256}")
        # Copied next to its final name first, so that a concurrent build never reads half a tarball.
        partial = tarball.with_name(f".{tarball.name}.{os.getpid()}")
        shutil.copyfile(downloaded, partial)
        os.replace(partial, tarball)
    return tarball


def compile_ffmpeg(target: Target, tarball: Path, output: Path) -> None:
    """Configure, check the license and SIMD lines, build, strip, and lay out bin/ and share/doc/ffmpeg in output."""
    options = configure_options(target)
    assert not set(options) & set(FORBIDDEN_OPTIONS), "the layer's ffmpeg must stay LGPL"
    with tempfile.TemporaryDirectory(prefix=f"ffmpeg-build-{target.architecture}-") as scratch_name:
        scratch = Path(scratch_name)
        subprocess.run(["tar", "-xf", str(tarball), "-C", str(scratch)], check=True)
        [source] = [path for path in scratch.iterdir() if path.is_dir()]
        configured = subprocess.run(["./configure", *options], cwd=source, capture_output=True, text=True, check=False)
        if configured.returncode != 0:
            sys.stderr.write(configured.stdout[-4000:] + configured.stderr[-4000:])
            raise SystemExit(f"ffmpeg build: configure failed for {target.architecture}")
        summary = configured.stdout
        if "License: LGPL version 2.1 or later" not in summary:
            raise SystemExit("ffmpeg build: configure did not report an LGPL v2.1+ build")
        if target.simd_marker not in summary:
            raise SystemExit(f"ffmpeg build: configure turned off the SIMD code ({target.simd_marker!r} missing)")
        jobs = str(os.cpu_count() or 2)
        # The compiler's warnings about ffmpeg's own code would bury the test run's output: shown only on failure.
        log = scratch / "make.log"
        with log.open("wb") as sink:
            made = subprocess.run(["make", f"-j{jobs}", "ffmpeg"], cwd=source, stdout=sink, stderr=subprocess.STDOUT)
        if made.returncode != 0:
            sys.stderr.write(log.read_text(errors="replace")[-6000:])
            raise SystemExit(f"ffmpeg build: make failed for {target.architecture}")
        subprocess.run([f"{target.cross_prefix}strip", "ffmpeg"], cwd=source, check=True)
        (output / "bin").mkdir(parents=True)
        shutil.copy2(source / "ffmpeg", output / "bin" / "ffmpeg")
        docs = output / "share" / "doc" / "ffmpeg"
        docs.mkdir(parents=True)
        for name in LICENSE_FILES:
            shutil.copy2(source / name, docs / name)
        compiler = subprocess.run([target.compiler, "--version"], capture_output=True, text=True, check=True)
        (docs / "BUILD.txt").write_text(
            "Audio-only ffmpeg for the voice service's ffmpeg layer. License: LGPL v2.1 or later (COPYING.LGPLv2.1).\n"
            f"Source: Debian source package {SOURCE_PACKAGE}, upstream tarball {SOURCE_TARBALL}"
            f" (sha256 {SOURCE_SHA256}), unmodified.\n"
            f"Compiler: {compiler.stdout.splitlines()[0]}\n"
            f"Configure line:\n./configure {' '.join(options)}\n"
            "Then: make ffmpeg, strip ffmpeg. The binary is statically linked.\n"
        )


def built(architecture: str) -> Path:
    """The cached build for `architecture` (a directory with bin/ffmpeg and share/doc/ffmpeg), building it if needed."""
    target = TARGETS[architecture]
    ensure_build_tools(architecture)
    cache = cache_root()
    destination = cache / f"{architecture}-{build_key(target)}"
    if (destination / "bin" / "ffmpeg").is_file():
        return destination
    tarball = fetch_source(cache)
    print(f"ffmpeg build: compiling the audio-only ffmpeg for {architecture} (a few minutes, cached afterwards)")
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=cache))
    try:
        compile_ffmpeg(target, tarball, staging)
        # Another build may have finished first; either result is the same.
        try:
            staging.rename(destination)
        except OSError:
            if not (destination / "bin" / "ffmpeg").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def cached_binary(architecture: str | None = HOST_ARCHITECTURE) -> Path | None:
    """The cached build's binary for `architecture` (this machine's by default), or None if it was never built."""
    target = TARGETS.get(architecture or "")
    if target is None or shutil.which(target.compiler) is None:
        return None
    binary = cache_root() / f"{target.architecture}-{build_key(target)}" / "bin" / "ffmpeg"
    return binary if binary.is_file() else None


def host_binary() -> Path:
    """This machine's audio-only ffmpeg, which the local run and the tests convert with; a clear error if missing."""
    binary = cached_binary()
    if binary is None:
        raise RuntimeError(
            f"The audio-only ffmpeg for this machine ({platform.machine()}) is not built: run `make ffmpeg`"
            " (make run and make test do it first)."
        )
    return binary


def install(build: Path, destination: Path) -> None:
    for part in ("bin", "share"):
        shutil.rmtree(destination / part, ignore_errors=True)
        shutil.copytree(build / part, destination / part)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architecture", choices=[*TARGETS, "host"], default="host")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--install-to", type=Path, help="copy bin/ffmpeg and share/doc/ffmpeg into this directory")
    action.add_argument("--print-path", action="store_true", help="print the cached binary's path")
    args = parser.parse_args(argv)
    architecture = HOST_ARCHITECTURE if args.architecture == "host" else args.architecture
    if architecture not in TARGETS:
        raise SystemExit(f"ffmpeg build: no target for this machine ({platform.machine()})")
    build = built(architecture)
    if args.install_to:
        install(build, args.install_to)
        print(f"ffmpeg layer ({architecture}): {args.install_to / 'bin' / 'ffmpeg'}")
    else:
        print(build / "bin" / "ffmpeg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
