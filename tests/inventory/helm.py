"""HelmRelease's part of the schema inventory: builders that set every field, and the prop of each field.

Values follow helm-controller's API docs (tests/data/flux-api-docs/helm-controller/helmreleases.md).
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s

from cdk8s_flux.v2 import (
    ChartMetadata,
    CommonMetadata,
    DriftDetection,
    HelmRelease,
    HelmReleaseDependsOn,
    HelmReleaseInstall,
    HelmReleaseRollback,
    HelmReleaseTest,
    HelmReleaseUninstall,
    HelmReleaseUpgrade,
    Image,
    InstallRemediation,
    InstallStrategy,
    KustomizePostRenderer,
    ObjectRef,
    Patch,
    PatchTarget,
    PostRenderer,
    TestFilter,
    UpgradeRemediation,
    UpgradeStrategy,
    ValuesReference,
    Verification,
    WaitStrategy,
)
from cdk8s_flux.v2.kustomize import HealthCheckExpr, IgnoreRule, KubeConfig

_EVERY_OBJECT = PatchTarget(
    group="apps", version="v1", kind="Deployment", name="podinfo", namespace="podinfo",
    label_selector="app.kubernetes.io/name=podinfo", annotation_selector="example.com/managed=true",
)  # fmt: skip


def _chart_template(chart: cdk8s.Chart) -> None:
    """A release of a chart from a HelmRepository, with every field that goes with it."""
    HelmRelease(
        chart, "podinfo", namespace="default",
        chart="podinfo", chart_version="6.5.*", chart_interval="5m", reconcile_strategy="Revision",
        chart_source=ObjectRef(kind="HelmRepository", name="podinfo", namespace="flux-system", api_version="source.toolkit.fluxcd.io/v1"),
        values_files=["values.yaml", "values-production.yaml"], ignore_missing_values_files=True,
        verify=Verification(provider="cosign", secret_ref="cosign-public-keys"),
        chart_metadata=ChartMetadata(labels={"app.kubernetes.io/part-of": "podinfo"}, annotations={"example.com/owner": "web-team"}),
        interval="15m", timeout="5m", release_name="podinfo", target_namespace="podinfo", storage_namespace="podinfo",
        max_history=10, service_account_name="helm-controller", suspend=True, persistent_client=False,
        values={"replicaCount": 2},
        values_from=[
            ValuesReference(kind="ConfigMap", name="prod-env-values", values_key="values-prod.yaml", optional=True),
            ValuesReference(kind="Secret", name="prod-tls-values", values_key="crt", target_path="tls.crt", literal=True),
        ],
        depends_on=[HelmReleaseDependsOn(name="cert-manager", namespace="cert-manager", ready_expr="dep.status.observedGeneration == dep.metadata.generation")],
        install=HelmReleaseInstall(
            timeout="10m", strategy=InstallStrategy(name="RetryOnFailure", retry_interval="2m"),
            remediation=InstallRemediation(retries=3, ignore_test_failures=True, remediate_last_failure=True),
            crds="CreateReplace", create_namespace=True, replace=True, server_side_apply=True, disable_wait=True,
            disable_wait_for_jobs=True, disable_hooks=True, disable_open_api_validation=True,
            disable_schema_validation=True, disable_take_ownership=True, skip_crds=True,
        ),
        upgrade=HelmReleaseUpgrade(
            timeout="10m", strategy=UpgradeStrategy(name="RetryOnFailure", retry_interval="5m"),
            remediation=UpgradeRemediation(retries=-1, strategy="uninstall", ignore_test_failures=True, remediate_last_failure=True),
            crds="CreateReplace", cleanup_on_fail=True, force=True, preserve_values=True, server_side_apply="enabled",
            chart_name_change_strategy="Reinstall", disable_wait=True, disable_wait_for_jobs=True, disable_hooks=True,
            disable_open_api_validation=True, disable_schema_validation=True, disable_take_ownership=True,
        ),
        test=HelmReleaseTest(
            enable=True, timeout="3m", ignore_failures=True,
            filters=[TestFilter(name="test-database", exclude=True), TestFilter(name="test-api")],
        ),
        rollback=HelmReleaseRollback(
            timeout="5m", cleanup_on_fail=True, force=True, server_side_apply="auto", recreate=True,
            disable_wait=True, disable_wait_for_jobs=True, disable_hooks=True,
        ),
        uninstall=HelmReleaseUninstall(timeout="5m", deletion_propagation="foreground", keep_history=True, disable_wait=True, disable_hooks=True),
        drift_detection=DriftDetection(mode="enabled", ignore=[IgnoreRule(paths=["/spec/replicas"], target=_EVERY_OBJECT)]),
        post_renderers=[
            PostRenderer(
                kustomize=KustomizePostRenderer(
                    patches=[Patch(patch="- op: add\n  path: /metadata/annotations/foo\n  value: bar\n", target=_EVERY_OBJECT)],
                    images=[Image(name="docker.io/nginx", new_name="ghcr.io/nginx", new_tag="1.27", digest="sha256:2f3bb1f2c0c8b8e1e6fe5ff9b4c7a7d0f2e1c4b1b7e4b0a6b3a1d5c2e8f7a6b9")],
                )
            )
        ],
        post_render_strategy="combined",
        common_metadata=CommonMetadata(labels={"app.kubernetes.io/part-of": "podinfo"}, annotations={"example.com/owner": "web-team"}),
        kube_config=KubeConfig(secret_ref="prod-kubeconfig", key="value.yaml"),
        health_check_exprs=[
            HealthCheckExpr(
                api_version="cert-manager.io/v1", kind="Certificate",
                current="status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
                failed="status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')",
                in_progress="status.conditions.filter(e, e.type == 'Issuing').all(e, e.status == 'True')",
            )
        ],
        wait_strategy=WaitStrategy(name="poller"),
    )  # fmt: skip


def _chart_ref(chart: cdk8s.Chart) -> None:
    """A release of a chart an OCIRepository holds, into a cluster named by a ConfigMap (the fields that exclude the others)."""
    HelmRelease(
        chart, "podinfo-oci", namespace="default",
        chart_ref=ObjectRef(kind="OCIRepository", name="podinfo", namespace="flux-system", api_version="source.toolkit.fluxcd.io/v1"),
        kube_config=KubeConfig(config_map_ref="prod-cluster"),
    )  # fmt: skip


BUILDERS: dict[str, list[Callable[[cdk8s.Chart], None]]] = {"HelmRelease": [_chart_template, _chart_ref]}

_INSTALL = "install=HelmReleaseInstall({}=...)"
_UPGRADE = "upgrade=HelmReleaseUpgrade({}=...)"
_ROLLBACK = "rollback=HelmReleaseRollback({}=...)"
_UNINSTALL = "uninstall=HelmReleaseUninstall({}=...)"
_TEST = "test=HelmReleaseTest({}=...)"
_SOURCE = "chart_source=ObjectRef({}=...) or a HelmRepository, GitRepository or Bucket construct"
_CHART_REF = "chart_ref=ObjectRef({}=...) or an OCIRepository or HelmChart construct"
_IGNORE_TARGET = "drift_detection=DriftDetection(ignore=[IgnoreRule(target=PatchTarget({}=...))])"
_PATCH_TARGET = "post_renderers=[PostRenderer(kustomize=KustomizePostRenderer(patches=[Patch(target=PatchTarget({}=...))]))]"
_IMAGE = "post_renderers=[PostRenderer(kustomize=KustomizePostRenderer(images=[Image({}=...)]))]"
_HEALTH = "health_check_exprs=[HealthCheckExpr({}=...)]"
_VALUES_FROM = "values_from=[ValuesReference({}=...)]"
_SELECTOR_FIELDS = {
    "annotationSelector": "annotation_selector", "group": "group", "kind": "kind", "labelSelector": "label_selector",
    "name": "name", "namespace": "namespace", "version": "version",
}  # fmt: skip

PROPS: dict[str, dict[str, str]] = {
    "HelmRelease": {
        "spec.chart.metadata.annotations": "chart_metadata=ChartMetadata(annotations={...})",
        "spec.chart.metadata.labels": "chart_metadata=ChartMetadata(labels={...})",
        "spec.chart.spec.chart": "chart=...",
        "spec.chart.spec.ignoreMissingValuesFiles": "ignore_missing_values_files=True",
        "spec.chart.spec.interval": "chart_interval=...",
        "spec.chart.spec.reconcileStrategy": "reconcile_strategy=...",
        "spec.chart.spec.sourceRef.apiVersion": _SOURCE.format("api_version"),
        "spec.chart.spec.sourceRef.kind": _SOURCE.format("kind"),
        "spec.chart.spec.sourceRef.name": _SOURCE.format("name"),
        "spec.chart.spec.sourceRef.namespace": _SOURCE.format("namespace"),
        "spec.chart.spec.valuesFiles[]": "values_files=[...]",
        "spec.chart.spec.verify.provider": "verify=Verification(provider=...)",
        "spec.chart.spec.verify.secretRef.name": "verify=Verification(secret_ref=...)",
        "spec.chart.spec.version": "chart_version=...",
        "spec.chartRef.apiVersion": _CHART_REF.format("api_version"),
        "spec.chartRef.kind": _CHART_REF.format("kind"),
        "spec.chartRef.name": _CHART_REF.format("name"),
        "spec.chartRef.namespace": _CHART_REF.format("namespace"),
        "spec.commonMetadata.annotations": "common_metadata=CommonMetadata(annotations={...})",
        "spec.commonMetadata.labels": "common_metadata=CommonMetadata(labels={...})",
        "spec.dependsOn[].name": "depends_on=[a HelmRelease construct, ObjectRef(name=...) or HelmReleaseDependsOn(name=...)]",
        "spec.dependsOn[].namespace": "depends_on=[a HelmRelease construct, ObjectRef(namespace=...) or HelmReleaseDependsOn(namespace=...)]",
        "spec.dependsOn[].readyExpr": "depends_on=[HelmReleaseDependsOn(ready_expr=...)]",
        "spec.driftDetection.ignore[].paths[]": "drift_detection=DriftDetection(ignore=[IgnoreRule(paths=[...])])",
        **{f"spec.driftDetection.ignore[].target.{key}": _IGNORE_TARGET.format(arg) for key, arg in _SELECTOR_FIELDS.items()},
        "spec.driftDetection.mode": "drift_detection='enabled' or drift_detection=DriftDetection(mode=...)",
        "spec.healthCheckExprs[].apiVersion": _HEALTH.format("api_version"),
        "spec.healthCheckExprs[].current": _HEALTH.format("current"),
        "spec.healthCheckExprs[].failed": _HEALTH.format("failed"),
        "spec.healthCheckExprs[].inProgress": _HEALTH.format("in_progress"),
        "spec.healthCheckExprs[].kind": _HEALTH.format("kind"),
        "spec.install.crds": "crds=... (install Create) or " + _INSTALL.format("crds"),
        "spec.install.createNamespace": "create_target_namespace=True or " + _INSTALL.format("create_namespace"),
        "spec.install.disableHooks": _INSTALL.format("disable_hooks"),
        "spec.install.disableOpenAPIValidation": _INSTALL.format("disable_open_api_validation"),
        "spec.install.disableSchemaValidation": _INSTALL.format("disable_schema_validation"),
        "spec.install.disableTakeOwnership": _INSTALL.format("disable_take_ownership"),
        "spec.install.disableWait": _INSTALL.format("disable_wait"),
        "spec.install.disableWaitForJobs": _INSTALL.format("disable_wait_for_jobs"),
        "spec.install.remediation.ignoreTestFailures": "install=HelmReleaseInstall(remediation=InstallRemediation(ignore_test_failures=...))",
        "spec.install.remediation.remediateLastFailure": "install=HelmReleaseInstall(remediation=InstallRemediation(remediate_last_failure=...))",
        "spec.install.remediation.retries": "install_retries=... or install=HelmReleaseInstall(remediation=InstallRemediation(retries=...))",
        "spec.install.replace": _INSTALL.format("replace"),
        "spec.install.serverSideApply": _INSTALL.format("server_side_apply"),
        "spec.install.skipCRDs": _INSTALL.format("skip_crds"),
        "spec.install.strategy.name": "install=HelmReleaseInstall(strategy=InstallStrategy(name=...))",
        "spec.install.strategy.retryInterval": "install=HelmReleaseInstall(strategy=InstallStrategy(retry_interval=...))",
        "spec.install.timeout": _INSTALL.format("timeout"),
        "spec.interval": "interval=...",
        "spec.kubeConfig.configMapRef.name": "kube_config=KubeConfig(config_map_ref=...)",
        "spec.kubeConfig.secretRef.key": "kube_config=KubeConfig(key=...)",
        "spec.kubeConfig.secretRef.name": "kube_config=KubeConfig(secret_ref=...) or kube_config_secret_ref=...",
        "spec.maxHistory": "max_history=...",
        "spec.persistentClient": "persistent_client=...",
        "spec.postRenderStrategy": "post_render_strategy=...",
        "spec.postRenderers[].kustomize.images[].digest": _IMAGE.format("digest"),
        "spec.postRenderers[].kustomize.images[].name": _IMAGE.format("name"),
        "spec.postRenderers[].kustomize.images[].newName": _IMAGE.format("new_name"),
        "spec.postRenderers[].kustomize.images[].newTag": _IMAGE.format("new_tag"),
        "spec.postRenderers[].kustomize.patches[].patch": "post_renderers=[PostRenderer(kustomize=KustomizePostRenderer(patches=[Patch(patch=...)]))]",
        **{f"spec.postRenderers[].kustomize.patches[].target.{key}": _PATCH_TARGET.format(arg) for key, arg in _SELECTOR_FIELDS.items()},
        "spec.releaseName": "release_name=...",
        "spec.rollback.cleanupOnFail": _ROLLBACK.format("cleanup_on_fail"),
        "spec.rollback.disableHooks": _ROLLBACK.format("disable_hooks"),
        "spec.rollback.disableWait": _ROLLBACK.format("disable_wait"),
        "spec.rollback.disableWaitForJobs": _ROLLBACK.format("disable_wait_for_jobs"),
        "spec.rollback.force": _ROLLBACK.format("force"),
        "spec.rollback.recreate": _ROLLBACK.format("recreate"),
        "spec.rollback.serverSideApply": _ROLLBACK.format("server_side_apply"),
        "spec.rollback.timeout": _ROLLBACK.format("timeout"),
        "spec.serviceAccountName": "service_account_name=...",
        "spec.storageNamespace": "storage_namespace=...",
        "spec.suspend": "suspend=True",
        "spec.targetNamespace": "target_namespace=...",
        "spec.test.enable": _TEST.format("enable"),
        "spec.test.filters[].exclude": "test=HelmReleaseTest(filters=[TestFilter(exclude=...)])",
        "spec.test.filters[].name": "test=HelmReleaseTest(filters=[TestFilter(name=...)])",
        "spec.test.ignoreFailures": _TEST.format("ignore_failures"),
        "spec.test.timeout": _TEST.format("timeout"),
        "spec.timeout": "timeout=...",
        "spec.uninstall.deletionPropagation": _UNINSTALL.format("deletion_propagation"),
        "spec.uninstall.disableHooks": _UNINSTALL.format("disable_hooks"),
        "spec.uninstall.disableWait": _UNINSTALL.format("disable_wait"),
        "spec.uninstall.keepHistory": _UNINSTALL.format("keep_history"),
        "spec.uninstall.timeout": _UNINSTALL.format("timeout"),
        "spec.upgrade.chartNameChangeStrategy": _UPGRADE.format("chart_name_change_strategy"),
        "spec.upgrade.cleanupOnFail": _UPGRADE.format("cleanup_on_fail"),
        "spec.upgrade.crds": "crds=... or " + _UPGRADE.format("crds"),
        "spec.upgrade.disableHooks": _UPGRADE.format("disable_hooks"),
        "spec.upgrade.disableOpenAPIValidation": _UPGRADE.format("disable_open_api_validation"),
        "spec.upgrade.disableSchemaValidation": _UPGRADE.format("disable_schema_validation"),
        "spec.upgrade.disableTakeOwnership": _UPGRADE.format("disable_take_ownership"),
        "spec.upgrade.disableWait": _UPGRADE.format("disable_wait"),
        "spec.upgrade.disableWaitForJobs": _UPGRADE.format("disable_wait_for_jobs"),
        "spec.upgrade.force": _UPGRADE.format("force"),
        "spec.upgrade.preserveValues": _UPGRADE.format("preserve_values"),
        "spec.upgrade.remediation.ignoreTestFailures": "upgrade=HelmReleaseUpgrade(remediation=UpgradeRemediation(ignore_test_failures=...))",
        "spec.upgrade.remediation.remediateLastFailure": "upgrade=HelmReleaseUpgrade(remediation=UpgradeRemediation(remediate_last_failure=...))",
        "spec.upgrade.remediation.retries": "upgrade_retries=... or upgrade=HelmReleaseUpgrade(remediation=UpgradeRemediation(retries=...))",
        "spec.upgrade.remediation.strategy": "upgrade=HelmReleaseUpgrade(remediation=UpgradeRemediation(strategy=...))",
        "spec.upgrade.serverSideApply": _UPGRADE.format("server_side_apply"),
        "spec.upgrade.strategy.name": "upgrade=HelmReleaseUpgrade(strategy=UpgradeStrategy(name=...))",
        "spec.upgrade.strategy.retryInterval": "upgrade=HelmReleaseUpgrade(strategy=UpgradeStrategy(retry_interval=...))",
        "spec.upgrade.timeout": _UPGRADE.format("timeout"),
        "spec.values": "values={...}",
        "spec.valuesFrom[].kind": _VALUES_FROM.format("kind"),
        "spec.valuesFrom[].literal": _VALUES_FROM.format("literal"),
        "spec.valuesFrom[].name": _VALUES_FROM.format("name"),
        "spec.valuesFrom[].optional": _VALUES_FROM.format("optional"),
        "spec.valuesFrom[].targetPath": _VALUES_FROM.format("target_path"),
        "spec.valuesFrom[].valuesKey": _VALUES_FROM.format("values_key"),
        "spec.waitStrategy.name": "wait_strategy=WaitStrategy(name=...)",
    }
}
