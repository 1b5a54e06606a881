"""Parity of `v1.FluxInstall` with real output of fluxctl's install templates.

The expected objects are parsed from the files in tests/data/fluxctl/, committed by
other projects (see its README). Only the values that change between Flux releases are
aligned before comparing, each named below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import yaml

from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v1 import FluxInstall
from cdk8s_flux.v1.install import MEMCACHED_IMAGE, RBAC_API_VERSION

DATA = Path(__file__).parent / "data" / "fluxctl"


def upstream(folder: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Objects of every file in a golden folder, keyed by kind and name."""
    objects = {}
    for path in sorted((DATA / folder).glob("*.yaml")):
        for obj in yaml.safe_load_all(path.read_text()):
            if obj:
                objects[(obj["kind"], obj["metadata"]["name"])] = obj
    return objects


def ours(**options: Any) -> dict[tuple[str, str], dict[str, Any]]:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", create_namespace=False, **options)
    return {(o["kind"], o["metadata"]["name"]): o for o in chart_objects(chart)}


def as_release_1_25_4(expected: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Move an older release's output to what changed by 1.25.4: RBAC API and memcached image."""
    for key, obj in expected.items():
        if key[0] in ("ClusterRole", "ClusterRoleBinding"):
            obj["apiVersion"] = RBAC_API_VERSION
        if key == ("Deployment", "memcached"):
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = MEMCACHED_IMAGE
    return expected


def test_eksctl_1_21_manifest_generation_full_set() -> None:
    # GIVEN all five files eksctl wrote with fluxd 1.21.0, manifest generation and
    # --sync-garbage-collection, without the security context
    expected = as_release_1_25_4(upstream("eksctl-1.21.0"))
    # WHEN we install with the same flags
    actual = ours(
        git_url="git@github.com:vijay8484/eks-autoscaling.git",
        git_email="vijay8484@users.noreply.github.com",
        git_user="vijay8484",
        namespace="default",
        manifest_generation=True,
        sync_garbage_collection=True,
        add_security_context=False,
        image="docker.io/fluxcd/flux:1.21.0",
    )
    # THEN the object sets are identical, field for field
    assert sorted(actual) == sorted(expected)
    for key in expected:
        assert actual[key] == expected[key], key


def test_eksctl_1_21_flux_namespace_default_user() -> None:
    expected = upstream("eksctl-1.21.0-ns-flux")
    actual = ours(
        git_url="git@github.com:Naitik1998/kube-gitops-repo.git",
        git_email="Naitik1999@users.noreply.github.com",
        namespace="flux",
        manifest_generation=True,
        sync_garbage_collection=True,
        image="docker.io/fluxcd/flux:1.21.0",
    )
    assert actual[("Deployment", "flux")] == expected[("Deployment", "flux")]


def test_generated_deploy_files_1_24_default_booleans() -> None:
    # GIVEN fluxcd/flux's own generated deploy/ files (fluxd 1.24.2; RBAC v1; memcached with
    # the security context), made with label flux-sync and user "Flux automation"
    expected = upstream("deploy-1.24")
    expected[("Deployment", "memcached")]["spec"]["template"]["spec"]["containers"][0]["image"] = MEMCACHED_IMAGE
    actual = ours(
        git_url="git@github.com:chi110356042/flux",
        git_email="flux@example.com",
        git_label="flux-sync",
        git_user="Flux automation",
        namespace="flux",
        image="docker.io/fluxcd/flux:1.24.2",
    )
    for key in expected:
        assert actual[key] == expected[key], key
