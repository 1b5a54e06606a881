"""``cdk8s_flux.v2.helm``: HelmRelease (Flux v2.9.4 CRDs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.v2 import HelmRelease, HelmReleaseProps, HelmRepository, ObjectRef, ValuesReference, Verification
from cdk8s_flux.validate import validate_objects

REPO = ObjectRef(kind="HelmRepository", name="podinfo")


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def test_a_release_of_a_chart_in_another_namespace(crds: list[dict[str, Any]]) -> None:
    # GIVEN a HelmRepository in flux-system
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    repo = HelmRepository(scope, "podinfo", url="https://stefanprodan.github.io/podinfo")
    # WHEN a release in namespace apps uses it, with the options of flux create helmrelease
    release = HelmRelease(
        scope, "podinfo-release", namespace="apps", chart="podinfo", chart_source=repo, chart_version=">=6.0.0 <7.0.0",
        release_name="podinfo", target_namespace="web", create_target_namespace=True, crds="CreateReplace",
        depends_on=[ObjectRef(kind="HelmRelease", name="cert-manager", namespace="infra")],
        values={"replicaCount": 2, "ingress": {"enabled": True}},
        values_from=[ValuesReference(kind="Secret", name="podinfo-values", values_key="prod.yaml")],
        service_account_name="helm", install_retries=3, upgrade_retries=-1, drift_detection="enabled", max_history=5,
        timeout="5m",
    )  # fmt: skip
    # THEN the chart source carries its namespace, and --crds sets install Create and the upgrade policy
    assert release.manifest["spec"] == {
        "chart": {
            "spec": {
                "chart": "podinfo",
                "reconcileStrategy": "ChartVersion",
                "sourceRef": {"kind": "HelmRepository", "name": "podinfo", "namespace": "flux-system"},
                "version": ">=6.0.0 <7.0.0",
            }
        },
        "dependsOn": [{"name": "cert-manager", "namespace": "infra"}],
        "driftDetection": {"mode": "enabled"},
        "install": {"createNamespace": True, "crds": "Create", "remediation": {"retries": 3}},
        "interval": "1m0s",
        "maxHistory": 5,
        "releaseName": "podinfo",
        "serviceAccountName": "helm",
        "targetNamespace": "web",
        "timeout": "5m",
        "upgrade": {"crds": "CreateReplace", "remediation": {"retries": -1}},
        "values": {"ingress": {"enabled": True}, "replicaCount": 2},
        "valuesFrom": [{"kind": "Secret", "name": "podinfo-values", "valuesKey": "prod.yaml"}],
    }
    assert validate_objects([release.manifest], crds=crds) == [] and cel_problems([release.manifest], crds) == []


def test_chart_spec_options(crds: list[dict[str, Any]]) -> None:
    props = HelmReleaseProps(
        chart="podinfo", chart_source=REPO, chart_interval="1h", reconcile_strategy="Revision",
        values_files=["values.yaml", "values-prod.yaml"], verify=Verification(secret_ref="cosign-keys"),
    )  # fmt: skip
    obj = props.manifest("podinfo")
    assert obj["spec"]["chart"] == {
        "spec": {
            "chart": "podinfo",
            "interval": "1h",
            "reconcileStrategy": "Revision",
            "sourceRef": {"kind": "HelmRepository", "name": "podinfo"},
            "valuesFiles": ["values.yaml", "values-prod.yaml"],
            "verify": {"provider": "cosign", "secretRef": {"name": "cosign-keys"}},
        }
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({}, "chart", "chart_ref"),
        ({"chart": "podinfo"}, "chart_source", "required"),
        ({"chart_ref": ObjectRef(kind="OCIRepository", name="x"), "chart": "podinfo"}, "chart", "together with chart_ref"),
        ({"chart_ref": ObjectRef(kind="OCIRepository", name="x"), "reconcile_strategy": "Revision"}, "reconcile_strategy", "together with chart_ref"),
        ({"chart_ref": ObjectRef(kind="HelmRepository", name="x")}, "chart_ref", "cannot be referenced"),
        ({"chart": "p", "chart_source": REPO, "chart_version": "latest"}, "chart_version", "semver"),
        ({"chart": "p", "chart_source": REPO, "crds": "create"}, "crds", "CreateReplace"),
        ({"chart": "p", "chart_source": REPO, "create_target_namespace": True}, "create_target_namespace", "target_namespace"),
        ({"chart": "p", "chart_source": REPO, "release_name": "a" * 54}, "release_name", "53"),
        ({"chart": "p", "chart_source": REPO, "values": {"a": {1, 2}}}, "values.a", "YAML"),
        ({"chart": "p", "chart_source": REPO, "values_from": [ValuesReference(kind="Secret", name="v", target_path="a b")]}, "values_from[0].target_path", "values path"),
        ({"chart": "p", "chart_source": ObjectRef(kind="GitRepository", name="g"), "verify": Verification()}, "verify", "HelmRepository"),
        ({"chart": "p", "chart_source": REPO, "depends_on": [ObjectRef(kind="Kustomization", name="k")]}, "depends_on[0]", "cannot be referenced"),
        ({"chart": "p", "chart_source": REPO, "install_retries": 1.5}, "install_retries", "integer"),
    ],
)
def test_errors_name_the_field(options: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        HelmReleaseProps(**options)
    assert raised.value.field == field
