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
from scripts.sam_local.__main__ import provider_keys_from
from scripts.sam_local.host import FIREWALL_COMMENT, HostSetupError, forward_drop_rules
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


def test_the_users_env_vars_file_goes_on_top_of_everything(tmp_path: Path) -> None:
    # GIVEN the user's own file with a key for every function and a setting for one function
    user_file = tmp_path / "my-keys.json"
    user_file.write_text(
        json.dumps(
            {
                "Parameters": {"DASHSCOPE_API_KEY": "sk-user", "OPENTALKING_TTS_PROVIDER": "dashscope"},
                "PreviewFunction": {"OPENTALKING_TTS_SAMPLE_RATE": "24000"},
            }
        ),
        encoding="utf-8",
    )
    merged = merged_env_vars(ENV_VARS_FILE, {"OPENTALKING_TTS_PROVIDER": "edge", "A": "1"}, user_file)
    # THEN its values win over the repository's file and the runner's overrides, which otherwise stay
    assert merged["Parameters"]["DASHSCOPE_API_KEY"] == "sk-user"
    assert merged["Parameters"]["OPENTALKING_TTS_PROVIDER"] == "dashscope"
    assert merged["Parameters"]["A"] == "1"
    assert merged["PreviewFunction"] == {"OPENTALKING_TTS_SAMPLE_RATE": "24000"}


@pytest.mark.parametrize("content", ["not json", '["a"]', '{"Parameters": {"N": 1}}', '{"Parameters": "x"}'])
def test_an_env_vars_file_that_sam_would_reject_is_refused_with_its_name(tmp_path: Path, content: str) -> None:
    user_file = tmp_path / "bad.json"
    user_file.write_text(content, encoding="utf-8")
    with pytest.raises(HostSetupError, match="bad.json"):
        merged_env_vars(ENV_VARS_FILE, {}, user_file)


def test_provider_keys_come_from_the_shell_only_when_set() -> None:
    environment = {"DASHSCOPE_API_KEY": "sk-1", "OPENTALKING_TTS_ELEVENLABS_API_KEY": " ", "AWS_PROFILE": "prod"}
    assert provider_keys_from(environment) == {"DASHSCOPE_API_KEY": "sk-1"}


def test_open_egress_starts_only_once_no_forward_drop_rule_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts.sam_local import host

    subnets = ["10.88.0.0/16"]
    every_rule = [f"{binary} {' '.join(rule)}" for binary, rule in forward_drop_rules(subnets[0])]
    # GIVEN the rules in place: SAM_LOCAL_EGRESS=open refuses and names the commands that would remove them
    monkeypatch.setattr(host, "missing_forward_drop", lambda _: [])
    with pytest.raises(HostSetupError) as refused:
        host.check_egress_allowed(subnets)
    assert "iptables -t mangle -D FORWARD -s 10.88.0.0/16" in str(refused.value)
    assert "iptables -t filter -D FORWARD -s 10.88.0.0/16" in str(refused.value)
    # GIVEN none in place: it starts
    monkeypatch.setattr(host, "missing_forward_drop", lambda _: every_rule)
    host.check_egress_allowed(subnets)
