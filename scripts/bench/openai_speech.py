"""Benchmark 10: POST /v1/audio/speech (mp3) against POST /tts/preview of the same provider, text and fake.

Both are whole `lambda_handler` invocations (Powertools, Mangum, routing, validation, the provider's SDK against its
loopback fake in its own process, or eSpeak NG in-process), alternating so noise hits both alike. The speech answer
is 24 kHz MP3 (LAME through lameenc); the preview's is a 16 kHz WAV. The speech cache is off for both (no
OPENTALKING_SPEECH_CACHE_BUCKET; benchmark 8 measures it), so every call synthesizes. The difference is what the
OpenAI surface costs over the preview: its naming and MP3 encoding in place of a WAV header.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from contextlib import redirect_stdout

from scripts.bench.common import BENCH_ENVIRONMENT, Result, alternated, compared, handler_invocation
from scripts.bench.fake_upstream import fake_upstream
from scripts.bench.preview_overhead import AUDIO_SECONDS, EDGE_VOICE, TEXT, _handler_call, _set_environment

RUNS = 25
WARMUP = 3
BENCHMARK = "10. OpenAI speech vs preview (lambda_handler)"


def _speech_call(model: str, voice: str) -> Callable[[], int]:
    from functions.openai_speech.app import lambda_handler
    from testsupport.apigw import load_event

    body = {"model": model, "voice": voice, "input": TEXT, "response_format": "mp3"}
    return handler_invocation(lambda_handler, load_event("openai_speech_espeak_mp3"), body, f"{model} speech")


def _alternate(speech: Callable[[], int], preview: Callable[[], int]) -> tuple[list[float], list[float], int, int]:
    """Speech and preview samples, and the size of each one's answer."""
    speech_samples, preview_samples = alternated(speech, {"preview": preview}, RUNS, WARMUP)
    return speech_samples, preview_samples["preview"], speech(), preview()


def run() -> list[Result]:
    warnings.simplefilter("ignore")  # Powertools warns on every invocation that adds no metric
    _set_environment(OPENTALKING_TTS_SAMPLE_RATE="16000", OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS="10")
    measured: dict[str, tuple[list[float], list[float], int, int]] = {}
    with open(os.devnull, "w") as sink, redirect_stdout(sink):
        with fake_upstream("edge", AUDIO_SECONDS) as edge:
            _set_environment(OPENTALKING_EDGE_TTS_URL=edge["url"])
            measured["edge"] = _alternate(_speech_call("edge", f"edge:{EDGE_VOICE}"), _handler_call("edge", EDGE_VOICE))
        measured["espeak"] = _alternate(_speech_call("espeak", "espeak:en-us"), _handler_call("espeak", "en-us"))
    results = []
    for provider, (speech, preview, speech_body, preview_body) in measured.items():
        audio = f"{AUDIO_SECONDS:g} s of fake audio" if provider == "edge" else "eSpeak NG's own speech"
        results.append(
            compared(
                BENCHMARK,
                f"{provider}, {len(TEXT)} chars, mp3",
                speech,
                "preview (WAV 16 kHz)",
                preview,
                target=None,
                difference="difference",
                note=f"{RUNS} runs alternating; {audio}; response bodies (base64) {speech_body / 1000:.0f} kB mp3 vs "
                f"{preview_body / 1000:.0f} kB wav",
            )
        )
    return results


if __name__ == "__main__":
    os.environ.update(BENCH_ENVIRONMENT)
    for row in run():
        print(row)
