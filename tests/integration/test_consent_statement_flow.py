"""The recorded consent statement end to end: the clone, get and delete functions' real handlers (events/ files) and
the local app, with moto's S3 server, the project's ffmpeg and the DashScope enrollment fake."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from functions.clone_voice.app import lambda_handler as clone_handler
from functions.delete_voice.app import lambda_handler as delete_handler
from functions.get_voice.app import lambda_handler as get_handler
from scripts.local_issuer import SigningKey
from tests.template.stack import load_template
from testsupport.apigw import FakeLambdaContext, json_body, load_event
from testsupport.fakes.clone_support import bucket_keys, make_sample
from testsupport.fakes.dashscope_enrollment_fake import ERROR_JSON, FakeDashScopeEnrollment
from testsupport.issuer import TEST_AUDIENCE, TEST_ISSUER, running_issuer, users_mode_settings
from testsupport.wiring import FunctionWiring
from voice_service.adapters.s3_consent_statements import STATEMENT_PREFIX

QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"
CONSENT = {"consent_speaker": "Alice Example", "consent_affirmed": "true"}


@pytest.fixture(scope="module")
def sample() -> bytes:
    return make_sample("wav")


@pytest.fixture(scope="module")
def statement() -> bytes:
    return make_sample("webm-opus", seconds=2.0)


def clone(
    client: TestClient, sample: bytes, statement: bytes | None, headers: dict[str, str] | None = None, **fields: str
):  # type: ignore[no-untyped-def]
    form = {"provider": "dashscope", "target_model": QWEN_TARGET, "display_label": "My voice", **fields}
    files: dict[str, Any] = {"audio": ("s.wav", sample, "audio/wav")}
    if statement is not None:
        # A lying filename and type: the statement's container is read from its bytes
        files["consent_statement"] = ("consent.mp3", statement, "audio/mpeg")
    return client.post("/voices/clone", data=form, files=files, headers=headers or {})


def statement_keys(s3_endpoint: str, bucket: str) -> list[str]:
    return [key for key in bucket_keys(s3_endpoint, bucket) if key.startswith(STATEMENT_PREFIX)]


def expiring_prefixes() -> list[str]:
    """The prefixes the deployed samples bucket's lifecycle rules expire."""
    rules = load_template()["Resources"]["SamplesBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    return [
        str(rule.get("Prefix", rule.get("Filter", {}).get("Prefix"))) for rule in rules if "ExpirationInDays" in rule
    ]


