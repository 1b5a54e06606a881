"""What every Flux object construct shares: metadata, references, the escape hatch, the L1 object.

A Flux construct is a props value (a frozen dataclass derived from
``FluxObjectProps``) plus ``FluxResource``, which names the object and emits it
through ``cdk8s_flux.kube.api_object`` as the child ``Resource``, so
``ApiObject.of(construct)`` reaches it.

Naming: ``name`` defaults to the construct id, unchanged. Construct ids are part
of the contract (Flux prunes what disappears), so nothing is derived from paths
or hashes; an id that is not a valid object name is an error that asks for
``name=``. ``namespace`` defaults to ``flux-system``, as ``flux create`` does;
the enclosing chart's namespace is not used, so references between Flux
objects are known when the props are made.

References are objects: pass the construct (``source=git_repo``) or, for an
object this app does not define, an ``ObjectRef``. Each field emits the shape
Flux expects there, with ``namespace`` only when it differs from the
referrer's, and a cross-namespace reference where Flux allows none is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.kube import api_object
from cdk8s_flux.props import resolve_props

#: ``flux create --namespace`` default.
DEFAULT_NAMESPACE = "flux-system"

SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE_API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
HELM_API_VERSION = "helm.toolkit.fluxcd.io/v2"
NOTIFICATION_API_VERSION = "notification.toolkit.fluxcd.io/v1beta3"
RECEIVER_API_VERSION = "notification.toolkit.fluxcd.io/v1"
IMAGE_API_VERSION = "image.toolkit.fluxcd.io/v1"

#: The kind and API version of every object the constructs emit (the versions Flux v2.9 serves).
API_VERSIONS = {
    "GitRepository": SOURCE_API_VERSION,
    "OCIRepository": SOURCE_API_VERSION,
    "HelmRepository": SOURCE_API_VERSION,
    "HelmChart": SOURCE_API_VERSION,
    "Bucket": SOURCE_API_VERSION,
    "Kustomization": KUSTOMIZE_API_VERSION,
    "HelmRelease": HELM_API_VERSION,
    "Provider": NOTIFICATION_API_VERSION,
    "Alert": NOTIFICATION_API_VERSION,
    "Receiver": RECEIVER_API_VERSION,
    "ImageRepository": IMAGE_API_VERSION,
    "ImagePolicy": IMAGE_API_VERSION,
    "ImageUpdateAutomation": IMAGE_API_VERSION,
}


@dataclass(frozen=True)
class ObjectRef:
    """A Flux object this app does not define, such as the ``flux-system`` GitRepository of bootstrap.

    kind: its kind (``GitRepository``). name: its name. namespace: default the
    referrer's. api_version: only where Flux takes one (health checks).
    """

    kind: str
    name: str
    namespace: str | None = None
    api_version: str | None = None

    def __post_init__(self) -> None:
        validation.string("ObjectRef.kind", self.kind)
        if self.name != "*":  # Alerts and Receivers select every object of a kind with "*"
            validation.dns1123_subdomain("ObjectRef.name", self.name)
        if self.namespace is not None:
            validation.dns1123_label("ObjectRef.namespace", self.namespace)
        if self.api_version is not None:
            validation.string("ObjectRef.api_version", self.api_version)

    def ref(self, from_namespace: str | None = None) -> dict[str, str]:
        """``{kind, name, namespace}``, the namespace only when it differs from ``from_namespace``."""
        return _ref(self.kind, self.name, self.namespace, from_namespace)


def _ref(kind: str, name: str, namespace: str | None, from_namespace: str | None) -> dict[str, str]:
    out = {"kind": kind, "name": name}
    if namespace is not None and namespace != from_namespace:
        out["namespace"] = namespace
    return out


def _target(value: object, field_name: str, kinds: tuple[str, ...]) -> tuple[str, str, str | None, str | None]:
    """Kind, name, namespace and apiVersion of a referenced construct or ``ObjectRef``."""
    if isinstance(value, FluxResource) or isinstance(value, ObjectRef):
        kind, name, namespace, api_version = value.kind, value.name, value.namespace, value.api_version
    else:
        raise ValidationError(
            field_name,
            value,
            "not a Flux object",
            f"pass the construct (a {' or '.join(kinds)}) or ObjectRef(kind=..., name=...) for one made elsewhere",
        )
    if kind not in kinds:
        raise ValidationError(field_name, f"{kind}/{name}", f"a {kind} cannot be referenced here", f"reference a {' or '.join(kinds)}")
    if name == "*":
        raise ValidationError(field_name, f"{kind}/{name}", "'*' selects objects only in alerts and receivers", "name one object")
    return kind, name, namespace, api_version


def cross_namespace_ref(value: object, field_name: str, kinds: tuple[str, ...], namespace: str) -> dict[str, str]:
    """``{kind, name[, namespace]}`` for fields that may point into another namespace (``sourceRef``)."""
    kind, name, target_namespace, _ = _target(value, field_name, kinds)
    return _ref(kind, name, target_namespace, namespace)


def name_ref(value: object, field_name: str, kinds: tuple[str, ...], namespace: str) -> dict[str, str]:
    """``{name[, namespace]}`` for fields whose kind is implied (``dependsOn``, ``imageRepositoryRef``)."""
    _, name, target_namespace, _ = _target(value, field_name, kinds)
    out = {"name": name}
    if target_namespace is not None and target_namespace != namespace:
        out["namespace"] = target_namespace
    return out


def local_ref(value: object, field_name: str, kinds: tuple[str, ...], namespace: str, *, kind: bool) -> dict[str, str]:
    """``{[kind,] name}`` for fields that only reach the referrer's own namespace (``providerRef``)."""
    target_kind, name, target_namespace, _ = _target(value, field_name, kinds)
    if target_namespace is not None and target_namespace != namespace:
        raise ValidationError(
            field_name,
            f"{target_kind}/{name} in namespace {target_namespace}",
            f"Flux resolves this reference only in the object's own namespace ({namespace})",
            f"create the {target_kind} in namespace {namespace!r}, or set namespace={target_namespace!r} on this object",
        )
    return {"kind": target_kind, "name": name} if kind else {"name": name}


