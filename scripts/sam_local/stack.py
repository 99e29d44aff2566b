"""`sam build` and `sam local start-api` for a template, against the podman service, stopped by process id."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from scripts import REPO_ROOT
from scripts.sam_local.host import HostSetupError, HostUnsupportedError, run

SAM_VENV = REPO_ROOT / ".venv-sam"
# The same pinned SAM CLI and virtual environment as `make sam` (mk/cloud.mk).
SAM_REQUIREMENTS = REPO_ROOT / "mk" / "sam-requirements.txt"
# Variables `sam` itself needs; nothing else from the caller's shell reaches it (SAM copies shell values of
# template-declared variables into the functions, and a developer's shell may hold real keys or endpoints).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "PYENV_VERSION", "PYENV_ROOT", "TMPDIR")
SAM_ENVIRONMENT = {
    "SAM_CLI_TELEMETRY": "0",
    "SAM_CLI_DISABLE_UPDATE_CHECK": "1",
    # Placeholder credentials: `sam local` hands them to every container; they open nothing.
    "AWS_ACCESS_KEY_ID": "sam-local",
    "AWS_SECRET_ACCESS_KEY": "sam-local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def sam_executable() -> str:
    """`sam` from SAM_CLI, else from the project's SAM virtual environment, created on first use."""
    if os.environ.get("SAM_CLI"):
        return os.environ["SAM_CLI"]
    return str(ensure_sam_cli())


def ensure_sam_cli() -> Path:
    """Create .venv-sam/ with the pinned SAM CLI unless it is there and newer than its requirements file."""
    stamp = SAM_VENV / ".installed"
    sam = SAM_VENV / "bin" / "sam"
    if sam.exists() and stamp.exists() and stamp.stat().st_mtime >= SAM_REQUIREMENTS.stat().st_mtime:
        return sam
    print(f"sam-local: installing the SAM CLI into {SAM_VENV}", file=sys.stderr)
    try:
        if not (SAM_VENV / "bin" / "python").exists():
            run([sys.executable, "-m", "venv", str(SAM_VENV)])
        run([str(SAM_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(SAM_REQUIREMENTS)])
    except HostSetupError as error:
        raise HostUnsupportedError(f"cannot install the SAM CLI (no package access?): {error}") from error
    stamp.touch()
    return sam


def sam_environment(docker_host: str, extra: dict[str, str]) -> dict[str, str]:
    passed = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    # `sam build` looks for python3.12 on PATH: the CPython that runs this script, the one copied into the image.
    interpreter_bin = str(Path(sys.base_prefix) / "bin")
    passed["PATH"] = os.pathsep.join([interpreter_bin, passed.get("PATH", os.defpath)])
    return {**passed, **SAM_ENVIRONMENT, "DOCKER_HOST": docker_host, **extra}


def sam_build(
    template: Path, build_dir: Path, environment: dict[str, str], log: Path, parameters: dict[str, str]
) -> None:
    """`sam build` (no container: the functions are built with this machine's CPython 3.12)."""
    command = [sam_executable(), "build", "--template-file", str(template), "--build-dir", str(build_dir)]
    command += parameter_overrides(parameters)
    with log.open("ab") as out:
        result = subprocess.run(command, cwd=template.parent, env=environment, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise HostSetupError(f"`sam build` failed ({result.returncode}); see {log}")


def parameter_overrides(parameters: dict[str, str]) -> list[str]:
    if not parameters:
        return []
    return ["--parameter-overrides", " ".join(f"{name}={value}" for name, value in sorted(parameters.items()))]


class SamLocalApi:
    """`sam local start-api` (or `start-lambda`, the local Lambda Invoke API) on host:port, started in its own
    process group and stopped by its process id."""

    def __init__(
        self,
        built_template: Path,
        port: int,
        image: str,
        environment: dict[str, str],
        log: Path,
        env_vars_file: Path | None = None,
        warm_containers: str = "LAZY",
        add_hosts: dict[str, str] | None = None,
        parameter_overrides: dict[str, str] | None = None,
        subcommand: str = "start-api",
        host: str = "127.0.0.1",
    ) -> None:
        self.subcommand = subcommand
        self.host = host
        self.built_template = built_template
        self.port = port
        self.image = image
        self.environment = environment
        self.log = log
        self.env_vars_file = env_vars_file
        self.warm_containers = warm_containers
        self.add_hosts = add_hosts or {}
        self.parameters = parameter_overrides or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        command = [
            sam_executable(),
            "local",
            self.subcommand,
            "--template-file",
            str(self.built_template),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--invoke-image",
            self.image,
            "--skip-pull-image",
            "--warm-containers",
            self.warm_containers,
        ]
        if self.env_vars_file is not None:
            command += ["--env-vars", str(self.env_vars_file)]
        command += parameter_overrides(self.parameters)
        for name, address in sorted(self.add_hosts.items()):
            command += ["--add-host", f"{name}:{address}"]
        return command

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.built_template.parent,
                env=self.environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HostSetupError(
                    f"`sam local {self.subcommand}` exited ({self.process.returncode}); see {self.log}"
                )
            if self.answers():
                return
            time.sleep(0.3)
        self.stop()
        raise HostSetupError(f"`sam local {self.subcommand}` did not listen on {self.base_url} within {timeout:.0f} s")

    def answers(self) -> bool:
        """True once the API emulation accepts connections (any HTTP status counts: routes may 403/404)."""
        try:
            urllib.request.urlopen(f"{self.base_url}/__sam_local_ready__", timeout=2)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def wait(self) -> int:
        """Block until `sam` exits (Ctrl+C in the foreground raises KeyboardInterrupt here)."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """Terminate `sam` by its process id; the podman service then removes the containers it leaves by id.

        SIGTERM rather than SIGINT: a `sam` started from a background job inherits an ignored SIGINT, and its own
        shutdown stops warm containers one by one, which is slower than removing them all at once.
        """
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
