"""Check Kubernetes objects before they reach a cluster: core kinds and custom resources alike.

An object Flux cannot apply stops every later change too, so every object is
checked strictly, where the API server would prune an unknown field silently:

* core kinds (``v1``, ``apps/v1``, ``*.k8s.io``...) against the schemas that
  ``kubernetes-validate`` ships for a Kubernetes version;
* custom resources (Flux's and any other) against the ``openAPIV3Schema`` of
  their CRD (made strict by ``strict_schema``). The CRD is taken from the validated
  objects themselves, else from the CRDs of a Flux release (``cdk8s_flux.release``,
  chosen by ``flux_release_for``; by default the one embedded in the package),
  then against the CRD's ``x-kubernetes-validations`` CEL rules, where the schema
  admits the field a rule sits on (the API server evaluates CEL on structurally
  valid objects only). A rule that needs the old object (``oldSelf``) is not
  evaluated; one cel-python cannot compile or evaluate is skipped, and said so.

Beyond the schemas, every object's metadata, the values core fields accept and
workload selectors are checked as the API server checks them on create
(``cdk8s_flux.rules``, each rule naming its Kubernetes source).

A kind no schema is known for is a problem, unless ``allow_unknown_kinds``.
An apiVersion in the group ``core`` is always one: the core group has no name
(``v1``), and the API server serves no group ``core``.

An object SOPS encrypted is checked without its top-level ``sops`` mapping, which
kustomize-controller strips when it decrypts (see ``cdk8s_flux.secrets``), and its
``ENC[...]`` values pass every rule (they are checked once decrypted).

``read_paths`` reads files and folders as Flux reads a repository: a folder with a
kustomization file is built (``cdk8s_flux.kustomize_build``), with the ``spec.components``
of the Flux Kustomizations that apply it, and where a Flux Kustomization with ``postBuild`` applies a file, ``${var}`` placeholders are checked
as values Flux will substitute (``cdk8s_flux.substitution``).

Each ``Problem`` names the file and line, the object, the field path, the rule and
the schema (which version of which source) that refused it.

Messages never show a value of a Secret's ``data`` or ``stringData``, nor a
SOPS-encrypted value: a placeholder such as ``<secret list>`` says what kind of
value it is. Any value a message quotes is cut to ``QUOTED`` characters.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from cdk8s_flux.errors import CdkFluxError, RefusedContentError, ValidationError
from cdk8s_flux.secrets import FieldPath, is_encrypted_value, is_sops_encrypted, value_fields

#: Problems listed in one error before "and N more".
SHOWN = 20

#: The most characters of a value one message quotes; a longer one is cut, ending in "…".
QUOTED = 200
#: The most characters of one message.
MESSAGE_LIMIT = 1000

# The shapes of a kind and of an apiVersion Kubernetes can serve; anything else has no schema file.
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")
_API_VERSION = re.compile(r"(?:[a-z0-9][a-z0-9.-]{0,252}/)?[a-z0-9]{1,63}")

_CRD_KIND = "CustomResourceDefinition"


@dataclass(frozen=True)
class Problem:
    """One field of one object that a rule refuses; ``file`` is where the object came from, ``line`` where in it."""

    file: str
    api_version: str
    kind: str
    namespace: str | None
    name: str
    path: str
    message: str
    #: The 1-based line of the field (or of its nearest ancestor) when the object was read from a file.
    line: int | None = None
    #: The rule broken: a schema keyword (``schema: enum``), a CEL rule, or the Kubernetes function it was read from.
    rule: str = ""
    #: Which version of which schema or rule source checked it.
    schema: str = ""
    #: The folder ``kubectl kustomize`` built the object from, when ``file`` is one of that build's sources.
    build: str = ""

    @property
    def object_name(self) -> str:
        """``namespace/name``, or ``name`` for an object without namespace."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def __str__(self) -> str:
        at = f"{self.file}:{self.line}" if self.file and self.line else self.file
        at += f" (kustomize build of {self.build})" if self.build else ""
        where = f"{at}: " if at else ""
        if not self.kind:  # not an object at all: a document that is no Kubernetes object, or no YAML
            return f"{where}{self.path}: {self.message}"
        checked = "; ".join(part for part in (f"rule: {self.rule}" if self.rule else "", self.schema) if part)
        return f"{where}{self.kind} {self.object_name}: {self.path or '(object)'}: {self.message}" + (f" [{checked}]" if checked else "")

    def as_dict(self) -> dict[str, Any]:
        """The problem as JSON-ready data, with Kubernetes' own key names."""
        return {
            "file": self.file,
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "path": self.path,
            "message": self.message,
            "line": self.line,
            "rule": self.rule,
            "schema": self.schema,
            "build": self.build,
        }


# --- core kinds: kubernetes-validate's strict schemas ---------------------------


@cache
def _all_versions() -> tuple[str, ...]:
    from kubernetes_validate import utils

    return tuple(utils.all_versions())


def supported_versions() -> list[str]:
    """Kubernetes minor versions (``1.NN``) the installed kubernetes-validate has schemas for."""
    return list(dict.fromkeys(".".join(v.split(".")[:2]) for v in _all_versions()))


def default_kubernetes_version() -> str:
    """The newest Kubernetes version kubernetes-validate ships."""
    return supported_versions()[-1]


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2])


@cache
def schema_version(version: str) -> str:
    """The kubernetes-validate schema set for ``version``: the newest that is not newer than it."""
    from kubernetes_validate import utils

    wanted = utils.major_minor(str(version).removeprefix("v"))
    known = supported_versions()
    if not re.fullmatch(r"\d+\.\d+", wanted) or _minor(wanted) > _minor(known[-1]) or _minor(wanted) < _minor(known[0]):
        raise ValidationError(
            "kubernetes_version", version, f"no schemas for it (kubernetes-validate has {known[0]} to {known[-1]})",
            f"pass a version between {known[0]} and {known[-1]}, or turn validation off (no_validate)",
        )
    return [v for v in _all_versions() if _minor(v) <= _minor(wanted)][-1]


def _folder(schema_set: str) -> str:
    return f"kubernetes-json-schema/v{schema_set}-local-strict"


@cache
def _definitions(schema_set: str) -> dict[str, Any]:
    from kubernetes_validate import utils

    return utils.schema_contents(f"{_folder(schema_set)}/_definitions.json", schema_set)


@cache
def _checked_definitions(schema_set: str) -> dict[str, Any]:
    """The schema set's definitions with the values the API server's validation enumerates (``rules.enums``)."""
    from cdk8s_flux.rules.enums import with_enums

    return with_enums(_definitions(schema_set))


