"""Every example under examples/ renders from its own folder, as a user runs it, and is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cdk8s_flux.validate import validate_objects
from cli import run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
APPS = sorted(p.parent for p in EXAMPLES.glob("*/cdk8s.yaml"))
#: The Flux release embedded in the package, which the examples install.
FLUX_VERSION = "v2.9.4"
#: No network: an example that tried to download would fail.
OFFLINE = {"CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases"}


def test_every_example_folder_is_found() -> None:
    assert {"hello-flux", "hello-flux-v2", "multi-env", "platform"} <= {app.name for app in APPS}


@pytest.mark.parametrize("example", APPS, ids=lambda p: p.name)
def test_example_renders_and_is_valid(example: Path, tmp_path: Path) -> None:
    # GIVEN the example's folder, an empty cache and no network
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "CDK8S_FLUX_MANIFESTS": "", **OFFLINE}
    # WHEN `cdk8s-flux render` runs in it (which validates before printing)
    result = run_cli("render", cwd=example, env=env)
    # THEN it prints a stream of objects
    assert result.returncode == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert objects
    # AND every object is valid, with no kind left unchecked for want of a schema
    problems = validate_objects(objects, flux_version=FLUX_VERSION, allow_unknown_kinds=False, start=example)
    assert [str(p) for p in problems] == []


def test_multi_env_applies_each_chart_folder_with_exactly_one_kustomization(tmp_path: Path) -> None:
    # GIVEN the multi-env example synthesized into the layout publish writes to dist/
    env = {"CDK8S_FLUX_MANIFESTS": "", "XDG_CACHE_HOME": str(tmp_path / "cache"), **OFFLINE}
    dist = tmp_path / "dist"
    result = run_cli("synth", str(EXAMPLES / "multi-env"), "--layout", "flux", "-o", str(dist), env=env)
    assert result.returncode == 0, result.stderr
    folders = sorted(p.name for p in dist.iterdir() if p.is_dir())
    assert folders == ["apps-production", "apps-staging", "flux-system", "infrastructure"]
    objects = [o for p in sorted(dist.rglob("*.yaml")) if p.name != "kustomization.yaml" for o in yaml.safe_load_all(p.read_text())]
    kustomizations = {o["metadata"]["name"]: o["spec"] for o in objects
                      if o["kind"] == "Kustomization" and o["apiVersion"].startswith("kustomize.toolkit.fluxcd.io/")}
    # THEN each folder is applied by one Kustomization, and Flux's own does not apply the whole of dist/
    applied = sorted(spec["path"] for spec in kustomizations.values())
    assert applied == [f"./dist/{folder}" for folder in folders]
    # AND both environments wait for the shared infrastructure, which waits for its HelmRelease
    for environment in ("staging", "production"):
        assert kustomizations[f"apps-{environment}"]["dependsOn"] == [{"name": "infrastructure"}]
    assert kustomizations["infrastructure"]["wait"] is True and "dependsOn" not in kustomizations["infrastructure"]
    # AND the environments differ where they should
    replicas = {o["metadata"]["namespace"]: o["spec"]["replicas"] for o in objects
                if o["kind"] == "Deployment" and o["metadata"].get("namespace") in ("staging", "production")}
    assert replicas == {"staging": 1, "production": 3}
    # AND the written folder passes `cdk8s-flux validate` as it is
    check = run_cli("validate", str(dist), env=env)
    assert check.returncode == 0, check.stdout + check.stderr
