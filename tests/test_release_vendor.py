"""``cdk8s-flux vendor``: another release written into the repository, verified and pinned.

The release is the v2.9.4 upstream file of tests/data/flux relabelled ``v2.9.3`` (the
embedded release needs no vendoring); it is served by a real HTTP server on 127.0.0.1
for the download case.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from cli import run_cli
from releaseserver import OTHER_VERSION, other_release, serving

from cdk8s_flux.release import lock

VERSION = OTHER_VERSION


@pytest.fixture
def release(flux_data: Path) -> bytes:
    return other_release(flux_data)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "apps" / "web").mkdir(parents=True)
    return root


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CDK8S_FLUX_MANIFESTS": "", "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases", **extra}


def test_vendor_from_a_file_writes_the_release_and_pins_it(repo: Path, release: bytes, tmp_path: Path) -> None:
    (tmp_path / "install.yaml").write_bytes(release)
    # WHEN vendored from the app's folder deep in the repository
    result = run_cli("vendor", VERSION, "--from", str(tmp_path / "install.yaml"), cwd=repo / "apps" / "web", env=env(tmp_path))
    # THEN the file is at the repository root's flux-releases/, unmodified, and pinned in the lock file
    assert result.returncode == 0, result.stderr
    target = repo / "flux-releases" / VERSION / "install.yaml"
    assert target.read_bytes() == release
    assert lock.read_lock(repo / "cdk8s-flux.lock") == {
        VERSION: {"file": f"flux-releases/{VERSION}/install.yaml", "sha256": hashlib.sha256(release).hexdigest()}
    }
    # AND the message says how to commit both
    assert f"add flux-releases/{VERSION}/install.yaml cdk8s-flux.lock" in result.stderr
    # AND install --export now finds it with no network, from anywhere in the repository
    export = run_cli("install", "--export", "--version", VERSION, cwd=repo / "apps", env=env(tmp_path))
    assert export.returncode == 0, export.stderr
    assert f"# Flux Version: {VERSION}" in export.stdout
    # AND a second vendor of the same file changes nothing
    again = run_cli("vendor", VERSION, "--from", str(tmp_path / "install.yaml"), cwd=repo, env=env(tmp_path))
    assert again.returncode == 0 and "nothing changed" in again.stderr


def test_vendor_downloads_the_release_asset(repo: Path, release: bytes, tmp_path: Path) -> None:
    with serving({VERSION: release}) as server:
        result = run_cli("vendor", VERSION, cwd=repo, env=env(tmp_path, CDK8S_FLUX_RELEASES_URL=server.base))
    assert result.returncode == 0, result.stderr
    assert server.requests == [f"/releases/download/{VERSION}/install.yaml"]
    assert (repo / "flux-releases" / VERSION / "install.yaml").read_bytes() == release


def test_a_file_of_another_release_is_refused(repo: Path, release: bytes, tmp_path: Path) -> None:
    (tmp_path / "install.yaml").write_bytes(release)
    result = run_cli("vendor", "v2.9.2", "--from", str(tmp_path / "install.yaml"), cwd=repo, env=env(tmp_path))
    assert result.returncode == 1 and "holds Flux v2.9.3" in result.stderr
    assert not (repo / "flux-releases").exists() and not (repo / "cdk8s-flux.lock").exists()


def test_objects_without_a_version_label_are_refused(repo: Path, tmp_path: Path) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    (tmp_path / "install.yaml").write_text(yaml.safe_dump(cm))
    result = run_cli("vendor", VERSION, "--from", str(tmp_path / "install.yaml"), cwd=repo, env=env(tmp_path))
    assert result.returncode == 1 and "app.kubernetes.io/version" in result.stderr
    assert not (repo / "flux-releases").exists()


def test_other_content_for_a_vendored_version_needs_force(repo: Path, release: bytes, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(release)
    (tmp_path / "b.yaml").write_bytes(release.replace(b"memory: 1Gi", b"memory: 2Gi"))
    assert run_cli("vendor", VERSION, "--from", str(tmp_path / "a.yaml"), cwd=repo, env=env(tmp_path)).returncode == 0
    refused = run_cli("vendor", VERSION, "--from", str(tmp_path / "b.yaml"), cwd=repo, env=env(tmp_path))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert (repo / "flux-releases" / VERSION / "install.yaml").read_bytes() == release
    forced = run_cli("vendor", VERSION, "--from", str(tmp_path / "b.yaml"), "--force", cwd=repo, env=env(tmp_path))
    assert forced.returncode == 0, forced.stderr
    assert b"memory: 2Gi" in (repo / "flux-releases" / VERSION / "install.yaml").read_bytes()


def test_the_embedded_release_needs_no_vendoring(repo: Path, tmp_path: Path) -> None:
    result = run_cli("vendor", "v2.9.4", cwd=repo, env=env(tmp_path))
    assert result.returncode == 0 and "embedded" in result.stderr
    assert not (repo / "flux-releases").exists()
