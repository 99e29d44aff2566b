"""The hand-built GET /voices JSON matches the documented `VoiceList` model exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from voice_service.http.schemas import VoiceItem, VoiceList
from voice_service.models import VoiceEntry


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
    }
    assert (payload["items"][1]["status"], payload["items"][1]["created_at"]) == (
        "deploying",
        "2026-01-02T03:04:05.678000Z",
    )
