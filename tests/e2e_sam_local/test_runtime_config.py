"""The pieces of the sam local setup that are pure: containers.conf, firewall rules, env vars, sam arguments.

These run everywhere (no podman, no root), unlike the rest of this package.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest

from scripts.sam_local import image
from scripts.sam_local.host import FIREWALL_COMMENT, forward_drop_rules
from scripts.sam_local.podman import containers_conf
from scripts.sam_local.runner import ENV_VARS_FILE, merged_env_vars
from scripts.sam_local.stack import SamLocalApi, sam_environment


def test_containers_conf_mounts_the_catalog_and_sets_default_env_as_valid_toml() -> None:
    text = containers_conf(Path("/tmp/a dir/catalog"), "/mnt/catalog", {"A_URL": 'http://h:1/"q"', "B": ""})
    conf = tomllib.loads(text)
    assert conf["containers"]["volumes"] == ["/tmp/a dir/catalog:/mnt/catalog:rw"]
    assert conf["containers"]["env"] == ['A_URL=http://h:1/"q"', "B="]
    # The settings the recipe found necessary on these machines
    assert conf["engine"]["runtime"] == "runc"
    assert conf["engine"]["cgroup_manager"] == "cgroupfs"
    assert conf["containers"]["default_ulimits"] == []


def test_forward_drop_sits_in_mangle_and_filter_for_each_address_family() -> None:
    rules = forward_drop_rules("10.88.0.0/16") + forward_drop_rules("fd00:88::/64")
    assert [(binary, rule[1], rule[2]) for binary, rule in rules] == [
        ("iptables", "mangle", "FORWARD"),
        ("iptables", "filter", "FORWARD"),
        ("ip6tables", "mangle", "FORWARD"),
        ("ip6tables", "filter", "FORWARD"),
    ]
    for _, rule in rules:
        assert rule[3:5] in (["-s", "10.88.0.0/16"], ["-s", "fd00:88::/64"])
        assert rule[-2:] == ["-j", "DROP"] and FIREWALL_COMMENT in rule


def test_env_vars_file_is_sam_format_and_overrides_win() -> None:
    repository = json.loads(ENV_VARS_FILE.read_text(encoding="utf-8"))
    assert set(repository) == {"Parameters"}
    assert all(isinstance(value, str) for value in repository["Parameters"].values())
    merged = merged_env_vars(ENV_VARS_FILE, {"OPENTALKING_TTS_PROVIDER": "edge", "NEW_ONE": "x"})
    assert merged["Parameters"]["OPENTALKING_TTS_PROVIDER"] == "edge"
    assert merged["Parameters"]["NEW_ONE"] == "x"
    assert set(repository["Parameters"]) <= set(merged["Parameters"])


def test_sam_runs_with_no_secret_from_the_callers_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-real-looking")
    monkeypatch.setenv("AWS_PROFILE", "production")
    environment = sam_environment("unix:///x/podman.sock", {})
    assert "DASHSCOPE_API_KEY" not in environment and "AWS_PROFILE" not in environment
    assert environment["DOCKER_HOST"] == "unix:///x/podman.sock"
    assert environment["SAM_CLI_TELEMETRY"] == "0"


def test_start_api_command_binds_loopback_and_uses_the_stand_in_image(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAM_CLI", "/opt/sam/bin/sam")
    api = SamLocalApi(
        Path("/b/template.yaml"),
        3123,
        "localhost/lambda-python:3.12-x86_64",
        {},
        Path("/tmp/log"),
        env_vars_file=Path("/s/env.json"),
        add_hosts={"bucket.host.containers.internal": "10.88.0.1"},
        parameter_overrides={"Architecture": "x86_64"},
    )
    command = api.command()

    def value(flag: str) -> str:
        return command[command.index(flag) + 1]

    assert command[:3] == ["/opt/sam/bin/sam", "local", "start-api"]
    assert (value("--host"), value("--port")) == ("127.0.0.1", "3123")
    assert value("--invoke-image") == "localhost/lambda-python:3.12-x86_64"
    assert "--skip-pull-image" in command
    assert value("--add-host") == "bucket.host.containers.internal:10.88.0.1"
    assert value("--parameter-overrides") == "Architecture=x86_64"
    assert value("--env-vars") == "/s/env.json"


def test_the_stand_in_image_digest_changes_with_its_inputs_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.version_info[:2] != (3, 12):
        pytest.skip("the stand-in image is built from CPython 3.12")
    unchanged = image.inputs_digest()
    assert image.inputs_digest() == unchanged
    # A different runtime client pin is a different image
    requirements = tmp_path / "runtime-requirements.txt"
    requirements.write_text("awslambdaric==4.2.1\n", encoding="utf-8")
    monkeypatch.setattr(image, "RUNTIME_REQUIREMENTS", requirements)
    assert image.inputs_digest() != unchanged
