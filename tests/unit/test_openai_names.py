"""The naming scheme of the OpenAI routes: model and voice → provider, voice and model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from voice_service.models import VoiceEntry
from voice_service.services.openai_names import (
    OPENAI_VOICE_TABLE,
    OPENAI_VOICES,
    NameConflictError,
    SpeechTarget,
    UnknownNameError,
    parse_model,
    resolve_speech_target,
)

QWEN_CLONE = VoiceEntry(
    1, None, "dashscope", "qwen-tts-vc-alice-1", "Alice", "qwen3-tts-vc-realtime-2026-01-15", "clone", datetime.now(UTC)
)


def find_clone(voice_id: str) -> VoiceEntry | None:
    return QWEN_CLONE if voice_id == QWEN_CLONE.voice_id else None


def resolve(model: str, voice: str, default: str = "edge") -> SpeechTarget:
    return resolve_speech_target(model, voice, default, find_clone)


@pytest.mark.parametrize("model", ["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-03-20", "tts-1-1106"])
def test_openais_models_mean_the_default_provider_and_its_default_model(model: str) -> None:
    choice = parse_model(model, "espeak")
    assert (choice.provider, choice.model, choice.named_provider) == ("espeak", None, False)


@pytest.mark.parametrize(
    ("model", "provider", "provider_model"),
    [
        ("edge", "edge", None),
        ("Qwen", "dashscope", None),
        ("cosyvoice/cosyvoice-v3", "cosyvoice", "cosyvoice-v3"),
        ("elevenlabs/eleven_multilingual_v2", "elevenlabs", "eleven_multilingual_v2"),
        ("dashscope/", "dashscope", None),
    ],
)
def test_a_provider_or_provider_slash_model(model: str, provider: str, provider_model: str | None) -> None:
    choice = parse_model(model, "edge")
    assert (choice.provider, choice.model, choice.named_provider) == (provider, provider_model, True)


@pytest.mark.parametrize("model", ["tts-2", "whisper-1", "acme/x", ""])
def test_unknown_models_are_404_about_the_model(model: str) -> None:
    with pytest.raises(UnknownNameError) as raised:
        parse_model(model, "edge")
    assert raised.value.param == "model"


def test_provider_voice_names_its_provider_whatever_openai_model() -> None:
    assert resolve("tts-1", "edge:en-US-AriaNeural", default="espeak") == SpeechTarget("edge", "en-US-AriaNeural", None)
    assert resolve("elevenlabs/eleven_v3", "elevenlabs:Voice123") == SpeechTarget("elevenlabs", "Voice123", "eleven_v3")


@pytest.mark.parametrize("provider", list(OPENAI_VOICE_TABLE))
def test_openais_voice_names_map_to_the_chosen_providers_table(provider: str) -> None:
    for name in OPENAI_VOICES:
        assert resolve(provider, name).voice == OPENAI_VOICE_TABLE[provider][name]
        assert resolve("tts-1", name.upper(), default=provider).provider == provider


def test_a_bare_voice_name_goes_to_the_provider_the_model_names() -> None:
    assert resolve("espeak", "de") == SpeechTarget("espeak", "de", None)


def test_a_bare_unknown_voice_with_an_openai_model_is_404() -> None:
    with pytest.raises(UnknownNameError) as raised:
        resolve("tts-1", "en-US-AriaNeural")
    assert raised.value.param == "voice"


@pytest.mark.parametrize("voice", ["acme:voice", "edge:", ":x"])
def test_an_unknown_provider_prefix_or_empty_voice_is_404(voice: str) -> None:
    with pytest.raises(UnknownNameError):
        resolve("tts-1", voice)


def test_voice_and_model_of_different_providers_is_400() -> None:
    with pytest.raises(NameConflictError) as raised:
        resolve("espeak", "edge:en-US-AriaNeural")
    assert raised.value.param == "model"


@pytest.mark.parametrize("model", ["tts-1", "gpt-4o-mini-tts", "dashscope", "qwen", QWEN_CLONE.target_model])
def test_a_clone_takes_its_own_model(model: str) -> None:
    model_name = f"dashscope/{model}" if model == QWEN_CLONE.target_model else model
    target = resolve(model_name, QWEN_CLONE.voice_id, default="espeak")
    assert (target.provider, target.voice, target.model, target.clone) == (
        "dashscope",
        QWEN_CLONE.voice_id,
        QWEN_CLONE.target_model,
        QWEN_CLONE,
    )


@pytest.mark.parametrize("model", ["dashscope/qwen3-tts-flash-realtime", "cosyvoice", "edge"])
def test_a_clone_with_a_model_it_was_not_cloned_for_is_400(model: str) -> None:
    with pytest.raises(NameConflictError) as raised:
        resolve(model, QWEN_CLONE.voice_id)
    assert "was cloned for dashscope/qwen3-tts-vc-realtime-2026-01-15" in raised.value.message


def test_openai_names_and_provider_voices_need_no_catalog_read() -> None:
    def no_catalog(_: str) -> VoiceEntry | None:
        raise AssertionError("the catalog was read")

    assert resolve_speech_target("tts-1", "alloy", "edge", no_catalog).voice == "en-US-AvaNeural"
    assert resolve_speech_target("tts-1", "espeak:de", "edge", no_catalog).voice == "de"
