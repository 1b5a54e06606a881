"""Flux Kustomization (kustomize.toolkit.fluxcd.io/v1), and the one that deploys a cdk8s chart.

``KustomizationProps`` has the spec fields in snake_case with the defaults of
``flux create kustomization --export`` (``path`` ``./``, ``prune`` off,
``interval`` 1m0s). ``Kustomization.for_chart`` is the Kustomization that
applies one chart of the app from the folder ``cdk8s-flux publish`` writes it
to, so the path is never typed twice.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeAlias, overload, runtime_checkable

import cdk8s
import yaml
from constructs import Construct, Node

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.layout import chart_folder
from cdk8s_flux.props import keyword_options
from cdk8s_flux.target import Target, kustomization_path
from cdk8s_flux.v2.resource import (
    FluxObjectProps,
    FluxResource,
    ObjectRef,
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
# Flux's rule for post-build variable names.
_VARIABLE = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")


@dataclass(frozen=True)
class Decryption:
    """Decrypt SOPS-encrypted files before applying (``spec.decryption``); provider ``sops``."""

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

    A Flux construct (a HelmRelease, another Kustomization) can be passed instead.
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
    """Which objects a patch applies to; unset fields match everything."""

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
    """A strategic merge or JSON 6902 patch, as YAML text or as the dict/list it reads as."""

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
    """Override an image's name, tag or digest in every object (``spec.images``)."""

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
    """A ConfigMap or Secret whose keys are post-build variables; optional: do not fail when absent."""

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
class PostBuild:
    """Variable substitution after kustomize build: ``${var}`` from substitute and substitute_from."""

    substitute: Mapping[str, str] = field(default_factory=dict)
    substitute_from: Sequence[SubstituteReference] = ()

    def __post_init__(self) -> None:
        variables = validation.string_map("post_build.substitute", self.substitute)
        for key in variables:
            if not _VARIABLE.match(key):
                raise ValidationError(f"post_build.substitute[{key!r}]", key, "not a variable name", "use letters, digits and '_', not starting with a digit")
        for index, item in enumerate(validation.items("post_build.substitute_from", self.substitute_from)):
            if not isinstance(item, SubstituteReference):
                raise ValidationError(f"post_build.substitute_from[{index}]", item, "not a SubstituteReference", "write SubstituteReference(kind='ConfigMap', name=...)")
            item.to_spec(f"post_build.substitute_from[{index}]")
        if not variables and not self.substitute_from:
            raise ValidationError("post_build", self, "empty", "set substitute or substitute_from, or drop it")

    def to_spec(self) -> dict[str, Any]:
        references = [item.to_spec(f"post_build.substitute_from[{index}]") for index, item in enumerate(self.substitute_from)]
        return compact({"substitute": dict(sorted(self.substitute.items())) or None, "substituteFrom": references or None})