@cache
def schema_name(schema_set: str) -> str:
    """How a problem names the core schemas it was checked against."""
    from importlib.metadata import version

    return f"Kubernetes {schema_set} OpenAPI schema (kubernetes-validate {version('kubernetes-validate')})"


@cache
def _object_meta_validator(schema_set: str) -> Any:
    """A strict validator of ``metadata`` against ``ObjectMeta``, for custom resources (their CRDs leave it open)."""
    import jsonschema
    from referencing import Registry, Resource

    definitions = _checked_definitions(schema_set)
    registry = Resource.from_contents(definitions) @ Registry()
    schema = {"$ref": f"{definitions['$id']}#/$defs/{_OBJECT_META}"}
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_PLAIN_STRINGS = frozenset({"name", "namespace", "generateName"})
_PLAIN_MAPS = frozenset({"labels", "annotations"})


def _plain_metadata(metadata: Any) -> bool:
    """Whether ``metadata`` holds only names and string maps: valid ``ObjectMeta`` without running its schema (most objects')."""
    if not isinstance(metadata, dict):
        return False
    for key, value in metadata.items():
        if key in _PLAIN_STRINGS:
            if not isinstance(value, str):
                return False
        elif key in _PLAIN_MAPS:
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                return False
        else:
            return False
    return True


@cache
def _builtin_kinds(schema_set: str) -> dict[tuple[str, str], frozenset[str]]:
    """``{(group, kind): versions}`` of every built-in kind of a schema set."""
    found: dict[tuple[str, str], set[str]] = {}
    for definition in _definitions(schema_set)["$defs"].values():
        for gvk in definition.get("x-kubernetes-group-version-kind") or ():
            found.setdefault((gvk["group"], gvk["kind"]), set()).add(gvk["version"])
    return {key: frozenset(versions) for key, versions in found.items()}


@cache
def _builtin_groups(schema_set: str) -> frozenset[str]:
    return frozenset(group for group, _ in _builtin_kinds(schema_set))


@cache
def _core_validator(schema_set: str, kind: str, api_version: str) -> Any | None:
    """A compiled strict validator for one built-in kind, or None when there is no schema."""
    import jsonschema
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    if not _KIND.fullmatch(kind) or not _API_VERSION.fullmatch(api_version):
        return None
    # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 -> rbac-v1
    mangled = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(f"{_folder(schema_set)}/{kind.lower()}-{mangled}.json", schema_set)
    except (FileNotFoundError, utils.VersionNotSupportedError):
        return None
    registry = Resource.from_contents(_checked_definitions(schema_set)) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def cut(text: str, limit: int = QUOTED) -> str:
    """``text``, or its first ``limit - 1`` characters and "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {dict: "mapping", list: "list", str: "string", type(None): "null"}
    return next((name for cls, name in names.items() if isinstance(value, cls)), "value")


def _hidden(at: FieldPath, value: Any, fields: list[FieldPath]) -> bool:
    """Whether the value at path ``at`` is a Secret's value: under a value field, or the field itself when no mapping."""
    return any(at[: len(f)] == f and (len(at) > len(f) or not isinstance(value, dict)) for f in fields)


def quoted(value: Any, at: FieldPath = (), fields: list[FieldPath] | None = None, limit: int = QUOTED) -> str:
    """``repr(value)`` (found at path ``at`` of an object) cut to ``limit``, Secret and SOPS-encrypted values as placeholders.

    ``fields`` are the object's value fields (``secrets.value_fields``). Only as
    much of ``value`` is read as the limit lets show.
    """
    parts: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        parts.append(text[: limit + 1])
        size += len(parts[-1])

    def walk(item: Any, here: FieldPath) -> None:
        if size > limit:
            return
        if _hidden(here, item, fields or []):
            put(f"<secret {_kind_of(item)}>")
        elif is_encrypted_value(item):
            put("<encrypted string>")
        elif isinstance(item, (dict, list)):
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            put("{" if isinstance(item, dict) else "[")
            for index, (key, child) in enumerate(pairs):
                if size > limit:
                    return
                put((", " if index else "") + (f"{key!r}: " if isinstance(item, dict) else ""))
                walk(child, (*here, key))
            put("}" if isinstance(item, dict) else "]")
        elif isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 10_000:
            put(f"<an integer of about {int(item.bit_length() * 0.30103)} digits>")  # repr would refuse it
        else:
            put(repr(item))

    walk(value, at)
    return cut("".join(parts), limit)


def _hidden_values(value: Any, at: FieldPath, fields: list[FieldPath]) -> Iterable[Any]:
    """The scalar Secret values within ``value``."""
    todo = [(at, value)]
    while todo:
        here, item = todo.pop()
        if isinstance(item, (dict, list)):
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            todo.extend(((*here, key), child) for key, child in pairs)
        elif _hidden(here, item, fields):
            yield item


def _rule(error: Any) -> str:
    """The rule a schema error breaks: the Kubernetes validation an added ``enum`` stands for, else the schema keyword."""
    from cdk8s_flux.rules.enums import RULE_KEY

    if error.validator == "enum" and isinstance(error.schema, dict) and RULE_KEY in error.schema:
        return str(error.schema[RULE_KEY])
    return f"schema: {error.validator}"


def _message(error: Any, fields: list[FieldPath]) -> str:
    """jsonschema's message, the value it quotes cut and masked; never a Secret value, whatever the rule."""
    from cdk8s_flux.rules import enums

    at = tuple(error.absolute_path)
    message = error.message
    if error.validator == "enum" and isinstance(error.schema, dict) and enums.RULE_KEY in error.schema:
        message = enums.message(error.instance, str(error.schema[enums.RULE_KEY]))
    shown = quoted(error.instance, at, fields)
    original = repr(error.instance)
    if shown != original:
        message = message.replace(original, shown, 1)
    touched = [f for f in fields if f[: len(at)] == at or at[: len(f)] == f]
    if touched and any(repr(v) in message for v in _hidden_values(error.instance, at, touched)):
        message = f"the value (a Secret's, not shown) fails the {error.validator!r} rule of its schema"
    return cut(message, MESSAGE_LIMIT)


