"""Facts about a function's code that the template must match: its declared settings and AWS actions, media types."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI
from pydantic.fields import FieldInfo

from scripts import REPO_ROOT
from tests.template.stack import Route
from voice_service.settings import FunctionSettings

# Methods served implicitly (HEAD next to GET); API Gateway routes only what the template lists.
IMPLICIT_METHODS = {"HEAD"}
# Mangum returns these as text (mangum==0.22.0 DEFAULT_TEXT_MIME_TYPES); any other type travels base64-encoded.
TEXT_MEDIA_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/vnd.api+json",
    "application/vnd.oai.openapi",
)
MEDIA_TYPE = re.compile(r"^(audio|video|image|multipart|application|text)/[A-Za-z0-9.+-]+$")
CODE_ROOTS = (REPO_ROOT / "shared" / "voice_service", REPO_ROOT / "functions")


def composition_root(app_module: str) -> ModuleType:
    return importlib.import_module(app_module)


def declared_settings(app_module: str) -> type[FunctionSettings]:
    """The settings model the function's composition root names (and validated at import)."""
    model = type(composition_root(app_module).SETTINGS)
    assert issubclass(model, FunctionSettings), app_module
    return model


def variables_read_by(app_module: str) -> dict[tuple[str, ...], FieldInfo]:
    """Variables the function reads, keyed by the names that can set each one (several with AliasChoices)."""
    return dict(declared_settings(app_module).variables())


def declared_iam_actions(app_module: str) -> frozenset[str]:
    """The AWS actions the function's adapters declare they call (IAM_ACTIONS of its composition root)."""
    actions: frozenset[str] = composition_root(app_module).IAM_ACTIONS
    return actions


def _source_files() -> Iterator[Path]:
    for root in CODE_ROOTS:
        yield from sorted(root.rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            ids.add(id(node.value))
    return ids


def media_types_in_code() -> set[str]:
    """String constants in the functions' and shared package's code that are media types (docstrings aside)."""
    found: set[str] = set()
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for child in ast.walk(tree):
            if (
                isinstance(child, ast.Constant)
                and isinstance(child.value, str)
                and id(child) not in docstrings
                and MEDIA_TYPE.match(child.value)
            ):
                found.add(child.value)
    return found


def load_app(app_module: str) -> FastAPI:
    return importlib.import_module(app_module).app


def app_routes(app: FastAPI) -> set[Route]:
    """The routes in the app's OpenAPI document (FastAPI's own /docs and /openapi.json are not in it)."""
    return {
        Route(method.upper(), path)
        for path, operations in app.openapi().get("paths", {}).items()
        for method in operations
        if method.upper() not in IMPLICIT_METHODS
    }


def openapi_media_types(app: FastAPI) -> set[str]:
    """Request and response media types the app's OpenAPI document declares."""
    found: set[str] = set()
    for operations in app.openapi().get("paths", {}).values():
        for operation in operations.values():
            found.update(operation.get("requestBody", {}).get("content", {}))
            for response in operation.get("responses", {}).values():
                found.update(response.get("content", {}))
    return found


def travels_as_text(media_type: str) -> bool:
    """True if the body survives API Gateway and Mangum as text (Mangum matches these as substrings)."""
    return any(text in media_type for text in TEXT_MEDIA_TYPES) or media_type == "application/x-www-form-urlencoded"
