"""Benchmark 3: POST /tts/preview through lambda_handler against the provider SDK's own time, per loopback fake.

Each provider's fake (testsupport/fakes) answers instantly with a cached tone as long as a 200-character text spoken at
about 16 characters a second. The handler path is the whole Lambda invocation (Powertools, Mangum, routing,
validation, the adapter's SDK calls, decoding, resampling, the WAV, base64); the baseline makes the same SDK calls
the adapter makes, against the same fake, and only collects the audio. Runs alternate so noise hits both alike.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import warnings
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

from scripts.bench.common import BENCH_ENVIRONMENT, Result, median_and_p95, ms, time_calls
from scripts.bench.fake_upstream import fake_upstream

TARGET = 1.15
RUNS = 25
WARMUP = 3
TEXT = (
    "Welcome back to the studio. Today we are testing how quickly a new voice can read a short paragraph aloud, "
    "so listen closely to the rhythm, the pauses and the tone before you choose the voice you like best."
)[:200]
AUDIO_SECONDS = 12.0  # 200 characters at ~16 characters per second
SESSION_RATE = 16000  # the service's default OPENTALKING_TTS_SAMPLE_RATE
EDGE_VOICE = "en-US-AriaNeural"
ELEVENLABS_VOICE = "BenchVoice01"


def _edge_sdk(url: str) -> Callable[[], bytes]:
    import edge_tts
    import edge_tts.communicate

    def receive() -> bytes:
        edge_tts.communicate.WSS_URL = url
        communicate = edge_tts.Communicate(TEXT, EDGE_VOICE, connect_timeout=10, receive_timeout=10)

        async def collect() -> bytes:
            mp3 = bytearray()
            async for chunk in communicate.stream():
                if chunk["type"] == "audio":
                    mp3 += chunk["data"]
            return bytes(mp3)

        # A private loop, as the adapter has in its worker thread; the main thread's loop stays Mangum's.
        return asyncio.run(asyncio.wait_for(collect(), 10), loop_factory=asyncio.new_event_loop)

    return receive


def _elevenlabs_sdk(base_url: str, api_key: str) -> Callable[[], bytes]:
    import httpx
    from elevenlabs.client import ElevenLabs

    tls = httpx.create_ssl_context()  # built once, as the adapter does (the CA bundle takes ~15 ms to load)

    def receive() -> bytes:
        http = httpx.Client(timeout=10, verify=tls)
        client = ElevenLabs(api_key=api_key, base_url=base_url, timeout=10, httpx_client=http)
        try:
            chunks = client.text_to_speech.stream(
                ELEVENLABS_VOICE, text=TEXT, model_id="eleven_flash_v2_5", output_format=f"pcm_{SESSION_RATE}"
            )
            return b"".join(chunks)
        finally:
            http.close()

    return receive


def _qwen_sdk(url: str, api_key: str) -> Callable[[], bytes]:
    import dashscope
    from dashscope.audio.qwen_tts_realtime import AudioFormat, QwenTtsRealtime, QwenTtsRealtimeCallback

    class Collector(QwenTtsRealtimeCallback):
        def __init__(self) -> None:
            self.chunks: list[bytes] = []
            self.finished = threading.Event()

        def on_event(self, message: Any) -> None:
            if message.get("type") == "response.audio.delta":
                self.chunks.append(base64.b64decode(message["delta"]))
            elif message.get("type") == "session.finished":
                self.finished.set()

    def receive() -> bytes:
        dashscope.api_key = api_key
        collector = Collector()
        session = QwenTtsRealtime(model="qwen3-tts-flash-realtime", callback=collector, url=url)
        session.connect()
        session.update_session(voice="Cherry", response_format=AudioFormat.PCM_24000HZ_MONO_16BIT, mode="server_commit")
        session.append_text(TEXT)
        session.finish()
        if not collector.finished.wait(10):
            raise RuntimeError("the Qwen fake did not finish")
        session.ws.close(timeout=0)
        return b"".join(collector.chunks)

    return receive


def _cosyvoice_sdk(url: str, api_key: str) -> Callable[[], bytes]:
    import dashscope
    from dashscope.audio.tts_v2 import AudioFormat, SpeechSynthesizer

    def receive() -> bytes:
        dashscope.api_key = api_key
        synthesizer = SpeechSynthesizer(
            model="cosyvoice-v2", voice="longxiaochun_v2", format=AudioFormat.PCM_16000HZ_MONO_16BIT, url=url
        )
        audio = synthesizer.call(TEXT, timeout_millis=10_000)
        synthesizer.ws.close(timeout=0)
        return bytes(audio)

    return receive


def _espeak_library() -> Callable[[], bytes]:
    """eSpeak NG's own synthesis call through the same ctypes binding, at its native 22050 Hz."""
    from voice_service.adapters.tts import espeak

    engine = espeak._engine()
    encoded = TEXT.encode("utf-8") + b"\0"

    def receive() -> bytes:
        with engine.lock:
            engine.library.espeak_SetVoiceByName(b"en-us")
            engine.chunks.clear()
            engine.library.espeak_Synth(
                encoded, len(encoded), 0, espeak.POS_CHARACTER, 0, espeak.CHARS_UTF8, None, None
            )
            pcm = b"".join(engine.chunks)
            engine.chunks.clear()
        return pcm

    return receive


