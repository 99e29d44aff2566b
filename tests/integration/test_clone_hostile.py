"""Hostile uploads through the clone function's Lambda handler: each is refused with the right status, nothing is
sent upstream, and the catalog and the bucket stay exactly as they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.clone_voice.app import lambda_handler
from testsupport.apigw import FakeLambdaContext, json_body
from testsupport.fakes.clone_support import (
    HOSTILE_REFERENCE_CASES,
    RecordingServer,
    apigw_event,
    bucket_keys,
    hostile_inputs,
    make_sample,
    s3_client,
    use_fresh_bucket,
)
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.moto_s3 import running_moto_server
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice

MIB = 1024 * 1024
NOT_AUDIO = "The audio is not in a supported format"
UNDECODABLE = "could not be decoded"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from running_moto_server()


@pytest.fixture
def world(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring, tmp_path: Path
) -> Iterator[tuple[FakeDashScopeEnrollment, RecordingServer, str]]:
    """A bucket with one unrelated object, a catalog with one voice, a secret file next to the process, a fake
    DashScope and a loopback server that records any fetch."""
    bucket = use_fresh_bucket(monkeypatch, wiring, s3_endpoint)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.wav").write_bytes(make_sample("wav"))
    recorder = RecordingServer()
    with FakeDashScopeEnrollment() as fake:
        wiring.set(DASHSCOPE_HTTP_BASE_URL=fake.base_url, DASHSCOPE_API_KEY=fake.api_key)
        s3_client(s3_endpoint).put_object(Bucket=bucket, Key="samples/keep-me.wav", Body=b"unrelated")
        wiring.catalog().add_entry(
            NewEntry(NewVoice("cosyvoice", "existing", "Existing", "cosyvoice-v2"), datetime.now(UTC))
        )
        yield fake, recorder, bucket
    recorder.stop()


def corpus(url: str) -> dict[str, tuple[bytes, int, str]]:
    """name -> (content, expected status, a phrase of the expected detail)."""
    m4a = make_sample("m4a")
    cases: dict[str, tuple[bytes, int, str]] = {
        name: (content, 400, NOT_AUDIO if name in ("concat script", "HLS playlist") else UNDECODABLE)
        for name, content in hostile_inputs(url).items()
    }
    cases.update(
        {
            "truncated m4a": (m4a[: len(m4a) // 2], 400, UNDECODABLE),
            "corrupt flac": (b"fLaC" + bytes(range(256)) * 8, 400, UNDECODABLE),
            "zip renamed .wav": (b"PK\x03\x04" + bytes(2000), 400, NOT_AUDIO),
            "text renamed .wav": (b"Not audio, just text.\n" * 40, 400, NOT_AUDIO),
            "0 bytes": (b"", 400, "too small (0 bytes)"),
            "255 bytes": (make_sample("wav")[:255], 400, "too small (255 bytes)"),
            "exactly 12 MiB, direct": (b"RIFF" + bytes(12 * MIB - 4), 413, "POST /voices/uploads"),
            # README: any direct sample over the direct limit is a 413 pointing at uploads, however large.
            "12 MiB + 1, direct": (b"RIFF" + bytes(12 * MIB - 3), 413, "POST /voices/uploads"),
        }
    )
    return cases


CASE_NAMES = (
    *HOSTILE_REFERENCE_CASES,
    "truncated m4a",
    "corrupt flac",
    "zip renamed .wav",
    "text renamed .wav",
    "0 bytes",
    "255 bytes",
    "exactly 12 MiB, direct",
    "12 MiB + 1, direct",
)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_hostile_upload_is_refused_and_changes_nothing(
    wiring: FunctionWiring, world: tuple[FakeDashScopeEnrollment, RecordingServer, str], s3_endpoint: str, case: str
) -> None:
    # CosyVoice is the provider that would write to the bucket; the checks run before the provider matters.
    fake, recorder, bucket = world
    content, expected_status, phrase = corpus(recorder.url)[case]
    catalog_before = wiring.catalog().list_entries()
    bucket_before = bucket_keys(s3_endpoint, bucket)
    event = apigw_event(
        "POST",
        "/voices/clone",
        fields={"provider": "cosyvoice", "target_model": "cosyvoice-v2", "display_label": "Hostile"},
        files={"audio": ("sample.wav", content, "audio/wav")},
    )
    response = lambda_handler(event, FakeLambdaContext())
    assert response["statusCode"] == expected_status
    assert phrase in json_body(response)["detail"]
    assert fake.requests == []
    assert recorder.hits == []
    assert wiring.catalog().list_entries() == catalog_before
    assert bucket_keys(s3_endpoint, bucket) == bucket_before
