"""The SAM template as the tests read it: functions with Globals merged in, their routes, policies and mounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

from scripts import REPO_ROOT
from scripts.sam_template import function_properties

TEMPLATE_PATH = REPO_ROOT / "template.yaml"
PREFLIGHT = "OPTIONS"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template with short-form intrinsics (!Ref, !Sub, ...) as their long-form dicts."""
    return cfn_yaml.load(str(path))


@dataclass(frozen=True, order=True)
class Route:
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    properties: dict[str, Any]
    resource: dict[str, Any]

    @property
    def code_dir(self) -> Path:
        return REPO_ROOT / str(self.properties["CodeUri"])

    @property
    def app_module(self) -> str:
        """The function's FastAPI module, importable from the repository root."""
        return f"functions.{self.code_dir.name}.app"

    @property
    def environment(self) -> dict[str, Any]:
        """The function's variables, Globals merged in."""
        return dict(self.properties.get("Environment", {}).get("Variables", {}))

    @property
    def own_environment(self) -> dict[str, Any]:
        """Only the variables the function's own resource sets."""
        return dict(self.resource.get("Properties", {}).get("Environment", {}).get("Variables", {}))

    def _api_events(self) -> list[dict[str, Any]]:
        events = self.properties.get("Events", {})
        return [event["Properties"] for event in events.values() if event["Type"] == "Api"]

    @property
    def schedules(self) -> list[dict[str, Any]]:
        """Properties of the function's `Schedule` events."""
        events = self.properties.get("Events", {})
        return [event["Properties"] for event in events.values() if event["Type"] == "Schedule"]

    @property
    def routes(self) -> set[Route]:
        """Routes the function serves, preflights excluded."""
        found = {Route(str(event["Method"]).upper(), str(event["Path"])) for event in self._api_events()}
        return {route for route in found if route.method != PREFLIGHT}

    @property
    def preflight_paths(self) -> set[str]:
        return {str(event["Path"]) for event in self._api_events() if str(event["Method"]).upper() == PREFLIGHT}

    @property
    def api_ids(self) -> list[Any]:
        return [event.get("RestApiId") for event in self._api_events()]

    @property
    def statements(self) -> list[dict[str, Any]]:
        statements: list[dict[str, Any]] = []
        for policy in as_list(self.properties.get("Policies", [])):
            if isinstance(policy, dict) and "Statement" in policy:
                statements.extend(as_list(policy["Statement"]))
        return statements

    @property
    def allowed_actions(self) -> set[str]:
        return {
            str(action)
            for statement in self.statements
            if statement.get("Effect") == "Allow"
            for action in as_list(statement["Action"])
        }

    def statements_allowing(self, action: str) -> list[dict[str, Any]]:
        return [
            statement
            for statement in self.statements
            if statement.get("Effect") == "Allow" and action in as_list(statement["Action"])
        ]

    @property
    def mount_paths(self) -> list[str]:
        return [str(config["LocalMountPath"]) for config in self.properties.get("FileSystemConfigs", [])]

    @property
    def in_vpc(self) -> bool:
        return "VpcConfig" in self.properties

    @property
    def layer_ids(self) -> list[str]:
        return [layer["Ref"] for layer in self.properties.get("Layers", []) if isinstance(layer, dict)]


class Stack:
    """Read-only view of template.yaml."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.template["Resources"])

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == resource_type}

    def properties(self, logical_id: str) -> dict[str, Any]:
        return dict(self.resources[logical_id].get("Properties", {}))

    @property
    def parameter_defaults(self) -> dict[str, Any]:
        return {name: spec.get("Default") for name, spec in self.template.get("Parameters", {}).items()}

    @cached_property
    def functions(self) -> dict[str, FunctionSpec]:
        return {
            name: FunctionSpec(name, function_properties(self.template, resource), resource)
            for name, resource in self.of_type("AWS::Serverless::Function").items()
        }

    @cached_property
    def api_functions(self) -> dict[str, FunctionSpec]:
        """The functions API Gateway routes requests other than preflights to (not the authorizer, which it calls
        before them, nor the preflight function, which answers every path's OPTIONS)."""
        return {name: function for name, function in self.functions.items() if function.routes}

    @property
    def api(self) -> dict[str, Any]:
        (api,) = self.of_type("AWS::Serverless::Api").values()
        return dict(api["Properties"])

    @property
    def binary_media_types(self) -> set[str]:
        """As HTTP media types (the template escapes `/` as `~1`)."""
        return {str(entry).replace("~1", "/") for entry in self.api.get("BinaryMediaTypes", [])}

    def is_binary(self, media_type: str) -> bool:
        """Whether API Gateway treats this media type as binary (base64 in the event, decoded in the response)."""
        family = media_type.split("/", 1)[0]
        return bool({media_type, f"{family}/*", "*/*"} & self.binary_media_types)

    def resolve(self, value: Any) -> Any:
        """A value with `Ref`s to parameters replaced by their defaults (other intrinsics are returned as is)."""
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in self.parameter_defaults:
            return self.parameter_defaults[value["Ref"]]
        return value


PSEUDO_PARAMETERS = {
    "AWS::Region": "eu-west-1",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "voices",
    "AWS::StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/voices/51af3dc0-da77-11e4-872e-1234567db123",
}


class Deployment:
    """Evaluates the template's intrinsic functions as CloudFormation would for one set of parameter values.

    `names` stands for what only a deployment knows: resources' Refs and GetAtts (`"UserPool"`,
    `"StudioDistribution.DomainName"`). Only the functions the tests need: Ref, Fn::GetAtt, Fn::If (conditions of
    Fn::Equals, Fn::Not, Fn::And, Fn::Or), Fn::Join, Fn::Select, Fn::Split and Fn::Sub.
    """

    def __init__(self, stack: Stack, names: dict[str, str] | None = None, **parameters: str) -> None:
        unknown = set(parameters) - set(stack.parameter_defaults)
        assert not unknown, f"not parameters of the template: {unknown}"
        self.stack = stack
        self.values: dict[str, Any] = {**PSEUDO_PARAMETERS, **stack.parameter_defaults, **parameters, **(names or {})}

    def condition(self, name: str) -> bool:
        return bool(self.evaluate(self.stack.template["Conditions"][name]))

    def evaluate(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.evaluate(item) for item in value]
        if not isinstance(value, dict) or len(value) != 1:
            return {key: self.evaluate(item) for key, item in value.items()} if isinstance(value, dict) else value
        ((function, argument),) = value.items()
        if function == "Ref":
            return self.values[argument]
        if function == "Fn::GetAtt":
            return self.values[".".join(argument) if isinstance(argument, list) else argument]
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::If":
            name, when_true, when_false = argument
            return self.evaluate(when_true if self.condition(name) else when_false)
        if function == "Fn::Equals":
            left, right = self.evaluate(argument)
            return left == right
        if function == "Fn::Not":
            return not self.evaluate(argument[0])
        if function == "Fn::And":
            return all(self.evaluate(argument))
        if function == "Fn::Or":
            return any(self.evaluate(argument))
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in self.evaluate(items))
        if function == "Fn::Select":
            index, items = self.evaluate(argument)
            return items[int(index)]
        if function == "Fn::Split":
            separator, text = self.evaluate(argument)
            return text.split(separator)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            local = {name: self.evaluate(item) for name, item in variables.items()}
            return re.sub(r"\$\{([^}!]+)\}", lambda match: str({**self.values, **local}[match[1]]), text)
        return {key: self.evaluate(item) for key, item in value.items()}
