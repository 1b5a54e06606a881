"""A workload's selector against the labels of its pod template, as the API server checks it on create.

Read from Kubernetes (``pkg/apis/apps/validation/validation.go``:
``ValidateDeploymentSpec``, ``ValidateStatefulSetSpec``, ``ValidateDaemonSetSpec``,
``ValidateReplicaSetSpec``; ``pkg/apis/batch/validation/validation.go``:
``validateJobSpec`` when ``manualSelector`` is true): the selector of an
``apps/v1`` workload must not be empty and must select its template's labels,
or the API server refuses the object with "`selector` does not match template
`labels`". The label-selector semantics are ``k8s.io/apimachinery``'s
``LabelSelectorAsSelector``: every ``matchLabels`` pair, and every
``matchExpressions`` requirement (``In``, ``NotIn``, ``Exists``, ``DoesNotExist``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk8s_flux.secrets import FieldPath

SELECTOR_SOURCE = "Kubernetes 1.37 (kubernetes/kubernetes pkg/apis/apps/validation, pkg/apis/batch/validation)"

#: The workloads whose ``spec.selector`` must select ``spec.template.metadata.labels``.
WORKLOADS = {("apps", kind) for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")}


def _matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool | None:
    """Whether the label selector selects ``labels``; None when the selector is not well formed (the schema's to report)."""
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(expressions, list):
        return None
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    for expression in expressions:
        if not isinstance(expression, Mapping):
            return None
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if not isinstance(key, str) or not isinstance(values, list):
            return None
        if operator == "In":
            selected = key in labels and labels[key] in values
        elif operator == "NotIn":
            selected = key not in labels or labels[key] not in values
        elif operator == "Exists":
            selected = key in labels
        elif operator == "DoesNotExist":
            selected = key not in labels
        else:
            return None
        if not selected:
            return False
    return True


def selector_problems(obj: Mapping[str, Any], group: str) -> list[tuple[FieldPath, str, str]]:
    """``(field path, message, rule)`` when a workload's selector is empty or does not select its template's labels."""
    kind = str(obj.get("kind", ""))
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return []
    if (group, kind) in WORKLOADS:
        rule = f"pkg/apis/apps/validation/validation.go Validate{kind}Spec"
    elif (group, kind) == ("batch", "Job") and spec.get("manualSelector") is True:
        rule = "pkg/apis/batch/validation/validation.go validateJobSpec (manualSelector)"
    else:
        return []
    selector = spec.get("selector")
    template = spec.get("template")
    if not isinstance(selector, Mapping) or not isinstance(template, Mapping):
        return []  # missing or mistyped: the schema says so
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return [(("spec", "selector"), f"an empty selector would select every pod; a {kind} must select its own", rule)]
    metadata = template.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    labels = labels if isinstance(labels, Mapping) else {}
    if _matches(selector, labels) is False:
        return [(
            ("spec", "template", "metadata", "labels"),
            f"spec.selector does not select these labels ({dict(labels)!r}); the API server refuses a {kind} "
            "whose selector does not match its template's labels. Fix: give the template the selector's labels",
            rule,
        )]
    return []
