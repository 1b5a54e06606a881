"""Flux Kustomization (kustomize.toolkit.fluxcd.io/v1), and the one that deploys a cdk8s chart.

``KustomizationProps`` has the spec fields in snake_case with the defaults of
``flux create kustomization --export`` (``path`` ``./``, ``prune`` off,
``interval`` 1m0s). ``Kustomization.for_chart`` is the Kustomization that
applies one chart of the app from the folder ``cdk8s-flux publish`` writes it
to, so the path is never typed twice; with ``post_build``, the chart's objects
are checked at synthesis for ``${var}`` placeholders the Kustomization leaves
undefined. ``cel_expression`` checks the CEL expressions Flux fields take.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeAlias, overload, runtime_checkable

import cdk8s
import jsii
import yaml
from constructs import Construct, IValidation, Node

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.layout import chart_folder
from cdk8s_flux.props import keyword_options
from cdk8s_flux.substitution import Var, admits, placeholders, text
from cdk8s_flux.target import Target, kustomization_path
from cdk8s_flux.v2.resource import (
    FluxObjectProps,
    FluxResource,
    ObjectRef,
    SpecObject,
    accepts,
    camel_case,
    compact,
    cross_namespace_ref,
    flag,
    name_ref,
    nested,
    optional,
    plain,
    secret_ref,
)
from cdk8s_flux.v2.sources import Bucket, GitRepository, OCIRepository

#: What a Kustomization applies from (``spec.sourceRef``); an ExternalArtifact only as an ``ObjectRef``.
KustomizationSource: TypeAlias = GitRepository | OCIRepository | Bucket | ObjectRef
_SOURCES = accepts(KustomizationSource, imported=("ExternalArtifact",))
DELETION_POLICIES = ("MirrorPrune", "Delete", "WaitForTermination", "Orphan")
BUILD_METADATA = ("originAnnotations", "transformerAnnotations")
SUBSTITUTE_STRATEGIES = ("WithVariables", "Always")
# Flux's rule for post-build variable names.
_VARIABLE = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")


@functools.cache
def _cel_environment() -> Any:
    import celpy  # loaded only when an expression is given

    return celpy.Environment()


def cel_expression(field_name: str, value: object) -> str:
    """A CEL expression that parses, as Flux will parse it; a typo is an error now, not a stuck reconciliation."""
    import celpy

    text = validation.string(field_name, value)
    try:
        _cel_environment().compile(text)
    except celpy.CELParseError as exc:
        where = f" at line {exc.line}, column {exc.column}" if exc.line is not None else ""
        raise ValidationError(field_name, text, f"does not parse as a CEL expression{where}", "correct the expression (Flux would reject it at reconciliation)") from None
    return text


@dataclass(frozen=True)
class Decryption(SpecObject):
    """Decrypt SOPS-encrypted files before applying (``spec.decryption``).

    provider: ``sops``, the only one. secret_ref: the Secret with the age, GPG or
    cloud KMS keys. service_account_name: whose workload identity reaches a
    cloud KMS instead.
    """

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name"}

    provider: str = "sops"
    secret_ref: str | None = None
    service_account_name: str | None = None

    def __post_init__(self) -> None:
        validation.one_of("decryption.provider", self.provider, ("sops",))
        optional(validation.dns1123_subdomain, "decryption.secret_ref", self.secret_ref)
        optional(validation.dns1123_subdomain, "decryption.service_account_name", self.service_account_name)

    def to_spec(self) -> dict[str, Any]:
        return compact(
            {"provider": self.provider, "secretRef": secret_ref("decryption.secret_ref", self.secret_ref), "serviceAccountName": self.service_account_name}
        )


@dataclass(frozen=True)
class HealthCheck:
    """An object whose readiness the Kustomization waits for (``spec.healthChecks``).

    kind, name: the object. namespace: the object's namespace; Flux does not default
    it to the Kustomization's, so leave it unset only for a cluster-scoped object.
    api_version: its API version (Flux takes ``apps/v1`` when unset). A Flux construct
    (a HelmRelease, another Kustomization) can be passed instead; its namespace is always written.
    """

    kind: str
    name: str
    namespace: str | None = None
    api_version: str | None = None

    def to_spec(self, where: str) -> dict[str, str]:
        return compact(
            {
                "apiVersion": optional(validation.string, f"{where}.api_version", self.api_version),
                "kind": validation.string(f"{where}.kind", self.kind),
                "name": validation.dns1123_subdomain(f"{where}.name", self.name),
                "namespace": optional(validation.dns1123_label, f"{where}.namespace", self.namespace),
            }
        )


@dataclass(frozen=True)
class PatchTarget:
    """Which objects a patch (or an ignore rule) applies to; unset fields match everything.

    group, version, kind, name, namespace: regular expressions on the object's
    API group, version, kind, name and namespace. label_selector,
    annotation_selector: Kubernetes selector expressions (``app=web,tier!=db``).
    """

    group: str | None = None
    version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    label_selector: str | None = None
    annotation_selector: str | None = None

    def to_spec(self, where: str) -> dict[str, str]:
        values = {camel_case(f.name): getattr(self, f.name) for f in dataclasses.fields(self)}
        for key, value in values.items():
            if value is not None:
                validation.string(f"{where}.{key}", value)
        return compact(values)


@dataclass(frozen=True)
class Patch:
    """A strategic merge or JSON 6902 patch, as YAML text or as the dict/list it reads as.

    target: the objects it applies to; a strategic merge patch without one
    applies to the object it names.
    """

    patch: str | Mapping[str, Any] | Sequence[Any]
    target: PatchTarget | None = None

    def to_spec(self, where: str) -> dict[str, Any]:
        text = self.patch
        if not isinstance(text, str):
            validation.json_value(f"{where}.patch", text)
            text = yaml.safe_dump(plain(text), sort_keys=True, default_flow_style=False)
        validation.string(f"{where}.patch", text)
        if self.target is not None and not isinstance(self.target, PatchTarget):
            raise ValidationError(f"{where}.target", self.target, "not a PatchTarget", "write PatchTarget(kind=..., name=...)")
        return compact({"patch": text, "target": self.target.to_spec(f"{where}.target") if self.target else None})


@dataclass(frozen=True)
class Image:
    """Override an image's name, tag or digest in every object (``spec.images``).

    name: the image as the manifests write it. new_name: another repository.
    new_tag: another tag. digest: pin to a digest (it wins over the tag).
    """

    name: str
    new_name: str | None = None
    new_tag: str | None = None
    digest: str | None = None

    def to_spec(self, where: str) -> dict[str, str]:
        if self.new_name is None and self.new_tag is None and self.digest is None:
            raise ValidationError(where, self.name, "changes nothing", "set new_name, new_tag or digest")
        return compact(
            {
                "name": validation.string(f"{where}.name", self.name),
                "newName": optional(validation.string, f"{where}.new_name", self.new_name),
                "newTag": optional(validation.string, f"{where}.new_tag", self.new_tag),
                "digest": optional(validation.string, f"{where}.digest", self.digest),
            }
        )


@dataclass(frozen=True)
class SubstituteReference:
    """A ConfigMap or Secret whose keys are post-build variables (``spec.postBuild.substituteFrom``).

    kind: ``ConfigMap`` or ``Secret``, in the Kustomization's namespace. name: its
    name. optional: when it is absent, go on without its variables instead of failing.
    """

    kind: str
    name: str
    optional: bool = False

    def to_spec(self, where: str) -> dict[str, Any]:
        return compact(
            {
                "kind": validation.one_of(f"{where}.kind", self.kind, ("ConfigMap", "Secret")),
                "name": validation.dns1123_subdomain(f"{where}.name", self.name),
                "optional": flag(f"{where}.optional", self.optional),
            }
        )


@dataclass(frozen=True)
class PostBuild(SpecObject):
    """Variable substitution after kustomize build: ``${var}`` from substitute and substitute_from.

    substitute: variables given here; they win over substitute_from, whose
    ConfigMaps and Secrets are read in order (a later one wins). substitute_strategy:
    ``WithVariables`` (Flux's default: substitute only when some variable is
    defined) or ``Always`` (also when none is, so ``${var:=default}`` still applies).
    """

    substitute: Mapping[str, str] = field(default_factory=dict)
    substitute_from: Sequence[SubstituteReference] = ()
    substitute_strategy: str | None = None

    def __post_init__(self) -> None:
        variables = validation.string_map("post_build.substitute", self.substitute)
        for key in variables:
            if not _VARIABLE.match(key):
                raise ValidationError(f"post_build.substitute[{key!r}]", key, "not a variable name", "use letters, digits and '_', not starting with a digit")
        for index, item in enumerate(validation.items("post_build.substitute_from", self.substitute_from)):
            if not isinstance(item, SubstituteReference):
                raise ValidationError(f"post_build.substitute_from[{index}]", item, "not a SubstituteReference", "write SubstituteReference(kind='ConfigMap', name=...)")
            item.to_spec(f"post_build.substitute_from[{index}]")
        optional(validation.one_of, "post_build.substitute_strategy", self.substitute_strategy, SUBSTITUTE_STRATEGIES)
        if not variables and not self.substitute_from and self.substitute_strategy != "Always":
            raise ValidationError("post_build", self, "empty", "set substitute or substitute_from (or substitute_strategy='Always'), or drop it")

    def to_spec(self) -> dict[str, Any]:
        references = [item.to_spec(f"post_build.substitute_from[{index}]") for index, item in enumerate(self.substitute_from)]
        return compact(
            {
                "substitute": dict(sorted(self.substitute.items())) or None,
                "substituteFrom": references or None,
                "substituteStrategy": self.substitute_strategy,
            }
        )


@dataclass(frozen=True)
class HealthCheckExpr:
    """How to read the health of a custom resource kind, as CEL expressions over the object (``spec.healthCheckExprs``).

    api_version: the kind's group (Flux ignores the version part). kind: the kind;
    unset, every kind of the group (a rule naming the kind wins). current: true
    when the object is ready (required). failed: true when it will not become
    ready. in_progress: true while it is still on its way. Flux tries
    in_progress, failed, current in that order.
    """

    api_version: str
    current: str
    kind: str | None = None
    failed: str | None = None
    in_progress: str | None = None

    def to_spec(self, where: str) -> dict[str, str]:
        return compact(
            {
                "apiVersion": validation.string(f"{where}.api_version", self.api_version),
                "kind": optional(validation.string, f"{where}.kind", self.kind),
                "current": cel_expression(f"{where}.current", self.current),
                "failed": optional(cel_expression, f"{where}.failed", self.failed),
                "inProgress": optional(cel_expression, f"{where}.in_progress", self.in_progress),
            }
        )


@dataclass(frozen=True)
class IgnoreRule:
    """Fields Flux leaves alone when it corrects drift (``spec.ignore``): JSON pointers, in the objects target picks.

    paths: RFC 6901 pointers such as ``/spec/replicas``. target: which objects;
    unset, every object the Kustomization applies.
    """

    paths: Sequence[str]
    target: PatchTarget | None = None

    def to_spec(self, where: str) -> dict[str, Any]:
        paths = validation.strings(f"{where}.paths", self.paths)
        if not paths:
            raise ValidationError(f"{where}.paths", self.paths, "empty", "list at least one JSON pointer, such as '/spec/replicas'")
        for index, path in enumerate(paths):
            if not path.startswith("/"):
                raise ValidationError(f"{where}.paths[{index}]", path, "not a JSON pointer", f"write it from the object's root: '/{path.lstrip('/')}'")
        target = nested(f"{where}.target", self.target, PatchTarget)
        return compact({"paths": list(paths), "target": target.to_spec(f"{where}.target") if target else None})


@dataclass(frozen=True)
class KubeConfig(SpecObject):
    """Apply to another cluster (``spec.kubeConfig``): a kubeconfig in a Secret, or a cloud cluster named in a ConfigMap.

    secret_ref: the Secret with the kubeconfig; key: its key (Flux's default
    ``value``). config_map_ref: a ConfigMap with ``provider``, ``cluster``,
    ``address`` ... for workload identity. One of secret_ref and config_map_ref.
    """

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "key": "secretRef.key", "config_map_ref": "configMapRef.name"}

    secret_ref: str | None = None
    key: str | None = None
    config_map_ref: str | None = None

    def __post_init__(self) -> None:
        if (self.secret_ref is None) == (self.config_map_ref is None):
            raise ValidationError("kube_config", self, "needs exactly one of secret_ref and config_map_ref", "name the kubeconfig Secret or the cluster ConfigMap")
        if self.key is not None and self.secret_ref is None:
            raise ValidationError("kube_config.key", self.key, "is a key of the kubeconfig Secret", "set secret_ref too, or drop key")
        optional(validation.dns1123_subdomain, "kube_config.secret_ref", self.secret_ref)
        optional(validation.dns1123_subdomain, "kube_config.config_map_ref", self.config_map_ref)
        optional(validation.string, "kube_config.key", self.key)

    def to_spec(self) -> dict[str, Any]:
        secret = compact({"name": self.secret_ref, "key": self.key}) if self.secret_ref is not None else None
        return compact({"secretRef": secret, "configMapRef": secret_ref("kube_config.config_map_ref", self.config_map_ref)})


@dataclass(frozen=True, kw_only=True)
class DependsOn(ObjectRef):
    """A Kustomization applied first, whose readiness a CEL expression judges instead of its Ready condition.

    name, namespace: the Kustomization (or ``DependsOn.of(construct, ready_expr=...)``).
    ready_expr: CEL over ``dep`` (the dependency) and ``self`` (this
    Kustomization); it replaces Flux's own check unless the controller's
    ``AdditiveCELDependencyCheck`` feature gate is on.
    """

    kind: str = "Kustomization"
    ready_expr: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        optional(cel_expression, "depends_on.ready_expr", self.ready_expr)

    @classmethod
    def of(cls, kustomization: Kustomization, *, ready_expr: str) -> DependsOn:
        """The dependency on a Kustomization this app defines."""
        if not isinstance(kustomization, Kustomization):
            raise ValidationError("kustomization", kustomization, "not a Kustomization", "pass the Kustomization construct")
        return cls(name=kustomization.name, namespace=kustomization.namespace, ready_expr=ready_expr)


@dataclass(frozen=True)
class CommonMetadata(SpecObject):
    """Labels and annotations Flux adds to every object it applies."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        labels = validation.labels("common_metadata.labels", self.labels)
        annotations = validation.annotation_map("common_metadata.annotations", self.annotations)
        if not labels and not annotations:
            raise ValidationError("common_metadata", self, "empty", "set labels or annotations, or drop it")

    def to_spec(self) -> dict[str, Any]:
        return compact({"labels": dict(sorted(self.labels.items())) or None, "annotations": dict(sorted(self.annotations.items())) or None})


