"""Provider API keys: environment first, then the stack's Secrets Manager secret (cached by Powertools).

Keys never appear in logs or error messages; a missing key is a ProviderNotConfiguredError naming the setting.
"""

from __future__ import annotations

from typing import Any

from voice_service.errors import ProviderNotConfiguredError, StorageError
from voice_service.settings import ProviderKeySettings, get_settings

DASHSCOPE_KEY_SETTING = "DASHSCOPE_API_KEY"
ELEVENLABS_KEY_SETTING = "OPENTALKING_TTS_ELEVENLABS_API_KEY"


def dashscope_api_key() -> str:
    """The DashScope key (Qwen TTS, CosyVoice, voice enrollment)."""
    settings = get_settings(ProviderKeySettings)
    return _resolve("dashscope", DASHSCOPE_KEY_SETTING, settings.dashscope_api_key, settings)


def elevenlabs_api_key() -> str:
    settings = get_settings(ProviderKeySettings)
    return _resolve("elevenlabs", ELEVENLABS_KEY_SETTING, settings.elevenlabs_api_key, settings)


def _resolve(provider: str, setting: str, from_environment: Any, settings: ProviderKeySettings) -> str:
    if from_environment is not None and from_environment.get_secret_value().strip():
        return str(from_environment.get_secret_value().strip())
    if settings.provider_secrets_arn:
        value = _secret_values(settings.provider_secrets_arn, settings.provider_secrets_max_age_seconds).get(setting)
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise ProviderNotConfiguredError(provider, setting)


def _secret_values(secret_arn: str, max_age: int) -> dict[str, Any]:
    # Imported here: Powertools parameters pulls in boto3, which only the provider paths need.
    from aws_lambda_powertools.utilities import parameters

    try:
        values = parameters.get_secret(secret_arn, transform="json", max_age=max_age)
    except parameters.exceptions.GetParameterError as exc:
        raise StorageError("The provider keys could not be read from Secrets Manager.") from exc
    except parameters.exceptions.TransformParameterError as exc:
        raise StorageError("The provider keys secret is not a JSON object.") from exc
    if not isinstance(values, dict):
        raise StorageError("The provider keys secret is not a JSON object.")
    return values
