"""``cdk8s-flux install --export``: the bytes ``flux install --export`` v2.9.4 writes, from the embedded release.

Oracles: the three real v2.9.4 outputs under tests/data/flux/ (provenance in its README),
each made with the ``--components-extra`` named below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli import run_cli

VERSION = "v2.9.4"
OFFLINE = {"CDK8S_FLUX_MANIFESTS": "", "CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases"}
CASES = {
    "default-components/gotk-components.yaml": [],
    "gotk-components.yaml": ["--components-extra=image-reflector-controller,image-automation-controller"],
    "with-source-watcher/gotk-components.yaml": ["--components-extra", "source-watcher"],
}


@pytest.mark.parametrize("file", list(CASES))
def test_export_is_byte_for_byte_the_upstream_output(file: str, flux_data: Path, tmp_path: Path) -> None:
    # GIVEN no network and an empty cache
    env = {**OFFLINE, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    # WHEN the install manifests of that component set are exported
    result = run_cli("install", "--export", *CASES[file], cwd=tmp_path, env=env)
    # THEN stdout is the upstream file, header included, byte for byte
    assert result.returncode == 0, result.stderr
    assert result.stdout == (flux_data / VERSION / file).read_text()
    assert "embedded" in result.stderr


def test_flags_follow_flux_install(tmp_path: Path) -> None:
    result = run_cli(
        "install", "--export", "-n", "gitops", "--network-policy=false", "--watch-all-namespaces=false",
        "--log-level", "debug", "--components", "source-controller,kustomize-controller",
        "--toleration-keys", "dedicated", "--registry", "registry.example.com/flux", cwd=tmp_path, env=OFFLINE,
    )
    assert result.returncode == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert "# Components: source-controller,kustomize-controller\n" in result.stdout
    assert not [o for o in objects if o["kind"] == "NetworkPolicy"]
    (namespace,) = [o for o in objects if o["kind"] == "Namespace"]
    assert namespace["metadata"]["name"] == "gitops"
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    assert set(deployments) == {"source-controller", "kustomize-controller"}
    pod = deployments["kustomize-controller"]["spec"]["template"]["spec"]
    assert "--watch-all-namespaces=false" in pod["containers"][0]["args"]
    assert "--log-level=debug" in pod["containers"][0]["args"]
    assert pod["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
    assert pod["containers"][0]["image"].startswith("registry.example.com/flux/kustomize-controller:")


def test_without_export_it_says_how_to_apply(tmp_path: Path) -> None:
    result = run_cli("install", cwd=tmp_path, env=OFFLINE)
    assert result.returncode == 2 and result.stdout == ""
    assert "--export" in result.stderr and "kubectl apply" in result.stderr


def test_bad_values_name_the_field(tmp_path: Path) -> None:
    unknown = run_cli("install", "--export", "--components-extra", "nope", cwd=tmp_path, env=OFFLINE)
    assert unknown.returncode == 2 and "components" in unknown.stderr and "nope" in unknown.stderr
    boolean = run_cli("install", "--export", "--network-policy=maybe", cwd=tmp_path, env=OFFLINE)
    assert boolean.returncode == 2 and "true or false" in boolean.stderr
    missing = run_cli("install", "--export", "--version", "v2.0.0", cwd=tmp_path,
                      env={**OFFLINE, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert missing.returncode == 1 and "cdk8s-flux vendor v2.0.0" in missing.stderr