def _checked(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the cluster sees it: a SOPS-encrypted one without its ``sops``."""
    return {k: v for k, v in obj.items() if k != "sops"} if is_sops_encrypted(obj) else obj


def _dotted(path: FieldPath) -> str:
    return ".".join(str(p) for p in path)


def _errors(validator: Any, obj: dict[str, Any]) -> list[tuple[str, str]]:
    """``(dotted field path, message)`` of every schema error, in field order."""
    return [(_dotted(path), message) for path, message, _ in _field_errors(validator, obj)]


#: Decides whether a string holding Flux post-build placeholders may meet a rule once substituted (``substitution.admits``).
Admits = Callable[[Callable[[str], bool], str], bool]


def _placeholder_value(error: Any, validator: Any, admits: Admits | None) -> bool:
    """Whether the error is on a string with ``${...}`` placeholders that Flux could substitute into a valid value."""
    value = error.instance
    if admits is None or not isinstance(value, str) or "${" not in value:
        return False
    import yaml

    check = validator.evolve(schema=error.schema)

    def valid(text: str) -> bool:
        # Flux substitutes in the YAML text, so "${replicas}" may become the integer 3.
        try:
            return bool(check.is_valid(text)) or bool(check.is_valid(yaml.safe_load(text)))
        except yaml.YAMLError:
            return False

    try:
        return admits(valid, value)
    except CdkFluxError:
        return False  # a ${ Flux cannot parse: the error stands


def _field_errors(validator: Any, obj: dict[str, Any], admits: Admits | None = None) -> list[tuple[FieldPath, str, str]]:
    """``(field path, message, rule)`` of every schema error, in field order."""
    fields = value_fields(obj)
    encrypted = is_sops_encrypted(obj)  # kustomize-controller decrypts ENC[...] values (their type is in them) first
    errors = sorted(validator.iter_errors(_checked(obj)), key=lambda e: list(map(str, e.absolute_path)))
    return [
        (tuple(e.absolute_path), _message(e, fields), _rule(e))
        for e in errors
        if not _placeholder_value(e, validator, admits) and not (encrypted and is_encrypted_value(e.instance))
    ]


def core_problems(obj: dict[str, Any], version: str) -> list[tuple[str, str]] | None:
    """``(field path, message)`` of a built-in kind for Kubernetes ``version``; None when not built in."""
    validator = _core_validator(schema_version(version), str(obj.get("kind")), str(obj.get("apiVersion")))
    return None if validator is None else _errors(validator, obj)


# --- custom resources: their CRD's openAPIV3Schema ------------------------------


def _split(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


# Kubernetes structural schemas as strict JSON Schema: an unknown field is refused where the
# API server would prune it silently; x-kubernetes-* extensions are honoured.
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema (draft 4) for a Kubernetes structural schema, with unknown fields refused."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: strict_schema(sub) for name, sub in value.items()}
        elif key in ("items", "not") and isinstance(value, dict) or key == "additionalProperties" and isinstance(value, dict):
            out[key] = strict_schema(value)
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [strict_schema(sub) for sub in value]
        elif key.startswith("x-kubernetes-") or key in ("nullable", "default", "format", "description"):
            continue
        else:
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    open_ended = schema.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in schema
    if "properties" in schema and not open_ended:
        out["additionalProperties"] = False
    return out


#: In a rule's schema path, the step into every item of a list or every value of a map.
EACH = "*"
#: The most CEL answers one CrdSet remembers before it starts afresh.
_ANSWERS = 100_000


@dataclass(frozen=True)
class CelRule:
    """One ``x-kubernetes-validations`` rule of a CRD version, compiled; ``program`` is None when cel-python cannot compile it."""

    #: Field names from the object's root to the schema the rule sits on, ``EACH`` for list items and map values.
    path: tuple[str, ...]
    rule: str
    message: str
    program: Any | None
    #: Why cel-python cannot compile it, when it cannot.
    error: str = ""
    #: The fields of ``self`` the rule reads, when it reads ``self`` only through them (see ``fields_read``).
    fields: frozenset[str] | None = None


_SELF = re.compile(r"\bself\b")
_FIELD = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")


def fields_read(rule: str) -> frozenset[str] | None:
    """The fields of ``self`` a CEL rule reads, or None when it uses ``self`` otherwise (whole, indexed, a method of it).

    Evaluating the rule on ``self`` cut to these fields gives the same answer:
    the rule cannot see the others.
    """
    found = set()
    for match in _SELF.finditer(rule):
        field_match = _FIELD.match(rule, match.end())
        if field_match is None:
            return None
        found.add(field_match.group(1))
    return frozenset(found)


@cache
def _cel_environment() -> Any:
    import celpy

    return celpy.Environment()


def _schema_rules(schema: dict[str, Any], path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], dict[str, Any]]]:
    """``(path, rule)`` of every ``x-kubernetes-validations`` entry of a structural schema, outside in."""
    for rule in schema.get("x-kubernetes-validations") or ():
        if isinstance(rule, dict) and isinstance(rule.get("rule"), str):
            yield path, rule
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            yield from _schema_rules(sub, (*path, name))
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _schema_rules(schema[key], (*path, EACH))


def compile_rules(schema: dict[str, Any]) -> tuple[CelRule, ...]:
    """The CEL rules of a CRD version's ``openAPIV3Schema``, compiled; transition rules (``oldSelf``) left out."""
    import celpy

    compiled = []
    for path, entry in _schema_rules(schema):
        text = entry["rule"]
        if re.search(r"\boldSelf\b", text):
            continue  # a transition rule: offline there is no old object to compare with
        # The API server's own fallback when a rule has no message (messageExpression is not evaluated here).
        given = entry.get("message")
        message = given if isinstance(given, str) and given else f"failed rule: {text}"
        environment = _cel_environment()
        try:
            program = environment.program(environment.compile(text))
        except (celpy.CELParseError, celpy.CELEvalError) as exc:
            compiled.append(CelRule(path, text, message, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
            continue
        compiled.append(CelRule(path, text, message, program, fields=fields_read(text)))
    return tuple(compiled)


def _values_at(value: Any, path: tuple[str, ...], here: FieldPath = ()) -> Iterable[tuple[FieldPath, Any]]:
    """``(field path, value)`` of every value of ``value`` at a rule's schema path."""
    if not path:
        yield here, value
        return
    step, rest = path[0], path[1:]
    if step == EACH:
        pairs = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in pairs:
            yield from _values_at(child, rest, (*here, key))
    elif isinstance(value, dict) and step in value:
        yield from _values_at(value[step], rest, (*here, step))


@dataclass
class CrdSet:
    """The CRDs of one source, with their strict validators and CEL rules compiled once per served version."""

    source: str
    crds: tuple[dict[str, Any], ...]
    #: ``{(group, kind): {version: openAPIV3Schema}}`` of the served versions.
    served: dict[tuple[str, str], dict[str, dict[str, Any] | None]] = field(init=False)
    _validators: dict[tuple[str, str], Any] = field(init=False, default_factory=dict)
    _rules: dict[tuple[str, str], tuple[CelRule, ...]] = field(init=False, default_factory=dict)
    #: The rules already said to be skipped, so each is said once.
    _reported: set[tuple[str, str, tuple[str, ...], str]] = field(init=False, default_factory=set)
    #: What each rule answered for each value (see ``_evaluate``).
    _answers: dict[tuple[tuple[str, ...], str, str], tuple[bool, str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.served = {}
        for crd in self.crds:  # a malformed CRD defines nothing here; its own check reports it
            spec = crd.get("spec")
            if not isinstance(spec, dict):
                continue
            names = spec.get("names")
            if not isinstance(names, dict) or not spec.get("group") or not names.get("kind"):
                continue
            versions = self.served.setdefault((spec["group"], names["kind"]), {})
            for version in spec.get("versions") or ():
                if isinstance(version, dict) and "name" in version and version.get("served", True):
                    versions[version["name"]] = (version.get("schema") or {}).get("openAPIV3Schema")

    def defines(self, api_version: str, kind: str) -> bool:
        return (_split(api_version)[0], kind) in self.served

    def versions(self, api_version: str, kind: str) -> list[str]:
        return sorted(self.served.get((_split(api_version)[0], kind), {}))

    def validator(self, api_version: str, kind: str) -> Any | None:
        """The strict validator of a served version; None when the version is not served."""
        import jsonschema

        key = (api_version, kind)
        if key not in self._validators:
            group, version = _split(api_version)
            versions = self.served.get((group, kind), {})
            if version not in versions:
                return None
            schema = versions[version]
            # A served version without a schema accepts anything, as the API server does.
            self._validators[key] = jsonschema.Draft4Validator(strict_schema(schema) if schema else {})
        return self._validators[key]

    def rules(self, api_version: str, kind: str) -> tuple[CelRule, ...]:
        """The compiled CEL rules of a served version; none when it is not served or has no schema."""
        key = (api_version, kind)
        if key not in self._rules:
            group, version = _split(api_version)
            schema = self.served.get((group, kind), {}).get(version)
            self._rules[key] = compile_rules(schema) if schema else ()
        return self._rules[key]

    def cel_problems(
        self, obj: dict[str, Any], invalid: Iterable[FieldPath] = (), report: Callable[[str], None] | None = None,
    ) -> list[tuple[FieldPath, str, str]]:
        """``(field path, message, rule)`` of every CEL rule ``obj`` breaks; a value with a schema error in it is not evaluated.

        ``invalid`` are the field paths of the object's schema errors. A rule
        cel-python cannot compile or evaluate is skipped, and ``report`` told once.
        """
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        errors = list(invalid)
        checked = _checked(obj)
        found: list[tuple[FieldPath, str, str]] = []
        for rule in self.rules(api_version, kind):
            for at, value in _values_at(checked, rule.path):
                if any(error[: len(at)] == at for error in errors):
                    continue
                if rule.program is None:
                    self._skipped(api_version, kind, rule, f"cel-python cannot compile it: {rule.error}", report)
                    break
                passed, why = self._evaluate(rule, value)
                if why:
                    self._skipped(api_version, kind, rule, why, report)
                elif not passed:
                    found.append((at, rule.message, rule.rule))
        return found

    def _evaluate(self, rule: CelRule, value: Any) -> tuple[bool, str]:
        """Whether ``value`` passes ``rule``, or why it cannot be told; remembered per value.

        A rule reads nothing but ``self`` (and of it, often a few fields), so
        equal values give equal answers: the many objects of an app whose specs
        agree in the fields a rule reads are evaluated once. cel-python
        interprets a rule's syntax tree on every call, the most costly step of the whole check.
        """
        import json

        from celpy import CELEvalError, celtypes, json_to_cel

        if rule.fields is not None and isinstance(value, dict):
            value = {name: value[name] for name in rule.fields if name in value}  # all the rule can see
        key = (rule.path, rule.rule, json.dumps(value, sort_keys=True, default=repr))
        if key in self._answers:
            return self._answers[key]
        assert rule.program is not None
        try:
            result = rule.program.evaluate({"self": json_to_cel(value)})
        except CELEvalError as exc:
            answer = (True, f"cel-python cannot evaluate it: {exc.args[0] if exc.args else exc}")
        else:
            answer = (bool(result), "") if isinstance(result, celtypes.BoolType) else (True, f"it gives {cut(repr(result))}, not true or false")
        if len(self._answers) >= _ANSWERS:
            self._answers.clear()
        self._answers[key] = answer
        return answer

    def _skipped(self, api_version: str, kind: str, rule: CelRule, why: str, report: Callable[[str], None] | None) -> None:
        key = (api_version, kind, rule.path, rule.rule)
        if report is None or key in self._reported:
            return
        self._reported.add(key)
        where = ".".join(rule.path).replace(EACH, "[]") or "(object)"
        report(f"the CEL rule {cut(rule.rule)!r} of {kind} {api_version} at {where} (from {self.source}) is not checked: {cut(why)}")


@lru_cache(maxsize=8)
def _upstream_crds(version: str, start: Path | None) -> CrdSet:
    """The CRDs of Flux ``version``'s upstream manifests, parsed and compiled once per process."""
    from cdk8s_flux.release import lookup

    manifests = lookup.load(version, start=start)
    crds = tuple(o for o in manifests.objects if o.get("kind") == _CRD_KIND)
    return CrdSet(source=f"the CRDs of {manifests.source}", crds=crds)


def _locked_flux_version(start: Path | None) -> str | None:
    """The Flux release pinned in ``cdk8s-flux.lock``, when it pins exactly one."""
    from cdk8s_flux.release import lock

    try:
        releases = lock.read_lock(lock.find_lock_file(start))
    except CdkFluxError:
        return None
    return next(iter(releases)) if len(releases) == 1 else None


# --- the pipeline -----------------------------------------------------------------


def _is_flux_group(group: str) -> bool:
    return group == "fluxcd.io" or group.endswith(".fluxcd.io")


def _unknown_kind_message(kind: str, api_version: str, upstream_set: CrdSet | None, asked: bool = False) -> str:
    kind, api_version = cut(kind), cut(api_version)
    group = _split(api_version)[0]
    if _is_flux_group(group) and upstream_set is not None:
        kinds = sorted(k for g, k in upstream_set.served if g == group)
        served = f"it defines {', '.join(kinds)} in {group}" if kinds else f"it has no group {group}"
        other = "" if asked else ", or check against the Flux release that has it (flux_version)"
        return (
            f"{upstream_set.source} define no {kind} in {api_version} ({served}): check the kind and apiVersion"
            f"{other}, or allow_unknown_kinds"
        )
    return (
        f"no CRD schema for {kind} {api_version}: give the CustomResourceDefinition that defines it "
        "(crds), or allow_unknown_kinds"
    )


class Lines:
    """Where the validated objects were written: ``manifests.Document`` of each object, by the object's identity."""

    def __init__(self) -> None:
        self._documents: dict[int, Any] = {}
        self._sources: dict[int, tuple[str, str]] = {}

    def add(self, obj: dict[str, Any], document: Any, source: tuple[str, str] | None = None) -> None:
        """Where ``obj`` is written: its document (None: not found); for a built object, ``(its source file, the built folder)``."""
        self._documents[id(obj)] = document
        if source is not None:
            self._sources[id(obj)] = source

    def source(self, obj: dict[str, Any]) -> tuple[str, str] | None:
        """``(file, built folder)`` of an object a kustomize build took from that file."""
        return self._sources.get(id(obj))

    def line(self, obj: dict[str, Any], path: str) -> int | None:
        """The line of the field at the dotted ``path`` of ``obj`` (its nearest ancestor's), None when not read from a file."""
        document = self._documents.get(id(obj))
        if document is None:
            return None  # not read from a file, or not found in the file a build took it from
        # A problem of the whole object (an unknown kind) points at its kind.
        steps: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".")] if path else ["kind"]
        return int(document.line_of(tuple(steps)) or 0) or None


def validate_files(
    files: Mapping[str, Iterable[dict[str, Any]]],
    *,
    kubernetes_version: str | None = None,
    crds: Iterable[dict[str, Any]] | Mapping[str, Iterable[dict[str, Any]]] = (),
    flux_version: str | None = None,
    allow_unknown_kinds: bool = False,
    start: Path | None = None,
    report: Callable[[str], None] | None = None,
    lines: Lines | None = None,
    substituted: Iterable[str] = (),
) -> list[Problem]:
    """Every problem of the objects of ``files`` (file name to its objects), in input order.

    ``crds`` are CRDs to use besides those among the objects (or, keyed by a name
    the problems give as their schema, several sets of them); the CRDs of a
    Flux release cover the rest (see ``flux_release_for``). ``report`` is told
    once which release that was, when one was needed. ``lines`` says where
    each object was read, for the problems' lines. In the files named in
    ``substituted`` Flux replaces ``${var}`` placeholders (a Kustomization's
    ``postBuild``): a value with placeholders passes a rule it could meet once substituted.
    """
    version = kubernetes_version or default_kubernetes_version()
    schema_set = schema_version(version)
    builtin = _builtin_kinds(schema_set)
    builtin_groups = _builtin_groups(schema_set)
    located = [(name, obj) for name, objects in files.items() for obj in objects]
    own = CrdSet("the validated objects", tuple(o for _, o in located if o.get("kind") == _CRD_KIND))
    named = crds if isinstance(crds, Mapping) else {"the given CRDs": crds}
    given = [CrdSet(source, tuple(defined)) for source, defined in named.items()]
    substituting = frozenset(substituted)
    admits = _admits() if substituting else None

    found: list[list[Problem]] = [[] for _ in located]  # per object, to report in input order
    pending: list[int] = []  # custom resources no local CRD defines
    for index, (name, obj) in enumerate(located):
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        group = _split(api_version)[0]
        here = admits if name in substituting and not _substitution_disabled(obj) else None
        if group == "core":
            found[index] = [object_problem(name, obj, "apiVersion", _core_group_message(kind, builtin), "the core group has no name", schema_name(schema_set))]
        elif group in builtin_groups:
            found[index] = _builtin_problems(name, obj, version, builtin, here)
        elif own.defines(api_version, kind):
            found[index] = custom_problems(name, obj, own, report, here, schema_set)
        elif crd_set := next((s for s in given if s.defines(api_version, kind)), None):
            found[index] = custom_problems(name, obj, crd_set, report, here, schema_set)
        else:
            pending.append(index)

    if pending:
        upstream_set, note = _upstream_for(flux_version, [o for _, o in located], start)
        if report is not None:
            report(f"custom resources without a CRD in the output are checked against {upstream_set.source}{note}")
        for index in pending:
            name, obj = located[index]
            api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
            here = admits if name in substituting and not _substitution_disabled(obj) else None
            if upstream_set is not None and upstream_set.defines(api_version, kind):
                found[index] = custom_problems(name, obj, upstream_set, report, here, schema_set)
            elif not allow_unknown_kinds:
                message = _unknown_kind_message(kind, api_version, upstream_set, asked=bool(flux_version))
                found[index] = [object_problem(name, obj, "", message, "a served kind", upstream_set.source)]
    if lines is not None:
        for index, (_, obj) in enumerate(located):
            source = lines.source(obj)
            file, build = source if source else (None, "")
            found[index] = [replace(p, line=lines.line(obj, p.path), file=file or p.file, build=build) for p in found[index]]
    return [problem for problems in found for problem in problems]


#: The annotation (or label) with which an object asks Flux not to substitute in it (kustomize-controller).
SUBSTITUTE_ANNOTATION = "kustomize.toolkit.fluxcd.io/substitute"


def _substitution_disabled(obj: dict[str, Any]) -> bool:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return False
    return any(
        isinstance(metadata.get(key), dict) and metadata[key].get(SUBSTITUTE_ANNOTATION) == "disabled"
        for key in ("annotations", "labels")
    )


def _admits() -> Admits:
    """``substitution.admits``, with a ``${`` Flux cannot parse taken as not admitted (the rule's problem stands)."""
    from cdk8s_flux.substitution import admits

    def admitted(rule: Callable[[str], bool], value: str) -> bool:
        try:
            return admits(rule, value)
        except CdkFluxError:
            return False

    return admitted


def validate_objects(objects: Iterable[dict[str, Any]], **options: Any) -> list[Problem]:
    """Every problem of ``objects`` (not read from a file); see ``validate_files`` for the options."""
    return validate_files({"": list(objects)}, **options)


def check(files: Mapping[str, Iterable[dict[str, Any]]], **options: Any) -> None:
    """Raise ``RefusedContentError`` listing the problems ``validate_files`` finds, if any."""
    listed = {name: list(objects) for name, objects in files.items()}
    problems = validate_files(listed, **options)
    if problems:
        raise RefusedContentError(refusal(problems, sum(len(o) for o in listed.values())))


def refusal(problems: list[Problem], count: int) -> str:
    """The message of a refusal: how many problems, the first ``SHOWN`` of them, and the fix."""
    objects = len({(p.file, p.api_version, p.kind, p.namespace, p.name) for p in problems})
    shown = "\n  ".join(str(p) for p in problems[:SHOWN])
    more = f"\n  ... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return (
        f"{len(problems)} problem(s) in {objects} of {count} object(s); Flux would fail to apply them "
        f"or the API server would drop fields:\n  {shown}{more}\n"
        "Fix: correct the objects in the app; set kubernetes_version or flux_version to check against "
        "the cluster's versions, allow_unknown_kinds to skip kinds without a schema, or no_validate"
    )


def _core_group_message(kind: str, builtin: Mapping[tuple[str, str], frozenset[str]]) -> str:
    served = sorted(f"{g}/{v}" if g else v for (g, k), vs in builtin.items() if k == kind for v in vs)
    if not served:
        return "the core API group has no name: its apiVersion is v1, and Kubernetes has no group core. Fix: write apiVersion: v1"
    return (
        f"the core API group has no name: Kubernetes serves {cut(kind)} as apiVersion {', '.join(served)}, "
        f"and has no group core. Fix: write apiVersion: {served[0]}"
    )


def _rule_problems(file: str, obj: dict[str, Any], group: str, builtin: bool, admits: Admits | None) -> list[Problem]:
    """The problems of the rules beyond the schemas: metadata for every object, the selector of a workload."""
    from cdk8s_flux.rules.metadata import KUBERNETES_SOURCE, metadata_problems
    from cdk8s_flux.rules.workloads import WORKLOAD_SOURCE, selector_problems, template_problems

    found = [
        object_problem(file, obj, _dotted(p.path), p.message, p.rule, KUBERNETES_SOURCE)
        for p in metadata_problems(obj, group, builtin, admits)
    ]
    if builtin:
        found.extend(
            object_problem(file, obj, _dotted(path), message, rule, WORKLOAD_SOURCE)
            for path, message, rule in [*selector_problems(obj, group), *template_problems(obj, group)]
        )
    return found


def _builtin_problems(
    file: str, obj: dict[str, Any], version: str, builtin: Mapping[tuple[str, str], frozenset[str]], admits: Admits | None = None,
) -> list[Problem]:
    schema_set = schema_version(version)
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    validator = _core_validator(schema_set, kind, api_version)
    if validator is None:
        served = sorted(f"{g}/{v}" if g else v for (g, k), vs in builtin.items() if k == kind for v in vs)
        hint = f"; it serves {kind} as {', '.join(served)}" if served else "; it has no such kind"
        message = f"Kubernetes {version} does not serve {cut(kind)} in {cut(api_version)}{hint}"
        return [object_problem(file, obj, "apiVersion", message, "a served kind", schema_name(schema_set))]
    found = [
        object_problem(file, obj, _dotted(path), message, rule, _enum_source(rule) or schema_name(schema_set))
        for path, message, rule in _field_errors(validator, obj, admits)
    ]
    invalid = {p.path for p in found}
    extra = _rule_problems(file, obj, _split(api_version)[0], True, admits)
    return found + [p for p in extra if p.path not in invalid]


def _enum_source(rule: str) -> str:
    from cdk8s_flux.rules.enums import ENUM_SOURCE

    return "" if rule.startswith("schema: ") else ENUM_SOURCE


def flux_release_for(flux_version: str | None, objects: Iterable[dict[str, Any]], start: Path | None) -> tuple[str, str]:
    """Which Flux release checks custom resources no CRD in the output defines, and why that one.

    ``flux_version`` when given; else the release the objects of a
    ``FluxInstall`` are labelled with; else the one ``cdk8s-flux.lock`` pins;
    else the release embedded in cdk8s-flux.
    """
    from cdk8s_flux.release import lookup
    from cdk8s_flux.release.embedded import EMBEDDED_VERSION

    if flux_version:
        return flux_version, "asked for"
    labelled = lookup.flux_versions(tuple(objects))
    if len(labelled) == 1:
        return labelled.pop(), "the Flux objects' app.kubernetes.io/version label"
    locked = _locked_flux_version(start)
    if locked:
        return locked, "cdk8s-flux.lock"
    return EMBEDDED_VERSION, "the default"


def _upstream_for(flux_version: str | None, objects: list[dict[str, Any]], start: Path | None) -> tuple[CrdSet, str]:
    """The upstream CRDs to check the remaining custom resources with, and a note on how they were chosen.

    A release asked for must be had; one only inferred falls back to the embedded release, and the note says so.
    """
    from cdk8s_flux.errors import UpstreamError
    from cdk8s_flux.release.embedded import EMBEDDED_VERSION

    version, origin = flux_release_for(flux_version, objects, start)
    if flux_version or version == EMBEDDED_VERSION:
        return _upstream_crds(version, start), ""
    try:
        return _upstream_crds(version, start), ""
    except (UpstreamError, ValidationError) as exc:
        note = f" (Flux {version}, from {origin}, could not be had: {exc})"
        return _upstream_crds(EMBEDDED_VERSION, start), note


def object_problem(file: str, obj: dict[str, Any], path: str, message: str, rule: str = "", schema: str = "") -> Problem:
    """A problem of ``obj`` (from ``file``) at ``path``, breaking ``rule`` of ``schema``."""
    found = obj.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    namespace = metadata.get("namespace")
    return Problem(
        file=file,
        api_version=str(obj.get("apiVersion", "")),
        kind=str(obj.get("kind", "")),
        namespace=namespace if isinstance(namespace, str) or namespace is None else str(namespace),
        name=str(metadata.get("name", "")),
        path=path,
        message=cut(message, MESSAGE_LIMIT),
        rule=cut(rule),
        schema=schema,
    )


def custom_problems(
    file: str, obj: dict[str, Any], crd_set: CrdSet, report: Callable[[str], None] | None = None,
    admits: Admits | None = None, schema_set: str | None = None,
) -> list[Problem]:
    """The problems of a custom resource against the CRDs of ``crd_set`` that define its kind: schema, then CEL rules, then metadata.

    ``report`` is told of a CEL rule that cannot be checked. ``metadata`` is
    checked against ``ObjectMeta`` of the Kubernetes schemas ``schema_set``
    (default: the newest), as the API server checks every object's.
    """
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    source = f"{crd_set.source} ({kind} {api_version})"
    validator = crd_set.validator(api_version, kind)
    if validator is None:
        group = _split(api_version)[0]
        served = ", ".join(f"{group}/{v}" for v in crd_set.versions(api_version, kind))
        message = f"the CRD of {kind} (from {crd_set.source}) does not serve {api_version}; use {served}"
        return [object_problem(file, obj, "apiVersion", message, "a served version", crd_set.source)]
    schema_errors = _field_errors(validator, obj, admits)
    cel_errors = crd_set.cel_problems(obj, [path for path, _, _ in schema_errors], report)
    found = [object_problem(file, obj, _dotted(path), message, rule, source) for path, message, rule in schema_errors]
    found.extend(object_problem(file, obj, _dotted(path), message, f"CEL: {rule}", source) for path, message, rule in cel_errors)
    chosen = schema_set or schema_version(default_kubernetes_version())
    metadata = obj.get("metadata")
    if metadata is not None and not _plain_metadata(metadata) and not any(p.path == "metadata" or p.path.startswith("metadata.") for p in found):
        meta_validator = _object_meta_validator(chosen)
        for path, message, rule in _field_errors(meta_validator, metadata, admits):
            found.append(object_problem(file, obj, _dotted(("metadata", *path)), message, rule, schema_name(chosen)))
    invalid = {p.path for p in found}
    found.extend(p for p in _rule_problems(file, obj, _split(api_version)[0], False, admits) if p.path not in invalid)
    return found


# --- reading files ---------------------------------------------------------------

#: What ``read_paths`` calls standard input.
STDIN_NAME = "<stdin>"
_SUFFIXES = (".yaml", ".yml")
# Kustomize's own files (kustomization.yaml) are build instructions, not objects.
_KUSTOMIZE_GROUP = "kustomize.config.k8s.io"


@dataclass(frozen=True)
class ReadResult:
    """The objects of the files read, what could not be read, and files skipped as not Kubernetes.

    ``lines`` says where each object read from a file was written; ``built``
    names the folders built with ``kubectl kustomize`` (their objects are under
    the name ``<folder> (kustomize build)``); ``substituted`` the names whose
    objects a Flux Kustomization with ``postBuild`` applies, so Flux replaces their ``${var}``.
    """

    files: dict[str, list[dict[str, Any]]]
    problems: list[Problem]
    skipped: list[str]
    lines: Lines = field(default_factory=Lines)
    built: list[str] = field(default_factory=list)
    substituted: set[str] = field(default_factory=set)
    #: Where each name was read from: a file, or the folder a build started in.
    origins: dict[str, Path] = field(default_factory=dict)


def _is_object(document: Any) -> bool:
    return isinstance(document, dict) and "apiVersion" in document and "kind" in document


def _file_problem(name: str, message: str, line: int | None = None) -> Problem:
    return Problem(name, "", "", None, "", "(file)", message, line=line)


def _read_bytes(name: str, data: bytes | str, *, found_in_folder: bool, result: ReadResult) -> None:
    """Read one file's content: UTF-8 (as the API server and kustomize read it), else one problem naming the byte."""
    if isinstance(data, str):
        _read_text(name, data, found_in_folder=found_in_folder, result=result)
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        result.problems.append(_file_problem(
            name, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}). "
            "Fix: save the file as UTF-8, or leave it out (a binary file is no manifest)", line,
        ))
        return
    _read_text(name, text, found_in_folder=found_in_folder, result=result)


