"""The Kustomization's part of the schema inventory: builders that set every field, and the prop of each field.

Values come from kustomize-controller's API docs (tests/data/flux-api-docs/kustomize-controller).
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s

from cdk8s_flux.v2 import (
    CommonMetadata,
    Decryption,
    DependsOn,
    HealthCheck,
    HealthCheckExpr,
    IgnoreRule,
    Image,
    KubeConfig,
    Kustomization,
    ObjectRef,
    Patch,
    PatchTarget,
    PostBuild,
    SubstituteReference,
)

FLUX_SYSTEM = ObjectRef(kind="GitRepository", name="flux-system", namespace="flux-system", api_version="source.toolkit.fluxcd.io/v1")
REPLICAS_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: not-used
spec:
  replicas: 2
"""
_EVERY_OBJECT = PatchTarget(
    group="apps", version="v1", kind="Deployment", name="podinfo", namespace="apps",
    label_selector="app.kubernetes.io/name=podinfo", annotation_selector="fluxcd.io/patch=true",
)  # fmt: skip


def _kustomization(chart: cdk8s.Chart) -> None:
    Kustomization(
        chart, "podinfo", namespace="apps", source=FLUX_SYSTEM, path="./kustomize", prune=True, interval="10m",
        retry_interval="2m", timeout="5m", wait=True, target_namespace="apps", service_account_name="apps-sa",
        health_checks=[HealthCheck(api_version="apps/v1", kind="Deployment", name="podinfo", namespace="apps")],
        health_check_exprs=[
            HealthCheckExpr(
                api_version="bitnami.com/v1alpha1", kind="SealedSecret",
                current="status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
                failed="status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
                in_progress="status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'Unknown')",
            )
        ],
        depends_on=[
            DependsOn(
                name="app-backend", namespace="backend",
                ready_expr="dep.metadata.labels['app/version'] == self.metadata.labels['app/version']",
            )
        ],
        decryption=Decryption(provider="sops", secret_ref="sops-keys", service_account_name="sops-kms"),
        kube_config=KubeConfig(secret_ref="prod-kubeconfig", key="value.yaml"),
        force=True, deletion_policy="Orphan", components=["../ingress", "../tls"], ignore_missing_components=True,
        name_prefix="prefix-", name_suffix="-suffix",
        patches=[Patch(patch=REPLICAS_PATCH, target=_EVERY_OBJECT)],
        images=[Image(name="podinfo", new_name="my-registry/podinfo", new_tag="v1", digest="sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3")],
        post_build=PostBuild(
            substitute={"cluster_env": "prod", "cluster_region": "eu-central-1"},
            substitute_from=[SubstituteReference(kind="ConfigMap", name="cluster-vars", optional=True)],
            substitute_strategy="Always",
        ),
        common_metadata=CommonMetadata(labels={"app.kubernetes.io/name": "podinfo"}, annotations={"team": "web"}),
        build_metadata=["originAnnotations", "transformerAnnotations"],
        ignore=[IgnoreRule(paths=["/spec/replicas"], target=_EVERY_OBJECT)],
        suspend=True,
    )  # fmt: skip


def _remote_cluster(chart: cdk8s.Chart) -> None:
    Kustomization(chart, "apps", source=FLUX_SYSTEM, path="./apps", prune=True, kube_config=KubeConfig(config_map_ref="kubeconfig"))


BUILDERS: dict[str, list[Callable[[cdk8s.Chart], None]]] = {"Kustomization": [_kustomization, _remote_cluster]}

_SELECTOR = "PatchTarget(group=..., version=..., kind=..., name=..., namespace=..., label_selector=..., annotation_selector=...)"
_SUBSTITUTE_FROM = "post_build=PostBuild(substitute_from=[SubstituteReference(kind=..., name=..., optional=True)])"
_EXPR = "health_check_exprs=[HealthCheckExpr(api_version=..., kind=..., current=..., failed=..., in_progress=...)]"
_SOURCE = "source=GitRepository(...), OCIRepository(...), Bucket(...) or ObjectRef(kind=..., name=...)"

