"""The objects of the Flux controllers' API docs (``tests/data/flux-api-docs/``), found and compared as the controller reads them.

One helper for every test that rebuilds those objects with the constructs: the
objects of a page, a spec with its CRD's defaults, and the field-by-field comparison.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fluxcrds import cel_problems

from cdk8s_flux.validate import validate_objects

API_DOCS = Path(__file__).parent / "data" / "flux-api-docs"

#: Spec fields whose references default their ``namespace`` to the referrer's (the CRDs say so of each).
REFERENCES = ("sourceRef", "dependsOn", "healthChecks", "eventSources", "resources")
# A ``<placeholder>`` of the docs, but not the group name of a regular expression (``(?P<timestamp>...)``, ``(?<name>...)``).
_PLACEHOLDER = re.compile(r"(?<!\(\?P)(?<!\(\?)<[^>]+>")


def api_doc_objects(page: Path, kinds: tuple[str, ...], crds: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bool]]:
    """The objects of ``kinds`` in a page's YAML examples, and whether each is whole (the CRD admits it as it is).

    Left out: blocks that are not YAML (``...`` or ``[...]`` elisions) and objects with
    ``<placeholder>`` values, which stand for anything (a regular expression's named group is no placeholder). A fragment (an example of a few
    fields without the required ones) is compared on the fields it shows.
    """
    found = []
    for block in re.findall(r"```yaml\n(.*?)```", page.read_text(), re.S):
        try:
            documents = list(yaml.safe_load_all(block))
        except yaml.YAMLError:
            continue
        for doc in documents:
            if isinstance(doc, dict) and doc.get("kind") in kinds and doc.get("spec") and not _PLACEHOLDER.search(json.dumps(doc)):
                found.append((doc, validate_objects([doc], crds=crds) == []))
    return found


def spec_schema(crds: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The schema of ``spec`` in the served version of ``kind``'s CRD."""
    crd = next(c for c in crds if c["spec"]["names"]["kind"] == kind)
    (served,) = [v for v in crd["spec"]["versions"] if v.get("served")]
    spec: dict[str, Any] = served["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return spec


def defaulted(value: Any, schema: dict[str, Any], *, false_is_absent: bool = False) -> Any:
    """``value`` as the API server stores it: the schema's defaults filled in wherever their parent is given.

    ``false_is_absent`` also drops a ``false`` the schema gives no default: Go reads
    such a boolean as ``false`` when absent, so written or left out it is one object.
    """
    if isinstance(value, dict) and schema.get("properties"):
        properties = schema["properties"]
        out = {
            key: defaulted(item, properties.get(key, {}), false_is_absent=false_is_absent)
            for key, item in value.items()
            if not (false_is_absent and item is False and properties.get(key, {}).get("type") == "boolean" and "default" not in properties.get(key, {}))
        }
        out.update({key: sub["default"] for key, sub in properties.items() if key not in out and "default" in sub})
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [defaulted(item, schema["items"], false_is_absent=false_is_absent) for item in value]
    return value


def own_namespace_dropped(spec: dict[str, Any], namespace: str | None, references: tuple[str, ...] = REFERENCES) -> dict[str, Any]:
    """``spec`` with a reference's ``namespace`` left out where it is the referrer's own, which is what Flux reads then."""

    def drop(ref: Any) -> Any:
        return {k: v for k, v in ref.items() if not (k == "namespace" and v == namespace)} if isinstance(ref, dict) else ref

    return {
        key: ([drop(item) for item in value] if isinstance(value, list) else drop(value)) if key in references else value
        for key, value in spec.items()
    }


def assert_same(built: dict[str, Any], doc: dict[str, Any], whole: bool, crds: list[dict[str, Any]], *, false_is_absent: bool = False) -> None:
    """Field by field, both as the controller reads them: kind, name, the namespace where the doc gives one, the spec.

    Both specs get the CRD's defaults, and a reference's namespace equal to the object's own is
    dropped. A fragment is compared on the fields its spec shows, defaults included.
    """
    schema = spec_schema(crds, doc["kind"])
    namespace = doc["metadata"].get("namespace")
    built_spec = own_namespace_dropped(defaulted(built["spec"], schema, false_is_absent=false_is_absent), namespace)
    doc_spec = own_namespace_dropped(defaulted(doc["spec"], schema, false_is_absent=false_is_absent), namespace)
    assert (built["apiVersion"], built["kind"], built["metadata"]["name"]) == (doc["apiVersion"], doc["kind"], doc["metadata"]["name"])
    if "namespace" in doc["metadata"]:
        assert built["metadata"]["namespace"] == doc["metadata"]["namespace"]
    shown = built_spec if whole else {key: built_spec.get(key) for key in doc_spec}
    assert shown == doc_spec, doc["metadata"]["name"]


def assert_rebuilt(
    page: str, kinds: tuple[str, ...], builders: list[Callable[[], dict[str, Any]]], crds: list[dict[str, Any]], *, false_is_absent: bool = False
) -> None:
    """Every object of ``kinds`` in ``page`` equals the one its builder makes, in order; what is built is valid."""
    docs = api_doc_objects(API_DOCS / page, kinds, crds)
    assert sum(whole for _, whole in docs) >= 2
    built = [build() for build in builders]
    assert len(built) == len(docs), [doc["metadata"]["name"] for doc, _ in docs]
    for one, (doc, whole) in zip(built, docs, strict=True):
        assert_same(one, doc, whole, crds, false_is_absent=false_is_absent)
    assert validate_objects(built, crds=crds) == [] and cel_problems(built, crds) == []