def _read_text(name: str, text: str, *, found_in_folder: bool, result: ReadResult, located: bool = True) -> None:
    import yaml

    from cdk8s_flux.manifests import read_documents, yaml_problem

    try:
        documents = read_documents(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if located and mark is not None else None
        result.problems.append(_file_problem(name, f"not valid YAML: {yaml_problem(exc)}", line))
        return
    if found_in_folder and documents and not any(_is_object(d.value) for d in documents):
        result.skipped.append(name)  # cdk8s.yaml, Helm values and the like
        return
    objects = []
    for index, document in enumerate(documents):
        if document.value is None:
            continue
        if not _is_object(document.value):
            message = "not a Kubernetes object (it needs apiVersion and kind)"
            line = document.line if located else None
            result.problems.append(Problem(name, "", "", None, "", f"document {index + 1}", message, line=line))
        elif _split(str(document.value["apiVersion"]))[0] != _KUSTOMIZE_GROUP:
            objects.append(document.value)
            if located:
                result.lines.add(document.value, document)
    result.files[name] = objects


def _hidden_path(path: Path, top: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(top).parts)  # .git, .venv


def _read_folder(target: Path, result: ReadResult) -> None:
    """A folder: each folder with a kustomization file built as Flux builds it, every other YAML file read."""
    from cdk8s_flux import kustomize_build

    folders = [target, *sorted(p for p in target.rglob("*") if p.is_dir() and not _hidden_path(p, target))]
    with_kustomization = [f for f in folders if kustomize_build.kustomization_file(f) is not None]
    planned_builds = kustomize_build.builds(with_kustomization)
    for planned, outcome in zip(planned_builds, _run_builds(planned_builds), strict=True):
        name = f"{planned.folder} (kustomize build)"
        if isinstance(outcome, kustomize_build.KustomizeBuildError):
            result.problems.append(_file_problem(str(planned.file), str(outcome)))
            continue
        built = outcome
        result.built.append(str(planned.folder))
        result.origins[name] = planned.folder
        _read_text(name, built.stream, found_in_folder=False, result=result, located=False)
        _locate_built(result, name, built, str(planned.folder))
    found = sorted(
        p for p in target.rglob("*")
        if p.is_file() and p.suffix in _SUFFIXES and not _hidden_path(p, target)
        and not any(p.is_relative_to(folder) for folder in with_kustomization)
    )
    for file in found:
        result.origins[str(file)] = file
        _read_bytes(str(file), file.read_bytes(), found_in_folder=True, result=result)


def _run_builds(planned: list[Any]) -> list[Any]:
    """``kustomize_build.build_with_origins`` of each planned build, or its error, in order; a few at a time (each is a kubectl process)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from cdk8s_flux import kustomize_build

    def one(build: Any) -> Any:
        try:
            return kustomize_build.build_with_origins(build.folder)
        except kustomize_build.KustomizeBuildError as exc:
            return exc

    if len(planned) < 2:
        return [one(b) for b in planned]
    with ThreadPoolExecutor(max_workers=min(len(planned), os.cpu_count() or 1, 8)) as pool:
        return list(pool.map(one, planned))


def _locate_built(result: ReadResult, name: str, built: Any, label: str) -> None:
    """Each built object's origin annotation taken off, and where it is written: the file it came from, and its line there.

    ``built`` is the ``kustomize_build.Built``; ``label`` what the problems call the build (its folder).
    """
    import os

    import yaml

    from cdk8s_flux import kustomize_build
    from cdk8s_flux.manifests import read_documents

    documents: dict[Path, list[Any]] = {}
    for obj in result.files.get(name, []):
        origin = kustomize_build.without_origin(obj)
        file = built.origin(origin) if origin is not None else None
        if file is None:
            continue
        if file not in documents:
            try:
                documents[file] = read_documents(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                documents[file] = []
        # the object in its file: the same kind and name (a name prefix or suffix of the build is not undone)
        found = obj.get("metadata")
        metadata: dict[str, Any] = found if isinstance(found, dict) else {}
        written = next((
            d for d in documents[file]
            if isinstance(d.value, dict) and d.value.get("kind") == obj.get("kind")
            and isinstance(d.value.get("metadata"), dict) and d.value["metadata"].get("name") == metadata.get("name")
        ), None)
        shown = os.path.relpath(file) if not os.path.relpath(file).startswith("..") else str(file)
        result.lines.add(obj, written, source=(shown, label))


def _repository_root(path: Path) -> Path:
    """The root of the git work tree ``path`` is in (what a Flux Kustomization's ``spec.path`` is relative to), else ``path``."""
    resolved = path.resolve()
    return next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), resolved)