def _handler_call(provider: str, voice: str | None) -> Callable[[], int]:
    from functions.preview.app import lambda_handler
    from testsupport.apigw import FakeLambdaContext, load_event

    event = load_event("preview_web_client")
    body: dict[str, str] = {"text": TEXT, "provider": provider}
    if voice:
        body["voice"] = voice
    # API Gateway hands every body over base64-encoded (the API lists */* as binary), as events/ records it.
    event["body"] = base64.b64encode(json.dumps(body).encode("utf-8")).decode("ascii")
    event["isBase64Encoded"] = True
    context = FakeLambdaContext()

    def invoke() -> int:
        result = lambda_handler(event, context)
        if result["statusCode"] != 200:
            raise RuntimeError(f"{provider} preview failed: {result['body'][:300]}")
        return len(result["body"])

    return invoke


def _in_a_thread(call: Callable[[], object]) -> Callable[[], None]:
    """`call` run from a fresh thread, as every adapter runs its SDK (at least FastAPI's worker thread).

    From the main thread, CosyVoice's SDK skips its 100 ms connect poll about 4 times in 10 (it wins a race with its
    websocket thread there, never from another thread): the baseline would then measure different SDK behaviour.
    """

    def run() -> None:
        failure: list[BaseException] = []

        def target() -> None:
            try:
                call()
            except BaseException as exc:  # re-raised in the caller's thread
                failure.append(exc)

        worker = threading.Thread(target=target)
        worker.start()
        worker.join()
        if failure:
            raise failure[0]

    return run


def _interleaved(first: Callable[[], object], second: Callable[[], object]) -> tuple[list[float], list[float]]:
    """Handler (`first`) and SDK baseline (`second`, run from a helper thread) alternating; wall times."""
    second = _in_a_thread(second)
    for _ in range(WARMUP):
        first()
        second()
    first_samples: list[float] = []
    second_samples: list[float] = []
    for _ in range(RUNS):
        first_samples += time_calls(first, 1)
        second_samples += time_calls(second, 1)
    return first_samples, second_samples


_wiring: list[Any] = []


def _set_environment(**variables: str) -> None:
    """Point the preview function at these settings (dependency overrides, as the tests do)."""
    from testsupport.wiring import FunctionWiring

    if not _wiring:
        _wiring.append(FunctionWiring(dict(os.environ)))
    _wiring[0].set(**variables)


def run() -> list[Result]:
    warnings.simplefilter("ignore")  # Powertools warns on every invocation that adds no metric
    _set_environment(OPENTALKING_TTS_SAMPLE_RATE=str(SESSION_RATE), OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS="10")
    measured: dict[str, tuple[list[float], list[float], str]] = {}
    # The handler prints its metrics (EMF) to stdout as in Lambda; keep them out of the table.
    with open(os.devnull, "w") as sink, redirect_stdout(sink):
        with fake_upstream("edge", AUDIO_SECONDS) as edge:
            _set_environment(OPENTALKING_EDGE_TTS_URL=edge["url"])
            handler, sdk = _handler_call("edge", EDGE_VOICE), _edge_sdk(edge["url"])
            measured["edge"] = (*_interleaved(handler, sdk), "MP3 24 kHz 48 kbit/s")

        with fake_upstream("elevenlabs", AUDIO_SECONDS) as eleven:
            _set_environment(
                OPENTALKING_TTS_ELEVENLABS_BASE_URL=eleven["base_url"],
                OPENTALKING_TTS_ELEVENLABS_API_KEY=eleven["api_key"],
            )
            handler = _handler_call("elevenlabs", ELEVENLABS_VOICE)
            sdk = _elevenlabs_sdk(eleven["base_url"], eleven["api_key"])
            measured["elevenlabs"] = (*_interleaved(handler, sdk), f"PCM {SESSION_RATE // 1000} kHz over HTTP")

        with fake_upstream("dashscope", AUDIO_SECONDS) as qwen:
            _set_environment(OPENTALKING_QWEN_TTS_WS_URL=qwen["url"], DASHSCOPE_API_KEY=qwen["api_key"])
            handler, sdk = _handler_call("dashscope", None), _qwen_sdk(qwen["url"], qwen["api_key"])
            measured["dashscope"] = (*_interleaved(handler, sdk), "PCM 24 kHz in base64 websocket events")

        with fake_upstream("cosyvoice", AUDIO_SECONDS) as cosy:
            _set_environment(DASHSCOPE_WEBSOCKET_BASE_URL=cosy["url"], DASHSCOPE_API_KEY=cosy["api_key"])
            handler, sdk = _handler_call("cosyvoice", None), _cosyvoice_sdk(cosy["url"], cosy["api_key"])
            measured["cosyvoice"] = (*_interleaved(handler, sdk), f"PCM {SESSION_RATE // 1000} kHz websocket frames")

        handler, sdk = _handler_call("espeak", "en-us"), _espeak_library()
        measured["espeak"] = (*_interleaved(handler, sdk), "in-process eSpeak NG at 22.05 kHz; baseline espeak_Synth")

    results = []
    for provider, (handler_samples, sdk_samples, upstream) in measured.items():
        median, p95 = median_and_p95(handler_samples)
        base_median, base_p95 = median_and_p95(sdk_samples)
        results.append(
            Result(
                "3. preview overhead (lambda_handler)",
                f"{provider}, {len(TEXT)} chars",
                f"median {ms(median)}, p95 {ms(p95)}",
                f"SDK receive median {ms(base_median)}, p95 {ms(base_p95)}",
                median / base_median,
                TARGET,
                f"overhead {ms(median - base_median)}; {RUNS} runs; upstream {upstream}; {AUDIO_SECONDS:g} s of audio "
                f"→ {SESSION_RATE // 1000} kHz WAV; buffered (Mangum), so no time-to-first-byte",
            )
        )
    return results


if __name__ == "__main__":
    os.environ.update(BENCH_ENVIRONMENT)
    for row in run():
        print(row)