def _typed_list(field_name: str, values: object, kind: type[Patch] | type[Image] | type[HealthCheckExpr] | type[IgnoreRule]) -> list[dict[str, Any]]:
    out = []
    for index, item in enumerate(validation.items(field_name, values)):
        if not isinstance(item, kind):
            raise ValidationError(f"{field_name}[{index}]", item, f"not a {kind.__name__}", f"write {kind.__name__}(...)")
        out.append(item.to_spec(f"{field_name}[{index}]"))
    return out


def _health_checks(values: object, namespace: str | Var | None) -> list[dict[str, str]]:
    out = []
    for index, item in enumerate(validation.items("health_checks", values)):
        where = f"health_checks[{index}]"
        if isinstance(item, FluxResource):
            check = {"apiVersion": item.api_version, "kind": item.kind, "name": text(item.name)}
            if item.namespace is None and namespace is not None:
                raise ValidationError(
                    where, f"{item.kind}/{text(item.name)}", "it has no namespace (namespace=None), so where Flux should look for it is unknown",
                    "give it a namespace, or write HealthCheck(kind=..., name=..., namespace=...)",
                )  # fmt: skip
            # Written even when it is the Kustomization's own: kustomize-controller v1.9.4 looks a health
            # check up with the namespace it names and defaults none (internal/inventory ReferenceToObjMetadataSet).
            if item.namespace is not None:
                check["namespace"] = text(item.namespace)
            out.append(check)
        elif isinstance(item, HealthCheck):
            out.append(item.to_spec(where))
        else:
            raise ValidationError(where, item, "not a HealthCheck or Flux object", "write HealthCheck(kind='Deployment', name=..., namespace=...)")
    return out


