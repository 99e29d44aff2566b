"""Everything in order: host prep, forward-drop rules, stand-in image, podman service, `sam build`, start-api."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scripts import REPO_ROOT
from scripts.sam_local import host, image
from scripts.sam_local.podman import PodmanService
from scripts.sam_local.stack import SAM_ENVIRONMENT, SamLocalApi, sam_build, sam_environment

REPO_TEMPLATE = REPO_ROOT / "template.yaml"
REPO_BUILT_TEMPLATE = REPO_ROOT / ".aws-sam" / "build-x86_64" / "template.yaml"
# SAM_LOCAL_TEMPLATE serves another template (e.g. a trimmed copy) the same way.
TEMPLATE = Path(os.environ.get("SAM_LOCAL_TEMPLATE", REPO_TEMPLATE))
# The stand-in image is x86_64; the template's Architecture parameter must match it.
ARCHITECTURE = "x86_64"
ENV_VARS_FILE = REPO_ROOT / "events" / "sam-local-env.json"
# The functions' EFS LocalMountPath in template.yaml; podman mounts the emulated catalog there in every container.
CATALOG_MOUNT_PATH = "/mnt/catalog"
# How a function in a container reaches a service on this machine (podman maps it to the bridge's gateway).
HOST_FROM_CONTAINERS = "host.containers.internal"


@dataclass
class StackOptions:
    port: int = 3000
    catalog_dir: Path = REPO_ROOT / ".data" / "sam-local" / "catalog"
    build_dir: Path = REPO_ROOT / ".aws-sam" / "sam-local-build"
    template: Path = TEMPLATE
    env_vars_file: Path = ENV_VARS_FILE
    # Values for every function, e.g. endpoints of services on this machine (use HOST_FROM_CONTAINERS in them).
    overrides: dict[str, str] = field(default_factory=dict)
    # More names for this machine inside the containers, e.g. `BUCKET.host.containers.internal`: the S3 adapter
    # addresses buckets virtual-host style, and the containers have no DNS beyond their hosts file.
    host_aliases: list[str] = field(default_factory=list)
    warm_containers: str = "EAGER"
    # The user's own `sam --env-vars` file (e.g. provider keys), applied over the repository's; never in the repo.
    user_env_vars: Path | None = None
    # Let the containers reach the internet (real providers); see prepare_host.
    allow_egress: bool = False


@dataclass
class RunningStack:
    base_url: str
    state_dir: Path
    podman: PodmanService
    api: SamLocalApi
    timings: dict[str, float]
    # `sam local start-lambda`: the Lambda Invoke API the functions call their catalog functions through.
    lambdas: SamLocalApi | None = None

    @property
    def sam_log(self) -> Path:
        return self.state_dir / "sam.log"

    @property
    def lambda_log(self) -> Path:
        return self.state_dir / "sam-lambda.log"


def prepare_host(allow_egress: bool = False) -> list[str]:
    """Packages, then the forward-drop rules (before any container can start); returns the guarded subnets.

    `allow_egress` (SAM_LOCAL_EGRESS=open, for real provider keys) adds no rule and refuses to start while one is
    in place; the tests never set it.
    """
    host.ensure_packages()
    subnets = host.podman_subnets()
    if allow_egress:
        host.check_egress_allowed(subnets)
    else:
        host.ensure_forward_drop(subnets)
    return subnets


def state_remover(state_dir: Path) -> Callable[..., bool]:
    """An exit callback: logs and sockets go with a run that ended normally (Ctrl+C included); a failed run keeps
    them for reading."""

    def remove_unless_failed(exc_type: type[BaseException] | None, *_: object) -> bool:
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt | SystemExit | GeneratorExit):
            shutil.rmtree(state_dir, ignore_errors=True)
        else:
            print(f"sam-local: logs kept in {state_dir}", file=sys.stderr)
        return False

    return remove_unless_failed


def build_stack(options: StackOptions, environment: dict[str, str], log: Path) -> Path:
    """The built template: for this repository's template, the project's x86_64 build, cached by make and shared
    with the artifact tests (`make build-test-artifacts`), so `make test` builds once; else a `sam build`."""
    if options.template.resolve() == REPO_TEMPLATE:
        with log.open("ab") as out:
            result = subprocess.run(
                ["make", "--no-print-directory", str(REPO_BUILT_TEMPLATE.relative_to(REPO_ROOT))],
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            raise host.HostSetupError(f"the x86_64 `sam build` (make) failed ({result.returncode}); see {log}")
        return REPO_BUILT_TEMPLATE
    sam_build(options.template, options.build_dir, environment, log, {"Architecture": ARCHITECTURE})
    return options.build_dir / "template.yaml"


def merged_env_vars(
    env_vars_file: Path, overrides: dict[str, str], user_env_vars: Path | None = None
) -> dict[str, dict[str, str]]:
    """The repository's env-vars file (`sam --env-vars` format) with `overrides` added to its global Parameters, then
    the user's own file on top (its global and per-function sections win)."""
    content = read_env_vars(env_vars_file)
    content.setdefault("Parameters", {}).update(overrides)
    if user_env_vars is not None:
        for section, variables in read_env_vars(user_env_vars).items():
            content.setdefault(section, {}).update(variables)
    return content


