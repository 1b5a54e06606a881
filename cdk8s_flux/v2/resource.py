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

import copy
import dataclasses
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

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


@dataclass(frozen=True)
class Accepts:
    """What one reference field takes, read off its type: the construct classes, and the kinds an ``ObjectRef`` may name."""

    constructs: tuple[type[FluxResource], ...]
    kinds: tuple[str, ...]

    def takes(self, value: FluxResource | ObjectRef) -> bool:
        """Whether the field takes this construct, or an ``ObjectRef`` of this kind."""
        return isinstance(value, self.constructs) or (isinstance(value, ObjectRef) and value.kind in self.kinds)

    @property
    def listed(self) -> str:
        """The kinds, for messages: ``GitRepository, OCIRepository or Bucket``."""
        return ", ".join(self.kinds[:-1]) + " or " + self.kinds[-1] if len(self.kinds) > 1 else self.kinds[0]


def accepts(reference_type: object, *, imported: tuple[str, ...] = ()) -> Accepts:
    """The ``Accepts`` of a reference type: a union of construct classes and ``ObjectRef``.

    imported: kinds this library has no construct for (``ExternalArtifact``),
    which only an ``ObjectRef`` names. The run-time check and the static type
    are so one list, and cannot differ.
    """
    members = typing.get_args(reference_type) or (reference_type,)
    if ObjectRef not in members:
        raise TypeError(f"{reference_type} has no ObjectRef, the route for objects made elsewhere")
    constructs = tuple(m for m in members if isinstance(m, type) and issubclass(m, FluxResource))
    return Accepts(constructs, tuple(c.props_type.KIND for c in constructs) + imported)


def _target(value: object, field_name: str, accepted: Accepts) -> tuple[str, str, str | None]:
    """Kind, name and namespace of a referenced construct or ``ObjectRef``."""
    if not isinstance(value, (FluxResource, ObjectRef)):
        raise ValidationError(
            field_name,
            value,
            "not a Flux object",
            f"pass the construct (a {accepted.listed}) or ObjectRef(kind=..., name=...) for one made elsewhere",
        )
    kind, name, namespace = value.kind, value.name, value.namespace
    if not accepted.takes(value):
        raise ValidationError(field_name, f"{kind}/{name}", f"a {kind} cannot be referenced here", f"reference a {accepted.listed}")
    if name == "*":
        raise ValidationError(field_name, f"{kind}/{name}", "'*' selects objects only in alerts and receivers", "name one object")
    return kind, name, namespace


def cross_namespace_ref(value: object, field_name: str, accepted: Accepts, namespace: str) -> dict[str, str]:
    """``{kind, name[, namespace]}`` for fields that may point into another namespace (``sourceRef``)."""
    kind, name, target_namespace = _target(value, field_name, accepted)
    return _ref(kind, name, target_namespace, namespace)


def name_ref(value: object, field_name: str, accepted: Accepts, namespace: str) -> dict[str, str]:
    """``{name[, namespace]}`` for fields whose kind is implied (``dependsOn``, ``imageRepositoryRef``)."""
    _, name, target_namespace = _target(value, field_name, accepted)
    out = {"name": name}
    if target_namespace is not None and target_namespace != namespace:
        out["namespace"] = target_namespace
    return out


def local_ref(value: object, field_name: str, accepted: Accepts, namespace: str, *, kind: bool) -> dict[str, str]:
    """``{[kind,] name}`` for fields that only reach the referrer's own namespace (``providerRef``)."""
    target_kind, name, target_namespace = _target(value, field_name, accepted)
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


def ignore_text(field_name: str, value: str | Sequence[str] | None) -> str | None:
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


_N = TypeVar("_N")


def nested(field_name: str, value: _N | None, kind: type[_N]) -> _N | None:
    """``value`` when it is a ``kind`` or unset: a nested spec given as a dict or string is an error here."""
    if value is not None and not isinstance(value, kind):
        raise ValidationError(field_name, value, f"not a {kind.__name__}", f"write {field_name}={kind.__name__}(...)")
    return value


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


