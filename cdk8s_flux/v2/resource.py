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
objects are known when the props are made. ``namespace=None`` writes no
``metadata.namespace`` at all: the object lands where it is applied (the
``targetNamespace`` of the Kustomization that applies it).

Construct ids are per kind: the node of ``HelmRelease(chart, "podinfo")`` is
``HelmRelease:podinfo`` in the construct tree, so a HelmRepository and a
HelmRelease may both be ``podinfo``, as Flux repositories name them. Two
constructs of one kind with one id in one scope are an error that names both.

Names and namespaces (and the names in references) take a ``Var`` or a string
with ``${...}`` placeholders, which a Kustomization's post-build substitution
fills in (``cdk8s_flux.substitution``).

References are objects: pass the construct (``source=git_repo``) or, for an
object this app does not define, an ``ObjectRef``. Each field emits the shape
Flux expects there, with ``namespace`` only when it differs from the
referrer's, and a cross-namespace reference where Flux allows none is an error.
A construct with ``namespace=None`` can be referenced only from objects that
also have none (both then land in one namespace); from any other, which
namespace it will be in is unknown, and that is an error.

``extra_spec`` writes spec fields the props do not model (a field of a newer
Flux): it is merged into the spec, into modelled objects too, and refuses only
a field the props write (naming the argument). The final object, with
``extra_spec`` and any JSON patch added later through
``ApiObject.of(construct).add_json_patch(...)``, is checked against the Flux
CRD schema and CEL rules when the app is synthesized.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import cdk8s
import jsii
from constructs import Construct, IValidation

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.kube import api_object
from cdk8s_flux.props import resolve_props
from cdk8s_flux.substitution import Var, has_placeholders, text

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
    referrer's. api_version: only where Flux takes one (health checks, and the
    ``apiVersion`` a few references carry). name and namespace may be a ``Var``
    or hold ``${...}`` placeholders; they are kept as the text written.
    """

    kind: str
    name: str | Var
    namespace: str | Var | None = None
    api_version: str | None = None

    def __post_init__(self) -> None:
        validation.string("ObjectRef.kind", self.kind)
        if self.name != "*":  # Alerts and Receivers select every object of a kind with "*"
            object.__setattr__(self, "name", validation.dns1123_subdomain("ObjectRef.name", self.name))
        if self.namespace is not None:
            object.__setattr__(self, "namespace", validation.dns1123_label("ObjectRef.namespace", self.namespace))
        if self.api_version is not None:
            validation.string("ObjectRef.api_version", self.api_version)

    def ref(self, from_namespace: str | None = None) -> dict[str, str]:
        """``{kind, name, namespace}``, the namespace only when it differs from ``from_namespace``."""
        return _ref(self.kind, self.name, self.namespace, from_namespace)


def _ref(kind: str, name: str | Var, namespace: str | Var | None, from_namespace: str | Var | None) -> dict[str, str]:
    out = {"kind": kind, "name": text(name)}
    if namespace is not None and text(namespace) != _text(from_namespace):
        out["namespace"] = text(namespace)
    return out


def _text(value: str | Var | None) -> str | None:
    return None if value is None else text(value)


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


def _target(value: object, field_name: str, accepted: Accepts, namespace: str | Var | None = None) -> tuple[str, str, str | None]:
    """Kind, name and namespace of a referenced construct or ``ObjectRef``, seen from an object in ``namespace``.

    A construct without a namespace (``namespace=None``) is in the referrer's
    namespace only when the referrer has none either; from any other, it is an error.
    """
    if not isinstance(value, (FluxResource, ObjectRef)):
        raise ValidationError(
            field_name,
            value,
            "not a Flux object",
            f"pass the construct (a {accepted.listed}) or ObjectRef(kind=..., name=...) for one made elsewhere",
        )
    kind, name, target_namespace = value.kind, text(value.name), _text(value.namespace)
    if not accepted.takes(value):
        raise ValidationError(field_name, f"{kind}/{name}", f"a {kind} cannot be referenced here", f"reference a {accepted.listed}")
    if name == "*":
        raise ValidationError(field_name, f"{kind}/{name}", "'*' selects objects only in alerts and receivers", "name one object")
    if isinstance(value, FluxResource) and target_namespace is None and namespace is not None:
        raise ValidationError(
            field_name,
            f"{kind}/{name}",
            f"it has no namespace in its object (namespace=None), so from namespace {text(namespace)!r} where it will be is unknown",
            f"give the {kind} a namespace, or set namespace=None on this object too (both then land in one namespace)",
        )
    return kind, name, target_namespace


def cross_namespace_ref(value: object, field_name: str, accepted: Accepts, namespace: str | Var | None) -> dict[str, str]:
    """``{kind, name[, namespace]}`` for fields that may point into another namespace (``sourceRef``)."""
    kind, name, target_namespace = _target(value, field_name, accepted, namespace)
    return _ref(kind, name, target_namespace, namespace)


def name_ref(value: object, field_name: str, accepted: Accepts, namespace: str | Var | None) -> dict[str, str]:
    """``{name[, namespace]}`` for fields whose kind is implied (``dependsOn``, ``imageRepositoryRef``)."""
    _, name, target_namespace = _target(value, field_name, accepted, namespace)
    out = {"name": name}
    if target_namespace is not None and target_namespace != _text(namespace):
        out["namespace"] = target_namespace
    return out


def local_ref(value: object, field_name: str, accepted: Accepts, namespace: str | Var | None, *, kind: bool) -> dict[str, str]:
    """``{[kind,] name}`` for fields that only reach the referrer's own namespace (``providerRef``)."""
    target_kind, name, target_namespace = _target(value, field_name, accepted, namespace)
    if target_namespace is not None and target_namespace != _text(namespace):
        raise ValidationError(
            field_name,
            f"{target_kind}/{name} in namespace {target_namespace}",
            f"Flux resolves this reference only in the object's own namespace ({_text(namespace) or 'none set'})",
            f"create the {target_kind} in namespace {_text(namespace)!r}, or set namespace={target_namespace!r} on this object",
        )
    return {"kind": target_kind, "name": name} if kind else {"name": name}


