"""Flux HelmRelease (helm.toolkit.fluxcd.io/v2): a Helm release that Flux installs and upgrades.

``HelmReleaseProps`` takes what ``flux create helmrelease`` takes, in
snake_case with the CLI's defaults: the chart as ``chart`` + ``chart_source``
(a HelmRepository, GitRepository or Bucket, from which Flux makes a HelmChart),
or ``chart_ref`` (an OCIRepository or HelmChart), never both.

Every other field of the v2.9.4 CRD has a typed prop, nested as the CRD nests
it: ``install=HelmReleaseInstall(strategy=InstallStrategy(name="RetryOnFailure"))``,
``upgrade=``, ``test=``, ``rollback=``, ``uninstall=``, ``drift_detection=``,
``post_renderers=`` and so on. An unset field is left out, and the controller's
default applies (each docstring says which). The CLI's flat shorthands
(``crds``, ``install_retries``, ``upgrade_retries``, ``create_target_namespace``,
``kube_config_secret_ref``, ``drift_detection="enabled"``) stay; giving one
together with the nested field it writes is an error.
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
from cdk8s_flux.substitution import Var, admits
from cdk8s_flux.v2.kustomize import CommonMetadata, HealthCheckExpr, IgnoreRule, Image, KubeConfig, Patch, cel_expression
from cdk8s_flux.v2.resource import (
    FluxObjectProps,
    FluxResource,
    ObjectRef,
    SpecObject,
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
ACTION_STRATEGIES = ("RemediateOnFailure", "RetryOnFailure")
UPGRADE_REMEDIATION_STRATEGIES = ("rollback", "uninstall")
SERVER_SIDE_APPLY = ("enabled", "disabled", "auto")
CHART_NAME_CHANGE_STRATEGIES = ("InPlaceUpdate", "Reinstall")
DELETION_PROPAGATION = ("background", "foreground", "orphan")
POST_RENDER_STRATEGIES = ("nohooks", "combined", "separate")
WAIT_STRATEGIES = ("poller", "legacy")
# Helm's release name rule (an RFC 1123 subdomain), at most 53 characters.
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VALUES_KEY = re.compile(r"^[\-._a-zA-Z0-9]+$")
_TARGET_PATH = re.compile(r"^([a-zA-Z0-9_\-.\\/]|\[[0-9]{1,5}\])+$")


def _duration(where: str, value: str | None) -> str | None:
    return optional(validation.flux_duration, where, value)


def _typed(where: str, values: object, kind: type[Any], example: str) -> list[Any]:
    """The items of a list prop, each of type ``kind``."""
    out = []
    for index, item in enumerate(validation.items(where, values)):
        if not isinstance(item, kind):
            raise ValidationError(f"{where}[{index}]", item, f"not a {kind.__name__}", f"write {kind.__name__}({example})")
        out.append(item)
    return out


@dataclass(frozen=True)
class ValuesReference:
    """Values read from a ConfigMap or Secret in the release's namespace (``spec.valuesFrom``).

    values_key: the key holding them, default ``values.yaml``. target_path: put
    the key's value at this path of the values (``image.tag``) instead of
    merging a YAML document. literal: with target_path, take the value as it is,
    without Helm's ``--set`` parsing of commas, dots and brackets (``--set-literal``).
    optional: do not fail when the object or key is absent.
    """

    kind: str
    name: str | Var
    values_key: str | None = None
    target_path: str | None = None
    optional: bool = False
    literal: bool = False

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
                "literal": flag(f"{where}.literal", self.literal),
            }
        )


@dataclass(frozen=True, kw_only=True)
class HelmReleaseDependsOn(ObjectRef):
    """A HelmRelease installed first, whose readiness a CEL expression judges instead of its Ready condition.

    name, namespace: the HelmRelease (or ``HelmReleaseDependsOn.of(construct, ready_expr=...)``).
    ready_expr: CEL over ``dep`` (the dependency) and ``self`` (this release);
    it replaces the Ready check unless helm-controller's
    ``AdditiveCELDependencyCheck`` feature gate adds it to that check.
    """

    kind: str = "HelmRelease"
    ready_expr: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        optional(cel_expression, "depends_on.ready_expr", self.ready_expr)

    @classmethod
    def of(cls, release: HelmRelease, *, ready_expr: str) -> HelmReleaseDependsOn:
        """The dependency on a HelmRelease this app defines."""
        if not isinstance(release, HelmRelease):
            raise ValidationError("release", release, "not a HelmRelease", "pass the HelmRelease construct")
        return cls(name=release.name, namespace=release.namespace, ready_expr=ready_expr)


@dataclass(frozen=True)
class ChartMetadata(SpecObject):
    """Metadata of the HelmChart object Flux makes from the chart template (``spec.chart.metadata``): labels, annotations."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def to_spec(self) -> dict[str, Any] | None:
        validation.labels("chart_metadata.labels", self.labels)
        validation.annotation_map("chart_metadata.annotations", self.annotations)
        return compact({"labels": plain(self.labels) or None, "annotations": plain(self.annotations) or None}) or None