def read_env_vars(path: Path) -> dict[str, dict[str, str]]:
    """A `sam --env-vars` file: {"Parameters" or a function's logical id: {"NAME": "value", ...}}."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise host.HostSetupError(f"cannot read the env-vars file {path}: {error}") from error
    if not isinstance(content, dict) or not all(
        isinstance(section, dict) and all(isinstance(value, str) for value in section.values())
        for section in content.values()
    ):
        raise host.HostSetupError(
            f'{path} is not a `sam --env-vars` file: {{"Parameters": {{"NAME": "value"}}, "FunctionId": {{...}}}}'
        )
    return content


def free_port() -> int:
    """A port free on every address of this machine (so also on the podman bridge once it exists)."""
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return int(probe.getsockname()[1])


def wait_for_address(address: str, timeout: float) -> None:
    """Wait until this machine holds `address`: podman brings its bridge up with the first container."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            try:
                probe.bind((address, 0))
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise host.HostSetupError(f"the podman bridge address {address} did not come up") from None
        time.sleep(0.3)


def catalog_functions(built_template: Path) -> list[str]:
    """The functions that serve catalog operations (they answer invokes, not API routes)."""
    from cfnlint.decode import cfn_yaml

    resources = cfn_yaml.load(str(built_template))["Resources"]
    return sorted(
        name
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and "OPENTALKING_CATALOG_OPERATIONS" in resource["Properties"].get("Environment", {}).get("Variables", {})
    )


def warm_up(endpoint: str, functions: list[str], timeout: float) -> None:
    """Invoke each catalog function once, so its container is up before a caller's own timeout starts counting.

    The empty call is refused without touching the catalog; any reply means the function ran.
    """
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=SAM_ENVIRONMENT["AWS_REGION"],
        aws_access_key_id="sam-local",
        aws_secret_access_key="sam-local",
        config=Config(read_timeout=timeout, retries={"total_max_attempts": 1}),
    )
    for name in functions:
        reply = client.invoke(FunctionName=name, Payload=b"{}")
        if reply.get("FunctionError"):
            raise host.HostSetupError(f"the catalog function {name} failed to start: {reply['Payload'].read()[:500]!r}")


