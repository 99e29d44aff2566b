"""Copy the ffmpeg binary out of the imageio-ffmpeg wheel into the layer; check it is for the right architecture."""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

# Wheel architecture → ELF e_machine of its binary.
ELF_MACHINES = {"aarch64": 0xB7, "x86_64": 0x3E}


def main(wheel_dir: str, destination: str, arch: str = "aarch64") -> int:
    binary_in_wheel = f"imageio_ffmpeg/binaries/ffmpeg-linux-{arch}-v9.0.2"
    [wheel] = Path(wheel_dir).glob(f"imageio_ffmpeg-*-manylinux_2_28_{arch}.whl")
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive, archive.open(binary_in_wheel) as source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink, length=1024 * 1024)
    header = target.read_bytes()[:20]
    if header[:4] != b"\x7fELF" or int.from_bytes(header[18:20], "little") != ELF_MACHINES[arch]:
        target.unlink()
        print(f"{binary_in_wheel} is not an {arch} ELF executable", file=sys.stderr)
        return 1
    target.chmod(0o755)
    print(f"ffmpeg layer binary: {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