def _with_api_version(value: object, ref: dict[str, str]) -> dict[str, str]:
    """``ref`` with the ``apiVersion`` an ``ObjectRef`` names (``spec.sourceRef`` has one)."""
    if isinstance(value, ObjectRef) and value.api_version is not None:
        return {"apiVersion": value.api_version, **ref}
    return ref


def _dependency(item: object, where: str, namespace: str | None) -> dict[str, str]:
    out = name_ref(item, where, _DEPENDENCIES, namespace)
    if isinstance(item, DependsOn) and item.ready_expr is not None:
        out["readyExpr"] = item.ready_expr
    return out


def source_path(field_name: str, value: str | Var) -> str:
    """A path inside the source, written ``./...`` as ``flux create kustomization --path`` requires.

    A ``Var`` (or a string that is one placeholder) stands for the whole path and is
    written as its placeholder; placeholders inside a ``./`` path are kept as written.
    """
    if isinstance(value, Var) or (isinstance(value, str) and value.startswith("${") and admits(lambda _: False, value, field_name)):
        return text(value)
    if not isinstance(value, str) or not value.startswith("./"):
        suggestion = "./" + value.lstrip("./") if isinstance(value, str) else "./"
        raise ValidationError(field_name, value, "a Kustomization path must begin with './'", f"write {suggestion!r}")
    rest = value[2:].rstrip("/")
    if rest:
        validation.relative_path(field_name, rest)
    return value