def secret_ref(field_name: str, name: str | None) -> dict[str, str] | None:
    """``{name}`` of a Secret (or ConfigMap) in the object's namespace; ``None`` when unset."""
    if name is None:
        return None
    return {"name": validation.dns1123_subdomain(field_name, name)}


def ignore_text(field_name: str, value: str | tuple[str, ...] | list[str] | None) -> str | None:
    """``spec.ignore`` of a source: gitignore lines, given as one string or as a list (``--ignore-paths``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return validation.string(field_name, value)
    lines = validation.strings(field_name, value)
    if not lines or any(not line or "\n" in line for line in lines):
        raise ValidationError(field_name, value, "empty, or a path that is empty or holds a line break", "give one path per item")
    return "\n".join(lines)


def flag(field_name: str, value: bool) -> bool | None:
    """``True`` for a boolean set to true, ``None`` (left out, as ``flux create`` does) for false."""
    return True if validation.boolean(field_name, value) else None


def optional(check: Any, field_name: str, value: Any, *args: Any, **kwargs: Any) -> Any:
    """``check(field_name, value, ...)`` when ``value`` is set; ``None`` otherwise."""
    return None if value is None else check(field_name, value, *args, **kwargs)


def plain(value: Any) -> Any:
    """``value`` with mappings as dicts (keys sorted, as ``flux create`` prints them) and sequences as lists."""
    if isinstance(value, Mapping):
        return {key: plain(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def compact(spec: Mapping[str, Any]) -> dict[str, Any]:
    """``spec`` without unset (``None``) fields, keys sorted as ``flux create --export`` prints them."""
    return {key: value for key, value in sorted(spec.items()) if value is not None}


@dataclass(frozen=True, kw_only=True)
class FluxObjectProps:
    """What every Flux object takes besides its spec.

    name: the object's name; default the construct id (which must then be a valid name).
    namespace: default ``flux-system``, as ``flux create``. labels, annotations: metadata.
    extra_spec: spec fields these props do not model, set as written and merged last;
    a field they do model is an error that names the argument to use instead.
    """

    KIND: ClassVar[str]
    #: Spec field -> the argument(s) that set it; an ``extra_spec`` key among them is refused.
    SPEC_FIELDS: ClassVar[Mapping[str, str]]

    name: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    extra_spec: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name is not None:
            validation.flux_name("name", self.name)
        validation.dns1123_label("namespace", self.namespace)
        validation.labels("labels", self.labels)
        for key in validation.string_map("annotations", self.annotations):
            validation.label_key(f"annotations[{key!r}]", key)
        if not isinstance(self.extra_spec, Mapping):
            raise ValidationError("extra_spec", self.extra_spec, "not a mapping", "write {'fieldName': value}")
        for key, value in self.extra_spec.items():
            validation.string("extra_spec", key)
            if key in self.SPEC_FIELDS:
                raise ValidationError(
                    f"extra_spec[{key!r}]",
                    value,
                    f"spec.{key} is modelled by {type(self).__name__}",
                    f"set {self.SPEC_FIELDS[key]}= instead",
                )
            validation.json_value(f"extra_spec[{key!r}]", value)
        self.spec()  # every reference and combination is checked now, not at synth time

    def spec(self) -> dict[str, Any]:
        """The object's ``spec`` from the modelled fields (without ``extra_spec``)."""
        raise NotImplementedError

    def manifest(self, name: str) -> dict[str, Any]:
        """The whole object, named ``name`` unless ``self.name`` is set."""
        metadata: dict[str, Any] = {}
        if self.annotations:
            metadata["annotations"] = dict(sorted(self.annotations.items()))
        if self.labels:
            metadata["labels"] = dict(sorted(self.labels.items()))
        metadata["name"] = validation.flux_name("name", self.name or name)
        metadata["namespace"] = self.namespace
        spec = {**self.spec(), **self.extra_spec}
        return {
            "apiVersion": API_VERSIONS[self.KIND],
            "kind": self.KIND,
            "metadata": metadata,
            "spec": dict(sorted(spec.items())),
        }


