"""GET and DELETE /voices/{entry_id}, the quota error and Idempotency-Key, through each function's real lambda_handler
with events/ files, the real dashscope SDK and the loopback enrollment fake."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.clone_voice.app import lambda_handler as clone_handler
from functions.delete_voice.app import lambda_handler as delete_handler
from functions.get_voice.app import lambda_handler as get_handler
from testsupport.apigw import FakeLambdaContext, load_event
from testsupport.apigw import json_body as body
from testsupport.fakes.dashscope_enrollment_fake import (
    COSYVOICE_MODEL,
    QWEN_MODEL,
    SERVER_ERROR,
    FakeDashScopeEnrollment,
)
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice, VoiceStatus

NOW = datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC)
COSY_VOICE = "cosyvoice-v2-ota1b2c3d-0001"
QWEN_VOICE = "qwen-tts-vc-ota1b2c3d-voice-20261124-0001"


def seed_cosyvoice(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, status: VoiceStatus, provider_statuses: list[str]
) -> int:
    """Entry 1 in the catalog, and its voice at the provider."""
    fake.add_voice(COSYVOICE_MODEL, COSY_VOICE, "cosyvoice-v2", statuses=provider_statuses)
    entry = wiring.catalog().add_entry(
        NewEntry(NewVoice("cosyvoice", COSY_VOICE, "Alice", "cosyvoice-v2", status), NOW)
    )
    return entry.id


def test_get_refreshes_a_deploying_voice_until_it_is_ready_then_stops_asking(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN an entry still deploying, which DashScope finishes after one more query
    seed_cosyvoice(wiring, fake, "deploying", ["DEPLOYING", "OK"])
    # WHEN it is read three times
    first, second, third = (body(get_handler(load_event("get_voice_first"), lambda_context)) for _ in range(3))
    # THEN the first two reads asked the provider and the second saw the voice ready (and stored it) ...
    assert (first["status"], first["status_checked"]) == ("deploying", True)
    assert (second["status"], second["status_checked"]) == ("ready", True)
    assert wiring.catalog().list_entries()[0].status == "ready"
    # ... and a final status is not asked about again
    assert (third["status"], third["status_checked"]) == ("ready", False)
    assert fake.action_count("query_voice") == 2
    assert third["created_at"] == "2026-11-24T01:02:03Z" and third["voice_id"] == COSY_VOICE
    assert third["status_note"] is None


def test_get_answers_the_last_known_status_when_the_provider_fails(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    seed_cosyvoice(wiring, fake, "deploying", ["OK"])
    fake.failing_actions["query_voice"] = SERVER_ERROR
    response = get_handler(load_event("get_voice_first"), lambda_context)
    # A read never fails for the provider's sake: 200, the stored status, and why it may be stale
    assert response["statusCode"] == 200
    detail = body(response)
    assert (detail["status"], detail["status_checked"]) == ("deploying", False)
    assert detail["status_note"].startswith("Last known status; refreshing failed: The cosyvoice provider failed")


def test_get_missing_is_404(lambda_context: FakeLambdaContext) -> None:
    response = get_handler(load_event("get_voice_missing"), lambda_context)
    assert response["statusCode"] == 404
    assert body(response)["detail"].startswith("No cloned voice has id")


def test_get_marks_a_vanished_deploying_voice_gone(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    seed_cosyvoice(wiring, fake, "deploying", ["DEPLOYING"])
    fake.vanish(COSY_VOICE)
    assert body(get_handler(load_event("get_voice_first"), lambda_context))["status"] == "gone"


def test_delete_frees_the_provider_slot_then_removes_the_row(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN an entry whose voice the provider holds
    seed_cosyvoice(wiring, fake, "ready", ["OK"])
    # WHEN it is deleted
    response = delete_handler(load_event("delete_voice_first"), lambda_context)
    # THEN the provider deleted the voice (the slot is free) and the row is gone
    assert response["statusCode"] == 200
    assert body(response) == {"deleted": True, "provider_voice": "deleted"}
    assert fake.deleted_voices == [COSY_VOICE] and fake.voices == {}
    assert wiring.catalog().list_entries() == []
    again = delete_handler(load_event("delete_voice_first"), lambda_context)
    assert again["statusCode"] == 404
    assert body(again) == {"detail": "No cloned voice has id 1."}


def test_delete_of_a_voice_the_provider_no_longer_has_still_removes_the_row(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    fake.add_voice(QWEN_MODEL, QWEN_VOICE, "qwen3-tts-vc-realtime-2026-01-15")
    wiring.catalog().add_entry(
        NewEntry(NewVoice("dashscope", QWEN_VOICE, "Bob", "qwen3-tts-vc-realtime-2026-01-15"), NOW)
    )
    fake.vanish(QWEN_VOICE)
    response = delete_handler(load_event("delete_voice_first"), lambda_context)
    assert response["statusCode"] == 200
    assert body(response) == {"deleted": True, "provider_voice": "already_gone"}
    assert wiring.catalog().list_entries() == []


def test_delete_keeps_the_row_when_the_provider_fails(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a provider failing deletions
    seed_cosyvoice(wiring, fake, "ready", ["OK"])
    fake.failing_actions["delete_voice"] = SERVER_ERROR
    # WHEN the entry is deleted THEN 502 naming the provider, and nothing is lost: the row and the voice stay
    response = delete_handler(load_event("delete_voice_first"), lambda_context)
    assert response["statusCode"] == 502
    assert body(response)["detail"].startswith("The cosyvoice provider failed")
    assert [entry.voice_id for entry in wiring.catalog().list_entries()] == [COSY_VOICE]
    assert COSY_VOICE in fake.voices
    # AND the caller's retry succeeds once the provider recovers
    del fake.failing_actions["delete_voice"]
    assert delete_handler(load_event("delete_voice_first"), lambda_context)["statusCode"] == 200
    assert fake.voices == {}


def test_delete_without_a_provider_key_is_503_and_keeps_the_row(
    wiring: FunctionWiring, lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    wiring.unset("DASHSCOPE_API_KEY")
    wiring.catalog().add_entry(NewEntry(NewVoice("cosyvoice", COSY_VOICE, "Alice", "cosyvoice-v2"), NOW))
    response = delete_handler(load_event("delete_voice_first"), lambda_context)
    assert response["statusCode"] == 503
    assert "DASHSCOPE_API_KEY" in body(response)["detail"]
    assert len(wiring.catalog().list_entries()) == 1


def test_catalog_only_delete_leaves_the_provider_alone(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    seed_cosyvoice(wiring, fake, "gone", ["OK"])
    response = delete_handler(load_event("delete_voice_catalog_only"), lambda_context)
    assert response["statusCode"] == 200
    assert body(response) == {"deleted": True, "provider_voice": "kept"}
    assert fake.requests == [] and wiring.catalog().list_entries() == []


def clone_event(**form_changes: str) -> dict[str, Any]:
    """events/clone_dashscope_idempotent.json, with form fields optionally changed in its multipart body."""
    event = load_event("clone_dashscope_idempotent")
    raw = base64.b64decode(event["body"])
    for old, new in form_changes.items():
        assert old.encode() in raw
        raw = raw.replace(old.encode(), new.encode())
    event["body"] = base64.b64encode(raw).decode("ascii")
    return event


def test_clone_refused_for_the_voice_quota_is_429_saying_how_to_free_slots(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN an account at its voice quota
    fake.voice_quota = 0
    # WHEN a clone is sent THEN 429 (not a generic 502) whose detail names the cure, and nothing is stored
    response = clone_handler(load_event("clone_dashscope_webm"), lambda_context)
    assert response["statusCode"] == 429
    detail = body(response)["detail"]
    assert "voice quota is reached" in detail and "DELETE /voices/{entry_id}" in detail
    assert wiring.catalog().list_entries() == [] and wiring.catalog().list_intents() == []


def test_a_repeated_idempotency_key_replays_the_first_clone_without_calling_the_provider(
    wiring: FunctionWiring, fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a clone sent with an Idempotency-Key
    first = clone_handler(clone_event(), lambda_context)
    assert first["statusCode"] == 200
    # WHEN the client retries it (say after API Gateway's timeout)
    again = clone_handler(clone_event(), lambda_context)
    # THEN it gets the first answer; the provider created one voice, the catalog holds one entry
    assert again["statusCode"] == 200 and body(again) == body(first)
    assert fake.action_count("create") == 1 and len(wiring.catalog().list_entries()) == 1


def test_an_idempotency_key_reused_for_another_form_is_422(
    fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    assert clone_handler(clone_event(), lambda_context)["statusCode"] == 200
    event = load_event("clone_dashscope_idempotent")
    label = base64.b64decode(event["body"]).split(b'name="display_label"\r\n\r\n', 1)[1].split(b"\r\n", 1)[0]
    response = clone_handler(clone_event(**{label.decode(): "Another label"}), lambda_context)
    assert response["statusCode"] == 422
    assert "already used for a different clone request" in body(response)["detail"]
    assert fake.action_count("create") == 1


def test_a_failed_clone_releases_its_idempotency_key(
    fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext
) -> None:
    fake.failing_actions["create"] = SERVER_ERROR
    assert clone_handler(clone_event(), lambda_context)["statusCode"] == 502
    del fake.failing_actions["create"]
    assert clone_handler(clone_event(), lambda_context)["statusCode"] == 200
    assert fake.action_count("create") == 2


def test_a_malformed_idempotency_key_is_400(fake: FakeDashScopeEnrollment, lambda_context: FakeLambdaContext) -> None:
    event = clone_event()
    event["headers"]["Idempotency-Key"] = event["multiValueHeaders"]["Idempotency-Key"][0] = "x" * 256
    response = clone_handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert "Idempotency-Key" in body(response)["detail"] and fake.requests == []