@dataclass(frozen=True)
class InstallStrategy(SpecObject):
    """What to do when an install fails (``spec.install.strategy``).

    name: ``RemediateOnFailure`` (uninstall, then try again as remediation
    allows) or ``RetryOnFailure`` (try again without remediating, every
    retry_interval, which only this strategy takes; Flux's default ``5m``).
    """

    name: str
    retry_interval: str | None = None

    def to_spec(self, where: str) -> dict[str, Any]:
        name = validation.one_of(f"{where}.name", self.name, ACTION_STRATEGIES)
        if self.retry_interval is not None and name != "RetryOnFailure":
            raise ValidationError(f"{where}.retry_interval", self.retry_interval, "only the RetryOnFailure strategy retries at an interval", "set name='RetryOnFailure' or drop retry_interval")
        return compact({"name": name, "retryInterval": _duration(f"{where}.retry_interval", self.retry_interval)})


@dataclass(frozen=True)
class UpgradeStrategy(InstallStrategy):
    """What to do when an upgrade fails (``spec.upgrade.strategy``): the fields and rule of ``InstallStrategy``.

    name: ``RemediateOnFailure`` (remediate as ``upgrade.remediation`` says) or
    ``RetryOnFailure`` (try again every retry_interval; Flux's default ``5m``).
    """


@dataclass(frozen=True)
class InstallRemediation(SpecObject):
    """How a failed install is remediated (``spec.install.remediation``).

    retries: how often to try again (uninstalling between attempts); Flux's
    default 0, negative for no limit. ignore_test_failures: do not remediate
    when only the tests fail; default ``test.ignore_failures``.
    remediate_last_failure: remediate the last failure too, when no retries are
    left; Flux's default false.
    """

    retries: int | None = None
    ignore_test_failures: bool | None = None
    remediate_last_failure: bool | None = None

    def to_spec(self, where: str) -> dict[str, Any]:
        return compact(
            {
                "retries": optional(validation.integer, f"{where}.retries", self.retries),
                "ignoreTestFailures": optional(validation.boolean, f"{where}.ignore_test_failures", self.ignore_test_failures),
                "remediateLastFailure": optional(validation.boolean, f"{where}.remediate_last_failure", self.remediate_last_failure),
            }
        )


@dataclass(frozen=True)
class UpgradeRemediation(SpecObject):
    """How a failed upgrade is remediated (``spec.upgrade.remediation``).

    retries: how often to try again, remediating between attempts; Flux's
    default 0, negative for no limit. strategy: ``rollback`` (Flux's default) or
    ``uninstall``. ignore_test_failures: do not remediate when only the tests
    fail; default ``test.ignore_failures``. remediate_last_failure: remediate
    the last failure too; Flux's default is true when retries is above 0.
    """

    retries: int | None = None
    strategy: str | None = None
    ignore_test_failures: bool | None = None
    remediate_last_failure: bool | None = None

    def to_spec(self, where: str) -> dict[str, Any]:
        return compact(
            {
                "retries": optional(validation.integer, f"{where}.retries", self.retries),
                "strategy": optional(validation.one_of, f"{where}.strategy", self.strategy, UPGRADE_REMEDIATION_STRATEGIES),
                "ignoreTestFailures": optional(validation.boolean, f"{where}.ignore_test_failures", self.ignore_test_failures),
                "remediateLastFailure": optional(validation.boolean, f"{where}.remediate_last_failure", self.remediate_last_failure),
            }
        )


