"""Facts about a function's code that the template must match: settings it reads, AWS calls, media types."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from fastapi import FastAPI

import voice_service.settings as settings_module
from tests.conftest import REPO_ROOT
from tests.template.code_graph import CodeGraph, Node
from tests.template.stack import Route
from voice_service.settings import EnvSettings

SETTINGS_MODULE = settings_module.__name__
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
# boto3 helpers that are not API operations, and the IAM action each one needs when the URL or form is used.
S3_HELPER_ACTIONS = {
    "generate_presigned_post": {"s3:PutObject"},
    "upload_file": {"s3:PutObject"},
    "upload_fileobj": {"s3:PutObject"},
    "download_file": {"s3:GetObject"},
    "download_fileobj": {"s3:GetObject"},
}
# Operations whose IAM action is not simply the operation's name.
S3_OPERATION_ACTIONS = {
    "HeadObject": {"s3:GetObject"},
    "HeadBucket": {"s3:ListBucket"},
    "ListObjects": {"s3:ListBucket"},
    "ListObjectsV2": {"s3:ListBucket"},
    "ListObjectVersions": {"s3:ListBucketVersions"},
    "CopyObject": {"s3:GetObject", "s3:PutObject"},
}
# Powertools parameters helpers, by the function name the adapters call.
POWERTOOLS_ACTIONS = {
    "get_secret": {"secretsmanager:GetSecretValue"},
    "get_secrets_by_name": {"secretsmanager:BatchGetSecretValue"},
    "get_parameter": {"ssm:GetParameter"},
    "get_parameters": {"ssm:GetParametersByPath"},
}


@cache
def code_graph() -> CodeGraph:
    return CodeGraph({"voice_service": REPO_ROOT / "shared" / "voice_service", "functions": REPO_ROOT / "functions"})


def reachable(app_module: str) -> frozenset[Node]:
    return frozenset(code_graph().reachable_from(app_module))


def settings_models() -> dict[str, type[EnvSettings]]:
    return {
        name: model
        for name, model in inspect.getmembers(settings_module, inspect.isclass)
        if issubclass(model, EnvSettings) and model is not EnvSettings and model.__module__ == SETTINGS_MODULE
    }


def variable_names(field_name: str, field: Any) -> list[str]:
    return settings_module._variable_names(field_name, field.validation_alias)


@cache
def settings_read_by(app_module: str) -> dict[str, type[EnvSettings]]:
    """The settings models the function's code can reach."""
    models = settings_models()
    names = {name for module, name in reachable(app_module) if module == SETTINGS_MODULE}
    return {name: model for name, model in models.items() if name in names}


def variables_read_by(app_module: str) -> dict[tuple[str, ...], Any]:
    """Environment variables read, keyed by the names that can set each one (several with AliasChoices)."""
    variables: dict[tuple[str, ...], Any] = {}
    for model in settings_read_by(app_module).values():
        for field_name, field in model.model_fields.items():
            variables[tuple(variable_names(field_name, field))] = field
    return variables


def _calls(app_module: str) -> Iterator[ast.Call]:
    graph = code_graph()
    for node in reachable(app_module):
        for statement in graph.statements(node):
            yield from (child for child in ast.walk(statement) if isinstance(child, ast.Call))


@cache
def _operation_actions() -> dict[str, set[str]]:
    """boto3 method name → IAM actions, for the services the adapters use (botocore's own service models)."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    actions: dict[str, set[str]] = {}
    for service, prefix in (("s3", "s3"), ("secretsmanager", "secretsmanager")):
        for operation in session.get_service_model(service).operation_names:
            special = S3_OPERATION_ACTIONS.get(operation) if service == "s3" else None
            actions[xform_name(operation)] = special or {f"{prefix}:{operation}"}
    for helper, helper_actions in S3_HELPER_ACTIONS.items():
        actions[helper] = helper_actions
    return actions


def aws_actions_called_by(app_module: str) -> dict[str, set[str]]:
    """IAM action → the calls (as `module-level code`) that need it, found by the method names called."""
    operations = _operation_actions()
    needed: dict[str, set[str]] = {}
    for call in _calls(app_module):
        if not isinstance(call.func, ast.Attribute):
            continue
        method = call.func.attr
        actions: set[str] = set()
        if method == "generate_presigned_url":
            client_method = next(
                (
                    kw.value.value
                    for kw in call.keywords
                    if kw.arg == "ClientMethod" and isinstance(kw.value, ast.Constant)
                ),
                None,
            )
            if client_method is None and call.args and isinstance(call.args[0], ast.Constant):
                client_method = call.args[0].value
            actions = operations.get(str(client_method), set())
        elif (
            method in POWERTOOLS_ACTIONS
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "parameters"
        ):
            actions = POWERTOOLS_ACTIONS[method]
        elif method in operations:
            actions = operations[method]
        for action in actions:
            needed.setdefault(action, set()).add(f"{method}()")
    return needed


def catalog_writes_called_by(app_module: str) -> set[str]:
    """The catalog port's writing operations that the function's reachable code calls."""
    from voice_service.services.catalog import CATALOG_WRITE_OPERATIONS

    return {
        call.func.attr
        for call in _calls(app_module)
        if isinstance(call.func, ast.Attribute) and call.func.attr in CATALOG_WRITE_OPERATIONS
    }


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            ids.add(id(node.value))
    return ids


def media_types_in_code(app_module: str) -> set[str]:
    """String constants in the reachable code that are media types (docstrings aside)."""
    graph = code_graph()
    found: set[str] = set()
    for node in reachable(app_module):
        for statement in graph.statements(node):
            docstrings = _docstrings(statement)
            for child in ast.walk(statement):
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
