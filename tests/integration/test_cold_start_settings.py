"""A bad setting stops a function's cold start, and `make run`'s start, with one sentence naming the variable.

Each case runs in a fresh interpreter, as a Lambda cold start does: the composition root validates its settings
model when its module is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from scripts import REPO_ROOT

# One invalid value per function, each breaking a different rule of that function's own settings model.
INVALID_SETTING_BY_FUNCTION = {
    "preview": ("OPENTALKING_TTS_SAMPLE_RATE", "abc", "input should be a valid integer"),
    "list_voices": ("OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS", "-3.5", "input should be greater than 0"),
    "delete_voice": ("OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS", "soon", "input should be a valid number"),
    "clone_voice": ("OPENTALKING_CLONE_MAX_SECONDS", "-5", "input should be greater than 0"),
    "create_upload": ("OPENTALKING_UPLOAD_URL_TTL_SECONDS", "5", "input should be greater than or equal to 30"),
}


def _run(code_or_module: list[str], variable: str, value: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, variable: value, "PYTHONPATH": str(REPO_ROOT), "POWERTOOLS_TRACE_DISABLED": "1"}
    return subprocess.run(
        [sys.executable, *code_or_module],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("function", sorted(INVALID_SETTING_BY_FUNCTION))
def test_the_handler_import_fails_naming_the_variable_and_the_rule(function: str) -> None:
    # GIVEN one invalid value for a variable the function reads
    variable, value, rule = INVALID_SETTING_BY_FUNCTION[function]

    # WHEN the Lambda runtime imports the handler (the cold start)
    result = _run(["-c", f"from functions.{function}.app import lambda_handler"], variable, value)

    # THEN the init fails with one sentence naming the variable and the rule, never the value
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"voice_service.settings.SettingsError: Invalid setting {variable}: {rule}"), (
        result.stderr
    )
    assert value not in last_line.removeprefix("voice_service.settings.SettingsError: ")
    # ... without pydantic's multi-line report chained to it
    assert "During handling" not in result.stderr and "validation error" not in result.stderr


def test_the_same_variable_is_fine_with_a_valid_value() -> None:
    result = _run(["-c", "from functions.preview.app import lambda_handler"], "OPENTALKING_TTS_SAMPLE_RATE", "24000")
    assert result.returncode == 0, result.stderr


def test_make_run_refuses_to_start_with_the_same_sentence() -> None:
    # GIVEN the invalid preview setting WHEN `make run`'s app starts (scripts.run_local, what `make run` runs)
    result = _run(["-m", "scripts.run_local", "--port", "9"], "OPENTALKING_TTS_SAMPLE_RATE", "abc")

    # THEN it exits before serving anything (no embedded S3, no port), printing only the sentence
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Invalid setting OPENTALKING_TTS_SAMPLE_RATE: input should be a valid integer, unable to parse string as an "
        "integer."
    )
    assert result.stdout == ""
