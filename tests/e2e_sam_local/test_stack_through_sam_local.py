"""The API contract end to end through `sam local start-api`, as the in-process tests assert it.

What only this path exercises: API Gateway emulation and binary media types, the official runtime interface client,
each function's own build artifact and layers, the catalog shared by functions in separate containers, and the
functions' reach from their containers to the fakes and the S3 server on this machine.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
import wave

import openai
import pytest
import soundfile

from scripts import REPO_ROOT
from scripts.sam_local.host import missing_forward_drop, podman_subnets
from tests.e2e_sam_local.conftest import SamLocalStack
from testsupport.fakes.clone_support import bucket_keys, make_sample, s3_client
from testsupport.fakes.dashscope_enrollment_fake import COSYVOICE_MODEL, QWEN_MODEL, is_clone_wav
from voice_service.adapters.s3_speech_cache import voice_prefix

# The first test also waits for the stack to build and start (minutes on a fresh machine, seconds when cached).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"
COSY_TARGET = "cosyvoice-v2"
CLONE_RESPONSE_FIELDS = {"ok", "entry_id", "voice_id", "display_label", "provider", "target_model", "message"}
# The spec's seven fields, the lifecycle's status and created_at, and the consent record stored with the voice
# (issue 17; null in the open mode).
ENTRY_FIELDS = {
    "id",
    "user_id",
    "provider",
    "voice_id",
    "display_label",
    "target_model",
    "source",
    "status",
    "created_at",
    "consent",
}


def clone_form(provider: str, **fields: str) -> dict[str, str]:
    """The web client's form: every field always sent, the optional ones often empty."""
    return {
        "provider": provider,
        "target_model": QWEN_TARGET if provider == "dashscope" else COSY_TARGET,
        "display_label": "sam local voice",
        "prefix": "",
        "preferred_name": "",
        "prompt_text": "",
        **fields,
    }


def listed_voices(sam_stack: SamLocalStack, **params: str) -> list[dict[str, object]]:
    response = sam_stack.http.get("/voices", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def assert_error(response_status: int, body: dict[str, object], status: int) -> None:
    assert response_status == status, body
    assert set(body) == {"detail"}
    assert isinstance(body["detail"], str) and body["detail"].strip()


def test_preview_with_the_offline_provider_is_a_wav_through_api_gateway(sam_stack: SamLocalStack) -> None:
    # When the web client asks for a preview from the offline provider, as a browser fetch of audio would
    response = sam_stack.http.post(
        "/tts/preview",
        json={"text": "Hello from sam local.", "tts_provider": "espeak"},
        headers={"Accept": "audio/wav"},
    )
    # Then API Gateway's binary handling delivers the function's WAV bytes intact
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("audio/wav")
    audio = response.content
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    assert int.from_bytes(audio[4:8], "little") == len(audio) - 8
    with wave.open(io.BytesIO(audio), "rb") as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 16_000)
        assert clip.getnframes() > 16_000 // 4  # a sentence is well over a quarter of a second


def test_a_repeated_preview_comes_from_the_embedded_s3_cache(sam_stack: SamLocalStack) -> None:
    # Given a preview request nobody made before (its text is unique to this run)
    body = {"text": f"Cache check {sam_stack.cache_bucket}.", "tts_provider": "espeak"}
    first = sam_stack.http.post("/tts/preview", json=body, headers={"Accept": "audio/wav"})
    # When it is repeated
    second = sam_stack.http.post("/tts/preview", json=body, headers={"Accept": "audio/wav"})
    # Then the second answer came from the cache bucket on the embedded S3, byte for byte, with the same ETag
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert (first.headers["x-speech-cache"], second.headers["x-speech-cache"]) == ("miss", "hit")
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    keys = bucket_keys(sam_stack.s3.host_endpoint, sam_stack.cache_bucket)
    assert any(key.startswith("speech/espeak/") for key in keys)
    # And the headers a browser sends to revalidate or to bypass pass through sam local's API Gateway emulation
    revalidated = sam_stack.http.post("/tts/preview", json=body, headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    fresh = sam_stack.http.post("/tts/preview", json=body, headers={"Cache-Control": "no-cache"})
    assert fresh.headers["x-speech-cache"] == "bypass"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"text": "   ", "provider": "espeak"}, "blank text"),
        ({"text": "Hello.", "provider": "nonexistent"}, "unknown provider"),
    ],
)
def test_preview_rejects_bad_input_with_400(sam_stack: SamLocalStack, body: dict[str, str], reason: str) -> None:
    response = sam_stack.http.post("/tts/preview", json=body, headers={"Accept": "audio/wav"})
    assert_error(response.status_code, response.json(), 400)


