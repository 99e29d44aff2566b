"""The enrollment adapters' status, list and delete calls, through the real dashscope SDK, against the loopback fake."""

from __future__ import annotations

import pytest

from testsupport.fakes.clone_support import audio_only_ffmpeg, make_sample
from testsupport.fakes.dashscope_enrollment_fake import (
    COSYVOICE_MODEL,
    ERROR_JSON,
    QWEN_MODEL,
    SERVER_ERROR,
    SLOW,
    FakeDashScopeEnrollment,
)
from testsupport.wiring import FunctionWiring
from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
from voice_service.adapters.dashscope_sdk import DashScopeSdk
from voice_service.adapters.enrollment.cosyvoice import CosyVoiceEnrollment
from voice_service.adapters.enrollment.dashscope_qwen import QwenVoiceEnrollment
from voice_service.adapters.provider_keys import ProviderKeys
from voice_service.errors import UpstreamError, VoiceQuotaExceededError
from voice_service.settings import DashScopeEndpointSettings, ProviderKeySettings

QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"
COSY_TARGET = "cosyvoice-v2"


@pytest.fixture
def sdk(fake: FakeDashScopeEnrollment, wiring: FunctionWiring) -> DashScopeSdk:
    """The SDK configured as the functions configure it, pointed at the fake (by the `fake` fixture's settings)."""
    keys = ProviderKeys(ProviderKeySettings.from_environment(wiring.values))
    return DashScopeSdk(DashScopeEndpointSettings.from_environment(wiring.values), keys)


@pytest.fixture
def cosyvoice(sdk: DashScopeSdk) -> CosyVoiceEnrollment:
    return CosyVoiceEnrollment(sdk, timeout_seconds=1)


@pytest.fixture
def qwen(sdk: DashScopeSdk) -> QwenVoiceEnrollment:
    return QwenVoiceEnrollment(sdk, timeout_seconds=1)


def test_cosyvoice_status_follows_the_deployment_then_settles(
    fake: FakeDashScopeEnrollment, cosyvoice: CosyVoiceEnrollment
) -> None:
    # GIVEN a voice that deploys for two queries, then one that fails to deploy
    fake.add_voice(COSYVOICE_MODEL, "cosyvoice-v2-ota1b2c3d-0001", COSY_TARGET, statuses=["DEPLOYING"] * 2 + ["OK"])
    fake.add_voice(COSYVOICE_MODEL, "cosyvoice-v2-bad-0002", COSY_TARGET, statuses=["DEPLOYING", "UNDEPLOYED"])
    # WHEN / THEN each query sees the voice's state at that moment, mapped to ours
    assert [cosyvoice.voice_status("cosyvoice-v2-ota1b2c3d-0001") for _ in range(4)] == [
        "deploying",
        "deploying",
        "ready",
        "ready",
    ]
    assert [cosyvoice.voice_status("cosyvoice-v2-bad-0002") for _ in range(3)] == ["deploying", "failed", "failed"]
    # A voice the provider does not know (never created, deleted, or taken offline) is gone
    assert cosyvoice.voice_status("cosyvoice-v2-nothere-0003") == "gone"
    assert fake.problems == []


@pytest.mark.parametrize("which", ["cosyvoice", "qwen"])
def test_delete_frees_the_voice_and_a_second_delete_reports_it_was_gone(
    which: str, fake: FakeDashScopeEnrollment, cosyvoice: CosyVoiceEnrollment, qwen: QwenVoiceEnrollment
) -> None:
    # GIVEN a voice at the provider
    adapter = cosyvoice if which == "cosyvoice" else qwen
    model = COSYVOICE_MODEL if which == "cosyvoice" else QWEN_MODEL
    voice_id = "cosyvoice-v2-ota-0001" if which == "cosyvoice" else "qwen-tts-vc-ota-voice-20260101-0001"
    fake.add_voice(model, voice_id, COSY_TARGET if which == "cosyvoice" else QWEN_TARGET)
    # WHEN it is deleted THEN the provider no longer holds it
    assert adapter.delete_voice(voice_id) is True
    assert voice_id not in fake.voices and fake.deleted_voices == [voice_id]
    # AND "no such voice" is a distinct, non-failing answer
    assert adapter.delete_voice(voice_id) is False
    action = "delete_voice" if which == "cosyvoice" else "delete"
    assert fake.action_count(action) == 2 and fake.problems == []


