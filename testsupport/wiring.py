"""Every function pointed at settings built from a mapping, through FastAPI dependency overrides.

Tests and benchmarks do not change os.environ to configure a function: they say `wiring.set(NAME=value)`, which
validates each function's settings model from the mapping and installs, as `app.dependency_overrides`, the
function's own dependencies rebuilt from those settings (the same builders the Lambda uses). Each function's
`lambda_handler` then runs with them; a local app joins with `attach(app)`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from voice_service.http.dependencies import Dependency

FUNCTION_MODULES = (
    "functions.preview.app",
    "functions.list_tts_voices.app",
    "functions.list_voices.app",
    "functions.get_voice.app",
    "functions.delete_voice.app",
    "functions.clone_voice.app",
    "functions.create_upload.app",
    "functions.authorizer.app",
    "functions.openai_speech.app",
    "functions.preflight.app",
)


def function_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in FUNCTION_MODULES]


class FunctionWiring:
    """The settings every function runs with, as environment-style `values` (variable name → text)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self._modules = function_modules()
        # What holds each function's overrides: its app, or the module itself for the authorizer (no app).
        self._apps: list[Any] = [getattr(module, "app", module) for module in self._modules]
        self._overrides: dict[Any, Dependency[Any, Any]] = {}
        self.apply()

    def set(self, **values: str) -> None:
        """Change some settings (by variable name) and rebuild every function's collaborators from them."""
        self.values.update(values)
        self.apply()

    def unset(self, *names: str) -> None:
        for name in names:
            self.values.pop(name, None)
        self.apply()

    def attach(self, app: FastAPI) -> None:
        """Let another app that includes the functions' routers (the local app) use the same overrides."""
        self._apps.append(app)
        app.dependency_overrides.update(self._overrides)

    def apply(self) -> None:
        self.close()
        for module in self._modules:
            settings = type(module.SETTINGS).from_environment(self.values)
            for dependency in module.DEPENDENCIES:
                self._overrides[dependency] = dependency.rebuilt(settings)
        for app in self._apps:
            app.dependency_overrides.clear()
            app.dependency_overrides.update(self._overrides)

    def collaborator(self, dependency: Dependency[Any, Any]) -> Any:
        """What `dependency` hands to routes under these settings (built now if no request needed it yet)."""
        return self._overrides[dependency].get()

    def catalog(self) -> Any:
        """The catalog the list function reads (every function's catalog is the same file)."""
        from functions.list_voices.app import voice_catalog

        return self.collaborator(voice_catalog)

    def close(self) -> None:
        """Close what was built (SQLite connections) and drop the overrides."""
        for override in self._overrides.values():
            built = override.built()
            for resource in (built, getattr(built, "catalog", None)):
                close = getattr(resource, "close", None)
                if callable(close):
                    close()
        self._overrides.clear()
        for app in self._apps:
            app.dependency_overrides.clear()
