"""``cdk8s-flux tag`` against a real registry: distribution (Debian's docker-registry) on 127.0.0.1.

Every test pushes the ``from-file`` app with ``cdk8s-flux push`` first, then tags it and
reads the registry back from its storage folder and access log, which no client code of
ours touches. The behaviour follows fluxcd/flux2 v2.9.4 ``cmd/flux/tag_artifact.go``: the
manifest the source names is stored again under each new tag, blobs are not touched.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import PASSWORD, USER, Registry, auth_registry, registry  # noqa: F401  (fixtures)

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}, "data": {"k": "1"}}
APP = {"web": [CONFIGMAP]}
REMOTE = "https://git.example.com/org/app.git"


def pushed(world: GitWorld, server: Registry, *args: str, tag: str = "staging") -> tuple[Path, str]:
    """The app pushed to ``server`` under ``tag``: its clone and the digest."""
    repo = world.source(REMOTE, APP)
    result = run_cli("push", server.ref(tag=tag), "--insecure-registry", *args, cwd=repo, env=world.env)
    assert result.returncode == 0, result.stderr
    return repo, result.stdout.strip().rsplit("@", 1)[1]


def tag(world: GitWorld, *args: str, env: dict[str, str] | None = None):
    return run_cli("tag", *args, cwd=world.root, env={**world.env, **(env or {})})


def blob_writes(writes: list[str]) -> list[str]:
    return [w for w in writes if "/blobs/" in w]


def test_tag_points_new_tags_at_the_same_digest_without_touching_blobs(world: GitWorld, registry: Registry) -> None:
    # GIVEN an artifact pushed as staging
    _, digest = pushed(world, registry)
    before, seen = registry.writes(), registry.requests()
    # WHEN staging is promoted to production and v1.2.3
    result = tag(world, registry.ref(tag="staging"), "production", "v1.2.3", "--insecure-registry")
    # THEN both tags name staging's digest, and stdout says so
    assert result.returncode == 0, result.stderr
    assert registry.tag_digest("production") == registry.tag_digest("v1.2.3") == registry.tag_digest("staging") == digest
    repository = f"oci://{registry.host}/team/app"
    assert result.stdout.splitlines() == [f"{repository}:production@{digest}", f"{repository}:v1.2.3@{digest}"]
    # AND only the two manifests were written: no blob was uploaded
    during = registry.writes()[len(before):]
    assert during == ["PUT /v2/team/app/manifests/production", "PUT /v2/team/app/manifests/v1.2.3"]
    assert blob_writes(during) == []
    assert not [r for r in registry.requests()[len(seen):] if "/blobs/" in r]
    assert f"tagged {repository}:production" in result.stderr


def test_a_second_run_is_up_to_date_and_writes_nothing(world: GitWorld, registry: Registry) -> None:
    _, digest = pushed(world, registry)
    first = tag(world, registry.ref(tag="staging"), "production", "--insecure-registry")
    assert first.returncode == 0, first.stderr
    writes = registry.writes()
    # WHEN the same promotion runs again
    second = tag(world, registry.ref(tag="staging"), "production", "--insecure-registry")
    # THEN it succeeds, says up to date, and writes nothing
    assert second.returncode == 0, second.stderr
    assert registry.writes() == writes
    assert "up to date" in second.stderr and "tagged" not in second.stderr
    assert second.stdout == first.stdout


def test_only_the_tags_that_differ_are_written(world: GitWorld, registry: Registry) -> None:
    # GIVEN an artifact pushed as staging and production
    _, digest = pushed(world, registry, "--tag", "production")
    before = registry.writes()
    # WHEN promoted to production and v2
    result = tag(world, registry.ref(tag="staging"), "production", "v2", "--insecure-registry")
    # THEN production is left alone and only v2 is written
    assert result.returncode == 0, result.stderr
    assert registry.writes()[len(before):] == ["PUT /v2/team/app/manifests/v2"]
    assert registry.tag_digest("v2") == digest
    assert "up to date: " in result.stderr and ":production already is" in result.stderr


def test_dry_run_writes_nothing_and_says_what_would_be_tagged(world: GitWorld, registry: Registry) -> None:
    pushed(world, registry)
    writes = registry.writes()
    result = tag(world, registry.ref(tag="staging"), "production", "--dry-run", "--insecure-registry")
    assert result.returncode == 0, result.stderr
    assert registry.writes() == writes
    assert registry.tags() == ["staging"]
    assert f"would tag oci://{registry.host}/team/app:production" in result.stderr
    assert "nothing written" in result.stderr


def test_the_source_may_be_a_digest(world: GitWorld, registry: Registry) -> None:
    _, digest = pushed(world, registry)
    result = tag(world, f"oci://{registry.host}/team/app@{digest}", "--tag", "production", "--insecure-registry")
    assert result.returncode == 0, result.stderr
    assert registry.tag_digest("production") == digest


def test_json_names_the_repository_digest_tags_and_what_was_tagged(world: GitWorld, registry: Registry) -> None:
    _, digest = pushed(world, registry, "--tag", "production")
    result = tag(world, registry.ref(tag="staging"), "production", "v1.2.3", "--format", "json", "--insecure-registry")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "repository": f"{registry.host}/team/app", "digest": digest, "tags": ["production", "v1.2.3"], "tagged": ["v1.2.3"],
    }


def test_a_missing_source_fails_naming_it_and_tags_nothing(world: GitWorld, registry: Registry) -> None:
    pushed(world, registry)
    writes = registry.writes()
    result = tag(world, registry.ref(tag="nightly"), "production", "--insecure-registry")
    assert result.returncode == 1
    assert f"oci://{registry.host}/team/app:nightly" in result.stderr and "Fix:" in result.stderr
    assert "Traceback" not in result.stderr
    assert registry.writes() == writes and registry.tags() == ["staging"]


def test_an_invalid_tag_is_refused_before_any_request(world: GitWorld, registry: Registry) -> None:
    pushed(world, registry)
    requests = registry.requests()
    # GIVEN a semver build suffix, which OCI tags cannot hold
    result = tag(world, registry.ref(tag="staging"), "production", "v1.2.3+build.7", "--insecure-registry")
    assert result.returncode == 2
    assert "'v1.2.3+build.7': not a valid OCI tag" in result.stderr and "Fix:" in result.stderr
    assert registry.requests() == requests and registry.tags() == ["staging"]


def test_a_source_without_tag_or_digest_and_no_tags_are_usage_errors(world: GitWorld, registry: Registry) -> None:
    untagged = tag(world, registry.ref(tag=None), "production", "--insecure-registry")
    assert untagged.returncode == 2 and "names no artifact to tag" in untagged.stderr
    no_tags = tag(world, registry.ref(tag="staging"), "--insecure-registry")
    assert no_tags.returncode == 2 and "no tag to point at the artifact" in no_tags.stderr


def test_credentials_from_the_flag_and_the_docker_config(world: GitWorld, auth_registry: Registry, tmp_path: Path) -> None:
    # GIVEN an artifact pushed to a registry that requires authentication
    pushed(world, auth_registry, "--creds", f"{USER}:{PASSWORD}")
    digest = auth_registry.tag_digest("staging")
    # WHEN tagged with --creds, THEN the tag is written and the password never printed
    with_flag = tag(world, auth_registry.ref(tag="staging"), "production", "--insecure-registry", "--creds", f"{USER}:{PASSWORD}")
    assert with_flag.returncode == 0, with_flag.stderr
    assert auth_registry.tag_digest("production") == digest
    # AND the docker config's credentials work as well
    config = tmp_path / "docker"
    config.mkdir()
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (config / "config.json").write_text(json.dumps({"auths": {auth_registry.host: {"auth": auth}}}))
    from_config = tag(world, auth_registry.ref(tag="staging"), "v1.2.3", "--insecure-registry", env={"DOCKER_CONFIG": str(config)})
    assert from_config.returncode == 0, from_config.stderr
    assert auth_registry.tag_digest("v1.2.3") == digest
    assert PASSWORD not in with_flag.stdout + with_flag.stderr + from_config.stdout + from_config.stderr


def test_without_credentials_the_registry_refuses_and_nothing_is_tagged(world: GitWorld, auth_registry: Registry, tmp_path: Path) -> None:
    pushed(world, auth_registry, "--creds", f"{USER}:{PASSWORD}")
    result = tag(world, auth_registry.ref(tag="staging"), "production", "--insecure-registry", env={"DOCKER_CONFIG": str(tmp_path / "none")})
    assert result.returncode == 1
    assert "requires authentication" in result.stderr and "--creds" in result.stderr
    assert auth_registry.tags() == ["staging"]
