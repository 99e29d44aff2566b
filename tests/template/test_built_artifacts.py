"""What `sam build` produces: each handler runs from its artifact and layers alone, on the right CPU, within limits.

The x86_64 build is imported and invoked here (this machine's CPU); the arm64 build (the deployed default) is checked
for its native code and sizes.
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
import s3transfer
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from scripts import REPO_ROOT
from scripts.build_function import NEVER_IMPORTED_AT_RUN_TIME
from scripts.build_sizes import BUDGET_BYTES, UNZIPPED_LIMIT_BYTES, BuiltFunction, over_budget
from tests.template.conftest import ARCHITECTURES, Build
from tests.template.stack import FunctionSpec, Stack, load_template
from testsupport.apigw import load_event
from testsupport.fakes.lambda_endpoint import LambdaEndpoint

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

STACK = Stack(load_template())
FUNCTION_IDS = sorted(STACK.functions)
# Every route of the API, and the one function answering their preflights.
API_ROUTES = sorted(route for function in STACK.functions.values() for route in function.routes)
(PREFLIGHT_FUNCTION_ID,) = (name for name, function in STACK.functions.items() if function.preflight_paths)
PROBE = Path(__file__).with_name("artifact_probe.py")
HOST_ARCHITECTURE = "x86_64"
# The python3.12 runtime ships these (/var/runtime); the build leaves them out of every artifact.
RUNTIME_PROVIDED = {"boto3": boto3, "botocore": botocore, "s3transfer": s3transfer}
# Amazon Linux 2023 (python3.12): glibc 2.34 and GCC 11's libstdc++. A native library asking for a newer symbol
# version fails to load there, however well it loads on this machine.
RUNTIME_SYMBOL_VERSIONS = {"GLIBC": (2, 34), "GLIBCXX": (3, 4, 29)}
ELF_MACHINES = {"x86_64": "EM_X86_64", "arm64": "EM_AARCH64"}
# Stand-ins for values CloudFormation fills in at deploy time (a function's Ref is its name).
DEPLOY_TIME_VALUES = {
    "SamplesBucket": "opentalking-voices-samples-probe",
    "SpeechCacheBucket": "opentalking-voices-speech-cache-probe",
    "ProviderSecret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:probe-keys",
    "StudioDistribution.DomainName": "d111111abcdef8.cloudfront.net",
    **{name: name for name in STACK.functions},
}


def layer_paths(function: BuiltFunction) -> list[str]:
    """Where Lambda puts a Python layer's modules on sys.path (/opt/python and its site-packages)."""
    paths = []
    for layer in function.layer_dirs:
        paths += [str(layer / "python"), str(layer / "python" / "lib" / "python3.12" / "site-packages")]
    return paths


def deploy_time_value(stack: Stack, value: Any) -> str:
    resolved = stack.resolve(value)
    if isinstance(resolved, str | int):  # a Number parameter's default is an int in the template
        return str(resolved)
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
    """A stand-in for the runtime's /var/runtime: boto3, botocore and s3transfer, with the packages they need.

    The runtime ships the SDK together with its own dependencies (dateutil, jmespath, urllib3, six); a function
    whose artifact holds none of them (the catalog functions) still imports boto3 there.
    """
    directory = tmp_path_factory.mktemp("var-runtime")
    for name, module in RUNTIME_PROVIDED.items():
        (directory / name).symlink_to(Path(module.__file__).parent)
    for name in ("dateutil", "jmespath", "urllib3", "six"):
        location = Path(importlib.import_module(name).__file__ or "")
        source = location.parent if location.name == "__init__.py" else location
        (directory / source.name).symlink_to(source)
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
    # The probe's answer is its last line; the handler's own log lines (Powertools writes to stdout) come before.
    return json.loads(completed.stdout.strip().splitlines()[-1])


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