@dataclass(frozen=True)
class HelmReleaseInstall(SpecObject):
    """How Helm installs the release (``spec.install``).

    timeout: per Kubernetes operation; default the release's ``timeout``.
    strategy, remediation: what happens when it fails. crds: ``Skip``,
    ``Create`` (Flux's default) or ``CreateReplace`` for the chart's CRDs.
    create_namespace: create the target namespace first (Flux never deletes
    it). replace: reuse the name of a deleted release kept in the history.
    server_side_apply: apply on the server; Flux's default true.
    disable_wait, disable_wait_for_jobs: do not wait for resources, or Jobs, to
    be ready. disable_hooks, disable_open_api_validation,
    disable_schema_validation, disable_take_ownership: switch off Helm hooks,
    the OpenAPI check of the rendered objects, the values' JSON Schema check,
    and taking over existing objects. skip_crds: deprecated, write crds='Skip'.
    Flags default to false and are written only when true.
    """

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"disable_open_api_validation": "disableOpenAPIValidation", "skip_crds": "skipCRDs"}

    timeout: str | None = None
    strategy: InstallStrategy | None = None
    remediation: InstallRemediation | None = None
    crds: str | None = None
    create_namespace: bool = False
    replace: bool = False
    server_side_apply: bool | None = None
    disable_wait: bool = False
    disable_wait_for_jobs: bool = False
    disable_hooks: bool = False
    disable_open_api_validation: bool = False
    disable_schema_validation: bool = False
    disable_take_ownership: bool = False
    skip_crds: bool = False

    def to_spec(self, where: str = "install") -> dict[str, Any]:
        strategy = nested(f"{where}.strategy", self.strategy, InstallStrategy)
        remediation = nested(f"{where}.remediation", self.remediation, InstallRemediation)
        return compact(
            {
                "timeout": _duration(f"{where}.timeout", self.timeout),
                "strategy": strategy.to_spec(f"{where}.strategy") if strategy else None,
                "remediation": (remediation.to_spec(f"{where}.remediation") or None) if remediation else None,
                "crds": optional(validation.one_of, f"{where}.crds", self.crds, CRDS_POLICIES),
                "createNamespace": flag(f"{where}.create_namespace", self.create_namespace),
                "replace": flag(f"{where}.replace", self.replace),
                "serverSideApply": optional(validation.boolean, f"{where}.server_side_apply", self.server_side_apply),
                "disableWait": flag(f"{where}.disable_wait", self.disable_wait),
                "disableWaitForJobs": flag(f"{where}.disable_wait_for_jobs", self.disable_wait_for_jobs),
                "disableHooks": flag(f"{where}.disable_hooks", self.disable_hooks),
                "disableOpenAPIValidation": flag(f"{where}.disable_open_api_validation", self.disable_open_api_validation),
                "disableSchemaValidation": flag(f"{where}.disable_schema_validation", self.disable_schema_validation),
                "disableTakeOwnership": flag(f"{where}.disable_take_ownership", self.disable_take_ownership),
                "skipCRDs": flag(f"{where}.skip_crds", self.skip_crds),
            }
        )


@dataclass(frozen=True)
class HelmReleaseUpgrade(SpecObject):
    """How Helm upgrades the release (``spec.upgrade``).

    timeout: per Kubernetes operation; default the release's ``timeout``.
    strategy, remediation: what happens when it fails. crds: ``Skip`` (Flux's
    default), ``Create`` or ``CreateReplace``. cleanup_on_fail: delete objects
    the failed upgrade made. force: replace objects instead of a three-way merge
    (client-side apply only). preserve_values: keep the last release's values
    and merge ``values`` over them (no longer declarative).
    server_side_apply: ``enabled``, ``disabled`` or ``auto`` (Flux's default:
    as the previous release did). chart_name_change_strategy: when the chart's
    name changes, ``InPlaceUpdate`` or ``Reinstall``. disable_wait,
    disable_wait_for_jobs, disable_hooks, disable_open_api_validation,
    disable_schema_validation, disable_take_ownership: as for install.
    Flags default to false and are written only when true.
    """

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"disable_open_api_validation": "disableOpenAPIValidation"}

    timeout: str | None = None
    strategy: UpgradeStrategy | None = None
    remediation: UpgradeRemediation | None = None
    crds: str | None = None
    cleanup_on_fail: bool = False
    force: bool = False
    preserve_values: bool = False
    server_side_apply: str | None = None
    chart_name_change_strategy: str | None = None
    disable_wait: bool = False
    disable_wait_for_jobs: bool = False
    disable_hooks: bool = False
    disable_open_api_validation: bool = False
    disable_schema_validation: bool = False
    disable_take_ownership: bool = False

    def to_spec(self, where: str = "upgrade") -> dict[str, Any]:
        strategy = nested(f"{where}.strategy", self.strategy, InstallStrategy)
        remediation = nested(f"{where}.remediation", self.remediation, UpgradeRemediation)
        return compact(
            {
                "timeout": _duration(f"{where}.timeout", self.timeout),
                "strategy": strategy.to_spec(f"{where}.strategy") if strategy else None,
                "remediation": (remediation.to_spec(f"{where}.remediation") or None) if remediation else None,
                "crds": optional(validation.one_of, f"{where}.crds", self.crds, CRDS_POLICIES),
                "cleanupOnFail": flag(f"{where}.cleanup_on_fail", self.cleanup_on_fail),
                "force": flag(f"{where}.force", self.force),
                "preserveValues": flag(f"{where}.preserve_values", self.preserve_values),
                "serverSideApply": optional(validation.one_of, f"{where}.server_side_apply", self.server_side_apply, SERVER_SIDE_APPLY),
                "chartNameChangeStrategy": optional(
                    validation.one_of, f"{where}.chart_name_change_strategy", self.chart_name_change_strategy, CHART_NAME_CHANGE_STRATEGIES
                ),
                "disableWait": flag(f"{where}.disable_wait", self.disable_wait),
                "disableWaitForJobs": flag(f"{where}.disable_wait_for_jobs", self.disable_wait_for_jobs),
                "disableHooks": flag(f"{where}.disable_hooks", self.disable_hooks),
                "disableOpenAPIValidation": flag(f"{where}.disable_open_api_validation", self.disable_open_api_validation),
                "disableSchemaValidation": flag(f"{where}.disable_schema_validation", self.disable_schema_validation),
                "disableTakeOwnership": flag(f"{where}.disable_take_ownership", self.disable_take_ownership),
            }
        )