def _substituted(result: ReadResult, roots: list[Path]) -> set[str]:
    """The names whose objects a Flux Kustomization with ``postBuild`` among the objects applies (its ``spec.path`` and ``spec.components``)."""
    paths: list[Path] = []
    for objects in result.files.values():
        for obj in objects:
            spec = obj.get("spec")
            if (
                _split(str(obj.get("apiVersion", "")))[0] == "kustomize.toolkit.fluxcd.io" and obj.get("kind") == "Kustomization"
                and isinstance(spec, dict) and isinstance(spec.get("postBuild"), dict)
            ):
                relative = str(spec.get("path") or "./").lstrip("/")
                components = [c for c in spec.get("components") or () if isinstance(c, str)]  # relative to spec.path
                for root in roots:
                    paths.append((root / relative).resolve())
                    paths.extend((root / relative / component).resolve() for component in components)
    return {
        name for name, origin in result.origins.items()
        if any(origin.resolve().is_relative_to(path) for path in paths)
    }


_FLUX_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"


def _flux_kustomizations(result: ReadResult) -> Iterable[dict[str, Any]]:
    """The Flux Kustomizations among the objects read."""
    for objects in list(result.files.values()):
        for obj in objects:
            if _split(str(obj.get("apiVersion", "")))[0] == _FLUX_KUSTOMIZE_GROUP and obj.get("kind") == "Kustomization":
                yield obj