def test_the_preflight_artifact_answers_every_routes_preflight(
    builds: dict[str, Build], sam_cli: Path, runtime_packages: Path, tmp_path: Path
) -> None:
    # GIVEN the preflight function's artifact and the runtime's own packages, in Lambda's sys.path order
    function = STACK.functions[PREFLIGHT_FUNCTION_ID]
    built = builds[HOST_ARCHITECTURE].functions[PREFLIGHT_FUNCTION_ID]
    sys_path = [str(built.code_dir), *layer_paths(built), str(runtime_packages)]
    environment = lambda_environment(function, tmp_path)
    studio, *configured = environment["OPENTALKING_CORS_ALLOW_ORIGINS"].split(",")
    events = [
        preflight_event(route.path, route.method, origin) for route in API_ROUTES for origin in (studio, configured[-1])
    ]
    refused = preflight_event("/voices", "GET", "https://evil.example")

    # WHEN the browser's preflights of every route reach the real handler (Powertools, Mangum, FastAPI, CORS
    # middleware), from the studio's origin and a configured one, and one from an origin off the list
    result = probe(sam_cli, sys_path, environment, [*events, refused])

    # THEN each one is allowed for its origin, without an API key or a token, and the stranger gets no grant
    *answers, refusal = result["responses"]
    assert studio == "https://d111111abcdef8.cloudfront.net" and len(answers) == 2 * len(API_ROUTES) > 2
    for event, response in zip(events, answers, strict=True):
        assert response["statusCode"] == 200, response
        assert response_header(response, "access-control-allow-origin") == event["headers"]["Origin"]
    assert refusal["statusCode"] == 400 and response_header(refusal, "access-control-allow-origin") is None


def test_list_voices_artifact_serves_the_catalog_its_catalog_function_artifact_reads(
    builds: dict[str, Build], sam_cli: Path, runtime_packages: Path, tmp_path: Path
) -> None:
    # GIVEN the catalog function deployed for the list function, from its own artifact, on an empty EFS stand-in
    catalog_built = builds[HOST_ARCHITECTURE].functions["CatalogForListFunction"]
    catalog_environment = lambda_environment(STACK.functions["CatalogForListFunction"], tmp_path)
    calls = [
        {"operation": "list_entries", "request": {"owner": {"user_id": None}}},
        {"operation": "delete_entry", "request": {"owner": {"user_id": None}, "entry_id": 1}},
    ]
    listed, refused = probe(sam_cli, [str(catalog_built.code_dir), str(runtime_packages)], catalog_environment, calls)[
        "responses"
    ]
    # THEN it serves its operation and refuses the others
    assert listed == {"ok": True, "response": {"entries": []}}
    assert refused["ok"] is False and refused["error"]["code"] == "refused"
    assert (tmp_path / "voices.sqlite3").is_file()

    # WHEN the list function's artifact invokes it (a loopback Invoke API hands it that artifact's reply)
    invoked: list[dict[str, Any]] = []

    def catalog_reply(event: dict[str, Any], context: Any) -> dict[str, Any]:
        invoked.append(event)
        return listed

    built = builds[HOST_ARCHITECTURE].functions["ListVoicesFunction"]
    sys_path = [str(built.code_dir), *layer_paths(built), str(runtime_packages)]
    environment = lambda_environment(STACK.functions["ListVoicesFunction"], tmp_path)
    with LambdaEndpoint({"CatalogForListFunction": catalog_reply}) as endpoint:
        environment["AWS_ENDPOINT_URL_LAMBDA"] = endpoint.url
        result = probe(sam_cli, sys_path, environment, [load_event("list_voices_all")])

    # THEN it answers the list, having asked its own catalog function for exactly its operation
    (response,) = result["responses"]
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"]) == {"items": []}
    # (the open mode: the shared catalog, no user)
    expected = {"owner": {"user_id": None, "sees_unowned": False}, "provider": None, "status": None}
    assert invoked == [{"operation": "list_entries", "request": expected}]


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


def test_deployed_architecture_fits_each_functions_size_budget(builds: dict[str, Build]) -> None:
    # arm64 is what samconfig.toml deploys; the sizes are printed in the "built Lambda artifacts" section
    functions = builds["arm64"].functions
    assert set(BUDGET_BYTES) == set(functions), "every function needs a budget in scripts/build_sizes.py"
    assert all(budget < UNZIPPED_LIMIT_BYTES for budget in BUDGET_BYTES.values())
    assert not over_budget(list(functions.values())), "raise a budget only with a reason (scripts/build_sizes.py)"