@pytest.mark.parametrize(
    ("fields", "with_audio"),
    [
        ({"provider": "elevenlabs"}, True),
        ({"target_model": ""}, True),
        ({"display_label": ""}, True),
        ({"preferred_name": "not a valid name!"}, True),
        ({}, False),
    ],
    ids=["unknown-provider", "empty-target-model", "empty-label", "bad-preferred-name", "no-audio"],
)
def test_clone_validation_errors_are_400_with_a_string_detail_and_nothing_written(
    sam_stack: SamLocalStack, fields: dict[str, str], with_audio: bool
) -> None:
    requests_before = len(sam_stack.enrollment.requests)
    voices_before = listed_voices(sam_stack)
    # Multipart either way, as the web client sends it
    files = (
        {"audio": ("sample.webm", make_sample("webm-opus"), "audio/webm")}
        if with_audio
        else {"prompt_text": (None, "")}
    )
    response = sam_stack.http.post("/voices/clone", data={**clone_form("dashscope"), **fields}, files=files)
    assert_error(response.status_code, response.json(), 400)
    # Nothing reached the provider and nothing was written
    assert len(sam_stack.enrollment.requests) == requests_before
    assert listed_voices(sam_stack) == voices_before


def test_dashscope_clone_is_listed_by_another_function_then_deleted(sam_stack: SamLocalStack) -> None:
    enrollment = sam_stack.enrollment
    # Given a Chrome-style webm/opus recording, converted in the clone function's container by the ffmpeg layer
    response = sam_stack.http.post(
        "/voices/clone",
        data=clone_form("dashscope", preferred_name="samlocal"),
        files={"audio": ("sample.webm", make_sample("webm-opus"), "audio/webm")},
    )
    # Then the function reached the fake on this machine, which saw a valid Qwen enrollment
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == CLONE_RESPONSE_FIELDS and body["ok"] is True
    assert enrollment.problems == []
    qwen_requests = [request for request in enrollment.requests if request["model"] == QWEN_MODEL]
    assert qwen_requests and qwen_requests[-1]["input"]["preferred_name"] == "samlocal"
    assert body["voice_id"] in enrollment.created_voices
    # And GET /voices, another function in another container, reads it from the shared (emulated EFS) catalog
    [entry] = [item for item in listed_voices(sam_stack, provider="dashscope") if item["id"] == body["entry_id"]]
    assert set(entry) == ENTRY_FIELDS
    assert (entry["voice_id"], entry["display_label"], entry["source"]) == (
        body["voice_id"],
        body["display_label"],
        "clone",
    )
    assert entry["user_id"] is None and entry["status"] == "ready" and entry["consent"] is None
    assert (sam_stack.catalog_dir / "voices.sqlite3").is_file()
    # And GET /voices/{entry_id}, yet another function on the same path as DELETE, shows the one entry
    single = sam_stack.http.get(f"/voices/{body['entry_id']}")
    assert single.status_code == 200, single.text
    assert (single.json()["voice_id"], single.json()["status"]) == (body["voice_id"], "ready")

    # And a preview of it sits in the speech cache
    cached_key = f"{voice_prefix('dashscope', body['voice_id'])}{'0' * 64}"
    s3_client(sam_stack.s3.host_endpoint).put_object(Bucket=sam_stack.cache_bucket, Key=cached_key, Body=b"RIFF")

    # When a third function deletes it
    deleted = sam_stack.http.delete(f"/voices/{body['entry_id']}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"deleted": True, "provider_voice": "deleted"}
    # Then DashScope no longer holds the voice (its slot is free)
    assert body["voice_id"] in enrollment.deleted_voices and body["voice_id"] not in enrollment.voices
    # And its cached preview went with it (the delete function reached the embedded S3 from its container)
    assert cached_key not in bucket_keys(sam_stack.s3.host_endpoint, sam_stack.cache_bucket)
    # Then the listing no longer has it, and a second delete is a 404
    assert body["entry_id"] not in [item["id"] for item in listed_voices(sam_stack)]
    again = sam_stack.http.delete(f"/voices/{body['entry_id']}")
    assert_error(again.status_code, again.json(), 404)
    # And every catalog access went through a catalog function, invoked via `sam local start-lambda` (which may
    # write a function's output to its log a moment after the invoke answered)
    operations = ("record_intent", "add_entry", "list_entries", "get_entry", "delete_entry")
    deadline = time.monotonic() + 15
    while True:
        catalog_log = sam_stack.stack.lambda_log.read_text(encoding="utf-8", errors="replace")
        unseen = [op for op in operations if not re.search(rf'"operation":\s*"{op}"', catalog_log)]
        if not unseen or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert unseen == [], catalog_log[-3000:]


def test_listing_filter_and_malformed_ids_are_client_errors(sam_stack: SamLocalStack) -> None:
    bad_filter = sam_stack.http.get("/voices", params={"provider": "edge"})
    assert_error(bad_filter.status_code, bad_filter.json(), 400)
    malformed = sam_stack.http.delete("/voices/not-a-number")
    assert malformed.status_code in (400, 404)
    assert_error(malformed.status_code, malformed.json(), malformed.status_code)


def test_cosyvoice_clone_sample_is_fetched_by_its_presigned_url_from_the_s3_server(sam_stack: SamLocalStack) -> None:
    enrollment = sam_stack.enrollment
    fetched_before = len(enrollment.fetched_samples)
    # Given an m4a sample (Safari's recording format)
    response = sam_stack.http.post(
        "/voices/clone",
        data=clone_form("cosyvoice", prefix="samlocal"),
        files={"audio": ("sample.m4a", make_sample("m4a"), "audio/mp4")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert enrollment.problems == []
    # Then the function uploaded the converted sample to the S3 server on this machine and presigned a URL for it,
    # which the fake downloaded as DashScope would
    create = [request for request in enrollment.requests if request["input"].get("action") == "create_voice"][-1]
    assert create["model"] == COSYVOICE_MODEL and create["input"]["prefix"] == "samlocal"
    port = sam_stack.s3.container_endpoint.rsplit(":", 1)[1]
    assert create["input"]["url"].startswith(f"http://{sam_stack.s3.bucket_host(sam_stack.bucket)}:{port}/samples/")
    assert re.search(r"X-Amz-Signature=[0-9a-f]{64}", create["input"]["url"])
    assert len(enrollment.fetched_samples) == fetched_before + 1
    assert is_clone_wav(enrollment.fetched_samples[-1])
    assert body["voice_id"] == enrollment.created_voices[-1]
    # And once the voice deployed, the sample was removed from the bucket
    assert bucket_keys(sam_stack.s3.host_endpoint, sam_stack.bucket) == []
    assert body["voice_id"] in [item["voice_id"] for item in listed_voices(sam_stack, provider="cosyvoice")]


def test_the_forward_drop_rules_hold_while_the_containers_run(sam_stack: SamLocalStack) -> None:
    # The functions' containers are up (warm), and netavark has set up their network by now
    assert sam_stack.stack.podman.own_containers()
    assert missing_forward_drop(podman_subnets()) == []


def test_the_scheduled_reconciler_reaches_the_provider_and_its_own_catalog_function(sam_stack: SamLocalStack) -> None:
    import boto3
    from botocore.config import Config

    from scripts.sam_local.stack import SAM_ENVIRONMENT

    # Given the schedule's event, invoked as EventBridge would through `sam local start-lambda`
    lambdas = sam_stack.stack.lambdas
    assert lambdas is not None
    client = boto3.client(
        "lambda",
        endpoint_url=f"http://{lambdas.host}:{lambdas.port}",
        region_name=SAM_ENVIRONMENT["AWS_REGION"],
        aws_access_key_id="sam-local",
        aws_secret_access_key="sam-local",
        config=Config(read_timeout=300, retries={"total_max_attempts": 1}),
    )
    event = (REPO_ROOT / "events" / "reconcile_voices_schedule.json").read_bytes()
    reply = client.invoke(FunctionName="ReconcileVoicesFunction", Payload=event)
    # Then the run listed both providers' voices at the fake and finished without errors
    assert "FunctionError" not in reply, reply["Payload"].read()
    summary = json.loads(reply["Payload"].read())
    assert summary["errors"] == [] and summary["skipped_providers"] == []
    assert summary["provider_calls"] >= 2 and not summary["budget_exhausted"]
    # And it read the catalog only through its catalog function
    catalog_log = sam_stack.stack.lambda_log.read_text(encoding="utf-8", errors="replace")
    for operation in ("list_entries", "list_intents", "purge_idempotency_records"):
        assert re.search(rf'"operation":\s*"{operation}"', catalog_log), operation


def test_openai_sdk_gets_mp3_and_sse_through_api_gateway(sam_stack: SamLocalStack) -> None:
    # GIVEN the official SDK pointed at the stack's /v1 (eSpeak NG is the default provider there)
    client = openai.OpenAI(base_url=f"{sam_stack.http.base_url}/v1", api_key="unused", max_retries=0, timeout=60)
    # WHEN it asks for speech in OpenAI's default format
    # (sam local matches the request's Accept against the answer's type, so the SDK's application/octet-stream
    # leaves the body base64 there; API Gateway itself matches Accept against the API's binary types, `*/*`, and
    # decodes it. `*/*` is what browsers and curl send.)
    speech = client.audio.speech.create(
        model="tts-1", voice="alloy", input="Hello from sam local.", extra_headers={"Accept": "*/*"}
    )
    # THEN API Gateway's binary handling delivers the MP3 intact, with its media type
    assert speech.response.headers["content-type"] == "audio/mpeg"
    with soundfile.SoundFile(io.BytesIO(speech.content)) as clip:
        assert (clip.samplerate, clip.channels) == (24_000, 1)
        assert clip.frames > 24_000 // 2
    # AND the same speech again comes from the speech cache (the function reached the embedded S3), still MP3
    again = client.audio.speech.create(
        model="tts-1", voice="alloy", input="Hello from sam local.", extra_headers={"Accept": "*/*"}
    )
    assert again.response.headers["x-speech-cache"] == "hit"
    assert again.content[:2] == speech.content[:2] and again.response.headers["content-type"] == "audio/mpeg"
    # AND the voice list, which reads the clones through the function's own catalog function (start-lambda)
    voices = sam_stack.http.get("/v1/audio/voices")
    assert voices.status_code == 200, voices.text
    assert {"id": "alloy", "source": "openai"}.items() <= voices.json()["voices"][0].items()
    # AND the SSE answer is text whose deltas re-join into the audio
    with client.audio.speech.with_streaming_response.create(
        model="espeak",
        voice="espeak:en-us",
        input="Hello from an agent, through sam local.",
        response_format="pcm",
        stream_format="sse",
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[6:]) for line in response.read().decode().splitlines() if line.startswith("data: ")]
    assert events[-1] == {"type": "speech.audio.done"}
    assert sum(len(base64.b64decode(event["audio"])) for event in events[:-1]) > 24_000  # over half a second
    # AND errors keep OpenAI's envelope through API Gateway
    with pytest.raises(openai.NotFoundError) as raised:
        client.audio.speech.create(model="tts-9", voice="alloy", input="Hi.")
    assert raised.value.response.json()["error"]["code"] == "model_not_found"