def secret_ref(field_name: str, name: str | Var | None) -> dict[str, str] | None:
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
    return text(value) if isinstance(value, Var) else value


def _written(value: Any) -> Any:
    """``value`` with every ``Var`` as the plain string it renders to (what YAML writers take), order kept."""
    if isinstance(value, dict):
        return {key: _written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_written(item) for item in value]
    return text(value) if isinstance(value, Var) else value


def compact(spec: Mapping[str, Any]) -> dict[str, Any]:
    """``spec`` without unset (``None``) fields, keys sorted as ``flux create --export`` prints them."""
    return {key: value for key, value in sorted(spec.items()) if value is not None}


def camel_case(name: str) -> str:
    """``service_account_name`` -> ``serviceAccountName``: how Flux spells the spec field of a snake_case argument."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


class SpecObject:
    """Base of a nested part of a spec written as a frozen dataclass (``install``, ``upgrade.remediation`` ...).

    Its fields are the CRD's fields below that key, in snake_case (``SPEC_KEYS``
    names the others), so the ``extra_spec`` guard knows which fields under it
    the props write and may merge the rest in.
    """

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {}


#: Spec path -> how the arguments that write it are spelled (``install=HelmReleaseInstall(timeout=...)``).
ModelledPaths = dict[tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True, kw_only=True)
class FluxObjectProps:
    """What every Flux object takes besides its spec.

    name: the object's name; default the construct id (which must then be a valid name).
    namespace: default ``flux-system``, as ``flux create``; ``None`` writes no
    namespace, so the object lands where it is applied. name and namespace may
    be a ``Var`` or hold ``${...}`` placeholders. labels, annotations: metadata.
    extra_spec: spec fields these props do not model (a newer Flux's), merged
    last, into modelled objects too; a field the props write is an error that
    names the argument to use instead.

    Everything is checked once, when the value is made; ``manifest`` only reads.
    """

    KIND: ClassVar[str]
    #: Arguments whose spec field is not their name in camelCase (``source`` sets ``sourceRef``):
    #: a key, a dotted path (``install.remediation.retries``) or several paths.
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {}

    name: str | Var | None = None
    namespace: str | Var | None = DEFAULT_NAMESPACE
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    extra_spec: Mapping[str, Any] = field(default_factory=dict)
    _spec: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.name is not None:
            object.__setattr__(self, "name", validation.flux_name("name", self.name))
        if self.namespace is not None:
            object.__setattr__(self, "namespace", validation.dns1123_label("namespace", self.namespace))
        validation.labels("labels", self.labels)
        validation.annotation_map("annotations", self.annotations)
        if not isinstance(self.extra_spec, Mapping):
            raise ValidationError("extra_spec", self.extra_spec, "not a mapping", "write {'fieldName': value}")
        spec = self._make_spec()
        _merge(spec, self.extra_spec, modelled_paths(type(self)), type(self).__name__, ())
        object.__setattr__(self, "_spec", _written(dict(sorted(spec.items()))))

    @classmethod
    def spec_fields(cls) -> dict[str, tuple[str, ...]]:
        """Top-level spec field -> the arguments that write into it, read off the dataclass fields (and ``SPEC_KEYS``)."""
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
        metadata["name"] = text(self.name) if self.name is not None else _id_name(self.KIND, name)
        if self.namespace is not None:
            metadata["namespace"] = text(self.namespace)
        return {"apiVersion": API_VERSIONS[self.KIND], "kind": self.KIND, "metadata": metadata, "spec": self.spec}


#: The fields of ``FluxObjectProps`` itself: metadata, not spec.
_METADATA_FIELDS = frozenset(f.name for f in dataclasses.fields(FluxObjectProps))


def _paths(owner: type, argument: str) -> tuple[tuple[str, ...], ...]:
    keys = owner.SPEC_KEYS.get(argument, camel_case(argument))  # type: ignore[attr-defined]
    return tuple(tuple(key.split(".")) for key in ((keys,) if isinstance(keys, str) else keys))


def _spec_fields(props_type: type[FluxObjectProps]) -> dict[str, tuple[str, ...]]:
    arguments = [f.name for f in dataclasses.fields(props_type) if f.name not in _METADATA_FIELDS]
    unknown = set(props_type.SPEC_KEYS) - set(arguments)
    if unknown:
        raise TypeError(f"{props_type.__name__}.SPEC_KEYS names {sorted(unknown)}, which are not its fields")
    out: dict[str, tuple[str, ...]] = {}
    for argument in arguments:
        for key in dict.fromkeys(path[0] for path in _paths(props_type, argument)):
            out[key] = (*out.get(key, ()), argument)
    return out


def _spec_object(hint: object) -> type[SpecObject] | None:
    """The ``SpecObject`` class a field's type names (alone or in a union with ``None`` or a shorthand), if any."""
    members = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    found = [m for m in members if isinstance(m, type) and issubclass(m, SpecObject)]
    return found[0] if len(found) == 1 else None


_MODELLED: dict[type, ModelledPaths] = {}


def _modelled(owner: type) -> ModelledPaths:
    if owner not in _MODELLED:
        _MODELLED[owner] = _read_modelled(owner)
    return _MODELLED[owner]


def _read_modelled(owner: type) -> ModelledPaths:
    hints = typing.get_type_hints(owner)
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    metadata = _METADATA_FIELDS if issubclass(owner, FluxObjectProps) else frozenset()
    for item in dataclasses.fields(owner):
        if item.name in metadata or not item.init:
            continue
        block = _spec_object(hints[item.name])
        if block is None:
            written: ModelledPaths = {(): (f"{item.name}=",)}
        else:
            written = {
                path: tuple(f"{item.name}={block.__name__}({inner if inner.endswith(')') else inner + '...'})" for inner in spellings)
                for path, spellings in _modelled(block).items()
            }
        for prefix in _paths(owner, item.name):
            for path, spellings in written.items():
                out[prefix + path] = (*out.get(prefix + path, ()), *spellings)
    return out


def modelled_paths(props_type: type[FluxObjectProps]) -> ModelledPaths:
    """Every spec field the props write, as a path, with the arguments that write it.

    Read off the dataclass fields: a field whose type is a ``SpecObject`` is
    followed into; any other (a scalar, a list, a reference, a map) writes the
    whole value at its path.
    """
    _spec_fields(props_type)  # refuses SPEC_KEYS that name no field
    return _modelled(props_type)


def _merge(spec: dict[str, Any], extra: Mapping[str, Any], modelled: ModelledPaths, owner: str, at: tuple[str, ...]) -> None:
    """Merge ``extra`` (from ``extra_spec``) into ``spec`` at ``at``, refusing what the props write."""
    for key, value in extra.items():
        validation.string("extra_spec", key)
        path = (*at, key)
        where = "extra_spec" + "".join(f"[{part!r}]" for part in path)
        dotted = "spec." + ".".join(path)
        if path in modelled:
            raise ValidationError(where, value, f"{dotted} is modelled by {owner}", f"set {' or '.join(modelled[path])} instead")
        below = sorted({spelling for p, spellings in modelled.items() if p[: len(path)] == path for spelling in spellings})
        current = spec.get(key)
        if below or isinstance(current, dict):
            if not isinstance(value, Mapping):
                written = ", ".join(below) or "the props"
                raise ValidationError(where, value, f"{dotted} is an object {owner} writes into ({written})", "give a mapping of the fields to add to it")
            target = current if isinstance(current, dict) else {}
            _merge(target, value, modelled, owner, path)
            spec[key] = dict(sorted(target.items()))
        elif key in spec:
            raise ValidationError(where, value, f"{dotted} is written by {owner}", "drop it from extra_spec")
        else:
            validation.json_value(where, value)
            spec[key] = plain(value)


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


def node_id(kind: str, id: str) -> str:
    """The id of a Flux construct's node in the construct tree: per kind, so ``podinfo`` may name a source and a release."""
    return f"{kind}:{id}"


class FluxResource(Construct):
    """One Flux object; subclasses only name their props type.

    Give the options as keyword arguments or as one props value. ``manifest`` is
    the object as built from the props; ``resource`` the ``ApiObject`` (child id
    ``Resource``), where JSON patches go. The node's id is ``<Kind>:<id>``.
    """

    props_type: ClassVar[type[FluxObjectProps]]

    def __init__(self, scope: Construct, id: str, props: FluxObjectProps | None = None, **options: Any) -> None:
        kind = self.props_type.KIND
        props_value = resolve_props(type(self).__name__, self.props_type, props, options)
        manifest = props_value.manifest(id)
        existing = scope.node.try_find_child(node_id(kind, id))
        if existing is not None:
            _refuse_twin(scope, kind, id, existing, manifest)
        super().__init__(scope, node_id(kind, id))
        self.props = props_value
        self.manifest = manifest
        self.kind: str = kind
        self.api_version: str = API_VERSIONS[self.kind]
        self.name: str = self.manifest["metadata"]["name"]
        self.namespace: str | None = self.manifest["metadata"].get("namespace")
        self.resource = api_object(self, "Resource", self.manifest)
        if self.namespace is None and cdk8s.Chart.of(self).namespace:
            # cdk8s would stamp the chart's namespace on an object that has none
            self.resource.add_json_patch(cdk8s.JsonPatch.remove("/metadata/namespace"))
        self.node.add_validation(_FinalCheck(self))

    def ref(self, from_namespace: str | None = None) -> dict[str, str]:
        """``{kind, name, namespace}``, the namespace only when it differs from ``from_namespace``."""
        return _ref(self.kind, self.name, self.namespace, from_namespace)

    def problems(self) -> list[str]:
        """What the Flux v2.9.4 CRD schema and CEL rules refuse in the object as it will be written.

        That is the object with ``extra_spec`` and every JSON patch applied. Not
        counted: fields the CRD does not know (a newer Flux's, which the render
        checks against the app's Flux release) and values holding ``${...}``
        placeholders, which Flux substitutes before the API server sees them.
        """
        from cdk8s_flux.release.embedded import EMBEDDED_VERSION
        from cdk8s_flux.validate import validate_objects

        obj = self.resource.to_json()
        found = []
        for problem in validate_objects([obj], flux_version=EMBEDDED_VERSION):
            if problem.message.startswith(_UNKNOWN_FIELD) or _holds_placeholders(_value_at(obj, problem.path)):
                continue
            found.append(
                f"{self.kind} {self.name!r}: {problem.path or '(object)'}: {problem.message}. "
                "Fix: correct the value in the props, extra_spec or JSON patch that writes it"
            )
        return found


# jsonschema's words for a field the schema does not define.
_UNKNOWN_FIELD = "Additional properties are not allowed"


@jsii.implements(IValidation)
class _FinalCheck:
    """The check cdk8s runs on synthesis: the object as written, after extra_spec and patches."""

    def __init__(self, resource: FluxResource) -> None:
        self._resource = resource

    def validate(self) -> list[str]:
        return self._resource.problems()


def _value_at(obj: Any, path: str) -> Any:
    """The value at a dotted path with ``[n]`` indexes, or ``None`` when there is none."""
    value = obj
    for part in filter(None, path.replace("[", ".[").split(".")):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit() and isinstance(value, list):
            index = int(part[1:-1])
            value = value[index] if index < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _holds_placeholders(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_holds_placeholders(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_placeholders(item) for item in value)
    return isinstance(value, str) and "${" in value and has_placeholders(value)


def _refuse_twin(scope: Construct, kind: str, id: str, existing: object, manifest: Mapping[str, Any]) -> None:
    """The error for a second construct of one kind with one id in one scope."""
    metadata = manifest["metadata"]
    where = scope.node.path or "the app"
    other = existing.manifest["metadata"] if isinstance(existing, FluxResource) else {}
    first = f"{kind} {other.get('name', id)!r} in namespace {other.get('namespace')!r}" if other else f"a construct {id!r}"
    second = f"{kind} {metadata['name']!r} in namespace {metadata.get('namespace')!r}"
    raise ValidationError(
        "id",
        id,
        f"{where} already has a {kind} with this id ({first}), so {second} cannot be added with it",
        f"give one of them another id and keep the object name with name={metadata['name']!r}, "
        f"such as {kind}(scope, '{_suggest(id + '-' + str(metadata.get('namespace') or 'other'))}', name={metadata['name']!r}, ...)",
    )


def _suggest(name: str) -> str:
    lowered = "".join(c if c.isalnum() and c.isascii() else "-" for c in name.lower())
    return "-".join(part for part in lowered.split("-") if part)[:63] or "name"