def test_listing_pages_and_parses_names_models_and_times(
    fake: FakeDashScopeEnrollment, cosyvoice: CosyVoiceEnrollment, qwen: QwenVoiceEnrollment
) -> None:
    # GIVEN three CosyVoice voices and one Qwen voice
    for number in range(3):
        fake.add_voice(COSYVOICE_MODEL, f"cosyvoice-v3-plus-ot{number}abcdef-00{number}", "cosyvoice-v3-plus")
    fake.add_voice(QWEN_MODEL, "qwen-tts-vc-ot9abcdef-voice-20260101-0001", QWEN_TARGET, age_seconds=7200)
    # WHEN listed two at a time
    first, second = cosyvoice.list_voices_page(0, 2), cosyvoice.list_voices_page(1, 2)
    # THEN the pages hold all three, with the prefix and target model parsed from each id
    assert [len(first), len(second)] == [2, 1]
    assert [(v.voice_name, v.target_model, v.status) for v in first + second] == [
        (f"ot{number}abcdef", "cosyvoice-v3-plus", "ready") for number in range(3)
    ]
    (qwen_voice,) = qwen.list_voices_page(0, 10)
    assert (qwen_voice.voice_name, qwen_voice.target_model) == ("ot9abcdef", QWEN_TARGET)
    assert qwen_voice.created_at is not None and first[0].created_at is not None
    assert 7000 < (first[0].created_at - qwen_voice.created_at).total_seconds() < 7400
    # Qwen has no query action: its status comes from the listing
    assert qwen.voice_status(qwen_voice.voice_id) == "ready"
    assert qwen.voice_status("qwen-tts-vc-other-voice-1") == "gone"
    assert fake.problems == []


def test_quota_refusals_are_their_own_error_for_both_providers(
    fake: FakeDashScopeEnrollment, cosyvoice: CosyVoiceEnrollment, qwen: QwenVoiceEnrollment
) -> None:
    # GIVEN an account holding as many voices as it may
    fake.voice_quota = 1
    fake.add_voice(QWEN_MODEL, "qwen-tts-vc-old-voice-1", QWEN_TARGET)
    converter = FfmpegSampleConverter(ffmpeg_exe=audio_only_ffmpeg(), max_seconds=60, min_seconds=3, timeout_seconds=10)
    wav = converter.to_clone_wav(make_sample("wav")).wav
    # WHEN either provider is asked for another voice THEN the refusal says the quota is reached
    with pytest.raises(VoiceQuotaExceededError, match="quota is reached") as raised:
        qwen.create_voice(target_model=QWEN_TARGET, preferred_name="ota", wav=wav)
    assert "DELETE /voices/{entry_id}" in raised.value.message
    with pytest.raises(VoiceQuotaExceededError):
        cosyvoice.create_voice(target_model=COSY_TARGET, prefix="ota", sample_url="http://127.0.0.1:9/s.wav")
    assert fake.created_voices == []


@pytest.mark.parametrize("mode", [SERVER_ERROR, ERROR_JSON])
@pytest.mark.parametrize("action", ["query_voice", "delete_voice", "list_voice", "delete", "list"])
def test_each_call_reports_a_provider_failure(
    mode: str, action: str, fake: FakeDashScopeEnrollment, cosyvoice: CosyVoiceEnrollment, qwen: QwenVoiceEnrollment
) -> None:
    # GIVEN the provider failing this one action
    fake.failing_actions[action] = mode
    fake.add_voice(COSYVOICE_MODEL, "cosyvoice-v2-ota-0001", COSY_TARGET)
    fake.add_voice(QWEN_MODEL, "qwen-tts-vc-ota-voice-1", QWEN_TARGET)
    calls = {
        "query_voice": lambda: cosyvoice.voice_status("cosyvoice-v2-ota-0001"),
        "delete_voice": lambda: cosyvoice.delete_voice("cosyvoice-v2-ota-0001"),
        "list_voice": lambda: cosyvoice.list_voices_page(0, 10),
        "delete": lambda: qwen.delete_voice("qwen-tts-vc-ota-voice-1"),
        "list": lambda: qwen.list_voices_page(0, 10),
    }
    # WHEN it is called THEN an UpstreamError (a reply arrived: the outcome is known) and nothing changed
    with pytest.raises(UpstreamError) as raised:
        calls[action]()
    assert not raised.value.outcome_unknown
    assert len(fake.voices) == 2


def test_a_call_without_reply_has_an_unknown_outcome(
    fake: FakeDashScopeEnrollment, cosyvoice: CosyVoiceEnrollment
) -> None:
    fake.failing_actions["delete_voice"] = SLOW
    fake.slow_seconds = 3
    with pytest.raises(UpstreamError, match="timed out") as raised:
        cosyvoice.delete_voice("cosyvoice-v2-ota-0001")
    assert raised.value.outcome_unknown