@dataclass(frozen=True, kw_only=True)
class KustomizationProps(FluxObjectProps):
    """A Kustomization, as ``flux create kustomization`` takes it.

    source: the GitRepository, OCIRepository or Bucket to apply from (any
    namespace; ``ObjectRef`` for one made elsewhere). path: default ``./``,
    must begin with ``./``; ``None`` writes none (Flux then builds the source's root). prune: delete what disappears, default off (the
    CLI's; the CRD requires a value). interval: default ``1m0s``.
    depends_on: Kustomizations applied first (a ``DependsOn`` adds a CEL
    readiness expression). retry_interval: how soon to retry after a failure
    (Flux: the interval). timeout: of build, apply and health checks. wait:
    wait for every applied object to be ready. health_checks: wait for these
    objects only. health_check_exprs: how to read readiness of custom kinds.
    service_account_name: apply as this account. target_namespace: put every
    namespaced object there. decryption: SOPS. kube_config (or its shorthand
    kube_config_secret_ref, a Secret name): apply to a remote cluster. force:
    recreate objects whose immutable fields change. deletion_policy: what
    happens to the objects when the Kustomization goes. components, and
    ignore_missing_components: kustomize components to add, and whether a
    missing one is skipped. name_prefix, name_suffix: added to every name.
    patches, images: kustomize patches and image overrides. post_build:
    ``${var}`` substitution. common_metadata: labels and annotations for every
    object. build_metadata: kustomize build annotations to keep. ignore:
    fields drift correction leaves alone. suspend: stop reconciling.
    """

    KIND: ClassVar[str] = "Kustomization"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"source": "sourceRef", "kube_config_secret_ref": "kubeConfig.secretRef.name"}

    source: KustomizationSource
    path: str | Var | None = "./"
    prune: bool = False
    interval: str = "1m0s"
    retry_interval: str | None = None
    timeout: str | None = None
    wait: bool = False
    health_checks: Sequence[HealthCheck | FluxResource] = ()
    health_check_exprs: Sequence[HealthCheckExpr] = ()
    depends_on: Sequence[KustomizationDependency] = ()
    service_account_name: str | Var | None = None
    target_namespace: str | Var | None = None
    decryption: Decryption | None = None
    kube_config_secret_ref: str | None = None
    kube_config: KubeConfig | None = None
    force: bool = False
    deletion_policy: str | None = None
    components: Sequence[str] = ()
    ignore_missing_components: bool = False
    name_prefix: str | Var | None = None
    name_suffix: str | Var | None = None
    patches: Sequence[Patch] = ()
    images: Sequence[Image] = ()
    post_build: PostBuild | None = None
    common_metadata: CommonMetadata | None = None
    build_metadata: Sequence[str] = ()
    ignore: Sequence[IgnoreRule] = ()
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        depends_on = [_dependency(item, f"depends_on[{index}]", self.namespace) for index, item in enumerate(validation.items("depends_on", self.depends_on))]
        if self.kube_config is not None and self.kube_config_secret_ref is not None:
            raise ValidationError("kube_config_secret_ref", self.kube_config_secret_ref, "set together with kube_config", "write kube_config=KubeConfig(secret_ref=...) alone")
        kube_config = nested("kube_config", self.kube_config, KubeConfig)
        if self.kube_config_secret_ref is not None:
            kube_config = KubeConfig(secret_ref=validation.dns1123_subdomain("kube_config_secret_ref", self.kube_config_secret_ref))
        build_metadata = validation.strings("build_metadata", self.build_metadata)
        for index, option in enumerate(build_metadata):
            validation.one_of(f"build_metadata[{index}]", option, BUILD_METADATA)
        decryption = nested("decryption", self.decryption, Decryption)
        post_build = nested("post_build", self.post_build, PostBuild)
        common_metadata = nested("common_metadata", self.common_metadata, CommonMetadata)
        return compact(
            {
                "sourceRef": _with_api_version(self.source, cross_namespace_ref(self.source, "source", _SOURCES, self.namespace)),
                "path": optional(source_path, "path", self.path),
                "prune": validation.boolean("prune", self.prune),
                "interval": validation.flux_duration("interval", self.interval),
                "retryInterval": optional(validation.flux_duration, "retry_interval", self.retry_interval),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout),
                "wait": flag("wait", self.wait),
                "healthChecks": _health_checks(self.health_checks, self.namespace) or None,
                "healthCheckExprs": _typed_list("health_check_exprs", self.health_check_exprs, HealthCheckExpr) or None,
                "dependsOn": depends_on or None,
                "serviceAccountName": optional(validation.dns1123_subdomain, "service_account_name", self.service_account_name),
                "targetNamespace": optional(validation.dns1123_label, "target_namespace", self.target_namespace),
                "decryption": decryption.to_spec() if decryption else None,
                "kubeConfig": kube_config.to_spec() if kube_config else None,
                "force": flag("force", self.force),
                "deletionPolicy": optional(validation.one_of, "deletion_policy", self.deletion_policy, DELETION_POLICIES),
                "components": list(validation.strings("components", self.components)) or None,
                "ignoreMissingComponents": flag("ignore_missing_components", self.ignore_missing_components),
                "namePrefix": optional(validation.string, "name_prefix", self.name_prefix, max_length=200),
                "nameSuffix": optional(validation.string, "name_suffix", self.name_suffix, max_length=200),
                "patches": _typed_list("patches", self.patches, Patch) or None,
                "images": _typed_list("images", self.images, Image) or None,
                "postBuild": post_build.to_spec() if post_build else None,
                "commonMetadata": common_metadata.to_spec() if common_metadata else None,
                "buildMetadata": list(build_metadata) or None,
                "ignore": _typed_list("ignore", self.ignore, IgnoreRule) or None,
                "suspend": flag("suspend", self.suspend),
            }
        )


