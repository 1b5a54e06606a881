"""Every field of the Flux v2.9.4 CRDs is settable through the typed props, proven from the CRD schemas.

For each kind, the builders of its inventory module (tests/inventory/) are
synthesized; the leaf paths of the emitted ``spec`` must cover every leaf path
of the CRD's ``spec`` schema, the module's ``PROPS`` must name a prop for
exactly those paths, and every emitted object must pass the CRD schema and CEL
rules (``cdk8s_flux.validate``). A kind whose module is missing fails.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from inventory import MODULES, emitted_leaves, module, schema_leaves, spec_schemas

from cdk8s_flux.release.embedded import EMBEDDED_VERSION
from cdk8s_flux.testing import assert_chart_snapshot, chart_objects
from cdk8s_flux.v2.resource import FluxObjectProps
from cdk8s_flux.validate import validate_objects

KINDS = sorted(MODULES)


def _props_type(kind: str) -> type[FluxObjectProps]:
    found = [c for c in _subclasses(FluxObjectProps) if getattr(c, "KIND", None) == kind]
    assert len(found) == 1, found
    return found[0]


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def _inventory(kind: str) -> Any:
    found = module(kind)
    if found is None:
        pytest.fail(f"tests/inventory/{MODULES[kind]}.py is missing: no builders or props for {kind}")
    assert kind in found.BUILDERS and kind in found.PROPS, f"tests/inventory/{MODULES[kind]}.py has no entry for {kind}"
    return found


def _built(kind: str) -> list[list[dict[str, Any]]]:
    """The objects each builder of ``kind`` emits."""
    import cdk8s_flux.v2  # noqa: F401  (every props class registered)

    out = []
    for builder in _inventory(kind).BUILDERS[kind]:
        chart = cdk8s.Chart(cdk8s.Testing.app(), "inventory")
        builder(chart)
        out.append(chart_objects(chart))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_schema_field_is_emitted_by_some_builder(kind: str) -> None:
    # GIVEN the leaf paths of the CRD's spec
    schema = spec_schemas()[kind]
    wanted = schema_leaves(schema)
    # WHEN every builder of the kind is synthesized
    emitted: set[str] = set()
    for objects in _built(kind):
        mine = [o for o in objects if o["kind"] == kind]
        assert mine, f"a builder of {kind} made no {kind}"
        for obj in mine:
            emitted |= emitted_leaves(schema, obj.get("spec", {}))
    # THEN every leaf was written by some builder, and nothing the schema lacks was
    assert sorted(wanted - emitted) == [], f"{kind}: fields no builder sets"
    assert sorted(emitted - wanted) == [], f"{kind}: fields the CRD does not define"


@pytest.mark.parametrize("kind", KINDS)
def test_every_schema_field_names_the_prop_that_writes_it(kind: str) -> None:
    props = _inventory(kind).PROPS[kind]
    wanted = schema_leaves(spec_schemas()[kind])
    assert sorted(wanted - set(props)) == [], f"{kind}: schema fields without a prop in PROPS"
    assert sorted(set(props) - wanted) == [], f"{kind}: PROPS names paths the schema lacks"
    # AND each entry starts with an argument the props type has
    arguments = {f.name for f in dataclasses.fields(_props_type(kind))}
    for path, prop in props.items():
        first = re.match(r"\s*(\w+)\s*=", prop)
        assert first is not None and first[1] in arguments, f"{kind} {path}: {prop!r} does not start with an argument of {_props_type(kind).__name__}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_built_object_passes_the_crd_schema_and_cel_rules(kind: str) -> None:
    objects = [obj for built in _built(kind) for obj in built]
    assert validate_objects(objects, flux_version=EMBEDDED_VERSION) == []


def test_the_leaf_rules_follow_objects_and_arrays_and_stop_at_maps() -> None:
    # a small schema with each case, so the rules themselves are checked
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "array", "items": {"type": "object", "properties": {"c": {"type": "integer"}}}},
            "d": {"type": "object", "additionalProperties": {"type": "string"}},
            "e": {"type": "array", "items": {"type": "string"}},
            "f": {"x-kubernetes-preserve-unknown-fields": True},
        },
    }
    assert schema_leaves(schema) == {"spec.a", "spec.b[].c", "spec.d", "spec.e[]", "spec.f"}
    assert emitted_leaves(schema, {"a": "x", "b": [{"c": 1}], "d": {"k": "v"}, "f": {"deep": {"x": 1}}, "g": 1}) == {
        "spec.a", "spec.b[].c", "spec.d", "spec.f", "spec.g",
    }  # fmt: skip


# --- every field, as synthesized: reviewed snapshots of every builder ---------------------------------


def _every_builder() -> list[Any]:
    names = sorted(set(MODULES.values()))
    return [
        pytest.param(name, build, id=f"{name}-{build.__name__.strip('_')}")
        for name in names
        for builders in importlib.import_module(f"inventory.{name}").BUILDERS.values()
        for build in builders
    ]


@pytest.mark.parametrize(("module_name", "build"), _every_builder())
def test_every_field_synthesizes_as_reviewed(module_name: str, build: Any, snapshot: Any) -> None:
    # the snapshots of a construct module's builders live beside that module's tests
    snapshot.snapshot_dir = Path(__file__).parent / "snapshots" / f"test_v2_{module_name}"
    chart = cdk8s.Testing.chart()
    build(chart)
    assert_chart_snapshot(snapshot, chart, f"{build.__name__.strip('_')}.k8s.yaml")
