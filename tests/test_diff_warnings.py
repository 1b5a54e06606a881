"""``cdk8s_flux.diff.warnings``: what Flux will do on merge, rule by rule.

The immutable fields are checked against ``tests/data/kubernetes-immutable/pairs.yaml``, one
object pair per entry of the table and per exception (sources in that folder's README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk8s_flux.diff.objects import compare
from cdk8s_flux.diff.warnings import IMMUTABLE_FIELDS, FluxWarning, flux_warnings

PAIRS = yaml.safe_load((Path(__file__).parent / "data" / "kubernetes-immutable" / "pairs.yaml").read_text())
IMMUTABLE = "the dry-run fails and Flux applies nothing of this revision for its Kustomization. Fix: set spec.force: true on its Kustomization (Flux then deletes and recreates it), annotate it kustomize.toolkit.fluxcd.io/force: enabled, or give it a new name"


def warnings_of(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> tuple[FluxWarning, ...]:
    return flux_warnings(compare(before, after), before, after)


def config_map(name: str = "old", **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "web", **metadata}}


def kustomization(name: str = "apps", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"}, "spec": {"interval": "10m", **spec}}  # fmt: skip


def workload(kind: str, image: str, init: str = "busybox:1.36") -> dict[str, Any]:
    pod = {"initContainers": [{"name": "setup", "image": init}], "containers": [{"name": "web", "image": image}, {"name": "log", "image": "fluentbit:3"}]}
    group = "batch/v1" if kind in ("Job", "CronJob") else "v1" if kind == "Pod" else "apps/v1"
    spec: dict[str, Any] = {
        "Pod": pod, "CronJob": {"jobTemplate": {"spec": {"template": {"spec": pod}}}},
    }.get(kind, {"template": {"spec": pod}})  # fmt: skip
    return {"apiVersion": group, "kind": kind, "metadata": {"name": "web", "namespace": "web"}, "spec": spec}


# --- pruned, crd-removed -------------------------------------------------------

DELETED = "Flux deletes it from the cluster (garbage collection, Kustomization spec.prune: true)"


@pytest.mark.parametrize(
    ("removed", "kustomizations", "message"),
    [
        (config_map(), [], DELETED),
        (config_map(), [kustomization(prune=True), kustomization("infra", prune=False)], DELETED),
        (config_map(annotations={"kustomize.toolkit.fluxcd.io/prune": "disabled"}), [kustomization(prune=True)],
         "Flux stops managing it but leaves it in the cluster, unmanaged (it carries kustomize.toolkit.fluxcd.io/prune: disabled); delete it by hand if it is no longer wanted"),
        (config_map(labels={"kustomize.toolkit.fluxcd.io/prune": "Disabled"}), [],
         "Flux stops managing it but leaves it in the cluster, unmanaged (it carries kustomize.toolkit.fluxcd.io/prune: Disabled); delete it by hand if it is no longer wanted"),
        (config_map(annotations={"kustomize.toolkit.fluxcd.io/ssa": "Ignore"}), [],
         "Flux stops managing it but leaves it in the cluster, unmanaged (it carries kustomize.toolkit.fluxcd.io/ssa: Ignore); delete it by hand if it is no longer wanted"),
        (config_map(), [kustomization(prune=False), kustomization("infra", prune=False)],
         "Flux stops managing it but leaves it in the cluster, unmanaged (every Flux Kustomization here has spec.prune: false); delete it by hand if it is no longer wanted"),
    ],
)  # fmt: skip
def test_a_removed_object_is_pruned_unless_pruning_is_off(removed: dict[str, Any], kustomizations: list[dict[str, Any]], message: str) -> None:
    # GIVEN an object removed from the manifests, next to the Kustomizations both sides hold
    # WHEN the warnings are read THEN it is deleted, or left unmanaged when nothing prunes it
    assert warnings_of([removed, *kustomizations], kustomizations) == (FluxWarning("pruned", "ConfigMap", "web", "old", message),)


def test_a_removed_crd_deletes_its_custom_resources() -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "widgets.example.com"},
           "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}}}  # fmt: skip
    assert warnings_of([crd], []) == (
        FluxWarning("pruned", "CustomResourceDefinition", None, "widgets.example.com", DELETED),
        FluxWarning("crd-removed", "CustomResourceDefinition", None, "widgets.example.com",
                    "deleting the CustomResourceDefinition deletes every Widget in the cluster with it"),
    )  # fmt: skip


def test_a_crd_left_in_the_cluster_deletes_nothing() -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.com", "annotations": {"kustomize.toolkit.fluxcd.io/prune": "disabled"}}}  # fmt: skip
    assert [w.reason for w in warnings_of([crd], [])] == ["pruned"]


# --- immutable -----------------------------------------------------------------


def test_every_table_entry_has_an_object_pair() -> None:
    kinds = {(o["apiVersion"].rpartition("/")[0], o["kind"]) for p in PAIRS for o in (p["before"], p["after"])}
    assert set(IMMUTABLE_FIELDS) <= kinds


@pytest.mark.parametrize("pair", PAIRS, ids=[p["name"] for p in PAIRS])
def test_immutable_fields_read_from_kubernetes(pair: dict[str, Any]) -> None:
    # GIVEN an object pair from the Kubernetes validation code WHEN compared
    (change,) = compare([pair["before"]], [pair["after"]])
    # THEN exactly the fields the API server refuses are named
    assert sorted(IMMUTABLE_FIELDS[(change.id.group, change.id.kind)](change)) == sorted(pair["refused"])
    immutable = [w for w in flux_warnings([change], [pair["before"]], [pair["after"]]) if w.reason == "immutable"]
    assert len(immutable) == (1 if pair["refused"] else 0)


def test_an_immutable_change_names_the_fields_and_the_fix() -> None:
    before = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "read", "namespace": "web"},
              "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}}  # fmt: skip
    after = {**before, "roleRef": {**before["roleRef"], "name": "writer"}}
    assert warnings_of([before], [after]) == (
        FluxWarning("immutable", "RoleBinding", "web", "read", f"the API server refuses to change roleRef.name in place: {IMMUTABLE}"),
    )


@pytest.mark.parametrize(
    ("annotations", "kustomizations", "why"),
    [
        ({"kustomize.toolkit.fluxcd.io/force": "enabled"}, [], "it carries kustomize.toolkit.fluxcd.io/force: enabled"),
        ({}, [kustomization(force=True, prune=True)], "spec.force: true"),
    ],
)  # fmt: skip
def test_with_force_flux_recreates_the_object(annotations: dict[str, str], kustomizations: list[dict[str, Any]], why: str) -> None:
    def claim(size_class: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "db", "annotations": annotations},
                "spec": {"storageClassName": size_class}}  # fmt: skip

    assert warnings_of([claim("standard"), *kustomizations], [claim("fast"), *kustomizations]) == (
        FluxWarning("immutable", "PersistentVolumeClaim", "db", "data",
                    f"the API server refuses to change spec.storageClassName in place, so Flux deletes and recreates it ({why})"),
    )  # fmt: skip


def test_a_secret_spelled_core_v1_follows_the_secret_rule() -> None:
    before = {"apiVersion": "core/v1", "kind": "Secret", "metadata": {"name": "tls", "namespace": "web"}, "type": "Opaque"}
    assert [w.message.split(" in place")[0] for w in warnings_of([before], [{**before, "type": "kubernetes.io/tls"}])] == [
        "the API server refuses to change type",
    ]


# --- image ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"])
def test_a_changed_image_rolls_out(kind: str) -> None:
    before, after = workload(kind, "nginx:1.26"), workload(kind, "nginx:1.27", init="busybox:1.37")
    images = [w for w in warnings_of([before], [after]) if w.reason == "image"]
    assert images == [
        FluxWarning("image", kind, "web", "web", "rolls out init container setup: busybox:1.36 -> busybox:1.37"),
        FluxWarning("image", kind, "web", "web", "rolls out web: nginx:1.26 -> nginx:1.27"),
    ]


def test_an_added_workload_or_a_new_container_is_no_image_change() -> None:
    before = workload("Deployment", "nginx:1.26")
    after = workload("Deployment", "nginx:1.26")
    after["spec"]["template"]["spec"]["containers"].append({"name": "extra", "image": "redis:7"})
    assert [w.reason for w in warnings_of([before], [after])] == []
    assert warnings_of([], [workload("Deployment", "nginx:1.27")]) == ()


# --- flux-version --------------------------------------------------------------


def flux_object(kind: str, name: str, version: str, api_version: str = "v1", namespace: str | None = "flux-system") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": {"app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": version}}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


def test_a_flux_upgrade_is_reported_once_on_the_flux_namespace() -> None:
    # GIVEN Flux's Namespace and two Deployments move from v2.9.3 to v2.9.4
    def flux(version: str) -> list[dict[str, Any]]:
        return [flux_object("Deployment", "source-controller", version, "apps/v1"), flux_object("Deployment", "kustomize-controller", version, "apps/v1"),
                flux_object("Namespace", "flux-system", version, namespace=None)]  # fmt: skip

    # THEN one warning names the versions, on the Namespace
    assert warnings_of(flux("v2.9.3"), flux("v2.9.4")) == (
        FluxWarning("flux-version", "Namespace", None, "flux-system", "Flux v2.9.3 -> v2.9.4: Flux upgrades its own controllers and CRDs"),
    )


def test_without_the_namespace_the_first_flux_object_carries_the_upgrade() -> None:
    before = [flux_object("Deployment", "source-controller", "v2.9.3", "apps/v1"), flux_object("ServiceAccount", "helm-controller", "v2.9.3")]
    after = [flux_object("Deployment", "source-controller", "v2.9.4", "apps/v1"), flux_object("ServiceAccount", "helm-controller", "v2.9.4")]
    assert [(w.reason, w.kind, w.name) for w in warnings_of(before, after)] == [("flux-version", "ServiceAccount", "helm-controller")]


def test_objects_not_part_of_flux_change_no_flux_version() -> None:
    other = flux_object("Deployment", "web", "v1", "apps/v1")
    other["metadata"]["labels"]["app.kubernetes.io/part-of"] = "shop"
    moved = {**other, "metadata": {**other["metadata"], "labels": {**other["metadata"]["labels"], "app.kubernetes.io/version": "v2"}}}
    assert warnings_of([other], [moved]) == ()


# --- suspended -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "warned"),
    [
        ({}, {"suspend": True}, True),
        ({"suspend": False}, {"suspend": True}, True),
        ({"suspend": True}, {"suspend": True, "prune": False}, False),
        ({"suspend": True}, {}, False),
    ],
)  # fmt: skip
def test_suspending_a_flux_object_stops_reconciling(before: dict[str, Any], after: dict[str, Any], warned: bool) -> None:
    expected = (FluxWarning("suspended", "Kustomization", "flux-system", "apps", "spec.suspend: true: Flux stops reconciling it, until it is set back to false"),)
    assert warnings_of([kustomization(**before)], [kustomization(**after)]) == (expected if warned else ())


def test_only_flux_objects_are_suspended() -> None:
    job = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "web"}, "spec": {"schedule": "@daily"}}
    assert warnings_of([job], [{**job, "spec": {**job["spec"], "suspend": True}}]) == ()