PROPS: dict[str, dict[str, str]] = {
    "Kustomization": {
        "spec.buildMetadata[]": "build_metadata=[...]",
        "spec.commonMetadata.annotations": "common_metadata=CommonMetadata(annotations={...})",
        "spec.commonMetadata.labels": "common_metadata=CommonMetadata(labels={...})",
        "spec.components[]": "components=[...]",
        "spec.decryption.provider": "decryption=Decryption(provider='sops')",
        "spec.decryption.secretRef.name": "decryption=Decryption(secret_ref=...)",
        "spec.decryption.serviceAccountName": "decryption=Decryption(service_account_name=...)",
        "spec.deletionPolicy": "deletion_policy=...",
        "spec.dependsOn[].name": "depends_on=[Kustomization(...) or ObjectRef(kind='Kustomization', name=...)]",
        "spec.dependsOn[].namespace": "depends_on=[ObjectRef(kind='Kustomization', name=..., namespace=...)]",
        "spec.dependsOn[].readyExpr": "depends_on=[DependsOn(name=..., ready_expr=...)] or [DependsOn.of(kustomization, ready_expr=...)]",
        "spec.force": "force=True",
        "spec.healthCheckExprs[].apiVersion": _EXPR,
        "spec.healthCheckExprs[].current": _EXPR,
        "spec.healthCheckExprs[].failed": _EXPR,
        "spec.healthCheckExprs[].inProgress": _EXPR,
        "spec.healthCheckExprs[].kind": _EXPR,
        "spec.healthChecks[].apiVersion": "health_checks=[HealthCheck(api_version=..., ...)] or [a Flux construct]",
        "spec.healthChecks[].kind": "health_checks=[HealthCheck(kind=..., name=...)] or [a Flux construct]",
        "spec.healthChecks[].name": "health_checks=[HealthCheck(kind=..., name=...)] or [a Flux construct]",
        "spec.healthChecks[].namespace": "health_checks=[HealthCheck(..., namespace=...)] or [a Flux construct]",
        "spec.ignore[].paths[]": "ignore=[IgnoreRule(paths=[...])]",
        **{f"spec.ignore[].target.{key}": f"ignore=[IgnoreRule(paths=[...], target={_SELECTOR})]" for key in (
            "annotationSelector", "group", "kind", "labelSelector", "name", "namespace", "version")},
        "spec.ignoreMissingComponents": "ignore_missing_components=True",
        "spec.images[].digest": "images=[Image(name=..., digest=...)]",
        "spec.images[].name": "images=[Image(name=..., ...)]",
        "spec.images[].newName": "images=[Image(name=..., new_name=...)]",
        "spec.images[].newTag": "images=[Image(name=..., new_tag=...)]",
        "spec.interval": "interval=...",
        "spec.kubeConfig.configMapRef.name": "kube_config=KubeConfig(config_map_ref=...)",
        "spec.kubeConfig.secretRef.key": "kube_config=KubeConfig(secret_ref=..., key=...)",
        "spec.kubeConfig.secretRef.name": "kube_config=KubeConfig(secret_ref=...) or kube_config_secret_ref=...",
        "spec.namePrefix": "name_prefix=...",
        "spec.nameSuffix": "name_suffix=...",
        "spec.patches[].patch": "patches=[Patch(patch=...)]",
        **{f"spec.patches[].target.{key}": f"patches=[Patch(patch=..., target={_SELECTOR})]" for key in (
            "annotationSelector", "group", "kind", "labelSelector", "name", "namespace", "version")},
        "spec.path": "path=...",
        "spec.postBuild.substitute": "post_build=PostBuild(substitute={...})",
        "spec.postBuild.substituteFrom[].kind": _SUBSTITUTE_FROM,
        "spec.postBuild.substituteFrom[].name": _SUBSTITUTE_FROM,
        "spec.postBuild.substituteFrom[].optional": _SUBSTITUTE_FROM,
        "spec.postBuild.substituteStrategy": "post_build=PostBuild(substitute_strategy=...)",
        "spec.prune": "prune=...",
        "spec.retryInterval": "retry_interval=...",
        "spec.serviceAccountName": "service_account_name=...",
        "spec.sourceRef.apiVersion": "source=ObjectRef(kind=..., name=..., api_version=...)",
        "spec.sourceRef.kind": _SOURCE,
        "spec.sourceRef.name": _SOURCE,
        "spec.sourceRef.namespace": "source=ObjectRef(kind=..., name=..., namespace=...) or a construct in another namespace",
        "spec.suspend": "suspend=True",
        "spec.targetNamespace": "target_namespace=...",
        "spec.timeout": "timeout=...",
        "spec.wait": "wait=True",
    }
}
