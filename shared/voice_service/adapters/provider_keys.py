"""Provider API keys: environment first, then the stack's Secrets Manager secret (cached by Powertools).

Keys never appear in logs or error messages: every key resolved is handed to the upstream-text sanitizer, and a
missing key is a ProviderNotConfiguredError naming the setting.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import SecretStr

from voice_service.adapters.upstream_text import remember_secret
from voice_service.errors import ProviderNotConfiguredError, StorageError
from voice_service.settings import ProviderKeySettings

DASHSCOPE_KEY_SETTING: Final = "DASHSCOPE_API_KEY"
ELEVENLABS_KEY_SETTING: Final = "OPENTALKING_TTS_ELEVENLABS_API_KEY"
# What reading the secret needs (the template grants exactly this where a function reads keys).
IAM_ACTIONS: Final = frozenset({"secretsmanager:GetSecretValue"})


class ProviderKeys:
    """Resolves each provider's key when a request needs it (the secret may be filled in after deployment)."""

    def __init__(self, settings: ProviderKeySettings) -> None:
        self._settings = settings
        for key in (settings.dashscope_api_key, settings.elevenlabs_api_key):
            if key is not None:
                remember_secret(key.get_secret_value())

    def dashscope(self) -> str:
        """The DashScope key (Qwen TTS, CosyVoice, voice enrollment)."""
        return self._resolve("dashscope", DASHSCOPE_KEY_SETTING, self._settings.dashscope_api_key)

    def elevenlabs(self) -> str:
        return self._resolve("elevenlabs", ELEVENLABS_KEY_SETTING, self._settings.elevenlabs_api_key)

    def _resolve(self, provider: str, setting: str, from_environment: SecretStr | None) -> str:
        if from_environment is not None and from_environment.get_secret_value().strip():
            return from_environment.get_secret_value().strip()
        settings = self._settings
        if settings.provider_secrets_arn:
            values = _secret_values(settings.provider_secrets_arn, settings.provider_secrets_max_age_seconds)
            for value in values.values():
                if isinstance(value, str):
                    remember_secret(value)
            value = values.get(setting)
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
