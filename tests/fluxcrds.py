"""The Flux v2.9.4 CRDs as test oracles: their openAPIV3Schema and their CEL rules.

``cdk8s_flux.validate`` checks the schema; the API server also evaluates the
``x-kubernetes-validations`` CEL rules, which ``cel_problems`` evaluates here
with cel-python, so a test can prove an object would be admitted.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Iterable

import yaml

VERSION = "v2.9.4"


@functools.lru_cache(maxsize=None)
def _load(path: str) -> tuple[dict[str, Any], ...]:
    documents = yaml.load_all(Path(path).read_text(), Loader=yaml.CSafeLoader)
    return tuple(d for d in documents if d and d["kind"] == "CustomResourceDefinition")


def load_crds(flux_data: Path) -> list[dict[str, Any]]:
    """Every CRD of ``flux install`` v2.9.4 with the image automation controllers."""
    return list(_load(str(flux_data / VERSION / "gotk-components.yaml")))


def _rules(schema: dict[str, Any], path: str) -> Iterable[tuple[str, dict[str, Any], dict[str, Any]]]:
    for rule in schema.get("x-kubernetes-validations") or ():
        yield path, schema, rule
    for name, sub in (schema.get("properties") or {}).items():
        yield from _rules(sub, f"{path}.{name}" if path else name)
    if isinstance(schema.get("items"), dict):
        yield from _rules(schema["items"], f"{path}[]")


@functools.lru_cache(maxsize=None)
def _compiled(crds_key: int, api_version: str, kind: str) -> tuple[tuple[str, Any, str], ...]:
    import celpy

    crd = _BY_KEY[crds_key][(api_version, kind)]
    environment = celpy.Environment()
    compiled = []
    for path, _, rule in _rules(crd, ""):
        program = environment.program(environment.compile(rule["rule"]))
        compiled.append((path, program, rule.get("message", rule["rule"])))
    return tuple(compiled)


_BY_KEY: dict[int, dict[tuple[str, str], dict[str, Any]]] = {}


def _values_at(obj: Any, path: str) -> list[Any]:
    values = [obj]
    for part in path.split(".") if path else ():
        many = part.endswith("[]")
        name = part[:-2] if many else part
        found = []
        for value in values:
            if isinstance(value, dict) and name in value:
                item = value[name]
                found.extend(item if many and isinstance(item, list) else [item])
        values = found
    return values


def cel_problems(objects: Iterable[dict[str, Any]], crds: list[dict[str, Any]]) -> list[str]:
    """The CEL rules of their CRDs that ``objects`` break, as ``Kind name: path: message``."""
    from celpy import json_to_cel

    key = id(crds)
    if key not in _BY_KEY:
        _BY_KEY[key] = {
            (f"{c['spec']['group']}/{v['name']}", c["spec"]["names"]["kind"]): v["schema"]["openAPIV3Schema"]
            for c in crds
            for v in c["spec"]["versions"]
            if v.get("served", True)
        }
    problems = []
    for obj in objects:
        if (obj.get("apiVersion"), obj.get("kind")) not in _BY_KEY[key]:
            continue
        for path, program, message in _compiled(key, obj["apiVersion"], obj["kind"]):
            for value in _values_at(obj, path):
                if not bool(program.evaluate({"self": json_to_cel(value)})):
                    problems.append(f"{obj['kind']} {obj['metadata']['name']}: {path}: {message}")
    return problems


_VALIDATORS: dict[tuple[str, str], Any] = {}


def schema_problems(obj: dict[str, Any], crds: list[dict[str, Any]]) -> list[str]:
    """``cdk8s_flux.validate``'s strict check of one object against ``crds``, with the validators built once."""
    import jsonschema

    from cdk8s_flux.validate import strict_schema

    if not _VALIDATORS:
        _VALIDATORS.update({
            (f"{c['spec']['group']}/{v['name']}", c["spec"]["names"]["kind"]): jsonschema.Draft4Validator(
                strict_schema(v["schema"]["openAPIV3Schema"])
            )
            for c in crds
            for v in c["spec"]["versions"]
            if v.get("served", True)
        })
    validator = _VALIDATORS.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if validator is None:
        return [f"no CRD serves {obj.get('kind')} in {obj.get('apiVersion')}"]
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]
