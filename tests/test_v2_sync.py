"""``cdk8s_flux.v2.FluxSync``: parity with ``flux bootstrap``'s gotk-sync.yaml (Flux v2.9.4).

Golden data: tests/data/flux/v2.9.4/gotk-sync.yaml (SSH deploy key) and
with-source-watcher/gotk-sync.yaml (``--token-auth``, HTTPS); both made with the
defaults but ``--path``. Their objects are validated against the v2.9.4 CRDs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.release.lookup import ENV_MANIFESTS
from cdk8s_flux.target import GitTarget, OciTarget, targets_in
from cdk8s_flux.testing import chart_objects, chart_yaml
from cdk8s_flux.v2 import FluxInstall, FluxSync, FluxSyncProps
from cdk8s_flux.validate import validate_objects

VERSION = "v2.9.4"


def load(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def synth(**options: Any) -> list[dict[str, Any]]:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "sync")
    FluxSync(chart, "sync", **options)
    return chart_objects(chart)


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    """The CRDs of Flux v2.9.4, from the upstream file."""
    return [o for o in load(flux_data / VERSION / "gotk-components.yaml") if o["kind"] == "CustomResourceDefinition"]


@pytest.mark.parametrize("folder", [".", "with-source-watcher"])
def test_bootstrap_defaults_equal_gotk_sync(flux_data: Path, folder: str) -> None:
    """Parity with flux v2.9.4 bootstrap: tests/data/flux/v2.9.4/<folder>/gotk-sync.yaml."""
    expected = load(flux_data / VERSION / folder / "gotk-sync.yaml")
    # GIVEN only what bootstrap was given: the repository URL and --path
    url = expected[0]["spec"]["url"]
    path = expected[1]["spec"]["path"].removeprefix("./")
    # WHEN FluxSync is synthesized with its defaults
    # THEN the objects equal bootstrap's, key for key
    assert synth(url=url, path=path) == expected


def test_git_target_sets_what_publish_writes(crds: list[dict[str, Any]]) -> None:
    # GIVEN the target cdk8s-flux publish writes to (defaults: branch manifests, folder dist)
    target = GitTarget(url="ssh://git@github.com/example/app")
    # WHEN FluxSync follows it
    source, kustomization = synth(target=target)
    # THEN Flux watches exactly that branch and folder
    assert source["spec"] == {
        "interval": "1m0s",
        "ref": {"branch": "manifests"},
        "secretRef": {"name": "flux-system"},
        "url": "ssh://git@github.com/example/app",
    }
    assert kustomization["spec"]["path"] == "./dist"
    # AND the target read back from the objects is the same value
    assert targets_in([source, kustomization]) == (target,)
    assert validate_objects([source, kustomization], crds=crds) == []


def test_oci_variant(crds: list[dict[str, Any]]) -> None:
    target = OciTarget(url="oci://ghcr.io/example/app-manifests", tag="production")
    source, kustomization = synth(target=target)
    assert source == {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "OCIRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system"},
        "spec": {
            "interval": "1m0s",
            "provider": "generic",
            "ref": {"tag": "production"},
            "url": "oci://ghcr.io/example/app-manifests",
        },
    }
    assert kustomization["spec"] == {
        "interval": "10m0s",
        "path": "./",
        "prune": True,
        "sourceRef": {"kind": "OCIRepository", "name": "flux-system"},
    }
    assert validate_objects([source, kustomization], crds=crds) == []
    assert targets_in([source, kustomization]) == (target,)


def test_objects_are_named_after_the_namespace_and_keep_the_secret_default(crds: list[dict[str, Any]]) -> None:
    """sync.Options: Name = Namespace = --namespace; --secret-name defaults to flux-system whatever the namespace."""
    objects = synth(target=GitTarget(url="https://github.com/example/app.git"), namespace="gitops")
    assert [(o["metadata"]["name"], o["metadata"]["namespace"]) for o in objects] == [("gitops", "gitops")] * 2
    assert objects[0]["spec"]["secretRef"] == {"name": "flux-system"}
    assert objects[1]["spec"]["sourceRef"] == {"kind": "GitRepository", "name": "gitops"}
    assert validate_objects(objects, crds=crds) == []


def test_options(crds: list[dict[str, Any]]) -> None:
    objects = synth(
        target=GitTarget(url="https://github.com/example/app.git", path="./clusters/prod/"),
        interval="5m",
        kustomization_interval="1h",
        secret_ref="",
        prune=False,
        recurse_submodules=True,
    )
    assert objects[0]["spec"] == {
        "interval": "5m",
        "recurseSubmodules": True,
        "ref": {"branch": "manifests"},
        "url": "https://github.com/example/app.git",
    }
    assert objects[1]["spec"]["path"] == "./clusters/prod"
    assert objects[1]["spec"]["prune"] is False
    assert validate_objects(objects, crds=crds) == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"branch": "main"}, "branch"),
        ({"path": "clusters/prod"}, "path"),
        ({"url": "ssh://git@github.com/example/other"}, "url"),
    ],
)
def test_a_target_and_conflicting_arguments_are_an_error(extra: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        FluxSyncProps(target=GitTarget(url="ssh://git@github.com/example/app"), **extra)
    assert raised.value.field == field
    assert "publish" in str(raised.value)


def test_matching_arguments_are_accepted() -> None:
    target = GitTarget(url="ssh://git@github.com/example/app", branch="deploy", path="out")
    props = FluxSyncProps(target=target, branch="deploy", path="./out/")
    assert props.resolved_target == target


def test_oci_target_has_no_branch() -> None:
    with pytest.raises(ValidationError, match="no branch"):
        FluxSyncProps(target=OciTarget(url="oci://ghcr.io/example/app"), branch="main")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({}, "target"),
        ({"url": "git@github.com:example/app.git"}, "url"),
        ({"url": "https://github.com/example/app", "interval": "1 minute"}, "interval"),
        ({"url": "https://github.com/example/app", "namespace": "Flux"}, "namespace"),
    ],
)
def test_invalid_options(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        FluxSyncProps(**options)
    assert raised.value.field == field


def test_install_and_sync_build_with_kubectl_kustomize(
    flux_data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kubectl: str
) -> None:
    # GIVEN the install and the sync in two charts, written as bootstrap lays them out
    monkeypatch.setenv(ENV_MANIFESTS, str(flux_data))
    app = cdk8s.Testing.app()
    install = cdk8s.Chart(app, "flux-install")
    FluxInstall(install, "flux", version=VERSION)
    sync = cdk8s.Chart(app, "flux-sync")
    FluxSync(sync, "flux", target=GitTarget(url="ssh://git@github.com/example/app"))
    (tmp_path / "gotk-components.yaml").write_text(chart_yaml(install))
    (tmp_path / "gotk-sync.yaml").write_text(chart_yaml(sync))
    (tmp_path / "kustomization.yaml").write_text(
        (flux_data / VERSION / "kustomization.yaml").read_text()  # bootstrap's own kustomization.yaml
    )
    # WHEN kubectl kustomize builds the folder
    result = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, check=False)
    # THEN every object is there, unchanged
    assert result.returncode == 0, result.stderr
    built = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(result.stdout) if o}
    ours = {(o["kind"], o["metadata"]["name"]): o for o in chart_objects(install) + chart_objects(sync)}
    assert len(ours) == 34
    assert built == ours


@pytest.mark.parametrize(
    ("options", "secret"),
    [
        ({"target": GitTarget(url="ssh://git@github.com/example/app")}, ("flux-system", "flux-system")),
        ({"target": GitTarget(url="ssh://git@github.com/example/app"), "namespace": "flux", "secret_ref": "deploy-key"}, ("deploy-key", "flux")),
        ({"target": GitTarget(url="https://github.com/example/app"), "secret_ref": ""}, None),
        ({"target": OciTarget(url="oci://ghcr.io/example/app", secret_ref="pull")}, ("pull", "flux-system")),
    ],
)
def test_bootstrap_creates_the_secret_the_sync_names(options: dict[str, Any], secret: tuple[str, str] | None) -> None:
    # GIVEN a FluxSync as the app renders it
    from cdk8s_flux.bootstrap.bundle import find_sync

    objects = synth(**options)
    # WHEN bootstrap reads which Secret its source needs
    sync = find_sync(objects, targets_in(objects))
    # THEN it is the secretRef of the source, in the sync's namespace (None: a public source)
    assert (None if sync.secret_name is None else (sync.secret_name, sync.namespace)) == secret
    assert sync.source is objects[0] and sync.kustomization is objects[1]
