"""POST /voices/uploads and clone-by-upload_id: presigned POST policy, upload through moto's S3 server, 12 MiB edge."""

from __future__ import annotations

import base64
import io
import json
import math
import re
import struct
import wave
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from functions.clone_voice.app import lambda_handler as clone_handler
from functions.create_upload.app import lambda_handler as upload_handler
from testsupport.apigw import FakeLambdaContext, json_body
from testsupport.fakes.clone_support import apigw_event, bucket_keys, make_sample
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment, is_clone_wav
from testsupport.wiring import FunctionWiring

MIB = 1024 * 1024


def new_upload() -> dict[str, object]:
    response = upload_handler(apigw_event("POST", "/voices/uploads"), FakeLambdaContext())
    assert response["statusCode"] == 200
    return dict(json_body(response))


def upload(ticket: dict[str, Any], content: bytes) -> None:
    fields = dict(ticket["fields"])
    response = requests.post(
        str(ticket["url"]), data=fields, files={str(ticket["file_field"]): ("sample.wav", content)}, timeout=30
    )
    assert response.status_code == 204, response.text


def clone_by_id(upload_id: str) -> tuple[int, dict[str, object]]:
    event = apigw_event(
        "POST",
        "/voices/clone",
        fields={
            "provider": "dashscope",
            "target_model": "qwen3-tts-vc-realtime-2026-01-15",
            "display_label": "Large sample",
            "upload_id": upload_id,
        },
    )
    response = clone_handler(event, FakeLambdaContext())
    return response["statusCode"], json_body(response)


def wav_of_exact_size(total_bytes: int) -> bytes:
    """A 24 kHz mono 16-bit tone WAV whose file size is exactly `total_bytes` (header included)."""
    frames = (total_bytes - 44) // 2
    period = [int(8000 * math.sin(2 * math.pi * n / 80)) for n in range(80)]
    pcm = struct.pack("<80h", *period) * (frames // 80) + struct.pack(f"<{frames % 80}h", *period[: frames % 80])
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(24_000)
        writer.writeframes(pcm)
    data = buffer.getvalue()
    assert len(data) == total_bytes
    return data


def test_presigned_post_policy_enforces_size_key_and_expiry(bucket: str) -> None:
    before = datetime.now(UTC)
    ticket = new_upload()
    # The ticket names a fresh 32-hex id, the bucket's URL and the form fields, SigV4-signed
    upload_id = str(ticket["upload_id"])
    assert re.fullmatch(r"[0-9a-f]{32}", upload_id)
    fields = dict(ticket["fields"])
    assert fields["key"] == f"uploads/{upload_id}"
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert (ticket["min_bytes"], ticket["max_bytes"], ticket["expires_in"]) == (256, 12 * MIB, 300)
    # The decoded policy holds the size range, the exact key under uploads/ and a short expiry
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 256, 12 * MIB] in conditions
    assert {"key": f"uploads/{upload_id}"} in conditions
    assert {"bucket": bucket} in conditions
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 0 < (expiration - before).total_seconds() <= 301


def test_each_upload_gets_its_own_id(bucket: str) -> None:
    assert new_upload()["upload_id"] != new_upload()["upload_id"]


def test_upload_then_clone_by_id_end_to_end(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, bucket: str, s3_endpoint: str
) -> None:
    # Given a sample uploaded by the browser straight to S3 with the presigned POST
    ticket = new_upload()
    upload(ticket, make_sample("ogg-opus"))
    assert bucket_keys(s3_endpoint, bucket) == [f"uploads/{ticket['upload_id']}"]
    # When the clone names the upload
    status, body = clone_by_id(str(ticket["upload_id"]))
    # Then the provider got the converted WAV, the voice is cataloged and the upload is gone
    assert status == 200, body
    assert fake.problems == [] and len(fake.fetched_samples) == 1
    assert [entry.voice_id for entry in wiring.catalog().list_entries()] == [body["voice_id"]]
    # (only its claim marker stays, for the lifecycle rule to remove once the upload form has long expired)
    assert bucket_keys(s3_endpoint, bucket) == [f"uploads/{ticket['upload_id']}.claim"]
    # And the id cannot be used twice
    assert clone_by_id(str(ticket["upload_id"]))[0] == 404


@pytest.mark.slow
def test_exactly_12_mib_is_accepted_and_cut_to_60_seconds(
    fake: FakeDashScopeEnrollment, bucket: str, s3_endpoint: str
) -> None:
    ticket = new_upload()
    upload(ticket, wav_of_exact_size(12 * MIB))
    status, body = clone_by_id(str(ticket["upload_id"]))
    assert status == 200, body
    [sample] = fake.fetched_samples
    assert is_clone_wav(sample)
    with wave.open(io.BytesIO(sample)) as reader:
        assert reader.getnframes() == 60 * 24_000
    assert bucket_keys(s3_endpoint, bucket) == [f"uploads/{ticket['upload_id']}.claim"]


@pytest.mark.slow
def test_12_mib_plus_one_byte_is_refused_and_deleted(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, bucket: str, s3_endpoint: str
) -> None:
    # moto does not enforce the policy's size range (real S3 would refuse the POST), so the service checks again
    ticket = new_upload()
    upload(ticket, wav_of_exact_size(12 * MIB) + b"\x00")
    status, body = clone_by_id(str(ticket["upload_id"]))
    assert status == 400
    assert body["detail"] == "The audio is larger than 12 MiB (12582912 bytes): send a shorter sample."
    assert fake.requests == []
    assert wiring.catalog().list_entries() == []
    assert bucket_keys(s3_endpoint, bucket) == [f"uploads/{ticket['upload_id']}.claim"]


def test_unknown_upload_id_is_404(fake: FakeDashScopeEnrollment, bucket: str) -> None:
    status, body = clone_by_id("0" * 32)
    assert status == 404
    assert "upload_id" in str(body["detail"])


def test_malformed_upload_id_is_400_without_a_lookup(fake: FakeDashScopeEnrollment, bucket: str) -> None:
    status, body = clone_by_id("../samples/x")
    assert status == 400
    assert body["detail"] == "upload_id must be the 32-hex-digit id returned by POST /voices/uploads."


def test_uploads_without_a_bucket_say_which_setting_is_missing(
    monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    wiring.unset("OPENTALKING_SAMPLES_BUCKET")
    response = upload_handler(apigw_event("POST", "/voices/uploads"), FakeLambdaContext())
    assert response["statusCode"] == 503
    assert (
        json_body(response)["detail"]
        == "The sample storage provider is not configured: set OPENTALKING_SAMPLES_BUCKET."
    )