@runtime_checkable
class ChartSync(Protocol):
    """What ``Kustomization.for_chart`` reads of the app's ``FluxSync``: its source, target and own chart."""

    @property
    def source(self) -> GitRepository | OCIRepository: ...

    @property
    def target(self) -> Target: ...

    @property
    def chart(self) -> cdk8s.Chart | None: ...

    @property
    def node(self) -> Node: ...


class Kustomization(FluxResource):
    """A Flux Kustomization: builds a folder of a source with kustomize and applies it.

    ``applies`` holds the charts of this app whose objects it applies (set by
    ``for_chart``; empty for a Kustomization of a folder this app does not
    build). With ``post_build``, synthesizing checks that every ``${var}``
    without a default in those objects is defined.
    """

    props_type = KustomizationProps

    @overload
    def __init__(self, scope: Construct, id: str, props: KustomizationProps) -> None: ...
    @overload
    @keyword_options(KustomizationProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: KustomizationProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)
        self.applies: tuple[cdk8s.Chart, ...] = ()
        self.node.add_validation(_VariablesDefined(self))

    @classmethod
    def for_chart(cls, scope: Construct, id: str, *, chart: cdk8s.Chart, sync: ChartSync, **options: Any) -> Kustomization:
        """The Kustomization that applies ``chart`` from where ``cdk8s-flux publish`` puts it.

        ``sync`` is the app's ``FluxSync``: its source is the source, and its
        target's folder plus the chart's layout folder (``layout.chart_folder``)
        is the path. Other options are those of ``KustomizationProps``.
        """
        if not isinstance(sync, ChartSync):
            raise ValidationError("sync", sync, "not a FluxSync", "pass the FluxSync whose target cdk8s-flux publish writes to")
        if not isinstance(chart, cdk8s.Chart):
            raise ValidationError("chart", chart, "not a cdk8s Chart", "pass the chart to deploy")
        for taken in ("source", "path"):
            if taken in options:
                raise ValidationError(taken, options[taken], "for_chart sets it from the sync and the publish layout", f"drop {taken}=")
        if sync.chart is None:
            raise ValidationError(
                "sync", sync.node.path,
                f"its Kustomization applies the whole target folder {sync.target.kustomization_path}, this chart "
                "included, and two Kustomizations applying one object conflict",
                "create the FluxSync with chart=<the chart that holds it>, so it applies only that chart's folder",
            )
        if sync.chart is chart:
            raise ValidationError("chart", chart.node.path, "the FluxSync itself applies this chart", "deploy another chart")
        folder = chart_folder(chart)
        root = sync.target.path
        path = kustomization_path(f"{root}/{folder}" if root else folder)
        kustomization = cls(scope, id, source=sync.source, path=path, **options)
        kustomization.applies = (chart,)
        return kustomization