@dataclass(frozen=True)
class _ComponentsBuild:
    """A folder a Flux Kustomization applies with ``spec.components``, and which ones (a build of its own)."""

    folder: Path
    root: Path
    components: tuple[str, ...]
    ignore_missing: bool
    kustomization: str


def _builds_with_components(result: ReadResult, roots: list[Path], folders: list[Path]) -> tuple[list[_ComponentsBuild], set[Path]]:
    """The builds Flux Kustomizations with ``spec.components`` ask for in the validated ``folders``; the folders some Flux Kustomization applies without.

    ``spec.path`` is resolved against each repository root as for post-build
    variables; a folder outside the validated folders is not built.
    """
    planned: dict[tuple[Path, tuple[str, ...], bool], _ComponentsBuild] = {}
    plain: set[Path] = set()
    for obj in _flux_kustomizations(result):
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            continue
        relative = str(spec.get("path") or "./").lstrip("/")
        components = tuple(c for c in spec.get("components") or () if isinstance(c, str))
        found = obj.get("metadata")
        metadata: dict[str, Any] = found if isinstance(found, dict) else {}
        name = "/".join(str(part) for part in (metadata.get("namespace"), metadata.get("name")) if part)
        for root in roots:
            folder = (root / relative).resolve()
            if not components:
                plain.add(folder)
                continue
            if folder.is_dir() and any(folder.is_relative_to(f) for f in folders) and folder.is_relative_to(root):
                key = (folder, components, spec.get("ignoreMissingComponents") is True)
                planned.setdefault(key, _ComponentsBuild(folder, root, components, key[2], name))
    return list(planned.values()), plain


