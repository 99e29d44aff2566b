"""What `sam build` produces: each handler runs from its artifact and layers alone, on the right CPU, within limits.

The x86_64 build is imported and invoked here (this machine's CPU); the arm64 build (the deployed default) is checked
for its native code and sizes.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
import s3transfer

from scripts.build_sizes import MB, UNZIPPED_LIMIT_BYTES, BuiltFunction
from tests.template.conftest import ARCHITECTURES, Build
from tests.template.stack import FunctionSpec, Stack, load_template
from testsupport.apigw import load_event

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

STACK = Stack(load_template())
FUNCTION_IDS = sorted(STACK.functions)
PROBE = Path(__file__).with_name("artifact_probe.py")
HOST_ARCHITECTURE = "x86_64"
# The python3.12 runtime ships these (/var/runtime); the build leaves them out of every artifact.
RUNTIME_PROVIDED = {"boto3": boto3, "botocore": botocore, "s3transfer": s3transfer}
# The catalog functions stay small so their cold start stays near the framework's import floor.
CATALOG_FUNCTIONS = ("ListVoicesFunction", "DeleteVoiceFunction")
CATALOG_ARTIFACT_BUDGET_BYTES = 30 * MB
# Stand-ins for values CloudFormation fills in at deploy time.
DEPLOY_TIME_VALUES = {
    "SamplesBucket": "opentalking-voices-samples-probe",
    "ProviderSecret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:probe-keys",
    "StudioDistribution.DomainName": "d111111abcdef8.cloudfront.net",
}


def layer_paths(function: BuiltFunction) -> list[str]:
    """Where Lambda puts a Python layer's modules on sys.path (/opt/python and its site-packages)."""
    paths = []
    for layer in function.layer_dirs:
        paths += [str(layer / "python"), str(layer / "python" / "lib" / "python3.12" / "site-packages")]
    return paths


def deploy_time_value(stack: Stack, value: Any) -> str:
    resolved = stack.resolve(value)
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, dict) and "Ref" in resolved:
        return DEPLOY_TIME_VALUES[resolved["Ref"]]
    if isinstance(resolved, dict) and "Fn::If" in resolved:  # the created-or-given secret: created by default
        return deploy_time_value(stack, resolved["Fn::If"][1])
    if isinstance(resolved, dict) and "Fn::Join" in resolved:
        separator, parts = resolved["Fn::Join"]
        return str(separator).join(deploy_time_value(stack, part) for part in parts)
    if isinstance(resolved, dict) and isinstance(resolved.get("Fn::Sub"), str):
        return re.sub(r"\$\{([^}]+)\}", lambda match: DEPLOY_TIME_VALUES[match.group(1)], resolved["Fn::Sub"])
    raise AssertionError(f"no stand-in for {value!r}")


def lambda_environment(function: FunctionSpec, tmp_path: Path) -> dict[str, str]:
    """The function's environment as the template sets it, with local stand-ins for EFS and the region."""
    environment = {name: deploy_time_value(STACK, value) for name, value in function.environment.items()}
    if function.mount_paths:
        (mount_path,) = function.mount_paths
        for name, value in environment.items():
            if value.startswith(f"{mount_path}/"):
                environment[name] = str(tmp_path / value.removeprefix(f"{mount_path}/"))
    return {
        **environment,
        "PATH": os.environ["PATH"],
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "NO_PROXY": "127.0.0.1,localhost",
    }


@pytest.fixture(scope="session")
def runtime_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for the runtime's /var/runtime: boto3, botocore and s3transfer, nothing else."""
    directory = tmp_path_factory.mktemp("var-runtime")
    for name, module in RUNTIME_PROVIDED.items():
        (directory / name).symlink_to(Path(module.__file__).parent)
    return directory


