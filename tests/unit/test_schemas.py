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
            datetime(2026, 1, 2, tzinfo=UTC),
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
    }


def test_the_preview_openapi_limits_are_the_enforced_ones() -> None:
    # GIVEN the preview function's OpenAPI document and the settings its composition root validated
    from functions.preview import app as preview
    from voice_service.services.preview import MAX_MODEL_CHARS, MAX_VOICE_CHARS

    form = preview.app.openapi()["components"]["schemas"]["PreviewForm"]["properties"]

    # THEN each documented limit is the one the service checks: the text limit is the setting, not a copy of it
    assert form["text"]["maxLength"] == preview.SETTINGS.preview.max_chars
    assert form["voice"]["maxLength"] == MAX_VOICE_CHARS
    assert form["model"]["maxLength"] == form["tts_model"]["maxLength"] == MAX_MODEL_CHARS
