"""``cdk8s-flux bootstrap`` end to end, without a cluster: real git (a bare remote over file://) and a real registry.

The app holds a FluxInstall (Flux v2.9.4, embedded) and one FluxSync. Bootstrap
must publish (or push) the manifests as publish (or push) would, write the apply
bundle (install, Secret, sync, in that order) with mode 0600, print the deploy
key and nothing secret, leave no key or Secret in git or the artifact, and
change nothing on a second run. The kubectl steps are tested as built in
tests/test_bootstrap_apply.py; no API server runs here.
"""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import Registry, registry  # noqa: F401  (fixture)

HOST_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
GIT_URL = "ssh://git@git.example.com:2222/team/app"

APP = '''
import cdk8s_flux  # noqa: F401
import cdk8s
from cdk8s_flux.kube import api_object
from cdk8s_flux.target import {target_class}
from cdk8s_flux.v2 import FluxInstall, FluxSync

app = cdk8s.App()
install = cdk8s.Chart(app, "flux-install")
FluxInstall(install, "flux", version="v2.9.4")
sync = cdk8s.Chart(app, "flux-sync")
FluxSync(sync, "flux", target={target})
sync.add_dependency(install)
web = cdk8s.Chart(app, "web")
api_object(web, "cm", {{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": "web", "namespace": "default"}}, "data": {{"k": "1"}}}})
app.synth()
'''


def make_app(world: GitWorld, remote_url: str, target_class: str, target: str) -> Path:
    """A clone holding an app with FluxInstall, FluxSync and one ConfigMap, committed, origin at ``remote_url``."""
    repo = world.root / "source"
    repo.mkdir()
    world.git("init", "--quiet", str(repo))
    (repo / "cdk8s.yaml").write_text("app: python main.py\n")
    (repo / "main.py").write_text(APP.format(target_class=target_class, target=target))
    (repo / ".gitignore").write_text("__pycache__/\n")
    world.git("add", "-A", cwd=repo)
    world.git("commit", "--quiet", "-m", "Add the app", cwd=repo)
    world.git("remote", "add", "origin", remote_url, cwd=repo)
    return repo


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def all_blobs(world: GitWorld, repo: Path) -> str:
    """Every object git stores in ``repo``, as text: what could leak a key."""
    ids = world.git("cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)", cwd=repo).split("\n")
    blobs = [line.split()[0] for line in ids if line.endswith(" blob")]
    return "\n".join(world.git("cat-file", "blob", b, cwd=repo) for b in blobs)


