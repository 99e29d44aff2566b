"""The clone and upload functions through their real Lambda handlers, fed the events/ files (base64 multipart)."""

from __future__ import annotations

from functions.clone_voice.app import lambda_handler as clone_handler
from functions.create_upload.app import lambda_handler as upload_handler
from testsupport.apigw import FakeLambdaContext, header, json_body, load_event
from testsupport.fakes.clone_support import bucket_keys
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment, is_clone_wav
from testsupport.wiring import FunctionWiring


def test_web_client_dashscope_clone_event(wiring: FunctionWiring, fake: FakeDashScopeEnrollment, bucket: str) -> None:
    event = load_event("clone_dashscope_webm")
    assert event["isBase64Encoded"] is True
    response = clone_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 200
    assert header(response, "access-control-allow-origin") == "http://localhost:5173"
    body = json_body(response)
    assert body["ok"] is True and body["provider"] == "dashscope" and body["display_label"] == "我的复刻音色"
    assert fake.problems == [] and is_clone_wav(fake.fetched_samples[0])
    assert [entry.id for entry in wiring.catalog().list_entries()] == [body["entry_id"]]


def test_safari_fragmented_mp4_cosyvoice_clone_event(
    fake: FakeDashScopeEnrollment, bucket: str, s3_endpoint: str
) -> None:
    response = clone_handler(load_event("clone_cosyvoice_m4a"), FakeLambdaContext())
    assert response["statusCode"] == 200, response["body"]
    assert json_body(response)["voice_id"].startswith("cosyvoice-v2-")
    assert fake.problems == [] and len(fake.fetched_samples) == 1
    assert bucket_keys(s3_endpoint, bucket) == []


def test_missing_audio_event_is_400(fake: FakeDashScopeEnrollment, bucket: str) -> None:
    response = clone_handler(load_event("clone_missing_audio"), FakeLambdaContext())
    assert response["statusCode"] == 400
    assert "POST /voices/uploads" in json_body(response)["detail"]
    assert fake.requests == []


def test_unknown_provider_event_is_400(wiring: FunctionWiring, fake: FakeDashScopeEnrollment, bucket: str) -> None:
    response = clone_handler(load_event("clone_bad_provider"), FakeLambdaContext())
    assert response["statusCode"] == 400
    assert json_body(response)["detail"] == "Unknown clone provider 'edge': use cosyvoice or dashscope."
    assert wiring.catalog().list_entries() == []


def test_upload_create_event(bucket: str) -> None:
    response = upload_handler(load_event("upload_create"), FakeLambdaContext())
    assert response["statusCode"] == 200
    body = json_body(response)
    assert body["fields"]["key"] == f"uploads/{body['upload_id']}"
    assert body["url"].endswith(f"/{bucket}")
