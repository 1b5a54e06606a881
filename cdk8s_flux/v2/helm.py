"""Flux HelmRelease (helm.toolkit.fluxcd.io/v2): a Helm release that Flux installs and upgrades.

``HelmReleaseProps`` takes what ``flux create helmrelease`` takes, in
snake_case with the CLI's defaults: the chart as ``chart`` + ``chart_source``
(a HelmRepository, GitRepository or Bucket, from which Flux makes a HelmChart),
or ``chart_ref`` (an OCIRepository or HelmChart), never both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias, overload

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.props import keyword_options
from cdk8s_flux.v2.resource import (
    FluxObjectProps,
    FluxResource,
    ObjectRef,
    accepts,
    compact,
    cross_namespace_ref,
    flag,
    name_ref,
    nested,
    optional,
    plain,
    secret_ref,
)
from cdk8s_flux.v2.sources import RECONCILE_STRATEGIES, HelmChart, HelmChartSource, OCIRepository, Verification

#: Where ``chart_ref`` may point (``spec.chartRef``); an ExternalArtifact only as an ``ObjectRef``.
ChartReference: TypeAlias = OCIRepository | HelmChart | ObjectRef
_CHART_SOURCES = accepts(HelmChartSource)
_CHART_REFS = accepts(ChartReference, imported=("ExternalArtifact",))
CRDS_POLICIES = ("Skip", "Create", "CreateReplace")
DRIFT_DETECTION_MODES = ("enabled", "warn", "disabled")
# Helm's release name rule (an RFC 1123 subdomain), at most 53 characters.
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VALUES_KEY = re.compile(r"^[\-._a-zA-Z0-9]+$")
_TARGET_PATH = re.compile(r"^([a-zA-Z0-9_\-.\\/]|\[[0-9]{1,5}\])+$")


@dataclass(frozen=True)
class ValuesReference:
    """Values read from a ConfigMap or Secret (``spec.valuesFrom``).

    values_key: the key holding them, default ``values.yaml``. target_path: put
    one value at this path instead of merging a document. optional: do not fail when absent.
    """

    kind: str
    name: str
    values_key: str | None = None
    target_path: str | None = None
    optional: bool = False

    def to_spec(self, where: str) -> dict[str, Any]:
        if self.values_key is not None and (not isinstance(self.values_key, str) or len(self.values_key) > 253 or not _VALUES_KEY.match(self.values_key)):
            raise ValidationError(f"{where}.values_key", self.values_key, "not a ConfigMap/Secret key", "use letters, digits, '-', '_' and '.'")
        if self.target_path is not None and (not isinstance(self.target_path, str) or len(self.target_path) > 250 or not _TARGET_PATH.match(self.target_path)):
            raise ValidationError(f"{where}.target_path", self.target_path, "not a values path", "write a dotted path such as 'image.tag' or 'hosts[0]'")
        return compact(
            {
                "kind": validation.one_of(f"{where}.kind", self.kind, ("ConfigMap", "Secret")),
                "name": validation.dns1123_subdomain(f"{where}.name", self.name),
                "valuesKey": self.values_key,
                "targetPath": self.target_path,
                "optional": flag(f"{where}.optional", self.optional),
            }
        )


@dataclass(frozen=True, kw_only=True)
class HelmReleaseProps(FluxObjectProps):
    """A HelmRelease, as ``flux create helmrelease`` takes it.

    chart + chart_source: a chart of a HelmRepository, GitRepository or Bucket
    (any namespace), with chart_version (a semver range), chart_interval,
    reconcile_strategy (default ``ChartVersion``, as the CLI prints it),
    values_files and verify. Or chart_ref: an OCIRepository or HelmChart.
    interval: default ``1m0s``. release_name (at most 53 characters),
    target_namespace, storage_namespace, create_target_namespace. crds: the
    upgrade CRD policy (Skip, Create, CreateReplace); as with the CLI, CRDs are
    created on install. depends_on: HelmReleases installed first. values,
    values_from, service_account_name, kube_config_secret_ref, max_history,
    timeout, install_retries / upgrade_retries (remediation; negative: unlimited), drift_detection
    (mode), suspend: as in Flux.
    """

    KIND: ClassVar[str] = "HelmRelease"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {
        "chart": "chart.spec.chart", "chart_source": "chart.spec.sourceRef", "chart_version": "chart.spec.version",
        "chart_interval": "chart.spec.interval", "reconcile_strategy": "chart.spec.reconcileStrategy",
        "values_files": "chart.spec.valuesFiles", "verify": "chart.spec.verify",
        "create_target_namespace": "install.createNamespace", "install_retries": "install.remediation.retries",
        "crds": ("install.crds", "upgrade.crds"), "upgrade_retries": "upgrade.remediation.retries",
        "kube_config_secret_ref": "kubeConfig.secretRef.name", "drift_detection": "driftDetection.mode",
    }  # fmt: skip

    chart: str | None = None
    chart_source: HelmChartSource | None = None
    chart_version: str | None = None
    chart_interval: str | None = None
    reconcile_strategy: str | None = None
    values_files: Sequence[str] = ()
    verify: Verification | None = None
    chart_ref: ChartReference | None = None
    interval: str = "1m0s"
    release_name: str | None = None
    target_namespace: str | None = None
    storage_namespace: str | None = None
    create_target_namespace: bool = False
    crds: str | None = None
    depends_on: Sequence[HelmReleaseDependency] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    values_from: Sequence[ValuesReference] = ()
    service_account_name: str | None = None
    kube_config_secret_ref: str | None = None
    max_history: int | None = None
    timeout: str | None = None
    install_retries: int | None = None
    upgrade_retries: int | None = None
    drift_detection: str | None = None
    suspend: bool = False

    def _chart(self) -> dict[str, Any] | None:
        # the arguments that write spec.chart, read off the fields as the extra_spec guard reads them
        template_fields = {name: getattr(self, name) for name in self.spec_fields()["chart"]}
        given = [name for name, value in template_fields.items() if value not in (None, (), [])]
        if self.chart_ref is not None:
            if given:
                raise ValidationError(
                    given[0], template_fields[given[0]], "set together with chart_ref, which names the chart already", f"drop {given[0]}= or chart_ref="
                )
            return None
        if self.chart is None or self.chart_source is None:
            missing = "chart" if self.chart is None else "chart_source"
            raise ValidationError(missing, None, "required (or chart_ref)", "give chart='name' and chart_source=helm_repository, or chart_ref=oci_repository")
        source = cross_namespace_ref(self.chart_source, "chart_source", _CHART_SOURCES, self.namespace)
        verify = nested("verify", self.verify, Verification)
        if verify is not None and source["kind"] != "HelmRepository":
            raise ValidationError("verify", verify, "Flux verifies only charts from a HelmRepository", "drop it")
        spec = compact(
            {
                "chart": validation.string("chart", self.chart, max_length=2048),
                "sourceRef": source,
                "version": optional(validation.semver_range, "chart_version", self.chart_version),
                "interval": optional(validation.flux_duration, "chart_interval", self.chart_interval),
                "reconcileStrategy": validation.one_of(
                    "reconcile_strategy", self.reconcile_strategy or "ChartVersion", RECONCILE_STRATEGIES
                ),
                "valuesFiles": list(validation.strings("values_files", self.values_files)) or None,
                "verify": verify.to_spec(oidc=False, trusted_root=False) if verify else None,
            }
        )
        return {"spec": spec}

    def _install_upgrade(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        crds = optional(validation.one_of, "crds", self.crds, CRDS_POLICIES)
        install: dict[str, Any] = {}
        upgrade: dict[str, Any] = {}
        if flag("create_target_namespace", self.create_target_namespace):
            if self.target_namespace is None:
                raise ValidationError("create_target_namespace", True, "there is no target_namespace to create", "set target_namespace too")
            install["createNamespace"] = True
        if crds is not None:
            install["crds"] = "Create"
            upgrade["crds"] = crds
        if self.install_retries is not None:
            install["remediation"] = {"retries": validation.integer("install_retries", self.install_retries)}
        if self.upgrade_retries is not None:
            upgrade["remediation"] = {"retries": validation.integer("upgrade_retries", self.upgrade_retries)}
        return compact(install) or None, compact(upgrade) or None

    def _make_spec(self) -> dict[str, Any]:
        depends_on = [
            name_ref(item, f"depends_on[{index}]", _DEPENDENCIES, self.namespace)
            for index, item in enumerate(validation.items("depends_on", self.depends_on))
        ]
        values_from = []
        for index, item in enumerate(validation.items("values_from", self.values_from)):
            if not isinstance(item, ValuesReference):
                raise ValidationError(f"values_from[{index}]", item, "not a ValuesReference", "write ValuesReference(kind='ConfigMap', name=...)")
            values_from.append(item.to_spec(f"values_from[{index}]"))
        if not isinstance(self.values, Mapping):
            raise ValidationError("values", self.values, "not a mapping", "write values={'replicaCount': 2}")
        validation.json_value("values", self.values)
        if self.release_name is not None and (
            not isinstance(self.release_name, str) or len(self.release_name) > 53 or not _RELEASE_NAME.match(self.release_name)
        ):
            raise ValidationError("release_name", self.release_name, "not a Helm release name", "use at most 53 lowercase letters, digits, '-' and '.'")
        install, upgrade = self._install_upgrade()
        return compact(
            {
                "chart": self._chart(),
                "chartRef": None
                if self.chart_ref is None
                else cross_namespace_ref(self.chart_ref, "chart_ref", _CHART_REFS, self.namespace),
                "interval": validation.flux_duration("interval", self.interval),
                "releaseName": self.release_name,
                "targetNamespace": optional(validation.dns1123_label, "target_namespace", self.target_namespace),
                "storageNamespace": optional(validation.dns1123_label, "storage_namespace", self.storage_namespace),
                "install": install,
                "upgrade": upgrade,
                "dependsOn": depends_on or None,
                "values": plain(self.values) or None,
                "valuesFrom": values_from or None,
                "serviceAccountName": optional(validation.dns1123_subdomain, "service_account_name", self.service_account_name),
                "kubeConfig": {"secretRef": secret_ref("kube_config_secret_ref", self.kube_config_secret_ref)}
                if self.kube_config_secret_ref is not None
                else None,
                "maxHistory": optional(validation.integer, "max_history", self.max_history, minimum=0),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout),
                "driftDetection": {"mode": validation.one_of("drift_detection", self.drift_detection, DRIFT_DETECTION_MODES)}
                if self.drift_detection is not None
                else None,
                "suspend": flag("suspend", self.suspend),
            }
        )


class HelmRelease(FluxResource):
    """A Flux HelmRelease: a Helm chart installed, upgraded and tested by the helm-controller."""

    props_type = HelmReleaseProps

    @overload
    def __init__(self, scope: Construct, id: str, props: HelmReleaseProps) -> None: ...
    @overload
    @keyword_options(HelmReleaseProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: HelmReleaseProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


#: Another HelmRelease, installed first (``spec.dependsOn``).
HelmReleaseDependency: TypeAlias = HelmRelease | ObjectRef
_DEPENDENCIES = accepts(HelmReleaseDependency)


__all__ = ["ChartReference", "HelmRelease", "HelmReleaseDependency", "HelmReleaseProps", "ObjectRef", "ValuesReference", "Verification"]
