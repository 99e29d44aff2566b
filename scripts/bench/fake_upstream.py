"""Serve one provider's loopback fake (testsupport/fakes) from its own process, as a real upstream would be.

`python -m scripts.bench.fake_upstream PROVIDER SECONDS [paced]` prints one JSON line with the fake's URLs and serves
until its stdin closes. In-process fakes would share the GIL with the code being measured and distort both sides.
`paced`: about 300 ms to first audio, then audio no faster than real time, as a real provider answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scripts import REPO_ROOT
from scripts.bench.common import bench_env


def _build(provider: str) -> tuple[Any, dict[str, str]]:
    if provider == "edge":
        from testsupport.fakes.edge_fake import EdgeFake

        return EdgeFake(), {}
    if provider == "elevenlabs":
        from testsupport.fakes.elevenlabs_fake import API_KEY, ElevenLabsFake

        return ElevenLabsFake(), {"api_key": API_KEY}
    if provider == "dashscope":
        from testsupport.fakes.dashscope_qwen_fake import API_KEY, QwenRealtimeFake

        return QwenRealtimeFake(), {"api_key": API_KEY}
    if provider == "cosyvoice":
        from testsupport.fakes.dashscope_cosyvoice_fake import API_KEY, CosyVoiceFake

        return CosyVoiceFake(), {"api_key": API_KEY}
    raise SystemExit(f"no fake for {provider!r}")


def serve(provider: str, seconds: float, paced: bool = False) -> None:
    from testsupport.fakes.tts_loopback import INSTANT, LIKE_A_PROVIDER, LoopbackServer

    fake, extra = _build(provider)
    fake.audio_seconds = seconds
    fake.pacing = LIKE_A_PROVIDER if paced else INSTANT
    fake.server = LoopbackServer(fake.app).start()
    try:
        url = fake.url if hasattr(type(fake), "url") else fake.server.base_url
        print(json.dumps({"url": url, "base_url": fake.server.base_url, **extra}), flush=True)
        sys.stdin.read()  # until the parent closes the pipe
    finally:
        fake.server.stop()


@contextmanager
def fake_upstream(provider: str, seconds: float, *, paced: bool = False) -> Iterator[dict[str, str]]:
    """Run the fake in a child process; yields its `url`, `base_url` and, where it checks one, `api_key`."""
    child = subprocess.Popen(
        [sys.executable, "-m", "scripts.bench.fake_upstream", provider, str(seconds), *(["paced"] if paced else [])],
        cwd=REPO_ROOT,
        env=bench_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f"the {provider} fake did not start")
        yield json.loads(line)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    serve(sys.argv[1], float(sys.argv[2]), paced=sys.argv[3:] == ["paced"])