def check_bundle_order(docs: list[dict[str, Any]], source_kind: str) -> dict[str, Any]:
    """The bundle is the install, then the one Secret, then the source and its Kustomization; returns the Secret."""
    kinds = [d["kind"] for d in docs]
    secret_at = kinds.index("Secret")
    assert kinds.count("Secret") == 1
    assert kinds[secret_at + 1:] == [source_kind, "Kustomization"]
    install = docs[:secret_at]
    assert install[0]["kind"] == "Namespace" and install[0]["metadata"]["name"] == "flux-system"
    assert {"CustomResourceDefinition", "Deployment", "ServiceAccount"} <= {d["kind"] for d in install}
    assert all(d["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "flux" for d in install)
    assert "ConfigMap" not in kinds  # the app's own objects are Flux's to apply, from the branch
    return docs[secret_at]


def test_git_bootstrap_publishes_writes_the_bundle_and_keeps_the_key_on_a_rerun(world: GitWorld, tmp_path: Path) -> None:
    # GIVEN an app whose FluxSync follows an ssh:// repository, a bare remote, and the host's known_hosts
    remote = world.bare_remote()
    target = f'GitTarget(url="{GIT_URL}", branch="manifests", path="clusters/dev")'
    repo = make_app(world, remote.as_uri(), "GitTarget", target)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"github.com ssh-ed25519 {HOST_KEY}\n[git.example.com]:2222 ssh-ed25519 {HOST_KEY}\n")
    bundle = tmp_path / "out" / "bundle.yaml"
    args = ("bootstrap", str(repo), "--export", "-o", str(bundle), "--known-hosts", str(known_hosts))
    # WHEN bootstrap runs
    first = run_cli(*args, cwd=tmp_path, env=world.env)
    # THEN it published the app's layout to the target's branch and folder
    assert first.returncode == 0, first.stderr
    files = world.files(remote)
    assert "clusters/dev/web/configmap_default_web.yaml" in files
    assert "clusters/dev/flux-sync/gitrepository_flux-system_flux-system.yaml" in files
    assert "pushed to origin manifests" in first.stderr
    # AND the bundle is install, Secret, sync, written with mode 0600
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    secret = check_bundle_order(documents(bundle.read_text()), "GitRepository")
    data = secret["stringData"]
    assert secret["metadata"] == {"name": "flux-system", "namespace": "flux-system"}
    assert sorted(data) == ["identity", "identity.pub", "known_hosts"]
    assert data["known_hosts"] == f"[git.example.com]:2222 ssh-ed25519 {HOST_KEY}"
    # AND the deploy key is flux's default type, printed with what to do with it, and ssh-keygen reads it
    public = tmp_path / "identity.pub"
    public.write_text(data["identity.pub"])
    listed = subprocess.run(["ssh-keygen", "-l", "-f", str(public)], capture_output=True, text=True, check=True).stdout
    assert listed.startswith("384 SHA256:") and listed.rstrip().endswith("(ECDSA)")
    assert data["identity.pub"].strip() in first.stderr and listed.split()[1] in first.stderr
    assert "read-only" in first.stderr
    # AND nothing secret was printed, and no key or Secret reached git
    assert "PRIVATE KEY" not in first.stdout + first.stderr
    stored = all_blobs(world, remote)
    assert "PRIVATE KEY" not in stored and "kind: Secret" not in stored and "identity.pub" not in stored
    assert world.git("status", "--porcelain", cwd=repo) == ""
    tip = world.tip(remote)
    before = bundle.read_bytes()

    # WHEN bootstrap runs again
    second = run_cli(*args, cwd=tmp_path, env=world.env)
    # THEN nothing changes: the branch is up to date, the Secret (and its key) is kept, the bundle is the same
    assert second.returncode == 0, second.stderr
    assert world.tip(remote) == tip
    assert "up to date" in second.stderr and "keeping the Secret flux-system/flux-system" in second.stderr
    assert "unchanged: the apply bundle" in second.stderr
    assert bundle.read_bytes() == before


def test_a_scanned_host_key_is_never_trusted_silently(world: GitWorld, tmp_path: Path) -> None:
    # GIVEN an ssh:// target on a host nothing listens on, and no known_hosts file
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", 'GitTarget(url="ssh://git@127.0.0.1:9/team/app", path="dist")')
    # WHEN bootstrap runs without a terminal
    result = run_cli("bootstrap", str(repo), "--export", cwd=tmp_path, env=world.env)
    # THEN it refuses before publishing anything, naming the fix
    assert result.returncode == 1
    assert "ssh-keyscan" in result.stderr and "known_hosts file" in result.stderr
    assert world.tip(remote) is None
    assert result.stdout == ""


def test_https_token_and_private_key_output(world: GitWorld, tmp_path: Path) -> None:
    # GIVEN an https:// target: the Secret carries the token as basic auth, user git (flux bootstrap git's default)
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", 'GitTarget(url="https://gitlab.com/team/app", path="dist")')
    without = run_cli("bootstrap", str(repo), "--export", cwd=tmp_path, env=world.env)
    assert without.returncode == 2 and "GIT_PASSWORD" in without.stderr
    result = run_cli("bootstrap", str(repo), "--export", cwd=tmp_path, env={**world.env, "GIT_PASSWORD": "glpat-SECRET-token"})
    assert result.returncode == 0, result.stderr
    # THEN the bundle on stdout holds it, and stderr does not
    secret = check_bundle_order(documents(result.stdout), "GitRepository")
    assert secret["stringData"] == {"password": "glpat-SECRET-token", "username": "git"}
    assert "glpat-SECRET-token" not in result.stderr
    assert "glpat-SECRET-token" not in all_blobs(world, remote)


def test_private_key_is_written_only_when_asked(world: GitWorld, tmp_path: Path) -> None:
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", f'GitTarget(url="{GIT_URL}", path="dist")')
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[git.example.com]:2222 ssh-ed25519 {HOST_KEY}\n")
    key = tmp_path / "keys" / "identity"
    result = run_cli(
        "bootstrap", str(repo), "--export", "--known-hosts", str(known_hosts), "--ssh-key-algorithm", "rsa",
        "--private-key-output", str(key), cwd=tmp_path, env=world.env,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = check_bundle_order(documents(result.stdout), "GitRepository")
    assert key.read_text() == secret["stringData"]["identity"]
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(key)], capture_output=True, text=True, check=True).stdout
    assert derived.split()[:2] == secret["stringData"]["identity.pub"].split()[:2]
    assert derived.startswith("ssh-rsa ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "keys", "known_hosts", "remote.git", "source"]


def test_oci_bootstrap_pushes_and_writes_the_registry_secret(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    # GIVEN an app whose FluxSync follows an artifact on a registry, pulled with a Secret
    remote = world.bare_remote()
    target = f'OciTarget(url="oci://{registry.host}/team/app", tag="v1", secret_ref="registry-pull")'
    repo = make_app(world, remote.as_uri(), "OciTarget", target)
    bundle = tmp_path / "bundle.yaml"
    args = ("bootstrap", str(repo), "--export", "-o", str(bundle), "--insecure-registry", "--username", "puller")
    env = {**world.env, "CDK8S_FLUX_SOURCE_PASSWORD": "pull-SECRET"}
    # WHEN bootstrap runs
    first = run_cli(*args, cwd=tmp_path, env=env)
    # THEN the artifact is pushed to the tag Flux follows
    assert first.returncode == 0, first.stderr
    assert registry.tags() == ["v1"]
    digest = registry.tag_digest("v1")
    # AND the bundle's Secret is the registry credentials, as flux create secret oci makes them
    secret = check_bundle_order(documents(bundle.read_text()), "OCIRepository")
    assert secret["type"] == "kubernetes.io/dockerconfigjson" and secret["metadata"]["name"] == "registry-pull"
    assert f'"{registry.host}"' in secret["stringData"][".dockerconfigjson"]
    assert "pull-SECRET" not in first.stderr + first.stdout
    # AND the artifact holds no Secret
    pulled = run_cli("pull", registry.ref(), "--insecure-registry", cwd=tmp_path, env=world.env)
    assert pulled.returncode == 0, pulled.stderr
    assert not [line for line in pulled.stdout.splitlines() if line.startswith("secret") or "/secret_" in line]
    before = bundle.read_bytes()
    # WHEN it runs again THEN nothing changes
    second = run_cli(*args, cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stderr and registry.tag_digest("v1") == digest
    assert bundle.read_bytes() == before


def test_bootstrap_needs_a_cluster_or_the_bundle(tmp_path: Path) -> None:
    result = run_cli("bootstrap", str(tmp_path))
    assert result.returncode == 2 and "--context" in result.stderr and "--export" in result.stderr


@pytest.mark.parametrize("main", ["FluxSync only", "no FluxSync"])
def test_an_app_without_install_or_sync_is_refused(world: GitWorld, tmp_path: Path, main: str) -> None:
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", f'GitTarget(url="{GIT_URL}", path="dist")')
    text = (repo / "main.py").read_text()
    if main == "FluxSync only":
        text = text.replace('FluxInstall(install, "flux", version="v2.9.4")', 'api_object(install, "x", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})')
    else:
        text = text.replace('FluxSync(sync, "flux", target=GitTarget(url="ssh://git@git.example.com:2222/team/app", path="dist"))', "")
    (repo / "main.py").write_text(text)
    world.git("commit", "--quiet", "-am", "change", cwd=repo)
    result = run_cli("bootstrap", str(repo), "--export", cwd=tmp_path, env=world.env)
    assert result.returncode == 2, result.stderr
    assert ("no FluxInstall" if main == "FluxSync only" else "no FluxSync") in result.stderr
    assert world.tip(remote) is None


def test_with_a_context_the_cluster_is_asked_first_and_nothing_is_published_when_it_cannot_be(world: GitWorld, tmp_path: Path) -> None:
    # GIVEN a kubeconfig without the context given (no API server runs here)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", f'GitTarget(url="{GIT_URL}", path="dist")')
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[git.example.com]:2222 ssh-ed25519 {HOST_KEY}\n")
    # WHEN bootstrap is asked to apply to it
    result = run_cli(
        "bootstrap", str(repo), "--context", "nowhere", "--known-hosts", str(known_hosts), cwd=tmp_path,
        env={**world.env, "KUBECONFIG": str(kubeconfig)},
    )
    # THEN it stops where it looks for an existing Secret, before making a key or publishing
    assert result.returncode == 1
    assert "reading Secret flux-system/flux-system failed" in result.stderr and "nowhere" in result.stderr
    assert "deploy key" not in result.stderr
    assert world.tip(remote) is None


def test_json_report_names_the_key_and_never_a_secret(world: GitWorld, tmp_path: Path) -> None:
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", f'GitTarget(url="{GIT_URL}", path="dist")')
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[git.example.com]:2222 ssh-ed25519 {HOST_KEY}\n")
    bundle = tmp_path / "bundle.yaml"
    result = run_cli(
        "bootstrap", str(repo), "--export", "-o", str(bundle), "--known-hosts", str(known_hosts), "--format", "json",
        cwd=tmp_path, env=world.env,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    secret = next(d for d in documents(bundle.read_text()) if d["kind"] == "Secret")
    assert report == {
        "delivery": "published",
        "where": "origin/manifests:dist",
        "target": GIT_URL,
        "secret": {"name": "flux-system", "namespace": "flux-system", "origin": "generated"},
        "deploy_key": secret["stringData"]["identity.pub"].strip(),
        "deploy_key_fingerprint": report["deploy_key_fingerprint"],
        "bundle_file_written": True,
        "applied": [],
    }
    assert report["deploy_key_fingerprint"].startswith("SHA256:")
    assert "PRIVATE" not in result.stdout
    both = run_cli("bootstrap", str(repo), "--export", "--format", "json", cwd=tmp_path, env=world.env)
    assert both.returncode == 2 and "-o FILE" in both.stderr


def test_the_bundle_and_the_key_are_never_written_where_git_would_take_them(world: GitWorld, tmp_path: Path) -> None:
    # GIVEN the app's clone, and a bundle file asked for inside it
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", f'GitTarget(url="{GIT_URL}", path="dist")')
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[git.example.com]:2222 ssh-ed25519 {HOST_KEY}\n")
    for flag in ("-o", "--private-key-output"):
        extra = ("--export",) if flag == "-o" else ("--export", "--private-key-output")
        args = ["bootstrap", str(repo), "--known-hosts", str(known_hosts), *extra]
        args = [*args, str(repo / "secret.yaml")] if flag == "--private-key-output" else [*args, "-o", str(repo / "secret.yaml")]
        # WHEN bootstrap runs THEN it refuses before anything runs, and writes nothing
        result = run_cli(*args, cwd=tmp_path, env=world.env)
        assert result.returncode == 2 and "lies in the git work tree" in result.stderr and ".gitignore" in result.stderr
        assert not (repo / "secret.yaml").exists() and world.tip(remote) is None
    # WHEN the file is git-ignored THEN it is written there
    (repo / ".gitignore").write_text("__pycache__/\nsecret.yaml\n")
    world.git("commit", "--quiet", "-am", "ignore the bundle", cwd=repo)
    result = run_cli("bootstrap", str(repo), "--known-hosts", str(known_hosts), "--export", "-o", str(repo / "secret.yaml"), cwd=tmp_path, env=world.env)
    assert result.returncode == 0, result.stderr
    assert world.git("status", "--porcelain", cwd=repo) == ""
