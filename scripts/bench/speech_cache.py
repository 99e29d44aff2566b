"""Benchmark 8: a cached preview (hit, and 304) against an uncached one (miss), through lambda_handler.

The provider is the Edge fake paced like a real one (about 300 ms to first audio, then real time) in its own
process; S3 is moto's server over HTTP in its own process. A miss is a new text each time (a read that finds
nothing, the synthesis, the write); a hit repeats one text; the 304 repeats it with its ETag in If-None-Match.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout

from scripts import REPO_ROOT
from scripts.bench.common import BENCH_ENVIRONMENT, Result, bench_env, median_and_p95, ms, time_calls
from scripts.bench.fake_upstream import fake_upstream

# Issue 13: a hit at least 20 times faster than a miss, i.e. at most 1/20 of its time.
TARGET = 1 / 20
MISS_RUNS = 10
HIT_RUNS = 25
WARMUP = 2
AUDIO_SECONDS = 1.0
TEXT = "你好，我正在测试音色。"  # the web client's preview sentence
EDGE_VOICE = "zh-CN-XiaoxiaoNeural"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """moto's S3 over HTTP in a child process (an in-process server would share the GIL with the handler)."""
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT,
        env=bench_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _invoke(body: dict[str, object], headers: dict[str, str] | None = None) -> Callable[[], dict[str, object]]:
    from functions.preview.app import lambda_handler
    from testsupport.apigw import FakeLambdaContext, load_event

    event = load_event("preview_web_client")
    for name, value in (headers or {}).items():
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    event["body"] = base64.b64encode(json.dumps(body, ensure_ascii=False).encode()).decode()
    event["isBase64Encoded"] = True
    context = FakeLambdaContext()

    def invoke() -> dict[str, object]:
        return lambda_handler(event, context)  # type: ignore[no-any-return]

    return invoke


def _expect(status: int, cache: str, call: Callable[[], dict[str, object]]) -> Callable[[], None]:
    def checked() -> None:
        result = call()
        headers = {name.lower(): value for name, value in (result.get("headers") or {}).items()}  # type: ignore[union-attr]
        if result["statusCode"] != status or headers.get("x-speech-cache") != cache:
            raise RuntimeError(f"expected {status} {cache}, got {result['statusCode']} {headers}")

    return checked


def run() -> list[Result]:
    import boto3

    from testsupport.wiring import FunctionWiring

    warnings.simplefilter("ignore")
    bucket = f"speech-cache-bench-{uuid.uuid4().hex[:8]}"
    with moto_s3_server() as endpoint, fake_upstream("edge", AUDIO_SECONDS, paced=True) as edge:
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        os.environ["AWS_ENDPOINT_URL_S3"] = endpoint  # boto3 reads it itself
        wiring = FunctionWiring(
            {
                **os.environ,
                "OPENTALKING_SPEECH_CACHE_BUCKET": bucket,
                "OPENTALKING_EDGE_TTS_URL": edge["url"],
                "OPENTALKING_TTS_SAMPLE_RATE": "16000",
            }
        )
        counter = iter(range(1_000_000))

        def miss() -> None:
            body = {"text": f"{TEXT} {next(counter)}", "tts_provider": "edge"}
            _expect(200, "miss", _invoke(body))()

        body = {"text": TEXT, "tts_provider": "edge"}
        with open(os.devnull, "w") as sink, redirect_stdout(sink):  # EMF metrics go to stdout, as in Lambda
            first = _invoke(body)()
            etag = {name.lower(): value for name, value in first["headers"].items()}["etag"]  # type: ignore[attr-defined]
            hit = _expect(200, "hit", _invoke(body))
            not_modified = _expect(304, "hit", _invoke(body, {"If-None-Match": etag}))
            for _ in range(WARMUP):
                miss()
                hit()
                not_modified()
            miss_samples = time_calls(miss, MISS_RUNS)
            hit_samples: list[float] = []
            not_modified_samples: list[float] = []
            for _ in range(HIT_RUNS):
                hit_samples += time_calls(hit, 1)
                not_modified_samples += time_calls(not_modified, 1)
        wiring.close()
        os.environ.pop("AWS_ENDPOINT_URL_S3", None)

    miss_median, miss_p95 = median_and_p95(miss_samples)
    results = []
    for label, samples in (("hit", hit_samples), ("304 (If-None-Match)", not_modified_samples)):
        median, p95 = median_and_p95(samples)
        results.append(
            Result(
                "8. preview cache (lambda_handler)",
                f"{label} vs miss, web client's sentence, edge",
                f"median {ms(median)}, p95 {ms(p95)}",
                f"miss median {ms(miss_median)}, p95 {ms(miss_p95)}",
                median / miss_median,
                TARGET,
                f"{miss_median / median:.0f}x faster; {len(samples)} runs, {MISS_RUNS} misses; S3 = moto server "
                f"over HTTP; Edge fake paced (300 ms to first audio, {AUDIO_SECONDS:g} s in real time)",
            )
        )
    return results


if __name__ == "__main__":
    os.environ.update(BENCH_ENVIRONMENT)
    for row in run():
        print(row)
