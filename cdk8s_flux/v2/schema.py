"""Custom resources against the CRDs that define them: ``cdk8s_flux.validate`` does the checking.

Only a call: kept until the tests that use this name move to ``cdk8s_flux.validate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cdk8s_flux.validate import Problem
from cdk8s_flux.validate import validate_objects as _validate_objects


def validate_objects(objects: Iterable[dict[str, Any]], crds: Iterable[dict[str, Any]]) -> list[Problem]:
    """The problems of ``objects`` against ``crds`` (and the Kubernetes API for core kinds)."""
    return _validate_objects(objects, crds=crds)