def probe(
    python: Path, sys_path: list[str], environment: dict[str, str], events: list[dict[str, Any]]
) -> dict[str, Any]:
    request = {"sys_path": sys_path, "handler": "app.lambda_handler", "events": events}
    # -I -S: no site-packages, no user site, no PYTHON* variables; only the paths given
    completed = subprocess.run(
        [str(python), "-I", "-S", str(PROBE)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


def preflight_event(path: str, method: str, origin: str) -> dict[str, Any]:
    """A browser's CORS preflight for `method path`, shaped like the captured one in events/."""
    event = copy.deepcopy(load_event("list_voices_preflight"))
    concrete_path = path.replace("{entry_id}", "1")
    event["resource"] = path
    event["path"] = concrete_path
    event["pathParameters"] = {"entry_id": "1"} if "{entry_id}" in path else None
    event["requestContext"]["resourcePath"] = path
    event["requestContext"]["path"] = f"/{event['requestContext'].get('stage', 'dev')}{concrete_path}"
    for headers, wrap in ((event["headers"], str), (event["multiValueHeaders"], lambda value: [value])):
        headers["Origin"] = wrap(origin)
        headers["Access-Control-Request-Method"] = wrap(method)
    return event


def response_header(response: dict[str, Any], name: str) -> str | None:
    headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
    multi = {key.lower(): values for key, values in (response.get("multiValueHeaders") or {}).items()}
    return headers.get(name) or (multi.get(name) or [None])[0]


def test_the_build_holds_every_function_of_the_template(builds: dict[str, Build]) -> None:
    for build in builds.values():
        assert sorted(build.functions) == FUNCTION_IDS
        for function in build.functions.values():
            assert (function.code_dir / "app.py").is_file(), function.logical_id
            assert all(layer.is_dir() for layer in function.layer_dirs), function.logical_id


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_handler_imports_from_its_artifact_and_layers_alone(
    builds: dict[str, Build], sam_cli: Path, logical_id: str, tmp_path: Path
) -> None:
    # GIVEN the x86_64 artifact and its layers, and nothing else: not even the runtime's boto3
    built = builds[HOST_ARCHITECTURE].functions[logical_id]
    sys_path = [str(built.code_dir), *layer_paths(built)]

    # WHEN a fresh Python 3.12 imports the handler
    result = probe(sam_cli, sys_path, lambda_environment(STACK.functions[logical_id], tmp_path), events=[])

    # THEN it imports, and nothing pulled boto3 in at import time (that would cost every cold start ~100 ms)
    assert not set(RUNTIME_PROVIDED) & set(result["imported_modules"])


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_handler_answers_preflights_from_its_artifact(
    builds: dict[str, Build], sam_cli: Path, runtime_packages: Path, logical_id: str, tmp_path: Path
) -> None:
    # GIVEN the artifact, its layers and the runtime's own packages, in Lambda's sys.path order
    function = STACK.functions[logical_id]
    built = builds[HOST_ARCHITECTURE].functions[logical_id]
    sys_path = [str(built.code_dir), *layer_paths(built), str(runtime_packages)]
    origin = str(STACK.resolve({"Ref": "CorsAllowOrigins"})).split(",")[-1]
    events = [preflight_event(route.path, route.method, origin) for route in sorted(function.routes)]

    # WHEN the browser's preflights reach the real handler (Powertools, Mangum, FastAPI, CORS middleware)
    result = probe(sam_cli, sys_path, lambda_environment(function, tmp_path), events)

    # THEN each one is allowed for the configured origin, without an API key or a route of its own in the code
    assert events
    for response in result["responses"]:
        assert response["statusCode"] == 200, response
        assert response_header(response, "access-control-allow-origin") == origin


def test_list_voices_artifact_serves_an_empty_catalog(
    builds: dict[str, Build], sam_cli: Path, runtime_packages: Path, tmp_path: Path
) -> None:
    built = builds[HOST_ARCHITECTURE].functions["ListVoicesFunction"]
    sys_path = [str(built.code_dir), *layer_paths(built), str(runtime_packages)]
    environment = lambda_environment(STACK.functions["ListVoicesFunction"], tmp_path)

    result = probe(sam_cli, sys_path, environment, [load_event("list_voices_all")])

    (response,) = result["responses"]
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"items": []}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_native_code_is_built_for_the_requested_architecture(builds: dict[str, Build], architecture: str) -> None:
    for function in builds[architecture].functions.values():
        native = function.native_architectures()
        # Every function carries pydantic-core at least, so an empty result would mean the check saw nothing
        assert native, function.logical_id
        wrong = {str(path): found for path, found in native.items() if found != architecture}
        assert not wrong, f"{function.logical_id}: not {architecture}: {wrong}"


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_runtime_provided_packages_are_left_out(builds: dict[str, Build], architecture: str) -> None:
    for function in builds[architecture].functions.values():
        shipped = {path.name for path in function.code_dir.iterdir()}
        assert not shipped & set(RUNTIME_PROVIDED), function.logical_id


def test_deployed_architecture_fits_lambdas_size_limits(builds: dict[str, Build]) -> None:
    # arm64 is what samconfig.toml deploys; the sizes are printed in the "built Lambda artifacts" section
    functions = builds["arm64"].functions
    over = {
        name: function.total_bytes
        for name, function in functions.items()
        if function.total_bytes > UNZIPPED_LIMIT_BYTES
    }
    assert not over, f"over Lambda's 250 MiB unzipped (function + layers): {over}"
    for name in CATALOG_FUNCTIONS:
        assert functions[name].total_bytes <= CATALOG_ARTIFACT_BUDGET_BYTES, name
