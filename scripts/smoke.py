"""`make smoke API_URL=... [API_KEY=...]`: the spec's examples against a deployed stack, as a pass/fail table.

Run it first after `sam deploy`. Steps: list the voices; a preview from each provider (one answering 503, "not
configured", is a skip); a clone from a sample the first working preview spoke (real speech, long enough); the clone
in the listing; its deletion. The clone is deleted whatever happens after it was made, and when the clone's answer
got lost it is looked up by its unique label and deleted too; a voice that cannot be deleted is a failure naming it.
Exit status 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

PREVIEW_PROVIDERS = ("edge", "dashscope", "cosyvoice", "elevenlabs", "espeak")
CLONE_TARGET_MODELS = {"dashscope": "qwen3-tts-vc-realtime-2026-01-15", "cosyvoice": "cosyvoice-v2"}
# Long enough for a clone sample (at least 3 s of speech) from any provider, short enough for the 240-character limit.
SAMPLE_TEXT = (
    "This is the smoke test of the voice service. It speaks for several seconds, so that the recording can serve "
    "as the sample for a cloned voice."
)


@dataclass
class Step:
    name: str
    outcome: str  # PASS, FAIL or SKIP
    status: int | None
    seconds: float
    detail: str


@dataclass
class SmokeRun:
    client: httpx.Client
    steps: list[Step] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(step.outcome == "FAIL" for step in self.steps)

    def timed(self, name: str, send: Callable[[], httpx.Response]) -> tuple[httpx.Response | None, float]:
        started = time.monotonic()
        try:
            response = send()
        except httpx.HTTPError as exc:
            self.record(name, "FAIL", None, time.monotonic() - started, f"no answer: {exc}")
            return None, time.monotonic() - started
        return response, time.monotonic() - started

    def record(self, name: str, outcome: str, status: int | None, seconds: float, detail: str) -> None:
        self.steps.append(Step(name, outcome, status, seconds, detail))


def error_detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))[:160]
    except ValueError:
        return response.text[:160]


def list_voices(run: SmokeRun) -> list[dict[str, Any]] | None:
    response, seconds = run.timed("GET /voices", lambda: run.client.get("/voices"))
    if response is None:
        return None
    if response.status_code != 200 or not isinstance(response.json().get("items"), list):
        run.record("GET /voices", "FAIL", response.status_code, seconds, error_detail(response))
        return None
    items: list[dict[str, Any]] = response.json()["items"]
    run.record("GET /voices", "PASS", 200, seconds, f"{len(items)} voice(s)")
    return items


def preview(run: SmokeRun, provider: str) -> bytes | None:
    name = f"POST /tts/preview {provider}"
    body = {"text": SAMPLE_TEXT, "provider": provider}
    response, seconds = run.timed(name, lambda: run.client.post("/tts/preview", json=body))
    if response is None:
        return None
    if response.status_code == 503:
        run.record(name, "SKIP", 503, seconds, f"not configured: {error_detail(response)}")
        return None
    audio = response.content
    if response.status_code != 200 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        run.record(name, "FAIL", response.status_code, seconds, error_detail(response))
        return None
    run.record(name, "PASS", 200, seconds, f"{len(audio)} bytes of WAV")
    return audio


def clone(run: SmokeRun, provider: str, sample: bytes, label: str) -> int | None:
    name = f"POST /voices/clone {provider}"
    form = {"provider": provider, "target_model": CLONE_TARGET_MODELS[provider], "display_label": label}
    files = {"audio": ("smoke-sample.wav", sample, "audio/wav")}
    response, seconds = run.timed(name, lambda: run.client.post("/voices/clone", data=form, files=files))
    if response is None:
        return None
    if response.status_code != 200:
        run.record(name, "FAIL", response.status_code, seconds, error_detail(response))
        return None
    body = response.json()
    run.record(name, "PASS", 200, seconds, f"entry {body['entry_id']}, voice {body['voice_id']}")
    return int(body["entry_id"])


def delete(run: SmokeRun, entry_id: int) -> None:
    name = f"DELETE /voices/{entry_id}"
    response, seconds = run.timed(name, lambda: run.client.delete(f"/voices/{entry_id}"))
    if response is None:
        run.steps[-1].detail += f"; voice entry {entry_id} LEFT BEHIND, delete it by hand"
        return
    if response.status_code != 200 or response.json() != {"deleted": True}:
        detail = f"{error_detail(response)}; voice entry {entry_id} LEFT BEHIND, delete it by hand"
        run.record(name, "FAIL", response.status_code, seconds, detail)
        return
    run.record(name, "PASS", 200, seconds, "deleted")


def entries_labelled(run: SmokeRun, label: str) -> list[int]:
    try:
        response = run.client.get("/voices")
        return [int(item["id"]) for item in response.json()["items"] if item["display_label"] == label]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return []


def smoke(client: httpx.Client, providers: list[str], clone_provider: str | None) -> SmokeRun:
    run = SmokeRun(client)
    list_voices(run)
    samples = [audio for audio in (preview(run, provider) for provider in providers) if audio is not None]
    if clone_provider is None:
        return run
    if not samples:
        run.record(f"POST /voices/clone {clone_provider}", "FAIL", None, 0.0, "no preview gave a sample to clone")
        return run
    label = f"smoke-{uuid.uuid4().hex[:10]}"
    entry_id: int | None = None
    try:
        entry_id = clone(run, clone_provider, samples[0], label)
        if entry_id is not None:
            listed = list_voices(run) or []
            if entry_id not in [item["id"] for item in listed]:
                run.record("clone listed", "FAIL", None, 0.0, f"entry {entry_id} missing from GET /voices")
    finally:
        # A clone whose answer was lost (timeout, 504) may still have been stored: find it by its unique label.
        leftovers = [entry_id] if entry_id is not None else entries_labelled(run, label)
        for leftover in leftovers:
            delete(run, leftover)
    return run


def render(steps: list[Step]) -> str:
    rows = [("step", "result", "status", "ms", "detail")]
    rows += [
        (step.name, step.outcome, str(step.status or "-"), f"{step.seconds * 1000:.0f}", step.detail) for step in steps
    ]
    widths = [max(len(row[index]) for row in rows) for index in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    ]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True, help="the stack's ApiUrl output, e.g. https://…/dev")
    parser.add_argument(
        "--api-key", default=os.environ.get("SMOKE_API_KEY") or None, help="x-api-key (default: SMOKE_API_KEY)"
    )
    parser.add_argument("--providers", default=",".join(PREVIEW_PROVIDERS), help="preview providers, comma-separated")
    parser.add_argument(
        "--clone-provider", default="dashscope", choices=[*CLONE_TARGET_MODELS, "none"], help="or none: no clone"
    )
    parser.add_argument("--timeout", type=float, default=35.0, help="seconds per request (API Gateway stops at 29)")
    args = parser.parse_args(argv)

    providers = [name.strip() for name in args.providers.split(",") if name.strip()]
    headers = {"x-api-key": args.api_key} if args.api_key else {}
    with httpx.Client(base_url=args.api_url.rstrip("/"), headers=headers, timeout=args.timeout) as client:
        run = smoke(client, providers, None if args.clone_provider == "none" else args.clone_provider)
    print(render(run.steps))
    print(f"\nsmoke: {'FAILED' if run.failed else 'passed'} against {args.api_url}")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
