"""The hand-built GET /voices JSON matches the documented `VoiceList` model exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from voice_service.http.schemas import VoiceItem, VoiceList
from voice_service.models import LISTED_FIELDS, VoiceEntry


def test_listing_json_validates_as_the_documented_model_and_has_exactly_its_fields() -> None:
    entries = [
        VoiceEntry(
            1,
            None,
            "dashscope",
            "qwen-tts-vc-a",
            "Alice's Voice",
            "qwen3-tts-vc-realtime",
            "clone",
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
        VoiceEntry(
            7,
            None,
            "cosyvoice",
            "cosyvoice-v2-b",
            "我的复刻音色",
            "cosyvoice-v2",
            "clone",
            datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
            "deploying",
        ),
    ]
    payload = json.loads(VoiceList.json_from_entries(entries))
    VoiceList.model_validate(payload)
    assert [set(item) for item in payload["items"]] == [set(VoiceItem.model_fields)] * 2
    # ... in the order of the catalog entry, the one place the fields are declared
    assert [list(item) for item in payload["items"]] == [list(VoiceItem.model_fields)] * 2 == [list(LISTED_FIELDS)] * 2
    assert payload["items"][1]["display_label"] == "我的复刻音色"
    assert payload["items"][0] == {
        "id": 1,
        "user_id": None,
        "provider": "dashscope",
        "voice_id": "qwen-tts-vc-a",
        "display_label": "Alice's Voice",
        "target_model": "qwen3-tts-vc-realtime",
        "source": "clone",
        "status": "ready",
        "created_at": "2026-01-01T00:00:00Z",
        "consent": None,
    }
    assert (payload["items"][1]["status"], payload["items"][1]["created_at"]) == (
        "deploying",
        "2026-01-02T03:04:05.678000Z",
    )


def test_the_preview_openapi_limits_are_the_enforced_ones() -> None:
    # GIVEN the preview function's OpenAPI document and the settings its composition root validated
    from functions.preview import app as preview
    from voice_service.services.preview import MAX_MODEL_CHARS, MAX_VOICE_CHARS

    form = preview.app.openapi()["components"]["schemas"]["PreviewForm"]["properties"]

    # THEN each documented limit is the one the service checks: the text limit is the setting, not a copy of it
    assert form["text"]["maxLength"] == preview.SETTINGS.preview.max_chars
    assert form["voice"]["maxLength"] == MAX_VOICE_CHARS
    assert form["model"]["maxLength"] == form["tts_model"]["maxLength"] == MAX_MODEL_CHARS


def test_the_consent_record_and_its_statement_have_one_shape_in_the_listing_and_the_detail() -> None:
    from voice_service.http.schemas import ConsentItem, StatementItem, VoiceDetail
    from voice_service.models import ConsentRecord, ConsentStatement
    from voice_service.services.voice_lifecycle import VoiceView

    # GIVEN an entry whose consent record names a recorded statement, and one whose record has none
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with_statement = ConsentRecord("Alice", "I agree.", "alice", stamp, ConsentStatement("consent/abc.wav", 4.25))
    entry = VoiceEntry(1, "alice", "dashscope", "vc-1", "Mine", "m", "clone", stamp, "ready", with_statement)
    plain = entry._replace(id=2, consent=ConsentRecord("Alice", "I agree.", "alice", stamp))
    # WHEN listed
    listed, unrecorded = json.loads(VoiceList.json_from_entries([entry, plain]))["items"]
    VoiceList.model_validate({"items": [listed, unrecorded]})
    # THEN the listing says the statement exists and how long it is, never where it is stored or a URL
    assert listed["consent"] == {
        "speaker": "Alice",
        "affirmation": "I agree.",
        "recorded_by": "alice",
        "recorded_at": "2026-01-01T00:00:00Z",
        "statement": {"duration_seconds": 4.25},
    }
    assert unrecorded["consent"]["statement"] is None
    assert list(listed["consent"]) == list(ConsentItem.model_fields)
    # AND the detail adds the owner's short-lived URL to the same object
    detail = VoiceDetail.from_view(VoiceView(entry, False, None, "https://bucket.example/consent/abc.wav?sig", 300))
    assert detail.consent is not None and detail.consent.statement == StatementItem(
        duration_seconds=4.25, url="https://bucket.example/consent/abc.wav?sig", url_expires_in=300
    )
    assert "consent/abc.wav" not in json.dumps(listed)
