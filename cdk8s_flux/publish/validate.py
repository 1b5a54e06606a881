"""Check objects against the Kubernetes API schemas before they reach git.

A manifests branch Flux cannot apply stops every later change too, so core
kinds are checked with the schemas ``kubernetes-validate`` ships (strict: an
unknown field is an error, as ``kubectl apply`` does by default). Kinds it
has no schema for (custom resources) are skipped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from cdk8s_flux.errors import RefusedContentError, ValidationError

# Problems listed in one error before "and N more".
_SHOWN = 20


@lru_cache(maxsize=None)
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


@lru_cache(maxsize=None)
def _schema_version(version: str) -> str:
    """The schema set for ``version``: the newest that is not newer than it."""
    from kubernetes_validate import utils

    wanted = utils.major_minor(version.removeprefix("v"))
    known = supported_versions()
    if not re.fullmatch(r"\d+\.\d+", wanted) or _minor(wanted) > _minor(known[-1]) or _minor(wanted) < _minor(known[0]):
        raise ValidationError(
            "--kubernetes-version", version, f"no schemas for it (kubernetes-validate has {known[0]} to {known[-1]})",
            f"pass a version between {known[0]} and {known[-1]}, or --no-validate",
        )
    return [v for v in _all_versions() if _minor(v) <= _minor(wanted)][-1]


@lru_cache(maxsize=None)
def _validator(schema_version: str, kind: str, api_version: str) -> Any | None:
    """A compiled strict validator for one kind, or None when there is no schema."""
    import jsonschema
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    folder = f"kubernetes-json-schema/v{schema_version}-local-strict"
    # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 -> rbac-v1
    mangled = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{mangled}.json", schema_version)
    except (FileNotFoundError, utils.VersionNotSupportedError):
        return None
    definitions = utils.schema_contents(f"{folder}/_definitions.json", schema_version)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def problems(obj: dict[str, Any], version: str) -> list[str]:
    """What is wrong with ``obj`` for Kubernetes ``version``; empty when valid or unknown."""
    validator = _validator(_schema_version(version), str(obj.get("kind")), str(obj.get("apiVersion")))
    if validator is None:
        return []
    found = []
    for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.path))):
        where = ".".join(str(p) for p in error.path) or "(top level)"
        found.append(f"{where}: {error.message}")
    return found


def validate_layout(objects: dict[str, tuple[dict[str, Any], ...]], version: str) -> None:
    """Raise ``RefusedContentError`` listing every invalid object of a layout (path to objects)."""
    _schema_version(version)
    report = []
    for path, documents in objects.items():
        for obj in documents:
            name = (obj.get("metadata") or {}).get("name")
            report.extend(f"{path} ({obj.get('kind')} {name}): {p}" for p in problems(obj, version))
    if report:
        shown = "\n  ".join(report[:_SHOWN])
        more = f"\n  ... and {len(report) - _SHOWN} more" if len(report) > _SHOWN else ""
        raise RefusedContentError(
            f"{len(report)} problem(s) against the Kubernetes {version} API; Flux would fail to apply them:\n"
            f"  {shown}{more}\nFix: correct the objects in the app, pass the cluster's --kubernetes-version, "
            "or skip this check with --no-validate"
        )
