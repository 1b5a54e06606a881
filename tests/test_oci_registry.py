"""``cdk8s_flux.oci.registry`` credentials and ``push.public_url``: pure, no registry needed.

The docker config format is the docker CLI's ``config.json`` (``auths`` with
``auth`` = base64 of ``user:password``, ``credHelpers``, ``credsStore``) and the
credential helper protocol of docker/docker-credential-helpers (``get`` reads the
server on stdin, answers ``{"ServerURL", "Username", "Secret"}``).
"""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from cdk8s_flux.errors import RegistryError, ValidationError
from cdk8s_flux.oci.push import public_url
from cdk8s_flux.oci.registry import Credentials, docker_config_path, find_credentials, parse_creds

HOST = "registry.example.com:5000"


def config(tmp_path: Path, content: dict) -> dict[str, str]:
    folder = tmp_path / "docker"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps(content))
    return {"DOCKER_CONFIG": str(folder), "PATH": os.environ.get("PATH", "")}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_the_flag_wins_and_keeps_colons_in_the_password(tmp_path: Path) -> None:
    env = {**config(tmp_path, {"auths": {HOST: {"auth": b64("other:x")}}}), "CDK8S_FLUX_REGISTRY_USER": "e", "CDK8S_FLUX_REGISTRY_PASSWORD": "p"}
    assert find_credentials(HOST, "ci:pa:ss", env) == Credentials("ci", "pa:ss", "creds")


def test_then_the_environment_then_the_docker_config(tmp_path: Path) -> None:
    env = config(tmp_path, {"auths": {HOST: {"auth": b64("docker-user:docker-pass")}}})
    assert find_credentials(HOST, None, {**env, "CDK8S_FLUX_REGISTRY_USER": "e", "CDK8S_FLUX_REGISTRY_PASSWORD": "p"}) == Credentials("e", "p", "the environment")
    found = find_credentials(HOST, None, env)
    assert (found.username, found.password) == ("docker-user", "docker-pass")
    assert find_credentials("other.example.com", None, env) is None


@pytest.mark.parametrize("key", [HOST, f"https://{HOST}", f"http://{HOST}/v1/"])
def test_auths_keys_are_matched_by_host(tmp_path: Path, key: str) -> None:
    env = config(tmp_path, {"auths": {key: {"username": "u", "password": "p"}}})
    assert find_credentials(HOST, None, env).username == "u"


def test_a_credential_helper_is_asked(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-fake"
    helper.write_text('#!/bin/sh\nread server\necho "{\\"ServerURL\\":\\"$server\\",\\"Username\\":\\"helped\\",\\"Secret\\":\\"s-$server\\"}"\n')
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    env = config(tmp_path, {"credHelpers": {HOST: "fake"}})
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    assert find_credentials(HOST, None, env) == Credentials("helped", f"s-{HOST}", "docker-credential-fake")
    env = config(tmp_path, {"credsStore": "fake"})
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    assert find_credentials(HOST, None, env).username == "helped"


def test_a_missing_helper_says_what_to_install(tmp_path: Path) -> None:
    env = config(tmp_path, {"credHelpers": {HOST: "absent"}})
    with pytest.raises(RegistryError, match="docker-credential-absent"):
        find_credentials(HOST, None, env)


def test_bad_input_never_echoes_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_creds("only-a-password-token")
    assert "only-a-password-token" not in str(raised.value)
    with pytest.raises(ValidationError, match="CDK8S_FLUX_REGISTRY_USER"):
        find_credentials(HOST, None, {"CDK8S_FLUX_REGISTRY_PASSWORD": "secret-value"})
    env = config(tmp_path, {"auths": {HOST: {"auth": "!!not base64!!"}}})
    with pytest.raises(RegistryError) as bad:
        find_credentials(HOST, None, env)
    assert "!!not base64!!" not in str(bad.value)
    assert "secret" not in repr(Credentials("u", "secret"))


def test_docker_config_location(tmp_path: Path) -> None:
    assert docker_config_path({"DOCKER_CONFIG": "/cfg"}) == Path("/cfg/config.json")
    assert docker_config_path({"HOME": "/home/ci"}) == Path("/home/ci/.docker/config.json")


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://gitlab-ci-token:glcbt-SECRET@gitlab.com/org/app.git", "https://gitlab.com/org/app.git"),
        ("https://ghp_TOKEN@github.com/org/app", "https://github.com/org/app"),
        ("ssh://git@github.com/org/app.git", "ssh://git@github.com/org/app.git"),
        ("ssh://git:pw@host/org/app.git", "ssh://host/org/app.git"),
        ("git@github.com:org/app.git", "git@github.com:org/app.git"),
        ("https://github.com/org/app", "https://github.com/org/app"),
    ],
)
def test_source_urls_lose_their_credentials(url: str, public: str) -> None:
    assert public_url(url) == public
