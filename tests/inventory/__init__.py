"""The schema inventory: every field of the Flux v2.9.4 CRDs, and the props that write it.

One module per family of kinds (``helm``, ``sources``, ``kustomize``,
``notification``, ``image``) holds, for its kinds:

- ``BUILDERS``: kind -> functions that each add constructs of that kind to a
  chart, setting as many fields as can be set together;
- ``PROPS``: kind -> {schema leaf path of ``spec`` -> the prop that writes it,
  as a user writes it (``install=HelmReleaseInstall(timeout=...)``)}.

This package reads the CRDs (tests/data/flux/v2.9.4/gotk-components.yaml, an
unmodified upstream copy) and derives the leaf paths. ``tests/test_v2_inventory.py``
checks the modules against them.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

GOTK_COMPONENTS = Path(__file__).resolve().parent.parent / "data" / "flux" / "v2.9.4" / "gotk-components.yaml"

#: Each Flux kind and the inventory module that holds its data.
MODULES = {
    "GitRepository": "sources",
    "OCIRepository": "sources",
    "HelmRepository": "sources",
    "HelmChart": "sources",
    "Bucket": "sources",
    "Kustomization": "kustomize",
    "HelmRelease": "helm",
    "Provider": "notification",
    "Alert": "notification",
    "Receiver": "notification",
    "ImageRepository": "image",
    "ImagePolicy": "image",
    "ImageUpdateAutomation": "image",
}


@functools.cache
def spec_schemas() -> dict[str, dict[str, Any]]:
    """Kind -> the openAPIV3Schema of ``spec`` of its one served version."""
    out = {}
    for doc in yaml.load_all(GOTK_COMPONENTS.read_text(), Loader=yaml.CSafeLoader):
        if doc and doc.get("kind") == "CustomResourceDefinition" and doc["spec"]["names"]["kind"] in MODULES:
            (version,) = [v for v in doc["spec"]["versions"] if v.get("served")]
            out[doc["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return out


def schema_leaves(schema: dict[str, Any], path: str = "spec") -> set[str]:
    """Every leaf path below ``schema``: properties are followed, an array's items with ``[]``; the rest is a leaf."""
    if "properties" in schema:
        return {leaf for name, sub in schema["properties"].items() for leaf in schema_leaves(sub, f"{path}.{name}")}
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return schema_leaves(schema["items"], f"{path}[]")
    return {path}


def emitted_leaves(schema: dict[str, Any], value: Any, path: str = "spec") -> set[str]:
    """The leaf paths ``value`` sets, walked alongside ``schema`` by the same rules (a key the schema lacks is a leaf too)."""
    if "properties" in schema and isinstance(value, dict):
        out: set[str] = set()
        for name, item in value.items():
            sub = schema["properties"].get(name)
            out |= {f"{path}.{name}"} if sub is None else emitted_leaves(sub, item, f"{path}.{name}")
        return out
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict) and isinstance(value, list):
        return {leaf for item in value for leaf in emitted_leaves(schema["items"], item, f"{path}[]")}
    return {path}


def module(kind: str) -> ModuleType | None:
    """The inventory module of ``kind``, or ``None`` when it has not been written."""
    name = f"{__name__}.{MODULES[kind]}"
    return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None