def test_a_clone_event_with_a_statement_stores_it_for_as_long_as_the_voice_and_delete_removes_it(
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    s3_endpoint: str,
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN the web client's clone with the speaker's consent and recorded statement (events/ file)
    response = clone_handler(load_event("clone_dashscope_consent_statement"), lambda_context)
    # THEN the answer says the statement exists (no URL in a clone's answer)
    assert response["statusCode"] == 200, response["body"]
    consent = json_body(response)["consent"]
    assert consent["speaker"] == "Alice Example" and consent["statement"]["duration_seconds"] > 1
    assert set(consent["statement"]) == {"duration_seconds"}
    # AND it is stored under the consent prefix, as the entry's consent record names it, out of every expiry rule
    (key,) = statement_keys(s3_endpoint, bucket)
    (entry,) = wiring.catalog().list_entries()
    assert entry.consent is not None and entry.consent.statement is not None and entry.consent.statement.key == key
    prefixes = expiring_prefixes()
    assert prefixes and not any(key.startswith(prefix) for prefix in prefixes), (key, prefixes)
    # AND the listing says it exists
    assert entry.id == 1  # the id events/get_voice_first.json and delete_voice_first.json name

    # WHEN its owner reads the voice
    read = get_handler(load_event("get_voice_first"), lambda_context)
    # THEN a short-lived URL lets them listen: the WAV ffmpeg decoded
    assert read["statusCode"] == 200, read["body"]
    statement = json_body(read)["consent"]["statement"]
    assert statement["url_expires_in"] == 300 and "X-Amz-Expires=300" in statement["url"]
    heard = httpx.get(statement["url"])
    assert heard.status_code == 200 and heard.content[:4] == b"RIFF" and heard.content[8:12] == b"WAVE"

    # WHEN the voice is deleted THEN the statement goes with it
    deleted = delete_handler(load_event("delete_voice_first"), lambda_context)
    assert deleted["statusCode"] == 200, deleted["body"]
    assert statement_keys(s3_endpoint, bucket) == [] and wiring.catalog().list_entries() == []


def test_catalog_only_delete_removes_the_statement_too(
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    s3_endpoint: str,
    lambda_context: FakeLambdaContext,
) -> None:
    assert clone_handler(load_event("clone_dashscope_consent_statement"), lambda_context)["statusCode"] == 200
    assert len(statement_keys(s3_endpoint, bucket)) == 1
    response = delete_handler(load_event("delete_voice_catalog_only"), lambda_context)
    assert response["statusCode"] == 200 and json_body(response)["provider_voice"] == "kept"
    assert statement_keys(s3_endpoint, bucket) == [] and wiring.catalog().list_entries() == []


def test_a_voice_without_a_statement_says_so(
    fake: FakeDashScopeEnrollment, bucket: str, local_client: TestClient, sample: bytes
) -> None:
    cloned = clone(local_client, sample, None, **CONSENT)
    assert cloned.status_code == 200, cloned.text
    assert cloned.json()["consent"]["statement"] is None
    (item,) = local_client.get("/voices").json()["items"]
    assert item["consent"]["statement"] is None
    assert local_client.get(f"/voices/{item['id']}").json()["consent"]["statement"] is None


@pytest.mark.parametrize(
    ("statement", "fields", "detail"),
    [
        (b"#EXTM3U\n" + b"#EXTINF:1,\nfile:///etc/passwd\n" * 40, CONSENT, "not in a supported format"),
        (make_sample("wav", seconds=61.0, sample_rate=8000, channels=1), CONSENT, "longer than 60 seconds"),
        (b"RIFF" + bytes(2 * 1024 * 1024), CONSENT, "larger than 2 MiB"),
        (make_sample("wav", seconds=0.5, sample_rate=8000, channels=1), CONSENT, "too short"),
        (make_sample("webm-opus", seconds=2.0), {}, "belongs to a consent record"),
    ],
    ids=["not-audio", "too-long", "too-big", "too-short", "without-consent"],
)
def test_a_bad_statement_is_a_400_before_any_provider_call_or_write(
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    s3_endpoint: str,
    local_client: TestClient,
    sample: bytes,
    statement: bytes,
    fields: dict[str, str],
    detail: str,
) -> None:
    response = clone(local_client, sample, statement, **fields)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"] and "consent_statement" in response.json()["detail"]
    assert fake.requests == [] and bucket_keys(s3_endpoint, bucket) == []
    assert wiring.catalog().list_entries() == [] and wiring.catalog().list_intents() == []


def test_a_required_statement_is_a_400_when_missing(
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    s3_endpoint: str,
    local_client: TestClient,
    sample: bytes,
    statement: bytes,
) -> None:
    wiring.set(OPENTALKING_CLONE_CONSENT_STATEMENT="required")
    missing = clone(local_client, sample, None, **CONSENT)
    assert missing.status_code == 400 and "consent_statement" in missing.json()["detail"]
    assert fake.requests == [] and bucket_keys(s3_endpoint, bucket) == []
    assert wiring.catalog().list_entries() == [] and wiring.catalog().list_intents() == []
    assert clone(local_client, sample, statement, **CONSENT).status_code == 200


def test_a_provider_failure_leaves_no_statement(
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    s3_endpoint: str,
    local_client: TestClient,
    sample: bytes,
    statement: bytes,
) -> None:
    fake.mode = ERROR_JSON
    response = clone(local_client, sample, statement, **CONSENT)
    assert response.status_code == 502, response.text
    assert bucket_keys(s3_endpoint, bucket) == [] and wiring.catalog().list_intents() == []


@pytest.fixture
def key(wiring: FunctionWiring) -> Iterator[SigningKey]:
    with running_issuer() as (signing_key, server):
        wiring.set(**users_mode_settings(server))
        yield signing_key


def as_user(key: SigningKey, user: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + key.token(user, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)}


def test_only_the_owner_gets_the_statements_url(
    key: SigningKey,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    local_client: TestClient,
    sample: bytes,
    statement: bytes,
) -> None:
    # GIVEN alice's voice with her recorded statement
    alice, bob = as_user(key, "alice"), as_user(key, "bob")
    cloned = clone(local_client, sample, statement, alice, **CONSENT)
    assert cloned.status_code == 200, cloned.text
    entry_id = cloned.json()["entry_id"]
    # THEN she can listen to it; bob gets the voice's 404, as for any voice of someone else, and no URL
    mine = local_client.get(f"/voices/{entry_id}", headers=alice)
    assert mine.status_code == 200 and httpx.get(mine.json()["consent"]["statement"]["url"]).status_code == 200
    theirs = local_client.get(f"/voices/{entry_id}", headers=bob)
    assert theirs.status_code == 404 and "url" not in theirs.text
    (item,) = local_client.get("/voices", headers=alice).json()["items"]
    assert item["consent"]["statement"]["duration_seconds"] > 1 and "url" not in item["consent"]["statement"]


def test_the_events_statement_is_a_form_field_of_its_own() -> None:
    # The events/ file carries the statement as the file field consent_statement, with the consent fields
    raw = base64.b64decode(load_event("clone_dashscope_consent_statement")["body"])
    assert b'name="consent_statement"; filename=' in raw and b'name="consent_affirmed"\r\n\r\ntrue' in raw
