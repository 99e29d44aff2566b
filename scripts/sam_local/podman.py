"""A podman service on a private unix socket that speaks the Docker API to `sam`, and the cleanup of its containers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from scripts.sam_local.host import HostSetupError, run

SAM_CONTAINER_LABEL = "sam.cli.container.type=lambda"
RUN_ID_VARIABLE = "SAM_LOCAL_RUN_ID"


def containers_conf(catalog_dir: Path, mount_path: str, default_env: dict[str, str]) -> str:
    """The containers.conf that works on these machines (see the recipe); `volumes` emulates the catalog's EFS.

    `env` is a default for every container: values `sam` sets itself (template variables) win over it, so it only
    fills in variables the template does not declare, such as AWS_ENDPOINT_URL_S3 of an emulated S3.
    """
    volume = json.dumps(f"{catalog_dir}:{mount_path}:rw")
    env = ", ".join(json.dumps(f"{name}={value}") for name, value in sorted(default_env.items()))
    return "\n".join(
        [
            "# Written by scripts/sam_local for the podman service that `sam local` talks to.",
            "[containers]",
            "default_ulimits = []",
            'cgroups = "enabled"',
            f"volumes = [{volume}]",
            f"env = [{env}]",
            "[engine]",
            'runtime = "runc"',
            'cgroup_manager = "cgroupfs"',
            'events_logger = "file"',
            "",
        ]
    )


class PodmanService:
    """`podman system service` started by this process and stopped by its process id, with the containers it ran."""

    def __init__(
        self, state_dir: Path, catalog_dir: Path, mount_path: str, default_env: dict[str, str] | None = None
    ) -> None:
        self.state_dir = state_dir
        self.socket = state_dir / "podman.sock"
        self.conf = state_dir / "containers.conf"
        self.log = state_dir / "podman-service.log"
        self.catalog_dir = catalog_dir
        self.mount_path = mount_path
        # Every container of this run carries the run's id in its environment (podman's default env), so cleanup
        # removes exactly this run's containers even when another run shares podman's store.
        self.run_id = uuid.uuid4().hex[:16]
        self.default_env = {**(default_env or {}), RUN_ID_VARIABLE: self.run_id}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket}"

    @property
    def environment(self) -> dict[str, str]:
        return {"CONTAINERS_CONF": str(self.conf)}

    def start(self, timeout: float = 30.0) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.catalog_dir.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(containers_conf(self.catalog_dir, self.mount_path, self.default_env), encoding="utf-8")
        self.socket.unlink(missing_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["podman", "system", "service", "--time=0", self.docker_host],
                env={**os.environ, **self.environment},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HostSetupError(f"podman service exited ({self.process.returncode}); see {self.log}")
            if self.socket.exists() and self.podman_remote("version").returncode == 0:
                return
            time.sleep(0.2)
        self.stop()
        raise HostSetupError(f"podman service did not answer on {self.socket} within {timeout:.0f} s")

    def podman_remote(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["podman", "--url", self.docker_host, *args], capture_output=True, text=True, check=False)

    def own_containers(self) -> list[str]:
        """Ids of the Lambda containers `sam` created through this service, running or not."""
        listed = run(["podman", "ps", "--all", "--quiet", "--no-trunc", "--filter", f"label={SAM_CONTAINER_LABEL}"])
        if not listed.stdout.split():
            return []
        inspected = subprocess.run(
            ["podman", "container", "inspect", "--format", "{{.Id}} {{range .Config.Env}}{{.}} {{end}}"]
            + listed.stdout.split(),
            capture_output=True,
            text=True,
            check=False,
        )
        marker = f"{RUN_ID_VARIABLE}={self.run_id}"
        return [line.split()[0] for line in inspected.stdout.splitlines() if marker in line.split()[1:]]

    def remove_own_containers(self) -> list[str]:
        """Remove this run's Lambda containers by id; return their ids."""
        created = self.own_containers()
        if created:
            # Lambda containers keep no state worth a graceful stop: kill and remove them at once.
            subprocess.run(["podman", "rm", "--force", "--time", "0", *created], capture_output=True, check=False)
        return created

    def stop(self) -> None:
        """Remove the containers this run created, then stop the service by its process id."""
        try:
            removed = self.remove_own_containers()
            if removed:
                print(f"sam-local: removed {len(removed)} container(s)", file=sys.stderr)
        finally:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            self.socket.unlink(missing_ok=True)
