"""Settings models read their documented variables, fall back to defaults, and reject bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from voice_service.settings import (
    CloneVoiceFunctionSettings,
    ListVoicesFunctionSettings,
    ProviderKeySettings,
    SettingsError,
    load_settings,
)


def test_defaults_when_nothing_is_set() -> None:
    settings = ListVoicesFunctionSettings.from_environment({})
    assert settings.catalog.sqlite_path == Path(".data/voices.sqlite3")
    assert settings.catalog.sqlite_busy_timeout_seconds == 10.0
    assert settings.api.cors_allow_origins == ("http://localhost:5173", "http://127.0.0.1:5173")


def test_values_come_from_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENTALKING_SQLITE_PATH", "/mnt/catalog/voices.sqlite3")
    monkeypatch.setenv("OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("OPENTALKING_CORS_ALLOW_ORIGINS", " https://app.example/ ,https://admin.example,, ")
    settings = load_settings(ListVoicesFunctionSettings)
    assert settings.catalog.sqlite_path == Path("/mnt/catalog/voices.sqlite3")
    assert settings.catalog.sqlite_busy_timeout_seconds == 2.5
    assert settings.api.cors_allow_origins == ("https://app.example", "https://admin.example")


@pytest.mark.parametrize("bad", ["", "soon", "0", "-1", "26"])
def test_bad_busy_timeout_is_rejected_naming_the_variable(bad: str) -> None:
    environment = {"OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS": bad}
    with pytest.raises(SettingsError, match=r"^Invalid setting OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS: \S"):
        ListVoicesFunctionSettings.from_environment(environment)


def test_the_sentence_names_the_rule_but_never_the_value() -> None:
    with pytest.raises(SettingsError) as raised:
        ListVoicesFunctionSettings.from_environment({"OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS": "sk-1234-soon"})
    assert str(raised.value) == (
        "Invalid setting OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS: "
        "input should be a valid number, unable to parse string as a number."
    )
    with pytest.raises(SettingsError, match="less than or equal to 25"):
        ListVoicesFunctionSettings.from_environment({"OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS": "26"})


def test_a_composition_root_keeps_the_settings_it_read_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.list_voices import app

    first = app.SETTINGS
    monkeypatch.setenv("OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS", "3")
    assert app.SETTINGS is first
    assert load_settings(ListVoicesFunctionSettings).catalog.sqlite_busy_timeout_seconds == 3


def test_keys_are_secret_in_repr() -> None:
    settings = ProviderKeySettings.from_environment({"DASHSCOPE_API_KEY": "sk-very-secret"})
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


def test_clone_defaults_fit_api_gateway_and_oversized_budgets_are_refused() -> None:
    from voice_service.settings import CLONE_TIME_BUDGET_SECONDS, CloneSettings

    # GIVEN the defaults THEN the worst case fits
    assert CloneSettings.from_environment({}).worst_case_seconds() <= CLONE_TIME_BUDGET_SECONDS
    # WHEN the CosyVoice budgets are raised past API Gateway's limit THEN the settings are refused
    oversized = {"OPENTALKING_COSYVOICE_TIMEOUT_SECONDS": "5", "OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS": "8"}
    with pytest.raises(ValidationError, match="worst case"):
        CloneSettings.from_environment(oversized)
    # AND the clone function's settings say so in one sentence naming the variables
    with pytest.raises(
        SettingsError,
        match=r"^Invalid settings: the clone time budgets \(.*_SECONDS\) add up to 40.0 s in the worst case",
    ):
        CloneVoiceFunctionSettings.from_environment(oversized)
