"""Check the layout before it reaches git, with ``cdk8s_flux.validate``.

A manifests branch Flux cannot apply stops every later change too, so core
kinds are checked strictly against the Kubernetes API, and custom resources
against their CRD when one is known (in the output, or the Flux release it is
labelled with or that ``cdk8s-flux.lock`` pins). Publish skips kinds without
a schema: a cluster may have CRDs the app does not carry.
"""

from __future__ import annotations

from typing import Any

from cdk8s_flux import validate
from cdk8s_flux.errors import RefusedContentError

# The version helpers publish's options and tests use.
default_kubernetes_version = validate.default_kubernetes_version
supported_versions = validate.supported_versions


def problems(obj: dict[str, Any], version: str) -> list[str]:
    """What is wrong with a core ``obj`` for Kubernetes ``version``; empty when valid or not a core kind."""
    found = validate.core_problems(obj, version) or []
    return [f"{path or '(top level)'}: {message}" for path, message in found]


def validate_layout(objects: dict[str, tuple[dict[str, Any], ...]], version: str) -> None:
    """Raise ``RefusedContentError`` listing every invalid object of a layout (path to objects)."""
    validate.schema_version(version)
    report = [
        f"{p.file} ({p.kind} {p.name}): {p.path or '(top level)'}: {p.message}"
        for p in validate.validate_files(objects, kubernetes_version=version, allow_unknown_kinds=True)
    ]
    if report:
        shown = "\n  ".join(report[: validate.SHOWN])
        more = f"\n  ... and {len(report) - validate.SHOWN} more" if len(report) > validate.SHOWN else ""
        raise RefusedContentError(
            f"{len(report)} problem(s) against the Kubernetes {version} API and the CRDs; Flux would fail to apply them:\n"
            f"  {shown}{more}\nFix: correct the objects in the app, pass the cluster's --kubernetes-version, "
            "or skip this check with --no-validate"
        )