def _read_builds_with_components(result: ReadResult, roots: list[Path], folders: list[Path]) -> None:
    """The folders Flux Kustomizations apply with ``spec.components``, built with them; the plain build dropped where no Flux Kustomization applies it so."""
    import os

    from cdk8s_flux import kustomize_build

    planned, plain = _builds_with_components(result, roots, folders)
    for build in planned:
        shown = os.path.relpath(build.folder) if not os.path.relpath(build.folder).startswith("..") else str(build.folder)
        label = f"{shown} with the spec.components of Kustomization {build.kustomization}"
        name = f"{label} (kustomize build)"
        try:
            built = kustomize_build.build_with_components(
                build.folder, build.root, build.components, ignore_missing=build.ignore_missing,
            )
        except kustomize_build.KustomizeBuildError as exc:
            file = kustomize_build.kustomization_file(build.folder) or build.folder
            result.problems.append(_file_problem(str(file), f"{exc} (the build with the spec.components of Kustomization {build.kustomization})"))
            continue
        result.built.append(label)
        result.origins[name] = build.folder
        _read_text(name, built.stream, found_in_folder=False, result=result, located=False)
        _locate_built(result, name, built, label)
    with_components = {build.folder for build in planned}
    # a folder without a kustomization file: its files, and the folders below it with one, are in its build now
    generated = [folder for folder in with_components if kustomize_build.kustomization_file(folder) is None]
    for name, origin in list(result.origins.items()):
        # Flux never applies them without the components: what was read without them is not what reaches the cluster
        here = origin.resolve()
        covered = here in with_components or any(here.is_relative_to(folder) for folder in generated)
        if covered and here not in plain and " with the spec.components of " not in name and name in result.files:
            del result.files[name]
            del result.origins[name]
            if str(origin) in result.built:
                result.built.remove(str(origin))