def camel_case(name: str) -> str:
    """``service_account_name`` -> ``serviceAccountName``: how Flux spells the spec field of a snake_case argument."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True, kw_only=True)
class FluxObjectProps:
    """What every Flux object takes besides its spec.

    name: the object's name; default the construct id (which must then be a valid name).
    namespace: default ``flux-system``, as ``flux create``. labels, annotations: metadata.
    extra_spec: spec fields these props do not model, set as written and merged last;
    a field they do model is an error that names the argument to use instead.

    Everything is checked once, when the value is made; ``manifest`` only reads.
    """

    KIND: ClassVar[str]
    #: The arguments whose spec field is not their name in camelCase (``source`` sets ``sourceRef``).
    SPEC_KEYS: ClassVar[Mapping[str, str]] = {}

    name: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    extra_spec: Mapping[str, Any] = field(default_factory=dict)
    _spec: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.name is not None:
            validation.flux_name("name", self.name)
        validation.dns1123_label("namespace", self.namespace)
        validation.labels("labels", self.labels)
        for key in validation.string_map("annotations", self.annotations):
            validation.label_key(f"annotations[{key!r}]", key)
        if not isinstance(self.extra_spec, Mapping):
            raise ValidationError("extra_spec", self.extra_spec, "not a mapping", "write {'fieldName': value}")
        modelled = self.spec_fields()
        for key, value in self.extra_spec.items():
            validation.string("extra_spec", key)
            if key in modelled:
                raise ValidationError(
                    f"extra_spec[{key!r}]", value, f"spec.{key} is modelled by {type(self).__name__}", f"set {', '.join(modelled[key])}= instead"
                )
            validation.json_value(f"extra_spec[{key!r}]", value)
        spec = {**self._make_spec(), **self.extra_spec}
        object.__setattr__(self, "_spec", dict(sorted(spec.items())))

    @classmethod
    def spec_fields(cls) -> dict[str, tuple[str, ...]]:
        """Spec field -> the arguments that set it, read off the dataclass fields (and ``SPEC_KEYS``)."""
        return _spec_fields(cls)

    def _make_spec(self) -> dict[str, Any]:
        """The ``spec`` from the modelled fields, each checked; ``__post_init__`` calls it once."""
        raise NotImplementedError

    @property
    def spec(self) -> dict[str, Any]:
        """The object's ``spec``: the modelled fields and ``extra_spec``, keys sorted."""
        return copy.deepcopy(self._spec)

    def manifest(self, name: str) -> dict[str, Any]:
        """The whole object, named ``self.name``, else ``name`` (the construct id)."""
        metadata: dict[str, Any] = {}
        if self.annotations:
            metadata["annotations"] = dict(sorted(self.annotations.items()))
        if self.labels:
            metadata["labels"] = dict(sorted(self.labels.items()))
        metadata["name"] = self.name if self.name is not None else _id_name(self.KIND, name)
        metadata["namespace"] = self.namespace
        return {"apiVersion": API_VERSIONS[self.KIND], "kind": self.KIND, "metadata": metadata, "spec": self.spec}


#: The fields of ``FluxObjectProps`` itself: metadata, not spec.
_METADATA_FIELDS = frozenset(f.name for f in dataclasses.fields(FluxObjectProps))


def _spec_fields(props_type: type[FluxObjectProps]) -> dict[str, tuple[str, ...]]:
    arguments = [f.name for f in dataclasses.fields(props_type) if f.name not in _METADATA_FIELDS]
    unknown = set(props_type.SPEC_KEYS) - set(arguments)
    if unknown:
        raise TypeError(f"{props_type.__name__}.SPEC_KEYS names {sorted(unknown)}, which are not its fields")
    out: dict[str, tuple[str, ...]] = {}
    for argument in arguments:
        key = props_type.SPEC_KEYS.get(argument, camel_case(argument))
        out[key] = (*out.get(key, ()), argument)
    return out


def _id_name(kind: str, name: str) -> str:
    """The construct id as the object's name, or an error that suggests a ``name=``."""
    if not validation.is_flux_name(name):
        raise ValidationError(
            "name",
            name,
            f"the construct id is used as the {kind}'s name, and it is not a valid object name",
            f"pass name='{_suggest(name)}' (or use a lowercase id such as that)",
        )
    return name


class FluxResource(Construct):
    """One Flux object; subclasses only name their props type.

    Give the options as keyword arguments or as one props value. ``manifest`` is
    the object as a dict; ``resource`` the ``ApiObject`` (child id ``Resource``).
    """

    props_type: ClassVar[type[FluxObjectProps]]

    def __init__(self, scope: Construct, id: str, props: FluxObjectProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        self.props = resolve_props(type(self).__name__, self.props_type, props, options)
        self.manifest = self.props.manifest(id)
        self.kind: str = self.props.KIND
        self.api_version: str = API_VERSIONS[self.kind]
        self.name: str = self.manifest["metadata"]["name"]
        self.namespace: str = self.props.namespace
        self.resource = api_object(self, "Resource", self.manifest)

    def ref(self, from_namespace: str | None = None) -> dict[str, str]:
        """``{kind, name, namespace}``, the namespace only when it differs from ``from_namespace``."""
        return _ref(self.kind, self.name, self.namespace, from_namespace)


def _suggest(name: str) -> str:
    lowered = "".join(c if c.isalnum() and c.isascii() else "-" for c in name.lower())
    return "-".join(part for part in lowered.split("-") if part)[:63] or "name"