def required_symbol_versions(path: Path) -> dict[str, set[str]]:
    """The versioned symbols an ELF file needs from each library it links, e.g. {"libc.so.6": {"GLIBC_2.17"}}."""
    with path.open("rb") as file:
        needed: dict[str, set[str]] = {}
        for section in ELFFile(file).iter_sections():
            if isinstance(section, GNUVerNeedSection):
                for library, versions in section.iter_versions():
                    needed.setdefault(library.name, set()).update(version.name for version in versions)
    return needed


def newer_than_the_runtime(versions: set[str]) -> set[str]:
    too_new = set()
    for version in versions:
        family, _, number = version.partition("_")
        if family in RUNTIME_SYMBOL_VERSIONS and number[:1].isdigit():
            if tuple(int(part) for part in number.split(".")) > RUNTIME_SYMBOL_VERSIONS[family]:
                too_new.add(version)
    return too_new


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_native_libraries_are_elf_files_the_runtime_can_load(builds: dict[str, Build], architecture: str) -> None:
    checked = 0
    for function in builds[architecture].functions.values():
        for path in function.native_architectures():
            with path.open("rb") as file:
                assert ELFFile(file)["e_machine"] == ELF_MACHINES[architecture], path
            too_new = {
                library: newer_than_the_runtime(versions)
                for library, versions in required_symbol_versions(path).items()
                if newer_than_the_runtime(versions)
            }
            assert not too_new, f"{path} needs symbols newer than Amazon Linux 2023 has: {too_new}"
            checked += 1
    assert checked  # numpy, pydantic-core, cryptography, ... and ffmpeg


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_dependencies_no_function_imports_are_left_out(builds: dict[str, Build], architecture: str) -> None:
    left_out = {name.replace("-", "_").lower() for name in NEVER_IMPORTED_AT_RUN_TIME}
    for function in builds[architecture].functions.values():
        shipped = {path.name.split("-")[0].lower() for path in function.code_dir.glob("*.dist-info")}
        assert shipped, function.logical_id
        assert not shipped & left_out, function.logical_id


def third_party_imports(package_dir: Path) -> set[str]:
    """Every absolute import of a non-standard module in a package's sources, including imports inside functions."""
    modules = set()
    for source in package_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module)
    own = {"voice_service", "functions", "app", "__future__"}
    return {module for module in modules if module.split(".")[0] not in sys.stdlib_module_names | own}


IMPORT_EVERY_MODULE = """
import importlib, json, sys
request = json.load(sys.stdin)
sys.path[:0] = request["sys_path"]
importlib.import_module("app")
failed = {}
for module in request["modules"]:
    try:
        importlib.import_module(module)
    except ImportError as error:
        failed[module] = repr(error)
json.dump(failed, sys.stdout)
"""


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_every_module_the_service_imports_loads_from_the_slimmed_artifact(
    builds: dict[str, Build], sam_cli: Path, runtime_packages: Path, logical_id: str, tmp_path: Path
) -> None:
    # GIVEN the x86_64 artifact without the left-out dependencies, and every third-party module that the shared
    # package imports anywhere (provider SDK modules are imported lazily, at the first request)
    built = builds[HOST_ARCHITECTURE].functions[logical_id]
    shipped = {path.name.removesuffix(".py") for path in built.code_dir.iterdir()} | set(RUNTIME_PROVIDED)
    modules = sorted(
        module
        for module in third_party_imports(REPO_ROOT / "shared" / "voice_service")
        if module.split(".")[0] in shipped
    )
    sys_path = [str(built.code_dir), *layer_paths(built), str(runtime_packages)]

    # WHEN a bare Python 3.12 imports the handler and then each of them
    completed = subprocess.run(
        [str(sam_cli), "-I", "-S", "-c", IMPORT_EVERY_MODULE],
        input=json.dumps({"sys_path": sys_path, "modules": modules}),
        capture_output=True,
        text=True,
        env=lambda_environment(STACK.functions[logical_id], tmp_path),
        timeout=120,
        check=False,
    )

    # THEN every one loads: nothing the service uses needed a dependency the build left out
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert modules
    assert json.loads(completed.stdout) == {}
