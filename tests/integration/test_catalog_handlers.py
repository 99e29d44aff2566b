"""GET /voices and DELETE /voices/{id} through each function's real lambda_handler, fed from events/.

The provider side of deletion and GET /voices/{id} are in test_voice_lifecycle_handlers.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.delete_voice.app import lambda_handler as delete_handler
from functions.list_voices.app import lambda_handler as list_handler
from testsupport.apigw import FakeLambdaContext, header, load_event
from testsupport.apigw import json_body as body
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice
from voice_service.providers import CloneProvider

NOW = datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC)
SPEC_FIELDS = {"id", "user_id", "provider", "voice_id", "display_label", "target_model", "source"}
# Added by the voice lifecycle and by sign-in (the consent record); additive, so clients written against the spec
# keep working.
LIFECYCLE_FIELDS = {"status", "created_at"}
CONSENT_FIELDS = {"consent"}


def seed(wiring: FunctionWiring, *providers: CloneProvider) -> None:
    catalog = wiring.catalog()
    for index, provider in enumerate(providers):
        catalog.add_entry(NewEntry(NewVoice(provider, f"voice-{index}", f"Label {index}", "model"), NOW))


def test_list_empty_catalog(lambda_context: FakeLambdaContext) -> None:
    response = list_handler(load_event("list_voices_all"), lambda_context)
    assert response["statusCode"] == 200
    assert header(response, "content-type") == "application/json"
    assert body(response) == {"items": []}


def test_list_returns_spec_fields_oldest_first(wiring: FunctionWiring, lambda_context: FakeLambdaContext) -> None:
    seed(wiring, "dashscope", "cosyvoice", "dashscope")
    items = body(list_handler(load_event("list_voices_all"), lambda_context))["items"]
    assert [item["voice_id"] for item in items] == ["voice-0", "voice-1", "voice-2"]
    assert all(set(item) == SPEC_FIELDS | LIFECYCLE_FIELDS | CONSENT_FIELDS for item in items)
    assert all(item["user_id"] is None and item["source"] == "clone" for item in items)
    assert {(item["status"], item["created_at"]) for item in items} == {("ready", "2026-11-24T01:02:03Z")}


def test_list_filter_by_status(wiring: FunctionWiring, lambda_context: FakeLambdaContext) -> None:
    # GIVEN one voice still deploying among ready ones
    seed(wiring, "dashscope", "cosyvoice")
    wiring.catalog().add_entry(
        NewEntry(NewVoice("cosyvoice", "voice-d", "Deploying", "model", status="deploying"), NOW)
    )
    # WHEN the listing asks for deploying voices only
    response = list_handler(load_event("list_voices_deploying"), lambda_context)
    # THEN only that one comes back
    assert [item["voice_id"] for item in body(response)["items"]] == ["voice-d"]
    event = load_event("list_voices_deploying")
    event["queryStringParameters"] = {"status": "pending"}
    event["multiValueQueryStringParameters"] = {"status": ["pending"]}
    refused = list_handler(event, lambda_context)
    assert refused["statusCode"] == 400
    assert "deploying, ready, failed, gone" in body(refused)["detail"]


def test_list_filter_by_provider(wiring: FunctionWiring, lambda_context: FakeLambdaContext) -> None:
    seed(wiring, "dashscope", "cosyvoice", "dashscope")
    items = body(list_handler(load_event("list_voices_dashscope"), lambda_context))["items"]
    assert [item["provider"] for item in items] == ["dashscope", "dashscope"]


def test_list_unknown_filter_is_400_with_a_sentence(lambda_context: FakeLambdaContext) -> None:
    response = list_handler(load_event("list_voices_bad_provider"), lambda_context)
    assert response["statusCode"] == 400
    assert body(response)["detail"] == "Unknown provider filter 'edge': use one of cosyvoice, dashscope."


def test_cors_headers_on_responses_for_allowed_origin(lambda_context: FakeLambdaContext) -> None:
    response = list_handler(load_event("list_voices_all"), lambda_context)
    assert header(response, "access-control-allow-origin") == "http://localhost:5173"


def test_disallowed_origin_gets_no_cors_grant(lambda_context: FakeLambdaContext) -> None:
    event = load_event("list_voices_all")
    event["headers"]["Origin"] = event["multiValueHeaders"]["Origin"][0] = "https://evil.example"
    response = list_handler(event, lambda_context)
    assert header(response, "access-control-allow-origin") is None


def test_delete_missing_is_404(lambda_context: FakeLambdaContext) -> None:
    response = delete_handler(load_event("delete_voice_missing"), lambda_context)
    assert response["statusCode"] == 404
    assert isinstance(body(response)["detail"], str)


@pytest.mark.parametrize("bad_id", ["abc", "-1", "0", "1.5", "99999999999999999999999", "%20"])
def test_malformed_ids_are_400_and_delete_nothing(
    wiring: FunctionWiring, bad_id: str, lambda_context: FakeLambdaContext
) -> None:
    seed(wiring, "dashscope")
    event = load_event("delete_voice_bad_id")
    event["path"] = f"/voices/{bad_id}"
    event["pathParameters"] = {"entry_id": bad_id}
    response = delete_handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert isinstance(body(response)["detail"], str)
    assert len(wiring.catalog().list_entries()) == 1


def test_corrupt_catalog_is_a_clear_500_and_left_untouched(
    lambda_context: FakeLambdaContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"\x00garbage" * 512)
    wiring.set(OPENTALKING_SQLITE_PATH=str(path))
    for handler, event in ((list_handler, "list_voices_all"), (delete_handler, "delete_voice_catalog_only")):
        response = handler(load_event(event), lambda_context)
        assert response["statusCode"] == 500
        detail = body(response)["detail"]
        assert detail.startswith("The voice catalog file could not be read")
        assert "Traceback" not in detail
    assert path.read_bytes() == b"\x00garbage" * 512