@contextmanager
def running_stack(options: StackOptions) -> Iterator[RunningStack]:
    """Serve the stack on 127.0.0.1:options.port; on exit stop sam, its containers and the podman service."""
    timings: dict[str, float] = {}
    started = time.monotonic()

    def lap(name: str) -> None:
        timings[name] = round(time.monotonic() - started, 1)

    prepare_host(options.allow_egress)
    lap("host")
    stand_in = image.ensure_stand_in_image()
    lap("image")
    state_dir = Path(tempfile.mkdtemp(prefix="sam-local-"))
    # The functions outside the VPC invoke their catalog functions through `sam local start-lambda`, which listens on
    # this machine's address on the podman bridge (never on an outside interface).
    gateway = host.podman_gateway()
    lambda_port = free_port()
    lambda_endpoint = f"http://{gateway}:{lambda_port}"
    env_vars = merged_env_vars(
        options.env_vars_file, {"AWS_ENDPOINT_URL_LAMBDA": lambda_endpoint, **options.overrides}, options.user_env_vars
    )
    env_vars_path = state_dir / "env-vars.json"
    env_vars_path.write_text(json.dumps(env_vars, indent=2), encoding="utf-8")
    # `sam` passes only variables the template declares; podman's default env carries the global ones to every
    # container as well (what `sam` sets wins), so an endpoint override never depends on the template declaring it.
    podman = PodmanService(state_dir, options.catalog_dir, CATALOG_MOUNT_PATH, default_env=env_vars["Parameters"])
    with ExitStack() as cleanup:
        cleanup.push(state_remover(state_dir))
        podman.start()
        cleanup.callback(podman.stop)
        lap("podman")
        environment = sam_environment(podman.docker_host, {"LAMBDA_ARCHITECTURE": ARCHITECTURE})
        built_template = build_stack(options, environment, state_dir / "sam.log")
        lap("build")
        start_timeout = float(os.environ.get("SAM_LOCAL_START_TIMEOUT", "240"))
        api = SamLocalApi(
            built_template,
            options.port,
            stand_in,
            environment,
            state_dir / "sam.log",
            env_vars_file=env_vars_path,
            warm_containers=options.warm_containers,
            add_hosts=dict.fromkeys(options.host_aliases, gateway),
            parameter_overrides={"Architecture": ARCHITECTURE},
        )
        cleanup.callback(api.stop)
        api.start(timeout=start_timeout)
        lap("start-api")
        # start-api's warm containers bring the bridge up; only then can start-lambda listen on its address.
        wait_for_address(gateway, timeout=start_timeout)
        lambdas = SamLocalApi(
            built_template,
            lambda_port,
            stand_in,
            environment,
            state_dir / "sam-lambda.log",
            env_vars_file=env_vars_path,
            warm_containers="LAZY",
            add_hosts=dict.fromkeys(options.host_aliases, gateway),
            parameter_overrides={"Architecture": ARCHITECTURE},
            subcommand="start-lambda",
            host=gateway,
        )
        cleanup.callback(lambdas.stop)
        lambdas.start(timeout=start_timeout)
        warm_up(lambda_endpoint, catalog_functions(built_template), timeout=start_timeout)
        lap("start-lambda")
        print(f"sam-local: timings {timings} (logs in {state_dir})", file=sys.stderr)
        yield RunningStack(api.base_url, state_dir, podman, api, timings, lambdas)


@dataclass(frozen=True)
class HostS3:
    host_endpoint: str  # for this machine (the tests, the fakes)
    container_endpoint: str  # for the functions in their containers

    @staticmethod
    def bucket_host(bucket: str) -> str:
        """The virtual-host name of a bucket as the functions address it (add it to StackOptions.host_aliases)."""
        return f"{bucket}.{HOST_FROM_CONTAINERS}"


@contextmanager
def s3_for_containers(*buckets: str) -> Iterator[HostS3]:
    """moto's S3 server on all interfaces, so containers reach it through the podman bridge; stopped on exit.

    Requests from path-style clients arrive with Host: host.containers.internal:PORT, which moto would read as a
    virtual-host bucket name ("host") unless the endpoint is declared custom; virtual-host requests
    (BUCKET.host.containers.internal) are what moto expects anyway.
    """
    from testsupport.moto_s3 import start_moto_server

    server, port = start_moto_server("0.0.0.0")
    try:
        s3 = HostS3(f"http://127.0.0.1:{port}", f"http://{HOST_FROM_CONTAINERS}:{port}")
        previous = os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS")
        os.environ["MOTO_S3_CUSTOM_ENDPOINTS"] = s3.container_endpoint
        try:
            import boto3

            client = boto3.client(
                "s3",
                endpoint_url=s3.host_endpoint,
                region_name="us-east-1",
                aws_access_key_id="sam-local",
                aws_secret_access_key="sam-local",
            )
            for bucket in buckets:
                client.create_bucket(Bucket=bucket)
            yield s3
        finally:
            if previous is None:
                os.environ.pop("MOTO_S3_CUSTOM_ENDPOINTS", None)
            else:
                os.environ["MOTO_S3_CUSTOM_ENDPOINTS"] = previous
    finally:
        server.stop()
