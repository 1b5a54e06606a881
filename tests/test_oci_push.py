"""``cdk8s-flux push`` against a real registry: distribution (Debian's docker-registry) on 127.0.0.1.

Every test pushes the ``from-file`` app from a real git clone, then reads the
registry back: over HTTP with ``cdk8s-flux pull``, and from its storage folder
and access log, which no client code of ours touches.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import PASSWORD, USER, Registry, auth_registry, registry, tls_registry  # noqa: F401  (fixtures)

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}, "data": {"k": "1"}}
APP = {"web": [CONFIGMAP]}
REMOTE = "https://ci-bot:TOPSECRET-token@git.example.com/org/app.git"
LAYOUT = {"kustomization.yaml", "web/kustomization.yaml", "web/configmap_web_a.yaml"}


def push(world: GitWorld, repo: Path, *args: str, env: dict[str, str] | None = None):
    return run_cli("push", *args, cwd=repo, env={**world.env, **(env or {})})


def stored_manifest(server: Registry, digest: str) -> bytes:
    hexdigest = digest.split(":", 1)[1]
    return (server.storage / f"docker/registry/v2/blobs/sha256/{hexdigest[:2]}/{hexdigest}/data").read_bytes()


def stored_blob(server: Registry, digest: str) -> bytes:
    return stored_manifest(server, digest)


def blob_uploads(server: Registry) -> int:
    return sum(1 for r in server.writes() if r.startswith("POST ") and "/blobs/uploads/" in r)


def test_push_then_pull_gives_back_the_layout_byte_for_byte(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    # GIVEN an app in a clone whose origin URL carries a token, as CI clones do
    repo = world.source(REMOTE, APP)
    head = world.git("rev-parse", "HEAD", cwd=repo).strip()
    committed = int(world.git("log", "-1", "--format=%ct", cwd=repo).strip())
    # WHEN it is pushed
    result = push(world, repo, registry.ref(), "--insecure-registry")
    # THEN the tag points at the digest printed on stdout
    assert result.returncode == 0, result.stderr
    digest = result.stdout.strip().rsplit("@", 1)[1]
    assert result.stdout.strip() == f"oci://{registry.host}/team/app@{digest}"
    assert registry.tag_digest("v1") == digest
    # AND the stored manifest has Flux's media types and annotations from git, without the token
    manifest = json.loads(stored_manifest(registry, digest))
    assert hashlib.sha256(stored_manifest(registry, digest)).hexdigest() == digest.split(":")[1]
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert manifest["config"]["mediaType"] == "application/vnd.cncf.flux.config.v1+json"
    assert [layer["mediaType"] for layer in manifest["layers"]] == ["application/vnd.cncf.flux.content.v1.tar+gzip"]
    assert manifest["annotations"] == {
        "org.opencontainers.image.created": datetime.fromtimestamp(committed, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "org.opencontainers.image.revision": f"main@sha1:{head}",
        "org.opencontainers.image.source": "https://git.example.com/org/app.git",
    }
    assert "TOPSECRET" not in result.stderr + result.stdout
    # AND the stored layer is a gzipped tar of the layout, byte for byte what synth --layout flux writes
    layer = stored_blob(registry, manifest["layers"][0]["digest"])
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer))) as archive:
        stored = {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}
    synth_dir = tmp_path / "synth"
    assert run_cli("synth", "--layout", "flux", "-o", str(synth_dir), cwd=repo, env=world.env).returncode == 0
    expected = {p.relative_to(synth_dir).as_posix(): p.read_bytes() for p in synth_dir.rglob("*") if p.is_file()}
    assert set(stored) == LAYOUT and stored == expected
    # AND pulling it back over HTTP extracts the same bytes
    out = tmp_path / "pulled"
    pulled = run_cli("pull", registry.ref(), "--insecure-registry", "-o", str(out), cwd=repo, env=world.env)
    assert pulled.returncode == 0, pulled.stderr
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == expected


def test_pushing_twice_uploads_nothing_and_says_up_to_date(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    first = push(world, repo, registry.ref(), "--insecure-registry")
    assert first.returncode == 0, first.stderr
    writes = registry.writes()
    # WHEN the same commit is pushed again
    second = push(world, repo, registry.ref(), "--insecure-registry")
    # THEN the digest is the same, nothing was written, and it says so
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert registry.writes() == writes
    assert "up to date" in second.stderr and "pushing" not in second.stderr


def test_a_new_commit_with_the_same_manifests_reuses_the_layer(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    first = push(world, repo, registry.ref(), "--insecure-registry")
    uploads = blob_uploads(registry)
    # GIVEN a commit that changes no manifest
    (repo / "README.md").write_text("docs\n")
    world.git("add", "README.md", cwd=repo)
    world.git("commit", "-qm", "Docs", cwd=repo)
    # WHEN pushed
    second = push(world, repo, registry.ref(), "--insecure-registry")
    # THEN the manifest is new (its revision moved) but no blob is uploaded again
    assert second.returncode == 0, second.stderr
    assert second.stdout != first.stdout
    assert blob_uploads(registry) == uploads
    assert "layer already in registry" in second.stderr and "config already in registry" in second.stderr


def test_every_tag_points_at_the_same_manifest(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, registry.ref(tag="1.4.0"), "--tag", "latest", "--tag", "production", "--insecure-registry")
    assert result.returncode == 0, result.stderr
    digest = result.stdout.strip().rsplit("@", 1)[1]
    assert registry.tags() == ["1.4.0", "latest", "production"]
    assert {registry.tag_digest(t) for t in registry.tags()} == {digest}


def test_dry_run_writes_nothing(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "-o", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "dry run"
    assert registry.writes() == [] and registry.tags() == []
    assert "would push layer" in result.stderr and "nothing written" in result.stderr
    # AND the digest it announces is the one a real push then makes
    real = push(world, repo, registry.ref(), "--insecure-registry", "-o", "json")
    assert json.loads(real.stdout)["digest"] == report["digest"]


def test_json_output_names_the_digest_for_signing(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, registry.ref(), "--tag", "latest", "--insecure-registry", "-o", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    digest = registry.tag_digest("v1")
    head = world.git("rev-parse", "HEAD", cwd=repo).strip()
    assert report == {
        "status": "pushed",
        "repository": f"{registry.host}/team/app",
        "tags": ["v1", "latest"],
        "digest": digest,
        "url": f"oci://{registry.host}/team/app@{digest}",
        "revision": f"main@sha1:{head}",
    }


def test_detached_head_revisions(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    head = world.git("rev-parse", "HEAD", cwd=repo).strip()
    world.git("checkout", "-q", "--detach", cwd=repo)
    plain = push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "-o", "json", env={"GITHUB_REF_NAME": "", "CI_COMMIT_REF_NAME": ""})
    assert json.loads(plain.stdout)["revision"] == f"sha1:{head}"
    named = push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "-o", "json", env={"GITHUB_REF_NAME": "release", "GITHUB_SHA": head})
    assert json.loads(named.stdout)["revision"] == f"release@sha1:{head}"
    other = push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "-o", "json", env={"GITHUB_REF_NAME": "release", "GITHUB_SHA": "0" * 40})
    assert json.loads(other.stdout)["revision"] == f"sha1:{head}"
    given = push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "-o", "json", "--revision", "v1.0.0@sha1:abc", "--source", "https://example.com/x")
    assert json.loads(given.stdout)["revision"] == "v1.0.0@sha1:abc"


def test_the_digest_ci_pushes_is_reproduced_locally_on_the_same_branch(world: GitWorld, registry: Registry) -> None:
    # GIVEN the digest of a push on branch main, as a developer makes it
    repo = world.source(REMOTE, APP)
    head = world.git("rev-parse", "HEAD", cwd=repo).strip()
    local = json.loads(push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "--format", "json").stdout)
    # WHEN CI pushes the same commit from a detached HEAD, naming the branch as GitHub Actions does
    world.git("checkout", "-q", "--detach", cwd=repo)
    ci = json.loads(push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "--format", "json",
                         env={"GITHUB_REF_NAME": "main", "GITHUB_SHA": head}).stdout)
    # THEN the digest is the same; without the branch it differs, and --revision brings it back
    assert ci["digest"] == local["digest"]
    bare = json.loads(push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "--format", "json",
                           env={"GITHUB_REF_NAME": "", "CI_COMMIT_REF_NAME": ""}).stdout)
    assert bare["digest"] != local["digest"]
    again = json.loads(push(world, repo, registry.ref(), "--insecure-registry", "--dry-run", "--format", "json",
                            "--revision", local["revision"], env={"GITHUB_REF_NAME": "", "CI_COMMIT_REF_NAME": ""}).stdout)
    assert again["digest"] == local["digest"]


# --- credentials ---------------------------------------------------------------------


def test_credentials_from_the_flag(world: GitWorld, auth_registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, auth_registry.ref(), "--insecure-registry", "--creds", f"{USER}:{PASSWORD}")
    assert result.returncode == 0, result.stderr
    assert auth_registry.tags() == ["v1"]
    assert PASSWORD not in result.stdout + result.stderr


def test_credentials_from_the_environment(world: GitWorld, auth_registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    env = {"CDK8S_FLUX_REGISTRY_USER": USER, "CDK8S_FLUX_REGISTRY_PASSWORD": PASSWORD}
    result = push(world, repo, auth_registry.ref(), "--insecure-registry", env=env)
    assert result.returncode == 0, result.stderr
    assert auth_registry.tags() == ["v1"]
    assert PASSWORD not in result.stdout + result.stderr


def test_credentials_from_the_docker_config(world: GitWorld, auth_registry: Registry, tmp_path: Path) -> None:
    repo = world.source(REMOTE, APP)
    config = tmp_path / "docker"
    config.mkdir()
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (config / "config.json").write_text(json.dumps({"auths": {auth_registry.host: {"auth": auth}}}))
    result = push(world, repo, auth_registry.ref(), "--insecure-registry", env={"DOCKER_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert auth_registry.tags() == ["v1"]
    # AND pull reads the same file
    pulled = run_cli("pull", auth_registry.ref(), "--insecure-registry", cwd=repo, env={**world.env, "DOCKER_CONFIG": str(config)})
    assert pulled.returncode == 0, pulled.stderr
    assert PASSWORD not in result.stdout + result.stderr + pulled.stdout + pulled.stderr


def test_wrong_credentials_fail_clearly_and_push_nothing(world: GitWorld, auth_registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, auth_registry.ref(), "--insecure-registry", "--creds", f"{USER}:wrong-{PASSWORD}")
    assert result.returncode == 1
    assert f"authentication to registry {auth_registry.host} failed" in result.stderr and "--creds" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert auth_registry.tags() == []
    assert not (auth_registry.storage / "docker/registry/v2/blobs").exists()


def test_missing_credentials_name_every_way_to_give_them(world: GitWorld, auth_registry: Registry, tmp_path: Path) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, auth_registry.ref(), "--insecure-registry", env={"DOCKER_CONFIG": str(tmp_path / "none")})
    assert result.returncode == 1
    assert "requires authentication and no credentials were found" in result.stderr
    assert "CDK8S_FLUX_REGISTRY_USER" in result.stderr and "docker login" in result.stderr


# --- errors ------------------------------------------------------------------------------


def test_unreachable_registry(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    registry.stop()
    result = push(world, repo, registry.ref(), "--insecure-registry")
    assert result.returncode == 1
    assert f"cannot reach registry {registry.host} (connection refused)" in result.stderr


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("ghcr.io/org/app:v1", "write it as oci://ghcr.io/org/app:v1"),
        ("oci://ghcr.io/Org/App:v1", "repository names are lowercase"),
        ("oci://ghcr.io/org/app:.bad", "not a valid OCI tag"),
        ("oci://ghcr.io/org/app", "no tag"),
    ],
)
def test_bad_references_are_refused_before_anything_runs(world: GitWorld, reference: str, message: str) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, reference)
    assert result.returncode == 2
    assert message in result.stderr


def test_plain_http_needs_insecure_registry(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    http = push(world, repo, f"http://{registry.host}/team/app:v1")
    assert http.returncode == 2 and "--insecure-registry" in http.stderr
    tls = push(world, repo, registry.ref())
    assert tls.returncode == 1
    assert "TLS with registry" in tls.stderr and "--insecure-registry" in tls.stderr
    assert registry.tags() == []


def test_a_secret_in_clear_is_refused_and_nothing_pushed(world: GitWorld, registry: Registry) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "web"}, "stringData": {"p": "x"}}
    repo = world.source(REMOTE, {"web": [CONFIGMAP, secret]})
    result = push(world, repo, registry.ref(), "--insecure-registry")
    assert result.returncode == 4, result.stderr
    assert [r for r in registry.requests() if r != "GET /v2/"] == []  # only the fixture's readiness probe


def test_uncommitted_changes_are_refused_unless_allowed(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    (repo / "objects.json").write_text(json.dumps({"web": [{**CONFIGMAP, "data": {"k": "2"}}]}))
    refused = push(world, repo, registry.ref(), "--insecure-registry")
    assert refused.returncode == 2 and "--allow-dirty" in refused.stderr
    allowed = push(world, repo, registry.ref(), "--insecure-registry", "--allow-dirty")
    assert allowed.returncode == 0, allowed.stderr
    assert "uncommitted changes" in allowed.stderr


# --- the app's own OCI target -------------------------------------------------------------


def oci_sync(url: str, tag: str = "v1", path: str = "./", **ref: str) -> list[dict]:
    """The OCIRepository + Kustomization pair a FluxSync with an OciTarget emits."""
    return [
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "OCIRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system"},
            "spec": {"interval": "1m0s", "url": url, "ref": ref or {"tag": tag}, "provider": "generic"},
        },
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "flux-system", "namespace": "flux-system"},
            "spec": {"interval": "10m0s", "path": path, "prune": True, "sourceRef": {"kind": "OCIRepository", "name": "flux-system"}},
        },
    ]


def test_without_a_reference_the_apps_target_is_used(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, {**APP, "flux": oci_sync(f"oci://{registry.host}/team/app", tag="stable", path="./deploy")})
    result = push(world, repo, "--insecure-registry")
    assert result.returncode == 0, result.stderr
    assert registry.tags() == ["stable"]
    # AND the layout sits in the folder the Kustomization applies
    pulled = run_cli("pull", registry.ref(tag="stable"), "--insecure-registry", "--json", cwd=repo, env=world.env)
    files = json.loads(pulled.stdout)["files"]
    assert "deploy/kustomization.yaml" in files and "deploy/web/configmap_web_a.yaml" in files


def test_pushing_where_the_app_does_not_look_is_refused(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, {**APP, "flux": oci_sync(f"oci://{registry.host}/team/app", tag="stable")})
    other_repo = push(world, repo, registry.ref("team/other", "stable"), "--insecure-registry")
    assert other_repo.returncode == 2
    assert f"Flux pull from oci://{registry.host}/team/app" in other_repo.stderr
    other_tag = push(world, repo, registry.ref("team/app", "v2"), "--insecure-registry")
    assert other_tag.returncode == 2 and "add the tag 'stable'" in other_tag.stderr and "--tag=" in other_tag.stderr
    with_tag = push(world, repo, registry.ref("team/app", "v2"), "--tag", "stable", "--insecure-registry")
    assert with_tag.returncode == 0, with_tag.stderr
    assert registry.tags() == ["stable", "v2"]


def test_a_semver_target_takes_version_tags_only(world: GitWorld, registry: Registry) -> None:
    repo = world.source(REMOTE, {**APP, "flux": oci_sync(f"oci://{registry.host}/team/app", semver=">=1.0.0")})
    refused = push(world, repo, registry.ref(tag="latest"), "--insecure-registry")
    assert refused.returncode == 2 and "semver" in refused.stderr
    accepted = push(world, repo, registry.ref(tag="v1.2.0"), "--insecure-registry")
    assert accepted.returncode == 0, accepted.stderr


def test_plain_http_against_a_tls_registry_says_so(world: GitWorld, tls_registry: Registry) -> None:
    repo = world.source(REMOTE, APP)
    result = push(world, repo, tls_registry.ref(), "--insecure-registry")
    assert result.returncode == 1
    assert "speaks HTTPS" in result.stderr and "--insecure-registry" in result.stderr
