"""Reading DashScope's voice listing replies: what the loopback fake never sends, a malformed reply, is refused."""

from __future__ import annotations

from typing import Any

import pytest

from voice_service.adapters.enrollment import cosyvoice, dashscope_qwen
from voice_service.adapters.enrollment.customization import VoiceDirectory
from voice_service.errors import UpstreamError


@pytest.mark.parametrize(
    ("directory", "item"),
    [
        (dashscope_qwen.VOICES, {"voice": "qwen-tts-vc-ot1-voice-1", "target_model": "qwen3-tts-vc-realtime"}),
        (cosyvoice.VOICES, {"voice_id": "cosyvoice-v2-ot1-0001", "status": "OK"}),
    ],
)
def test_each_listed_item_is_parsed_under_its_models_voice_field(
    directory: VoiceDirectory, item: dict[str, Any]
) -> None:
    [voice] = directory.voices_in({"voice_list": [item]})

    assert voice.provider == directory.provider
    assert voice.voice_id == item[directory.voice_field]
    assert voice.status == "ready"


@pytest.mark.parametrize("directory", [dashscope_qwen.VOICES, cosyvoice.VOICES])
@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({}, "no voice_list"),
        ({"voice_list": {"voice": "x"}}, "no voice_list"),
        ({"voice_list": ["a-voice-id"]}, "an item without"),
        ({"voice_list": [{"name": "x"}]}, "an item without"),
        ({"voice_list": [{"voice": "", "voice_id": ""}]}, "an item without"),
        ({"voice_list": [{"voice": 7, "voice_id": 7}]}, "an item without"),
    ],
)
def test_a_malformed_listing_is_an_upstream_error_naming_what_is_missing(
    directory: VoiceDirectory, reply: dict[str, Any], reason: str
) -> None:
    with pytest.raises(UpstreamError) as raised:
        directory.voices_in(reply)

    assert raised.value.provider == directory.provider
    assert reason in raised.value.reason
    if reason == "an item without":
        assert raised.value.reason.endswith(f"{directory.voice_field}.")


def test_an_item_with_the_other_models_field_only_is_refused() -> None:
    """Qwen names a listed voice `voice`, CosyVoice `voice_id`: each reads only its own."""
    with pytest.raises(UpstreamError):
        dashscope_qwen.VOICES.voices_in({"voice_list": [{"voice_id": "cosyvoice-v2-ot1-0001"}]})
    with pytest.raises(UpstreamError):
        cosyvoice.VOICES.voices_in({"voice_list": [{"voice": "qwen-tts-vc-ot1-voice-1"}]})
