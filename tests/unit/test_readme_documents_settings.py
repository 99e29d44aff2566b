"""Every environment variable a settings model reads is documented in the README's configuration table."""

from __future__ import annotations

import inspect
import re

import voice_service.settings as settings_module
from scripts import REPO_ROOT
from voice_service.settings import EnvSettings, variable_names


def documented_variables() -> set[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))


def variables_read_by_code() -> set[str]:
    names: set[str] = set()
    for _, model in inspect.getmembers(settings_module, inspect.isclass):
        if issubclass(model, EnvSettings) and model is not EnvSettings:
            for field_name, field in model.model_fields.items():
                names.update(variable_names(field_name, field))
    return names


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    missing = variables_read_by_code() - documented_variables()
    assert not missing, f"document these in README.md's configuration table: {sorted(missing)}"
