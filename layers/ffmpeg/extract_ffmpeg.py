"""Copy the ffmpeg binary out of the imageio-ffmpeg wheel into the layer and check it is an arm64 executable."""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

BINARY_IN_WHEEL = "imageio_ffmpeg/binaries/ffmpeg-linux-aarch64-v9.0.2"
ELF_MACHINE_AARCH64 = 0xB7


def main(wheel_dir: str, destination: str) -> int:
    [wheel] = Path(wheel_dir).glob("imageio_ffmpeg-*-manylinux_2_28_aarch64.whl")
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive, archive.open(BINARY_IN_WHEEL) as source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink, length=1024 * 1024)
    header = target.read_bytes()[:20]
    if header[:4] != b"\x7fELF" or int.from_bytes(header[18:20], "little") != ELF_MACHINE_AARCH64:
        target.unlink()
        print(f"{BINARY_IN_WHEEL} is not an aarch64 ELF executable", file=sys.stderr)
        return 1
    target.chmod(0o755)
    print(f"ffmpeg layer binary: {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