#: Objects Flux leaves unsubstituted when they carry this label or annotation with the value ``disabled``.
SUBSTITUTE_ANNOTATION = "kustomize.toolkit.fluxcd.io/substitute"


@jsii.implements(IValidation)
class _VariablesDefined:
    """At synth time: every ``${var}`` without a default in the applied charts' objects is a variable post_build defines.

    Runs only when every source of variables is known: the ``substitute`` map,
    and each ``substitute_from`` ConfigMap or Secret found among the objects of
    the app (in the Kustomization's namespace). One that the app does not define
    may hold any variable, so then nothing is refused.
    """

    def __init__(self, kustomization: Kustomization) -> None:
        self.kustomization = kustomization

    def validate(self) -> list[str]:
        props = self.kustomization.props
        assert isinstance(props, KustomizationProps)
        if props.post_build is None or not self.kustomization.applies:
            return []
        defined = _defined_variables(props.post_build, self.kustomization)
        if defined is None:
            return []
        problems: dict[str, str] = {}
        skipped = not defined and props.post_build.substitute_strategy != "Always"
        consequence = "Flux would leave it as written (with no variable at all it does not substitute)" if skipped else "Flux would write an empty string"
        for chart in self.kustomization.applies:
            for api_object in chart.api_objects:
                manifest = api_object.to_json()
                metadata = manifest.get("metadata") or {}
                if "disabled" in ((metadata.get("labels") or {}).get(SUBSTITUTE_ANNOTATION), (metadata.get("annotations") or {}).get(SUBSTITUTE_ANNOTATION)):
                    continue
                where = f"{manifest.get('kind')}/{metadata.get('name')} of chart {chart.node.id!r}"
                for string in _strings(manifest):
                    try:
                        variables = placeholders(string, where)
                    except ValidationError as exc:
                        problems.setdefault(f"parse:{where}", str(exc))
                        continue
                    for variable in variables:
                        if variable.default is None and variable.name not in defined and variable.name not in problems:
                            problems[variable.name] = str(
                                ValidationError(
                                    "post_build",
                                    f"${{{variable.name}}}",
                                    f"{where} uses the variable {variable.name!r}, which Kustomization {self.kustomization.name!r} "
                                    f"(namespace {self.kustomization.namespace}) does not define, and gives it no default; {consequence}",
                                    f"add {variable.name!r} to post_build=PostBuild(substitute={{...}}), or write Var({variable.name!r}, default=...) in the object",
                                )
                            )
        return list(problems.values())


