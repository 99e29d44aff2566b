"""A stand-in for `public.ecr.aws/lambda/python:3.12-x86_64`, cached in podman and rebuilt when its inputs change.

Built from Debian packages (debootstrap), this machine's CPython 3.12 and the official `awslambdaric` from PyPI.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts import REPO_ROOT
from scripts.sam_local.host import HostSetupError, run

IMAGE = "localhost/lambda-python:3.12-x86_64"
INPUTS_LABEL = "org.opentalking.sam-local.inputs"
HERE = Path(__file__).resolve().parent

BOOTSTRAP = HERE / "bootstrap"
RUNTIME_REQUIREMENTS = HERE / "runtime-requirements.txt"
DEV_REQUIREMENTS = REPO_ROOT / "requirements-dev.txt"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("SAM_LOCAL_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# Shared libraries the CPython build and common wheels load; the official image has their Amazon Linux equivalents.
DEBIAN_PACKAGES = "libssl3,libsqlite3-0,libffi8,libbz2-1.0,liblzma5,zlib1g,libexpat1,libncursesw6,ca-certificates"
# Parts of the Python installation a Lambda function never uses (about 140 MB of tests and GUI toolkits).
PYTHON_EXCLUDES = ("test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip", "site-packages", "config-3.12-*")
PROBE = "import ssl, sqlite3, ctypes, lzma, bz2, zlib, awslambdaric.bootstrap, boto3"
IMAGE_CHANGES = (
    "ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin",
    "ENV LAMBDA_TASK_ROOT=/var/task",
    "ENV LAMBDA_RUNTIME_DIR=/var/runtime",
    "ENV LANG=en_US.UTF-8",
    "ENV TZ=:/etc/localtime",
    "WORKDIR /var/task",
)


def python_prefix() -> Path:
    """The CPython 3.12 installation to copy: the one running this script (through its virtual environment)."""
    if sys.version_info[:2] != (3, 12):
        raise HostSetupError(f"the stand-in image needs CPython 3.12; this script runs on {sys.version.split()[0]}")
    return Path(sys.base_prefix)


def sdk_requirement() -> str:
    """The boto3 pin of requirements-dev.txt: the SDK the Lambda runtime provides, at the version the tests use."""
    match = re.search(r"^boto3==\S+", DEV_REQUIREMENTS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    if match is None:
        raise HostSetupError(f"no boto3 pin in {DEV_REQUIREMENTS}")
    return match.group(0)


def inputs_digest() -> str:
    """A digest of everything the image is built from; a different digest means the cached image is stale."""
    prefix = python_prefix()
    library = prefix / "lib" / "libpython3.12.so.1.0"
    recipe = (DEBIAN_SUITE, DEBIAN_PACKAGES, PYTHON_EXCLUDES, IMAGE_CHANGES, PROBE)
    parts = [
        # The build steps and their constants, not the whole module: a comment edit does not rebuild the image.
        inspect.getsource(build_rootfs).encode(),
        inspect.getsource(import_rootfs).encode(),
        repr(recipe).encode(),
        BOOTSTRAP.read_bytes(),
        RUNTIME_REQUIREMENTS.read_bytes(),
        sdk_requirement().encode(),
        f"{sys.version} {prefix}".encode(),
        str(library.stat().st_size if library.exists() else 0).encode(),
    ]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def cached_digest() -> str | None:
    """The inputs label of the image already in podman's store, or None when there is no such image."""
    result = subprocess.run(
        ["podman", "image", "inspect", IMAGE, "--format", f'{{{{index .Labels "{INPUTS_LABEL}"}}}}'],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None if result.returncode == 0 else None


def ensure_stand_in_image() -> str:
    """Build the image unless an image with the same inputs is cached; return its name."""
    digest = inputs_digest()
    if cached_digest() == digest:
        return IMAGE
    print(f"sam-local: building {IMAGE} (inputs {digest}); this takes a minute once", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="sam-local-rootfs-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        build_rootfs(rootfs)
        import_rootfs(rootfs, digest)
    remove_stale_emulation_images()
    return IMAGE


def build_rootfs(rootfs: Path) -> None:
    run(["debootstrap", "--variant=minbase", f"--include={DEBIAN_PACKAGES}", DEBIAN_SUITE, str(rootfs), DEBIAN_MIRROR])
    # CPython at /var/lang, where the official image has it; pyenv-style builds find libpython through ld.so.conf.
    excluded = shutil.ignore_patterns(*PYTHON_EXCLUDES)
    shutil.copytree(python_prefix(), rootfs / "var" / "lang", symlinks=True, ignore=excluded)
    site_packages = rootfs / "var" / "lang" / "lib" / "python3.12" / "site-packages"
    site_packages.mkdir(parents=True, exist_ok=True)
    (rootfs / "etc" / "ld.so.conf.d" / "var-lang.conf").write_text("/var/lang/lib\n", encoding="utf-8")
    run(["chroot", str(rootfs), "/sbin/ldconfig"])
    runtime_dir = rootfs / "var" / "runtime"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, "--target", str(runtime_dir), "-r", str(RUNTIME_REQUIREMENTS)])
    run([*pip, "--target", str(site_packages), sdk_requirement()])
    shutil.copy2(BOOTSTRAP, runtime_dir / "bootstrap")
    (runtime_dir / "bootstrap").chmod(0o755)
    for directory in ("var/task", "opt", "tmp"):
        (rootfs / directory).mkdir(parents=True, exist_ok=True)
    # Prove the interpreter and the runtime client load inside the root file system before importing it.
    run(["chroot", str(rootfs), "/usr/bin/env", "PYTHONPATH=/var/runtime", "/var/lang/bin/python3.12", "-c", PROBE])


def import_rootfs(rootfs: Path, digest: str) -> None:
    changes = [*IMAGE_CHANGES, f"LABEL {INPUTS_LABEL}={digest}"]
    command = ["podman", "import", *(arg for change in changes for arg in ("--change", change)), "-", IMAGE]
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    try:
        run(command, stdin=tar.stdout)
    finally:
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0:
            raise HostSetupError("tar of the stand-in root file system failed")


def remove_stale_emulation_images() -> None:
    """Remove the images `sam local` layered on an older stand-in (it reuses them when told --skip-pull-image)."""
    result = run(["podman", "images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"])
    for line in result.stdout.splitlines():
        image_id, name = line.split(" ", 1)
        if name.removeprefix("docker.io/").startswith(("localhost/lambda-python:rapid-", "samcli/lambda-python")):
            subprocess.run(["podman", "rmi", "--force", image_id], capture_output=True, check=False)