@dataclass(frozen=True)
class CommonMetadata:
    """Labels and annotations Flux adds to every object it applies."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        labels = validation.labels("common_metadata.labels", self.labels)
        annotations = validation.string_map("common_metadata.annotations", self.annotations)
        for key in annotations:
            validation.label_key(f"common_metadata.annotations[{key!r}]", key)
        if not labels and not annotations:
            raise ValidationError("common_metadata", self, "empty", "set labels or annotations, or drop it")

    def to_spec(self) -> dict[str, Any]:
        return compact({"labels": dict(sorted(self.labels.items())) or None, "annotations": dict(sorted(self.annotations.items())) or None})


def _typed_list(field_name: str, values: object, kind: type[Patch] | type[Image]) -> list[dict[str, Any]]:
    out = []
    for index, item in enumerate(validation.items(field_name, values)):
        if not isinstance(item, kind):
            raise ValidationError(f"{field_name}[{index}]", item, f"not a {kind.__name__}", f"write {kind.__name__}(...)")
        out.append(item.to_spec(f"{field_name}[{index}]"))
    return out


def _health_checks(values: object, namespace: str) -> list[dict[str, str]]:
    out = []
    for index, item in enumerate(validation.items("health_checks", values)):
        where = f"health_checks[{index}]"
        if isinstance(item, FluxResource):
            check = {"apiVersion": item.api_version, "kind": item.kind, "name": item.name}
            if item.namespace != namespace:
                check["namespace"] = item.namespace
            out.append(check)
        elif isinstance(item, HealthCheck):
            out.append(item.to_spec(where))
        else:
            raise ValidationError(where, item, "not a HealthCheck or Flux object", "write HealthCheck(kind='Deployment', name=..., namespace=...)")
    return out


def source_path(field_name: str, value: str) -> str:
    """A path inside the source, written ``./...`` as ``flux create kustomization --path`` requires."""
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
    must begin with ``./``. prune: delete what disappears, default off (the
    CLI's; the CRD requires a value). interval: default ``1m0s``.
    depends_on: Kustomizations applied first. health_checks, wait, timeout,
    retry_interval: readiness. target_namespace, service_account_name,
    decryption, kube_config_secret_ref, force, deletion_policy, components,
    name_prefix, name_suffix, patches, images, post_build, common_metadata, suspend: as in Flux.
    """

    KIND: ClassVar[str] = "Kustomization"
    SPEC_KEYS: ClassVar[dict[str, str]] = {"source": "sourceRef", "kube_config_secret_ref": "kubeConfig"}

    source: KustomizationSource
    path: str = "./"
    prune: bool = False
    interval: str = "1m0s"
    retry_interval: str | None = None
    timeout: str | None = None
    wait: bool = False
    health_checks: Sequence[HealthCheck | FluxResource] = ()
    depends_on: Sequence[KustomizationDependency] = ()
    service_account_name: str | None = None
    target_namespace: str | None = None
    decryption: Decryption | None = None
    kube_config_secret_ref: str | None = None
    force: bool = False
    deletion_policy: str | None = None
    components: Sequence[str] = ()
    name_prefix: str | None = None
    name_suffix: str | None = None
    patches: Sequence[Patch] = ()
    images: Sequence[Image] = ()
    post_build: PostBuild | None = None
    common_metadata: CommonMetadata | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        depends_on = [
            name_ref(item, f"depends_on[{index}]", _DEPENDENCIES, self.namespace)
            for index, item in enumerate(validation.items("depends_on", self.depends_on))
        ]
        decryption = nested("decryption", self.decryption, Decryption)
        post_build = nested("post_build", self.post_build, PostBuild)
        common_metadata = nested("common_metadata", self.common_metadata, CommonMetadata)
        return compact(
            {
                "sourceRef": cross_namespace_ref(self.source, "source", _SOURCES, self.namespace),
                "path": source_path("path", self.path),
                "prune": validation.boolean("prune", self.prune),
                "interval": validation.flux_duration("interval", self.interval),
                "retryInterval": optional(validation.flux_duration, "retry_interval", self.retry_interval),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout),
                "wait": flag("wait", self.wait),
                "healthChecks": _health_checks(self.health_checks, self.namespace) or None,
                "dependsOn": depends_on or None,
                "serviceAccountName": optional(validation.dns1123_subdomain, "service_account_name", self.service_account_name),
                "targetNamespace": optional(validation.dns1123_label, "target_namespace", self.target_namespace),
                "decryption": decryption.to_spec() if decryption else None,
                "kubeConfig": {"secretRef": secret_ref("kube_config_secret_ref", self.kube_config_secret_ref)}
                if self.kube_config_secret_ref is not None
                else None,
                "force": flag("force", self.force),
                "deletionPolicy": optional(validation.one_of, "deletion_policy", self.deletion_policy, DELETION_POLICIES),
                "components": list(validation.strings("components", self.components)) or None,
                "namePrefix": optional(validation.string, "name_prefix", self.name_prefix, max_length=200),
                "nameSuffix": optional(validation.string, "name_suffix", self.name_suffix, max_length=200),
                "patches": _typed_list("patches", self.patches, Patch) or None,
                "images": _typed_list("images", self.images, Image) or None,
                "postBuild": post_build.to_spec() if post_build else None,
                "commonMetadata": common_metadata.to_spec() if common_metadata else None,
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
    """A Flux Kustomization: builds a folder of a source with kustomize and applies it."""

    props_type = KustomizationProps

    @overload
    def __init__(self, scope: Construct, id: str, props: KustomizationProps) -> None: ...
    @overload
    @keyword_options(KustomizationProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: KustomizationProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)

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
        return cls(scope, id, source=sync.source, path=path, **options)


#: Another Kustomization, applied first (``spec.dependsOn``).
KustomizationDependency: TypeAlias = Kustomization | ObjectRef
_DEPENDENCIES = accepts(KustomizationDependency)


__all__ = [
    "ChartSync",
    "CommonMetadata",
    "Decryption",
    "HealthCheck",
    "Image",
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