def _defined_variables(post_build: PostBuild, kustomization: Kustomization) -> set[str] | None:
    """The variables post_build defines, or ``None`` when a ConfigMap or Secret it reads is not one of the app's objects."""
    defined = set(post_build.substitute)
    for reference in post_build.substitute_from:
        if kustomization.namespace is None:
            return None  # where it will be read from is decided when it is applied
        found = _find_object(kustomization, reference.kind, reference.name, text(kustomization.namespace))
        if found is None:
            return None
        defined |= set(found.get("data") or {}) | set(found.get("stringData") or {})
    return defined


def _find_object(construct: Construct, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
    for child in construct.node.root.node.find_all():
        if isinstance(child, cdk8s.ApiObject) and child.kind == kind and child.name == name and (child.metadata.namespace or "default") == namespace:
            manifest: dict[str, Any] = child.to_json()
            return manifest
    return None


def _strings(value: object) -> list[str]:
    """Every string in a manifest, keys included: Flux substitutes in the whole YAML text."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for key, item in value.items() for text in (*_strings(key), *_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


#: Another Kustomization, applied first (``spec.dependsOn``); a ``DependsOn`` (an ``ObjectRef``) adds a readiness expression.
KustomizationDependency: TypeAlias = Kustomization | ObjectRef
_DEPENDENCIES = accepts(KustomizationDependency)


__all__ = [
    "ChartSync",
    "CommonMetadata",
    "Decryption",
    "DependsOn",
    "HealthCheck",
    "HealthCheckExpr",
    "IgnoreRule",
    "Image",
    "KubeConfig",
    "Kustomization",
    "KustomizationDependency",
    "KustomizationProps",
    "KustomizationSource",
    "ObjectRef",
    "Patch",
    "PatchTarget",
    "PostBuild",
    "SubstituteReference",
]