@dataclass(frozen=True)
class TestFilter:
    """One Helm test by name (``spec.test.filters``): run only the named tests, or all but the excluded ones.

    exclude: leave this test out; unset (or false), run it. Written as given.
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    exclude: bool | None = None

    def to_spec(self, where: str) -> dict[str, Any]:
        return compact(
            {"name": validation.string(f"{where}.name", self.name, max_length=253), "exclude": optional(validation.boolean, f"{where}.exclude", self.exclude)}
        )


@dataclass(frozen=True)
class HelmReleaseTest(SpecObject):
    """Helm tests after each install or upgrade (``spec.test``).

    enable: run them; Flux's default false. timeout: per Kubernetes operation;
    default the release's ``timeout``. ignore_failures: a failed test does not
    trigger remediation (install and upgrade remediation may override it).
    filters: which tests to run or leave out.
    """

    enable: bool = False
    timeout: str | None = None
    ignore_failures: bool = False
    filters: Sequence[TestFilter] = ()

    def to_spec(self, where: str = "test") -> dict[str, Any]:
        filters = _typed(f"{where}.filters", self.filters, TestFilter, "name='...'")
        return compact(
            {
                "enable": flag(f"{where}.enable", self.enable),
                "timeout": _duration(f"{where}.timeout", self.timeout),
                "ignoreFailures": flag(f"{where}.ignore_failures", self.ignore_failures),
                "filters": [item.to_spec(f"{where}.filters[{index}]") for index, item in enumerate(filters)] or None,
            }
        )


@dataclass(frozen=True)
class HelmReleaseRollback(SpecObject):
    """How Helm rolls back when an upgrade is remediated by rollback (``spec.rollback``).

    timeout: per Kubernetes operation; default the release's ``timeout``.
    cleanup_on_fail: delete objects a failed rollback made. force: replace
    objects instead of merging (client-side apply only). server_side_apply:
    ``enabled``, ``disabled`` or ``auto`` (Flux's default). recreate: restart
    pods; deprecated, and without effect in Helm 4. disable_wait,
    disable_wait_for_jobs, disable_hooks: as for install.
    """

    timeout: str | None = None
    cleanup_on_fail: bool = False
    force: bool = False
    server_side_apply: str | None = None
    recreate: bool = False
    disable_wait: bool = False
    disable_wait_for_jobs: bool = False
    disable_hooks: bool = False

    def to_spec(self, where: str = "rollback") -> dict[str, Any]:
        return compact(
            {
                "timeout": _duration(f"{where}.timeout", self.timeout),
                "cleanupOnFail": flag(f"{where}.cleanup_on_fail", self.cleanup_on_fail),
                "force": flag(f"{where}.force", self.force),
                "serverSideApply": optional(validation.one_of, f"{where}.server_side_apply", self.server_side_apply, SERVER_SIDE_APPLY),
                "recreate": flag(f"{where}.recreate", self.recreate),
                "disableWait": flag(f"{where}.disable_wait", self.disable_wait),
                "disableWaitForJobs": flag(f"{where}.disable_wait_for_jobs", self.disable_wait_for_jobs),
                "disableHooks": flag(f"{where}.disable_hooks", self.disable_hooks),
            }
        )


@dataclass(frozen=True)
class HelmReleaseUninstall(SpecObject):
    """How Helm uninstalls the release, on deletion or as remediation (``spec.uninstall``).

    timeout: per Kubernetes operation; default the release's ``timeout``.
    deletion_propagation: ``background`` (the CRD's default), ``foreground`` or
    ``orphan``. keep_history: keep the release history (marked deleted).
    disable_wait: do not wait for the objects to be gone. disable_hooks: skip hooks.
    """

    timeout: str | None = None
    deletion_propagation: str | None = None
    keep_history: bool = False
    disable_wait: bool = False
    disable_hooks: bool = False

    def to_spec(self, where: str = "uninstall") -> dict[str, Any]:
        return compact(
            {
                "timeout": _duration(f"{where}.timeout", self.timeout),
                "deletionPropagation": optional(validation.one_of, f"{where}.deletion_propagation", self.deletion_propagation, DELETION_PROPAGATION),
                "keepHistory": flag(f"{where}.keep_history", self.keep_history),
                "disableWait": flag(f"{where}.disable_wait", self.disable_wait),
                "disableHooks": flag(f"{where}.disable_hooks", self.disable_hooks),
            }
        )


@dataclass(frozen=True)
class DriftDetection(SpecObject):
    """Whether Flux compares the cluster with the release and corrects what drifted (``spec.driftDetection``).

    mode: ``enabled`` (correct), ``warn`` (only report) or ``disabled`` (Flux's
    default). ignore: fields left out of the comparison, as JSON pointers in
    the objects each rule's target selects (``IgnoreRule(paths=['/spec/replicas'],
    target=PatchTarget(kind='Deployment'))``).
    """

    mode: str | None = None
    ignore: Sequence[IgnoreRule] = ()

    def to_spec(self, where: str = "drift_detection") -> dict[str, Any]:
        rules = _typed(f"{where}.ignore", self.ignore, IgnoreRule, "paths=['/spec/replicas']")
        return compact(
            {
                "mode": optional(validation.one_of, f"{where}.mode", self.mode, DRIFT_DETECTION_MODES),
                "ignore": [rule.to_spec(f"{where}.ignore[{index}]") for index, rule in enumerate(rules)] or None,
            }
        )


@dataclass(frozen=True)
class KustomizePostRenderer(SpecObject):
    """Kustomize run over the chart's rendered objects (``postRenderers[].kustomize``).

    patches: strategic merge or JSON 6902 patches, each with the target it
    applies to. images: overrides of an image's name, tag or digest.
    """

    patches: Sequence[Patch] = ()
    images: Sequence[Image] = ()

    def to_spec(self, where: str) -> dict[str, Any]:
        patches = _typed(f"{where}.patches", self.patches, Patch, "patch='...', target=PatchTarget(kind=...)")
        images = _typed(f"{where}.images", self.images, Image, "name='...', new_tag='...'")
        return compact(
            {
                "patches": [item.to_spec(f"{where}.patches[{index}]") for index, item in enumerate(patches)] or None,
                "images": [item.to_spec(f"{where}.images[{index}]") for index, item in enumerate(images)] or None,
            }
        )


@dataclass(frozen=True)
class PostRenderer(SpecObject):
    """One step run over the rendered chart before it is applied (``spec.postRenderers``); they run in order.

    kustomize: the one kind of post-renderer Flux has.
    """

    kustomize: KustomizePostRenderer | None = None

    def to_spec(self, where: str) -> dict[str, Any]:
        kustomize = nested(f"{where}.kustomize", self.kustomize, KustomizePostRenderer)
        if kustomize is None:
            raise ValidationError(f"{where}.kustomize", None, "a post-renderer that does nothing", "set kustomize=KustomizePostRenderer(patches=[...])")
        return {"kustomize": kustomize.to_spec(f"{where}.kustomize")}


@dataclass(frozen=True)
class WaitStrategy(SpecObject):
    """How Flux waits for the release's objects to be ready (``spec.waitStrategy``).

    name: ``poller`` (kstatus, the controller's default) or ``legacy`` (Helm's own wait).
    """

    name: str

    def to_spec(self, where: str = "wait_strategy") -> dict[str, Any]:
        return {"name": validation.one_of(f"{where}.name", self.name, WAIT_STRATEGIES)}


@dataclass(frozen=True, kw_only=True)
class HelmReleaseProps(FluxObjectProps):
    """A HelmRelease: the chart, and how Helm installs, upgrades, tests, rolls back and uninstalls it.

    The chart: chart + chart_source (a HelmRepository, GitRepository or Bucket
    in any namespace), with chart_version (a semver range; Flux's default the
    latest, ``*``), chart_interval, reconcile_strategy (default ``ChartVersion``,
    as the CLI prints it), values_files, ignore_missing_values_files, verify
    and chart_metadata (labels and annotations of the HelmChart Flux makes).
    Or chart_ref: an OCIRepository, HelmChart or ExternalArtifact.

    interval: default ``1m0s``. release_name (at most 53 characters; Flux's
    default ``[<target namespace>-]<name>``), target_namespace,
    storage_namespace, max_history (Flux's default 5; 0, or less, for no limit), timeout
    (per Kubernetes operation; Flux's default ``5m0s``), service_account_name,
    suspend, persistent_client (reuse one Kubernetes client per
    reconciliation; the controller's default true). values, values_from: the
    chart's values. depends_on: HelmReleases ready first (``HelmReleaseDependsOn``
    for a CEL ready_expr). install, upgrade, test, rollback, uninstall: the
    Helm actions. drift_detection: a mode or ``DriftDetection``. post_renderers
    and post_render_strategy (``nohooks``, ``combined`` or ``separate``: which
    rendered objects they see). common_metadata: labels and annotations for
    every object of the release. kube_config: install into another cluster.
    health_check_exprs: how to read the health of custom resources the chart
    makes. wait_strategy: how readiness is awaited.

    The CLI's shorthands: crds (install ``Create`` and this upgrade policy, as
    ``flux create helmrelease --crds``), install_retries, upgrade_retries,
    create_target_namespace (needs target_namespace), kube_config_secret_ref.
    """

    KIND: ClassVar[str] = "HelmRelease"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {
        "chart": "chart.spec.chart", "chart_source": "chart.spec.sourceRef", "chart_version": "chart.spec.version",
        "chart_interval": "chart.spec.interval", "reconcile_strategy": "chart.spec.reconcileStrategy",
        "values_files": "chart.spec.valuesFiles", "verify": "chart.spec.verify",
        "ignore_missing_values_files": "chart.spec.ignoreMissingValuesFiles", "chart_metadata": "chart.metadata",
        "create_target_namespace": "install.createNamespace", "install_retries": "install.remediation.retries",
        "crds": ("install.crds", "upgrade.crds"), "upgrade_retries": "upgrade.remediation.retries",
        "kube_config_secret_ref": "kubeConfig.secretRef.name",
    }  # fmt: skip

    chart: str | Var | None = None
    chart_source: HelmChartSource | None = None
    chart_version: str | Var | None = None
    chart_interval: str | None = None
    reconcile_strategy: str | None = None
    values_files: Sequence[str] = ()
    ignore_missing_values_files: bool = False
    verify: Verification | None = None
    chart_metadata: ChartMetadata | None = None
    chart_ref: ChartReference | None = None
    interval: str = "1m0s"
    release_name: str | Var | None = None
    target_namespace: str | Var | None = None
    storage_namespace: str | Var | None = None
    create_target_namespace: bool = False
    crds: str | None = None
    depends_on: Sequence[HelmReleaseDependency] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    values_from: Sequence[ValuesReference] = ()
    service_account_name: str | Var | None = None
    kube_config_secret_ref: str | None = None
    kube_config: KubeConfig | None = None
    max_history: int | None = None
    timeout: str | None = None
    install_retries: int | None = None
    upgrade_retries: int | None = None
    install: HelmReleaseInstall | None = None
    upgrade: HelmReleaseUpgrade | None = None
    test: HelmReleaseTest | None = None
    rollback: HelmReleaseRollback | None = None
    uninstall: HelmReleaseUninstall | None = None
    drift_detection: str | DriftDetection | None = None
    post_renderers: Sequence[PostRenderer] = ()
    post_render_strategy: str | None = None
    common_metadata: CommonMetadata | None = None
    health_check_exprs: Sequence[HealthCheckExpr] = ()
    persistent_client: bool | None = None
    wait_strategy: WaitStrategy | None = None
    suspend: bool = False

    def _chart(self) -> dict[str, Any] | None:
        # the arguments that write spec.chart, read off the fields as the extra_spec guard reads them
        template_fields = {name: getattr(self, name) for name in self.spec_fields()["chart"]}
        given = [name for name, value in template_fields.items() if value is not False and value not in (None, (), [])]
        if self.chart_ref is not None:
            if given:
                raise ValidationError(
                    given[0], template_fields[given[0]], "set together with chart_ref, which names the chart already", f"drop {given[0]}= or chart_ref="
                )
            return None
        if self.chart is None or self.chart_source is None:
            missing = "chart" if self.chart is None else "chart_source"
            raise ValidationError(missing, None, "required (or chart_ref)", "give chart='name' and chart_source=helm_repository, or chart_ref=oci_repository")
        source = _with_api_version(self.chart_source, cross_namespace_ref(self.chart_source, "chart_source", _CHART_SOURCES, self.namespace))
        verify = nested("verify", self.verify, Verification)
        if verify is not None and source["kind"] != "HelmRepository":
            raise ValidationError("verify", verify, "Flux verifies only charts from a HelmRepository", "drop it")
        metadata = nested("chart_metadata", self.chart_metadata, ChartMetadata)
        spec = compact(
            {
                "chart": validation.string("chart", self.chart, max_length=2048),
                "sourceRef": source,
                "version": optional(validation.semver_range, "chart_version", self.chart_version),
                "interval": _duration("chart_interval", self.chart_interval),
                "reconcileStrategy": validation.one_of(
                    "reconcile_strategy", self.reconcile_strategy or "ChartVersion", RECONCILE_STRATEGIES
                ),
                "valuesFiles": list(validation.strings("values_files", self.values_files)) or None,
                "ignoreMissingValuesFiles": flag("ignore_missing_values_files", self.ignore_missing_values_files),
                "verify": verify.to_spec(oidc=False, trusted_root=False) if verify else None,
            }
        )
        return compact({"spec": spec, "metadata": metadata.to_spec() if metadata else None})

    def _install(self) -> dict[str, Any] | None:
        given = nested("install", self.install, HelmReleaseInstall)
        install = given.to_spec() if given else {}
        shorthands: dict[str, tuple[tuple[str, ...], Any]] = {}
        if flag("create_target_namespace", self.create_target_namespace):
            if self.target_namespace is None:
                raise ValidationError("create_target_namespace", True, "there is no target_namespace to create", "set target_namespace too")
            shorthands["create_target_namespace"] = (("createNamespace",), True)
        if self.crds is not None:
            validation.one_of("crds", self.crds, CRDS_POLICIES)
            shorthands["crds"] = (("crds",), "Create")
        if self.install_retries is not None:
            shorthands["install_retries"] = (("remediation", "retries"), validation.integer("install_retries", self.install_retries))
        return _with_shorthands(install, shorthands, "install") or None

    def _upgrade(self) -> dict[str, Any] | None:
        given = nested("upgrade", self.upgrade, HelmReleaseUpgrade)
        upgrade = given.to_spec() if given else {}
        shorthands: dict[str, tuple[tuple[str, ...], Any]] = {}
        if self.crds is not None:
            shorthands["crds"] = (("crds",), validation.one_of("crds", self.crds, CRDS_POLICIES))
        if self.upgrade_retries is not None:
            shorthands["upgrade_retries"] = (("remediation", "retries"), validation.integer("upgrade_retries", self.upgrade_retries))
        return _with_shorthands(upgrade, shorthands, "upgrade") or None

    def _kube_config(self) -> dict[str, Any] | None:
        kube_config = nested("kube_config", self.kube_config, KubeConfig)
        if self.kube_config_secret_ref is None:
            return kube_config.to_spec() if kube_config else None
        if kube_config is not None:
            raise ValidationError("kube_config_secret_ref", self.kube_config_secret_ref, "given together with kube_config", "use kube_config=KubeConfig(secret_ref=...) alone")
        return {"secretRef": secret_ref("kube_config_secret_ref", self.kube_config_secret_ref)}

    def _drift_detection(self) -> dict[str, Any] | None:
        if self.drift_detection is None:
            return None
        if isinstance(self.drift_detection, str):
            return {"mode": validation.one_of("drift_detection", self.drift_detection, DRIFT_DETECTION_MODES)}
        detection = nested("drift_detection", self.drift_detection, DriftDetection)
        return (detection.to_spec() or None) if detection else None

    def _make_spec(self) -> dict[str, Any]:
        depends_on = [_dependency(item, f"depends_on[{index}]", self.namespace) for index, item in enumerate(validation.items("depends_on", self.depends_on))]
        values_from = [
            item.to_spec(f"values_from[{index}]")
            for index, item in enumerate(_typed("values_from", self.values_from, ValuesReference, "kind='ConfigMap', name=..."))
        ]
        if not isinstance(self.values, Mapping):
            raise ValidationError("values", self.values, "not a mapping", "write values={'replicaCount': 2}")
        validation.json_value("values", self.values)
        if self.release_name is not None and not (
            isinstance(self.release_name, str) and admits(lambda name: len(name) <= 53 and _RELEASE_NAME.match(name) is not None, self.release_name, "release_name")
        ):
            raise ValidationError("release_name", self.release_name, "not a Helm release name", "use at most 53 lowercase letters, digits, '-' and '.'")
        post_renderers = _typed("post_renderers", self.post_renderers, PostRenderer, "kustomize=KustomizePostRenderer(...)")
        health_check_exprs = _typed("health_check_exprs", self.health_check_exprs, HealthCheckExpr, "api_version=..., current=...")
        test = nested("test", self.test, HelmReleaseTest)
        rollback = nested("rollback", self.rollback, HelmReleaseRollback)
        uninstall = nested("uninstall", self.uninstall, HelmReleaseUninstall)
        common_metadata = nested("common_metadata", self.common_metadata, CommonMetadata)
        wait_strategy = nested("wait_strategy", self.wait_strategy, WaitStrategy)
        return compact(
            {
                "chart": self._chart(),
                "chartRef": None
                if self.chart_ref is None
                else _with_api_version(self.chart_ref, cross_namespace_ref(self.chart_ref, "chart_ref", _CHART_REFS, self.namespace)),
                "interval": validation.flux_duration("interval", self.interval),
                "releaseName": self.release_name,
                "targetNamespace": optional(validation.dns1123_label, "target_namespace", self.target_namespace),
                "storageNamespace": optional(validation.dns1123_label, "storage_namespace", self.storage_namespace),
                "install": self._install(),
                "upgrade": self._upgrade(),
                "test": (test.to_spec() or None) if test else None,
                "rollback": (rollback.to_spec() or None) if rollback else None,
                "uninstall": (uninstall.to_spec() or None) if uninstall else None,
                "dependsOn": depends_on or None,
                "values": plain(self.values) or None,
                "valuesFrom": values_from or None,
                "serviceAccountName": optional(validation.dns1123_subdomain, "service_account_name", self.service_account_name),
                "kubeConfig": self._kube_config(),
                "maxHistory": optional(validation.integer, "max_history", self.max_history),
                "timeout": _duration("timeout", self.timeout),
                "driftDetection": self._drift_detection(),
                "postRenderers": [item.to_spec(f"post_renderers[{index}]") for index, item in enumerate(post_renderers)] or None,
                "postRenderStrategy": optional(validation.one_of, "post_render_strategy", self.post_render_strategy, POST_RENDER_STRATEGIES),
                "commonMetadata": common_metadata.to_spec() if common_metadata else None,
                "healthCheckExprs": [item.to_spec(f"health_check_exprs[{index}]") for index, item in enumerate(health_check_exprs)] or None,
                "persistentClient": optional(validation.boolean, "persistent_client", self.persistent_client),
                "waitStrategy": wait_strategy.to_spec() if wait_strategy else None,
                "suspend": flag("suspend", self.suspend),
            }
        )


def _with_shorthands(spec: dict[str, Any], shorthands: Mapping[str, tuple[tuple[str, ...], Any]], block: str) -> dict[str, Any]:
    """``spec`` (from the nested prop ``block``) with the CLI shorthands written in; one field set both ways is an error."""
    for argument, (path, value) in shorthands.items():
        target = spec
        for key in path[:-1]:
            target = target.setdefault(key, {})
        if path[-1] in target:
            raise ValidationError(
                argument, value, f"sets {block}.{'.'.join(path)}, which {block}= sets too", f"drop {argument}= or that field of {block}="
            )
        target[path[-1]] = value
    return {key: dict(sorted(value.items())) if isinstance(value, dict) else value for key, value in sorted(spec.items())}


def _with_api_version(value: object, ref: dict[str, str]) -> dict[str, str]:
    """A reference with the ``apiVersion`` an ``ObjectRef`` names (these references take one)."""
    if isinstance(value, ObjectRef) and value.api_version is not None:
        return dict(sorted({**ref, "apiVersion": value.api_version}.items()))
    return ref


def _dependency(item: object, where: str, namespace: str | None) -> dict[str, str]:
    out = name_ref(item, where, _DEPENDENCIES, namespace)
    if isinstance(item, HelmReleaseDependsOn) and item.ready_expr is not None:
        out["readyExpr"] = item.ready_expr
    return out


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


#: Another HelmRelease, ready first (``spec.dependsOn``); ``HelmReleaseDependsOn`` adds a ready_expr.
HelmReleaseDependency: TypeAlias = HelmRelease | ObjectRef
_DEPENDENCIES = accepts(HelmReleaseDependency)


__all__ = [
    "ChartMetadata",
    "ChartReference",
    "DriftDetection",
    "HelmRelease",
    "HelmReleaseDependency",
    "HelmReleaseDependsOn",
    "HelmReleaseInstall",
    "HelmReleaseProps",
    "HelmReleaseRollback",
    "HelmReleaseTest",
    "HelmReleaseUninstall",
    "HelmReleaseUpgrade",
    "InstallRemediation",
    "InstallStrategy",
    "KustomizePostRenderer",
    "ObjectRef",
    "PostRenderer",
    "TestFilter",
    "UpgradeRemediation",
    "UpgradeStrategy",
    "ValuesReference",
    "Verification",
    "WaitStrategy",
]
