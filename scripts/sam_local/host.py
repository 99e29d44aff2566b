"""The host side: can this machine host the runtime, the packages it needs, and the rule that keeps packets local."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Any

# Debian packages that provide the container runtime and the image build; each is checked by one executable.
REQUIRED_PACKAGES = {"podman": "podman", "runc": "runc", "debootstrap": "debootstrap", "iptables": "iptables"}
FIREWALL_COMMENT = "opentalking-sam-local: no container traffic leaves this machine"


class HostSetupError(RuntimeError):
    """Preparing the runtime failed."""


class HostUnsupportedError(HostSetupError):
    """This machine cannot host the runtime: not Linux, not root, or no access to the package registries."""


def check_supported() -> None:
    """Raise HostUnsupportedError when this machine cannot host podman-based `sam local` at all."""
    reason = unsupported_reason()
    if reason is not None:
        raise HostUnsupportedError(reason)


def unsupported_reason() -> str | None:
    """Why this machine cannot host podman-based `sam local` at all, or None when it can try."""
    if not sys.platform.startswith("linux"):
        return f"this is {sys.platform}, not Linux"
    if os.geteuid() != 0:
        return "not running as root (podman, iptables and debootstrap need it)"
    missing = [name for name, command in REQUIRED_PACKAGES.items() if shutil.which(command) is None]
    if missing and shutil.which("apt-get") is None:
        return f"{', '.join(missing)} missing and no apt-get to install them"
    return None


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command, raising HostSetupError with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-2000:]
        raise HostSetupError(f"`{' '.join(command)}` failed ({result.returncode}): {output}")
    return result


def ensure_packages() -> None:
    """Install the Debian packages that are missing (nothing happens when all are there)."""
    missing = [package for package, command in REQUIRED_PACKAGES.items() if shutil.which(command) is None]
    if not missing:
        return
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"sam-local: installing {' '.join(missing)} with apt-get", file=sys.stderr)
    try:
        run(["apt-get", "update", "-qq"], env=environment)
        run(["apt-get", "install", "-y", "-qq", *missing], env=environment)
    except HostSetupError as error:
        raise HostUnsupportedError(f"cannot install {', '.join(missing)} (no package access?): {error}") from error


def podman_subnets(network: str = "podman") -> list[str]:
    """The IPv4/IPv6 subnets of a podman network (the default bridge is the one `sam local` containers join)."""
    result = run(["podman", "network", "inspect", network, "--format", "{{range .Subnets}}{{.Subnet}} {{end}}"])
    subnets = result.stdout.split()
    if not subnets:
        raise HostSetupError(f"podman network {network!r} has no subnet")
    return subnets


def podman_gateway(network: str = "podman") -> str:
    """The host's address on a podman network: what host.containers.internal resolves to in its containers."""
    result = run(["podman", "network", "inspect", network, "--format", "{{range .Subnets}}{{.Gateway}} {{end}}"])
    gateways = [address for address in result.stdout.split() if ":" not in address]
    if not gateways:
        raise HostSetupError(f"podman network {network!r} has no IPv4 gateway")
    return gateways[0]


def forward_drop_rules(subnet: str) -> list[tuple[str, list[str]]]:
    """The rules that drop everything a container on `subnet` sends beyond this machine.

    filter/FORWARD is the rule from the recipe. netavark later inserts its own jump (which accepts the subnet) at the
    top of filter/FORWARD when a container starts, so the same drop also sits in mangle/FORWARD, which the kernel
    evaluates before filter and which netavark does not touch. Local delivery (a host service, `sam` talking to a
    published port) never passes FORWARD, so both rules leave it alone.
    """
    binary = "ip6tables" if ":" in subnet else "iptables"
    match = ["-s", subnet, "-m", "comment", "--comment", FIREWALL_COMMENT, "-j", "DROP"]
    return [(binary, ["-t", table, "FORWARD", *match]) for table in ("mangle", "filter")]


def ensure_forward_drop(subnets: list[str]) -> None:
    """Put the forward-drop rules in place (idempotent); they are never removed by this project."""
    for subnet in subnets:
        for binary, rule in forward_drop_rules(subnet):
            table, chain, match = rule[:2], rule[2], rule[3:]
            present = subprocess.run([binary, *table, "-C", chain, *match], capture_output=True, check=False)
            if present.returncode != 0:
                run([binary, *table, "-I", chain, "1", *match])
    missing = missing_forward_drop(subnets)
    if missing:
        raise HostSetupError(f"forward-drop rules missing after setup: {missing}")


def missing_forward_drop(subnets: list[str]) -> list[str]:
    """The forward-drop rules that are not in place, as readable strings (empty when all are)."""
    missing = []
    for subnet in subnets:
        for binary, rule in forward_drop_rules(subnet):
            table, chain, match = rule[:2], rule[2], rule[3:]
            if subprocess.run([binary, *table, "-C", chain, *match], capture_output=True, check=False).returncode:
                missing.append(f"{binary} {' '.join(rule)}")
    return missing


def present_forward_drop(subnets: list[str]) -> list[str]:
    """The forward-drop rules that are in place, as the commands that would remove them."""
    missing = set(missing_forward_drop(subnets))
    present = []
    for subnet in subnets:
        for binary, rule in forward_drop_rules(subnet):
            if f"{binary} {' '.join(rule)}" not in missing:
                table, chain, match = rule[:2], rule[2], rule[3:]
                present.append(" ".join([binary, *table, "-D", chain, *match]))
    return present


def check_egress_allowed(subnets: list[str]) -> None:
    """For SAM_LOCAL_EGRESS=open (real provider keys): the containers may reach the internet only if no forward-drop
    rule is in place. This project never removes them itself; the error names the commands that would."""
    present = present_forward_drop(subnets)
    if present:
        commands = "\n  ".join(present)
        raise HostSetupError(
            "SAM_LOCAL_EGRESS=open, but the rules that keep container traffic on this machine are in place; remove "
            f"them yourself if this machine may send traffic out:\n  {commands}"
        )