class FluxResource(Construct):
    """One Flux object; subclasses only name their props type.

    Give the options as keyword arguments or as one props value. ``manifest`` is
    the object as a dict; ``resource`` the ``ApiObject`` (child id ``Resource``).
    """

    props_type: ClassVar[type[FluxObjectProps]]

    def __init__(self, scope: Construct, id: str, props: FluxObjectProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        self.props = resolve_props(type(self).__name__, self.props_type, props, options)
        name = self.props.name or id
        if self.props.name is None and not _valid_name(name):
            raise ValidationError(
                "name",
                name,
                f"the construct id is used as the {self.props.KIND}'s name, and it is not a valid object name",
                f"pass name='{_suggest(name)}' (or use a lowercase id such as that)",
            )
        self.manifest = self.props.manifest(name)
        self.kind: str = self.props.KIND
        self.api_version: str = API_VERSIONS[self.kind]
        self.name: str = self.manifest["metadata"]["name"]
        self.namespace: str = self.props.namespace
        self.resource = api_object(self, "Resource", self.manifest)

    def ref(self, from_namespace: str | None = None) -> dict[str, str]:
        """``{kind, name, namespace}``, the namespace only when it differs from ``from_namespace``."""
        return _ref(self.kind, self.name, self.namespace, from_namespace)


def _valid_name(name: str) -> bool:
    try:
        validation.flux_name("name", name)
    except ValidationError:
        return False
    return True


def _suggest(name: str) -> str:
    lowered = "".join(c if c.isalnum() and c.isascii() else "-" for c in name.lower())
    return "-".join(part for part in lowered.split("-") if part)[:63] or "name"
