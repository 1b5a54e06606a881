"""The same app with the same problem gets the same verdict from every command that runs it.

Each broken app is a real git clone (the ``from-file`` app) with a real bare remote and a
real registry (docker-registry on 127.0.0.1); each command runs as the installed console
script. ``pull --verify`` needs an artifact to compare with: the same app is pushed first
with every check switched off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import Registry, registry  # noqa: F401  (fixture)

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}, "data": {"k": "1"}}
DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "web"},
    "spec": {"selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
}


def kustomization(name: str = "apps", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": {"interval": "10m0s", "path": "./dist", "prune": True,
                     "sourceRef": {"kind": "GitRepository", "name": name}, **spec}}


def git_repository(name: str, url: str, branch: str) -> dict[str, Any]:
    return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": {"interval": "1m0s", "url": url, "ref": {"branch": branch}}}


def oci_repository(name: str, url: str) -> dict[str, Any]:
    return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": {"interval": "1m0s", "url": url, "ref": {"tag": "v1"}}}


def fluxd(branch: str, path: str) -> dict[str, Any]:
    """A Flux v1 fluxd Deployment as v1.FluxInstall writes its git flags."""
    container = {"name": "flux", "image": "docker.io/fluxcd/flux:1.25.4",
                 "args": ["--git-url=git@github.com:example/app", f"--git-branch={branch}", f"--git-path={path}"]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "flux", "namespace": "flux"},
            "spec": {"selector": {"matchLabels": {"name": "flux"}},
                     "template": {"metadata": {"labels": {"name": "flux"}}, "spec": {"containers": [container]}}}}


#: Broken apps whose objects the checks refuse: every command says 4, and names the problem.
CHECKED = {
    "an unknown kind": ({"web": [CONFIGMAP, {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "web"}}]},
                        "no CRD schema for Widget example.com/v1"),
    "a Flux typo without FluxInstall": ({"flux": [kustomization(healthChecksExprs=[])]}, "'healthChecksExprs' was unexpected"),
    "a core-kind typo": ({"web": [{**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replica": 2}}]}, "'replica' was unexpected"),
}
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"}, "stringData": {"password": "hunter2"}}


class Commands:
    """Runs each command on one app clone, with a remote and a registry."""

    def __init__(self, world: GitWorld, registry: Registry, objects: dict[str, list[dict[str, Any]]]) -> None:
        self.world, self.registry = world, registry
        self.remote = world.bare_remote()
        self.repo = world.source(self.remote.as_uri(), objects)
        self.out = world.root / "out"

    def run(self, *args: str) -> tuple[int, str]:
        result = run_cli(*args, cwd=self.repo, env=self.world.env)
        return result.returncode, result.stderr

    def seed_artifact(self) -> None:
        code, err = self.run("push", self.registry.ref(), "--insecure-registry", "--no-validate", "--allow-secrets",
                             "--allow-unknown-kinds")
        assert code == 0, err

    def all(self, *extra: str) -> dict[str, tuple[int, str]]:
        return {
            "render": self.run("render", *extra),
            "synth": self.run("synth", "-o", str(self.out), *extra),
            "publish --dry-run": self.run("publish", "--dry-run", *extra),
            "push --dry-run": self.run("push", self.registry.ref(), "--insecure-registry", "--dry-run", *extra),
            "pull --verify": self.run("pull", self.registry.ref(), "--insecure-registry", "--verify", *extra),
        }


@pytest.mark.parametrize("case", list(CHECKED))
def test_a_problem_of_the_objects_gets_exit_4_from_every_command(case: str, world: GitWorld, registry: Registry) -> None:
    # GIVEN a broken app, already pushed once without checks
    objects, said = CHECKED[case]
    commands = Commands(world, registry, objects)
    commands.seed_artifact()
    # WHEN every command runs it
    verdicts = commands.all()
    # THEN each refuses it with exit 4, naming the same problem, and writes nothing
    assert {name: code for name, (code, _) in verdicts.items()} == dict.fromkeys(verdicts, 4)
    for name, (_, stderr) in verdicts.items():
        assert said in stderr, (name, stderr)
    assert not commands.out.exists() and world.tip(commands.remote) is None


def test_a_secret_in_clear_gets_the_same_verdict_from_every_command_that_delivers(world: GitWorld, registry: Registry) -> None:
    commands = Commands(world, registry, {"web": [CONFIGMAP, SECRET]})
    commands.seed_artifact()
    verdicts = commands.all()
    # render and synth write on this machine; publish, push and pull --verify deliver (or compare with a delivery)
    assert {name: code for name, (code, _) in verdicts.items()} == {
        "render": 0, "synth": 0, "publish --dry-run": 4, "push --dry-run": 4, "pull --verify": 4,
    }
    for name in ("publish --dry-run", "push --dry-run", "pull --verify"):
        assert "Secret web/db" in verdicts[name][1] and "--allow-secrets" in verdicts[name][1]
    assert all("hunter2" not in stderr for _, stderr in verdicts.values())
    # AND --allow-secrets lets every one of them through
    allowed = commands.all("--allow-secrets")
    assert {name: code for name, (code, _) in allowed.items()} == dict.fromkeys(allowed, 0)


def test_two_git_targets_are_never_skipped(world: GitWorld, registry: Registry) -> None:
    # GIVEN an app with two FluxSyncs watching different branches
    objects = {"flux": [git_repository("a", "ssh://git@example.com/a", "manifests"), kustomization("a"),
                        git_repository("b", "ssh://git@example.com/b", "prod"), kustomization("b", path="./deploy")]}
    commands = Commands(world, registry, objects)
    # WHEN published where neither looks THEN refused, listing both and how to choose
    code, stderr = commands.run("publish", "--dry-run", "--branch", "other", "--path", "elsewhere")
    assert code == 2
    assert "2 git delivery targets" in stderr and "'manifests'" in stderr and "'prod'" in stderr
    # AND published where one of them looks, it goes through
    code, stderr = commands.run("publish", "--dry-run", "--branch", "prod", "--path", "deploy")
    assert code == 0, stderr


def test_two_oci_targets_need_a_reference(world: GitWorld, registry: Registry) -> None:
    objects = {"flux": [oci_repository("a", f"oci://{registry.host}/team/a"), kustomization("a", sourceRef={"kind": "OCIRepository", "name": "a"}),
                        oci_repository("b", f"oci://{registry.host}/team/b"), kustomization("b", sourceRef={"kind": "OCIRepository", "name": "b"})]}
    commands = Commands(world, registry, objects)
    code, stderr = commands.run("push", "--insecure-registry", "--dry-run")
    assert code == 2 and "2 OCI delivery targets" in stderr
    code, stderr = commands.run("push", f"oci://{registry.host}/team/b:v1", "--insecure-registry", "--dry-run")
    assert code == 0, stderr


def test_a_flux_v1_target_is_protected_like_a_v2_one(world: GitWorld, registry: Registry) -> None:
    # GIVEN an app whose fluxd syncs dist/ of branch manifests
    commands = Commands(world, registry, {"flux": [fluxd("manifests", "dist")], "web": [CONFIGMAP]})
    # WHEN published to another branch THEN refused, naming what fluxd syncs
    code, stderr = commands.run("publish", "--dry-run", "--branch", "other")
    assert code == 2 and "fluxd sync branch 'manifests'" in stderr
    # AND published where fluxd looks, the layout has no kustomization.yaml for fluxd to apply
    code, stderr = commands.run("publish")
    assert code == 0, stderr
    assert not [p for p in world.files(commands.remote) if p.endswith("kustomization.yaml")]
    assert "dist/web/configmap_web_a.yaml" in world.files(commands.remote)


def test_the_same_object_twice_is_refused_by_every_command(world: GitWorld, registry: Registry) -> None:
    twice = {"web": [CONFIGMAP], "other": [{**CONFIGMAP, "data": {"k": "2"}}]}
    commands = Commands(world, registry, twice)
    verdicts = {name: commands.run(*args) for name, args in {
        "render": ("render",), "synth": ("synth", "-o", str(commands.out)), "publish --dry-run": ("publish", "--dry-run"),
        "push --dry-run": ("push", registry.ref(), "--insecure-registry", "--dry-run"),
        "render --no-validate": ("render", "--no-validate"),
    }.items()}
    assert {name: code for name, (code, _) in verdicts.items()} == dict.fromkeys(verdicts, 4)
    assert all("ConfigMap web/a is defined twice" in stderr for _, stderr in verdicts.values())
