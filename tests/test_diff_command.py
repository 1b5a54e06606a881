"""``cdk8s-flux diff`` end to end: real git (a bare remote, a source repository with several commits)
and a real registry (docker-registry on 127.0.0.1), the installed console script, JSON asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import Registry, registry  # noqa: F401  (fixture)

FLUX_NS = {"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": "flux-system", "labels": {"app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": "v2.9.3"}}}
SYNC_SOURCE = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
               "metadata": {"name": "flux-system", "namespace": "flux-system"},
               "spec": {"interval": "1m0s", "url": "ssh://git@example.com/org/app", "ref": {"branch": "manifests"}}}
SYNC = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "flux-system", "namespace": "flux-system"},
        "spec": {"interval": "10m0s", "path": "./dist", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "web"}, "data": data}


def deployment(image: str, app: str = "web") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "web"},
            "spec": {"selector": {"matchLabels": {"app": app}},
                     "template": {"metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": "web", "image": image}]}}}}


def crd(plural: str = "widgets", kind: str = "Widget") -> dict[str, Any]:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}


def app_kustomization(suspend: bool) -> dict[str, Any]:
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {"interval": "10m0s", "path": "./apps", "prune": True, "suspend": suspend,
                     "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}


BEFORE = {"flux": [FLUX_NS, SYNC_SOURCE, SYNC, app_kustomization(False), crd()],
          "web": [configmap("kept", k="1"), configmap("changed", k="1"), configmap("removed", k="1"), deployment("nginx:1.26")]}
AFTER = {"flux": [{**FLUX_NS, "metadata": {**FLUX_NS["metadata"], "labels": {**FLUX_NS["metadata"]["labels"], "app.kubernetes.io/version": "v2.9.4"}}},
                  SYNC_SOURCE, SYNC, app_kustomization(True)],
         "web": [configmap("kept", k="1"), configmap("changed", k="2"), configmap("added", k="1"), deployment("nginx:1.27", app="web2")]}


def run(world: GitWorld, repo: Path, *args: str) -> Any:
    return run_cli(*args, cwd=repo, env=world.env)


def report(world: GitWorld, repo: Path, *args: str) -> dict[str, Any]:
    result = run(world, repo, "diff", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def summary(changes: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(c["change"], c["kind"], c["name"]) for c in changes}


@pytest.fixture
def published(world: GitWorld) -> tuple[Path, Path]:
    """A source repository whose first commit is published to the manifests branch, then changed in a second commit."""
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), BEFORE)
    assert run(world, repo, "publish").returncode == 0
    world.commit_objects(repo, AFTER, "Change the app")
    return remote, repo


def test_against_the_apps_own_branch_every_change_kind_and_warning(world: GitWorld, published: tuple[Path, Path]) -> None:
    _, repo = published
    # WHEN the app is compared with where its FluxSync looks
    found = report(world, repo)
    # THEN every object is added, changed or removed as it is for the cluster
    assert summary(found["changes"]) == {
        ("added", "ConfigMap", "added"), ("changed", "ConfigMap", "changed"), ("removed", "ConfigMap", "removed"),
        ("changed", "Deployment", "web"), ("changed", "Namespace", "flux-system"), ("changed", "Kustomization", "apps"),
        ("removed", "CustomResourceDefinition", "widgets.example.com"),
    }
    (changed,) = [c for c in found["changes"] if c["name"] == "changed"]
    assert changed == {"change": "changed", "apiVersion": "v1", "kind": "ConfigMap", "namespace": "web", "name": "changed",
                       "fields": ["data.k"]}
    (removed_crd,) = [c for c in found["changes"] if c["kind"] == "CustomResourceDefinition"]
    assert removed_crd["namespace"] is None
    # AND each Flux consequence is a warning with its reason
    reasons = {(w["reason"], w["kind"], w["name"]) for w in found["warnings"]}
    assert {("pruned", "ConfigMap", "removed"), ("immutable", "Deployment", "web"), ("image", "Deployment", "web"),
            ("crd-removed", "CustomResourceDefinition", "widgets.example.com"), ("suspended", "Kustomization", "apps")} <= reasons
    assert "flux-version" in {w["reason"] for w in found["warnings"]}
    assert any("nginx:1.26" in w["message"] and "nginx:1.27" in w["message"] for w in found["warnings"] if w["reason"] == "image")


def test_against_a_missing_branch_everything_is_added(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), BEFORE)
    found = report(world, repo)
    assert {c["change"] for c in found["changes"]} == {"added"} and len(found["changes"]) == 9


def test_base_renders_the_app_at_another_commit_without_touching_the_checkout(world: GitWorld, published: tuple[Path, Path]) -> None:
    _, repo = published
    (repo / "scratch.txt").write_text("uncommitted work\n")
    head_before = world.git("rev-parse", "HEAD", cwd=repo)
    status_before = world.git("status", "--porcelain", cwd=repo)
    found = report(world, repo, "--base", "HEAD~1")
    assert ("removed", "ConfigMap", "removed") in summary(found["changes"])
    # the checkout, its HEAD and its worktree list are as they were
    assert world.git("rev-parse", "HEAD", cwd=repo) == head_before
    assert world.git("status", "--porcelain", cwd=repo) == status_before
    assert len(world.git("worktree", "list", cwd=repo).splitlines()) == 1


def test_exit_code_and_explicit_branch(world: GitWorld, published: tuple[Path, Path]) -> None:
    _, repo = published
    assert run(world, repo, "diff").returncode == 0
    assert run(world, repo, "diff", "--exit-code").returncode == 5
    assert run(world, repo, "diff", "--base", "HEAD", "--exit-code").returncode == 0
    found = report(world, repo, "--against", "manifests:dist")
    assert ("added", "ConfigMap", "added") in summary(found["changes"])


def test_secret_values_never_show(world: GitWorld) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"}, "stringData": {"password": "hunter2"}}
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"flux": [SYNC_SOURCE, SYNC], "web": [secret]})
    assert run(world, repo, "publish", "--allow-secrets").returncode == 0
    world.commit_objects(repo, {"flux": [SYNC_SOURCE, SYNC], "web": [{**secret, "stringData": {"password": "correct-horse"}}]}, "Rotate")
    for fmt in ("json", "text", "markdown"):
        result = run(world, repo, "diff", "--allow-secrets", "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "hunter2" not in result.stdout + result.stderr and "correct-horse" not in result.stdout + result.stderr
        assert "Secret" in result.stdout


def test_text_and_markdown_reports(world: GitWorld, published: tuple[Path, Path], snapshot: Any) -> None:
    _, repo = published
    snapshot.snapshot_dir = Path(__file__).parent / "snapshots" / "diff_command"
    for fmt in ("text", "markdown"):
        result = run(world, repo, "diff", "--base", "HEAD~1", "--format", fmt)
        assert result.returncode == 0, result.stderr
        snapshot.assert_match(result.stdout, f"report.{fmt}")


def test_oci_against_and_artifact_to_artifact(world: GitWorld, registry: Registry) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"web": BEFORE["web"]})
    assert run(world, repo, "push", registry.ref(tag="staging"), "--insecure-registry").returncode == 0
    world.commit_objects(repo, {"web": AFTER["web"]}, "Change the app")
    assert run(world, repo, "push", registry.ref(tag="next"), "--insecure-registry").returncode == 0
    found = report(world, repo, "--against", registry.ref(tag="staging"), "--insecure-registry")
    assert ("removed", "ConfigMap", "removed") in summary(found["changes"])
    promoted = report(world, repo, registry.ref(tag="staging"), registry.ref(tag="next"), "--insecure-registry")
    assert summary(promoted["changes"]) == summary(found["changes"])
    missing = report(world, repo, "--against", registry.ref(tag="nope"), "--insecure-registry")
    assert {c["change"] for c in missing["changes"]} == {"added"}
