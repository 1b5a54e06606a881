"""Check custom resources against the openAPIV3Schema of the CRDs that define them.

Stricter than the API server on one point: a field the schema does not know is
a problem here, where the server would prune it silently (a typo such as
``spec.brnach`` would otherwise vanish). Kubernetes' ``x-kubernetes-*``
extensions are honoured: preserve-unknown-fields allows any field,
int-or-string takes either type, ``nullable`` allows null.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cdk8s_flux.errors import SchemaError

if TYPE_CHECKING:
    from cdk8s_flux.validate import Problem

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


def crd_schemas(crds: Iterable[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """``{(apiVersion, kind): strict schema}`` for every served version of the CRDs."""
    schemas = {}
    for crd in crds:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec.get("versions", []):
            if not version.get("served", True):
                continue
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if schema is not None:
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                schemas[key] = strict_schema(schema)
    return schemas


def validate_objects(objects: Iterable[dict[str, Any]], crds: Iterable[dict[str, Any]]) -> list[Problem]:
    """Problems of the objects whose kind one of ``crds`` defines; other objects are not checked.

    An object of a group the CRDs define, but of a kind or version none serves,
    is a problem too: the API server would refuse it. The checks are those of
    ``cdk8s-flux validate`` (``cdk8s_flux.validate``).
    """
    from cdk8s_flux.validate import CrdSet, custom_problems, object_problem

    crd_set = CrdSet("the given CRDs", tuple(crds))
    groups = {group for group, _ in crd_set.served}
    problems: list[Problem] = []
    for obj in objects:
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        if crd_set.defines(api_version, kind):
            problems.extend(custom_problems("", obj, crd_set))
        elif api_version.split("/")[0] in groups:
            problems.append(object_problem("", obj, "apiVersion", f"no CRD serves {kind} in {api_version}"))
    return problems


def check_objects(objects: Iterable[dict[str, Any]], crds: Iterable[dict[str, Any]]) -> None:
    """Raise ``SchemaError`` listing every problem ``validate_objects`` finds."""
    problems = validate_objects(objects, crds)
    if problems:
        raise SchemaError(problems)
