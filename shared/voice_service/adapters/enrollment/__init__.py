"""DashScope voice enrollment: Qwen (sample inline) and CosyVoice (sample fetched from a presigned URL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voice_service.adapters.dashscope_sdk import DashScopeSdk
    from voice_service.services.voice_lifecycle import ProviderDirectory


def provider_voices(sdk: DashScopeSdk, *, timeout_seconds: int) -> ProviderDirectory:
    """Each cloning provider's voices (status, deletion, listing), with short one-try requests."""
    from voice_service.adapters.enrollment.cosyvoice import CosyVoiceEnrollment
    from voice_service.adapters.enrollment.dashscope_qwen import QwenVoiceEnrollment

    return {
        "cosyvoice": CosyVoiceEnrollment(sdk, timeout_seconds=timeout_seconds),
        "dashscope": QwenVoiceEnrollment(sdk, timeout_seconds=timeout_seconds),
    }
