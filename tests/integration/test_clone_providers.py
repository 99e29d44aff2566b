"""POST /voices/clone over HTTP with the real dashscope SDK against a loopback DashScope fake and moto's S3 server."""

from __future__ import annotations

import re
import socket

import pytest

from functions.clone_voice.app import lambda_handler
from testsupport.apigw import FakeLambdaContext, json_body
from testsupport.fakes.clone_support import apigw_event, bucket_keys, make_sample
from testsupport.fakes.dashscope_enrollment_fake import (
    COSYVOICE_MODEL,
    ERROR_JSON,
    QWEN_MODEL,
    SERVER_ERROR,
    SLOW,
    FakeDashScopeEnrollment,
    is_clone_wav,
)
from testsupport.wiring import FunctionWiring

RESPONSE_FIELDS = {"ok", "entry_id", "voice_id", "display_label", "provider", "target_model", "message"}
QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"
COSY_TARGET = "cosyvoice-v2"


def post_clone(provider: str, sample: bytes, **fields: str) -> tuple[int, dict[str, object]]:
    """POST /voices/clone through the function's real Lambda handler, as API Gateway would deliver it."""
    form = {
        "provider": provider,
        "target_model": QWEN_TARGET if provider == "dashscope" else COSY_TARGET,
        "display_label": "我的复刻音色",
        # The web client always sends all of these, often empty.
        "prefix": "",
        "preferred_name": "",
        "prompt_text": "ignored",
        **fields,
    }
    event = apigw_event("POST", "/voices/clone", fields=form, files={"audio": ("sample.webm", sample, "audio/webm")})
    response = lambda_handler(event, FakeLambdaContext())
    return response["statusCode"], json_body(response)


def test_dashscope_clone_end_to_end(wiring: FunctionWiring, fake: FakeDashScopeEnrollment, bucket: str) -> None:
    # Given a Chrome MediaRecorder-style webm/opus recording
    status, body = post_clone("dashscope", make_sample("webm-opus"), preferred_name="alice_01")
    # Then the fake saw a valid Qwen enrollment with a 24 kHz mono 16-bit WAV inline
    assert fake.problems == []
    assert [request["model"] for request in fake.requests] == [QWEN_MODEL]
    assert fake.requests[0]["input"]["target_model"] == QWEN_TARGET
    assert fake.requests[0]["input"]["preferred_name"] == "alice_01"
    assert "prompt_text" not in fake.requests[0]["input"]
    # And the response is exactly contract rule 11, backed by a catalog entry
    assert status == 200
    assert set(body) == RESPONSE_FIELDS
    assert body["ok"] is True
    assert body["voice_id"] == fake.created_voices[0]
    assert (body["provider"], body["target_model"], body["display_label"]) == ("dashscope", QWEN_TARGET, "我的复刻音色")
    [entry] = wiring.catalog().list_entries()
    assert (entry.id, entry.voice_id) == (body["entry_id"], body["voice_id"])
    # And the inline path never touched the bucket
    assert bucket_keys(_endpoint(), bucket) == []


def test_cosyvoice_clone_end_to_end(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, bucket: str, s3_endpoint: str
) -> None:
    fake.deploy_statuses = ["DEPLOYING", "DEPLOYING", "OK"]
    status, body = post_clone("cosyvoice", make_sample("m4a"), prefix="bob7")
    # The fake fetched the sample through its presigned SigV4 URL from moto's HTTP server and found a clone WAV
    assert fake.problems == []
    assert status == 200, body
    assert len(fake.fetched_samples) == 1 and is_clone_wav(fake.fetched_samples[0])
    create = next(r for r in fake.requests if r["input"]["action"] == "create_voice")
    assert create["model"] == COSYVOICE_MODEL
    assert create["input"]["prefix"] == "bob7"
    assert re.search(r"/samples/[0-9a-f]{32}\.wav\?", create["input"]["url"])
    assert "X-Amz-Expires=300" in create["input"]["url"]
    assert body["voice_id"] == f"{COSY_TARGET}-bob7-0001"
    # The voice deployed within the wait budget, so the sample is gone already
    assert bucket_keys(s3_endpoint, bucket) == []
    assert [entry.voice_id for entry in wiring.catalog().list_entries()] == [body["voice_id"]]


def test_cosyvoice_sample_stays_while_the_voice_is_still_deploying(
    fake: FakeDashScopeEnrollment,
    bucket: str,
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    wiring: FunctionWiring,
) -> None:
    wiring.set(OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS="0.2")
    fake.deploy_statuses = ["DEPLOYING"]
    status, body = post_clone("cosyvoice", make_sample("mp3"))
    assert status == 200
    assert "still deploying" in str(body["message"])
    [key] = bucket_keys(s3_endpoint, bucket)
    assert re.fullmatch(r"samples/[0-9a-f]{32}\.wav", key)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["dashscope", "cosyvoice"])
@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        (ERROR_JSON, r"Audio\.PreprocessError.*No clean speech"),
        (SERVER_ERROR, r"500.*upstream exploded"),
        (SLOW, r"timed out"),
        ("refused", r"could not be reached"),
    ],
)
def test_upstream_failures_are_502_with_nothing_written_and_no_sample_left(
    fake: FakeDashScopeEnrollment,
    bucket: str,
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    wiring: FunctionWiring,
    provider: str,
    mode: str,
    reason: str,
) -> None:
    if mode == "refused":
        wiring.set(DASHSCOPE_HTTP_BASE_URL=closed_port_url())
    else:
        fake.mode = mode
    status, body = post_clone(provider, make_sample("flac"))
    assert status == 502
    detail = str(body["detail"])
    assert detail.startswith(f"The {provider} provider failed: ")
    assert re.search(reason, detail), detail
    assert "Traceback" not in detail and fake.api_key not in detail
    assert wiring.catalog().list_entries() == []
    assert bucket_keys(s3_endpoint, bucket) == []


def test_missing_key_is_503_naming_the_setting(
    fake: FakeDashScopeEnrollment, bucket: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.unset("DASHSCOPE_API_KEY")
    status, body = post_clone("cosyvoice", make_sample("flac"))
    assert status == 503
    assert body["detail"] == "The dashscope provider is not configured: set DASHSCOPE_API_KEY."
    assert fake.requests == []
    assert bucket_keys(_endpoint(), bucket) == []


def _endpoint() -> str:
    import os

    return os.environ["AWS_ENDPOINT_URL_S3"]
