"""Settings models read their documented variables, fall back to defaults, and reject bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from voice_service.settings import CatalogApiSettings, ProviderKeySettings, get_settings


def test_defaults_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENTALKING_SQLITE_PATH", raising=False)
    settings = get_settings(CatalogApiSettings)
    assert settings.sqlite_path == Path(".data/voices.sqlite3")
    assert settings.sqlite_busy_timeout_seconds == 10.0
    assert settings.cors_allow_origins == ("http://localhost:5173", "http://127.0.0.1:5173")


def test_values_come_from_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENTALKING_SQLITE_PATH", "/mnt/catalog/voices.sqlite3")
    monkeypatch.setenv("OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("OPENTALKING_CORS_ALLOW_ORIGINS", " https://app.example/ ,https://admin.example,, ")
    settings = get_settings(CatalogApiSettings)
    assert settings.sqlite_path == Path("/mnt/catalog/voices.sqlite3")
    assert settings.sqlite_busy_timeout_seconds == 2.5
    assert settings.cors_allow_origins == ("https://app.example", "https://admin.example")


@pytest.mark.parametrize("bad", ["", "soon", "0", "-1", "26"])
def test_bad_busy_timeout_is_rejected(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS", bad)
    with pytest.raises(ValidationError):
        get_settings(CatalogApiSettings)


def test_settings_are_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings(CatalogApiSettings)
    monkeypatch.setenv("OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS", "3")
    assert get_settings(CatalogApiSettings) is first
    get_settings.cache_clear()
    assert get_settings(CatalogApiSettings).sqlite_busy_timeout_seconds == 3


def test_keys_are_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-very-secret")
    settings = get_settings(ProviderKeySettings)
    assert "sk-very-secret" not in repr(settings)
    assert settings.dashscope_api_key is not None
    assert settings.dashscope_api_key.get_secret_value() == "sk-very-secret"


def test_alias_choices_take_the_first_variable_present(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import AliasChoices, Field

    from voice_service.settings import EnvSettings

    class RegionSettings(EnvSettings):
        region: str | None = Field(default=None, validation_alias=AliasChoices("SPECIFIC_REGION", "AWS_REGION"))

    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.delenv("SPECIFIC_REGION", raising=False)
    assert RegionSettings.from_environment().region == "eu-central-1"
    monkeypatch.setenv("SPECIFIC_REGION", "ap-southeast-1")
    assert RegionSettings.from_environment().region == "ap-southeast-1"


def test_clone_defaults_fit_api_gateway_and_oversized_budgets_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_service.settings import CLONE_TIME_BUDGET_SECONDS, CloneSettings

    # GIVEN the defaults THEN the worst case fits
    assert get_settings(CloneSettings).worst_case_seconds() <= CLONE_TIME_BUDGET_SECONDS
    # WHEN the CosyVoice budgets are raised past API Gateway's limit THEN the settings are refused
    get_settings.cache_clear()
    monkeypatch.setenv("OPENTALKING_COSYVOICE_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS", "8")
    with pytest.raises(ValidationError, match="worst case"):
        get_settings(CloneSettings)
