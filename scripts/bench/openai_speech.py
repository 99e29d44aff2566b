"""Benchmark 10: POST /v1/audio/speech (mp3) against POST /tts/preview of the same provider, text and fake.

Both are whole `lambda_handler` invocations (Powertools, Mangum, routing, validation, the provider's SDK against its
loopback fake in its own process, or eSpeak NG in-process), alternating so noise hits both alike. The speech answer
is 24 kHz MP3 (LAME through lameenc); the preview's is a 16 kHz WAV. The speech cache is off for both (no
OPENTALKING_SPEECH_CACHE_BUCKET; benchmark 8 measures it), so every call synthesizes. The difference is what the
OpenAI surface costs over the preview: its naming and MP3 encoding in place of a WAV header.
"""

from __future__ import annotations

import base64
import json
import os
import warnings
from collections.abc import Callable
from contextlib import redirect_stdout

from scripts.bench.common import BENCH_ENVIRONMENT, Result, median_and_p95, ms, time_calls
from scripts.bench.fake_upstream import fake_upstream
from scripts.bench.preview_overhead import AUDIO_SECONDS, EDGE_VOICE, TEXT, _set_environment

RUNS = 25
WARMUP = 3
BENCHMARK = "10. OpenAI speech vs preview (lambda_handler)"


def _speech_call(model: str, voice: str) -> Callable[[], int]:
    from functions.openai_speech.app import lambda_handler
    from testsupport.apigw import FakeLambdaContext, load_event

    event = load_event("openai_speech_espeak_mp3")
    body = {"model": model, "voice": voice, "input": TEXT, "response_format": "mp3"}
    event["body"] = _as_api_gateway_sends(body)
    event["isBase64Encoded"] = True
    context = FakeLambdaContext()

    def invoke() -> int:
        result = lambda_handler(event, context)
        if result["statusCode"] != 200:
            raise RuntimeError(f"{model} speech failed: {result['body'][:300]}")
        return len(result["body"])

    return invoke


def _preview_call(provider: str, voice: str) -> Callable[[], int]:
    from functions.preview.app import lambda_handler
    from testsupport.apigw import FakeLambdaContext, load_event

    event = load_event("preview_web_client")
    event["body"] = _as_api_gateway_sends({"text": TEXT, "provider": provider, "voice": voice})
    event["isBase64Encoded"] = True
    context = FakeLambdaContext()

    def invoke() -> int:
        result = lambda_handler(event, context)
        if result["statusCode"] != 200:
            raise RuntimeError(f"{provider} preview failed: {result['body'][:300]}")
        return len(result["body"])

    return invoke


def _as_api_gateway_sends(body: dict[str, str]) -> str:
    """API Gateway hands every body over base64-encoded (the API lists */* as binary), as events/ records it."""
    return base64.b64encode(json.dumps(body).encode("utf-8")).decode("ascii")


def _alternate(first: Callable[[], int], second: Callable[[], int]) -> tuple[list[float], list[float], int, int]:
    for _ in range(WARMUP):
        first()
        second()
    first_samples: list[float] = []
    second_samples: list[float] = []
    for _ in range(RUNS):
        first_samples += time_calls(first, 1)
        second_samples += time_calls(second, 1)
    return first_samples, second_samples, first(), second()


def run() -> list[Result]:
    warnings.simplefilter("ignore")  # Powertools warns on every invocation that adds no metric
    _set_environment(OPENTALKING_TTS_SAMPLE_RATE="16000", OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS="10")
    measured: dict[str, tuple[list[float], list[float], int, int]] = {}
    with open(os.devnull, "w") as sink, redirect_stdout(sink):
        with fake_upstream("edge", AUDIO_SECONDS) as edge:
            _set_environment(OPENTALKING_EDGE_TTS_URL=edge["url"])
            measured["edge"] = _alternate(_speech_call("edge", f"edge:{EDGE_VOICE}"), _preview_call("edge", EDGE_VOICE))
        measured["espeak"] = _alternate(_speech_call("espeak", "espeak:en-us"), _preview_call("espeak", "en-us"))
    results = []
    for provider, (speech, preview, speech_body, preview_body) in measured.items():
        median, p95 = median_and_p95(speech)
        base_median, base_p95 = median_and_p95(preview)
        audio = f"{AUDIO_SECONDS:g} s of fake audio" if provider == "edge" else "eSpeak NG's own speech"
        results.append(
            Result(
                BENCHMARK,
                f"{provider}, {len(TEXT)} chars, mp3",
                f"median {ms(median)}, p95 {ms(p95)}",
                f"preview (WAV 16 kHz) median {ms(base_median)}, p95 {ms(base_p95)}",
                median / base_median,
                None,
                f"difference {ms(median - base_median)}; {RUNS} runs alternating; {audio}; response bodies "
                f"(base64) {speech_body / 1000:.0f} kB mp3 vs {preview_body / 1000:.0f} kB wav",
            )
        )
    return results


if __name__ == "__main__":
    os.environ.update(BENCH_ENVIRONMENT)
    for row in run():
        print(row)