def read_paths(paths: Iterable[str], stdin: Any = None) -> ReadResult:
    """The objects of ``paths``: YAML files, folders (searched for ``*.yaml``/``*.yml``), ``-`` for ``stdin``.

    Files are read as UTF-8 and as ``manifests.read_documents`` reads YAML; what
    cannot be read is a problem of its file. A path that does not exist is a ``ValidationError``. In folders, hidden
    folders are not searched, a file that holds no Kubernetes object at all
    (such as ``cdk8s.yaml``) is skipped, and a folder with a kustomization file
    is built with ``kubectl kustomize`` (see ``kustomize_build``), its files not read one by one.
    """
    result = ReadResult(files={}, problems=[], skipped=[])
    roots: list[Path] = []
    folders: list[Path] = []
    for path in paths:
        if path == "-":
            source = stdin or sys.stdin
            data = source.buffer.read() if hasattr(source, "buffer") else source.read()
            _read_bytes(STDIN_NAME, data, found_in_folder=False, result=result)
            continue
        target = Path(path)
        if target.is_dir():
            roots.append(_repository_root(target))
            folders.append(target.resolve())
            _read_folder(target, result)
        elif target.is_file():
            roots.append(_repository_root(target.parent))
            result.origins[str(target)] = target
            _read_bytes(str(target), target.read_bytes(), found_in_folder=False, result=result)
        else:
            raise ValidationError("PATH", path, "no such file or folder", "give YAML files, folders of them, or - for stdin")
    _read_builds_with_components(result, roots, folders)
    result.substituted.update(_substituted(result, roots))
    return result
