"""A workload against its pod template, as the API server checks it on create: the selector, and what the pods may be.

Read from Kubernetes (``pkg/apis/apps/validation/validation.go``:
``ValidateDeploymentSpec``, ``ValidateReplicaSetSpec`` through
``ValidatePodTemplateSpecForReplicaSet``, ``ValidateStatefulSetSpec``,
``ValidateDaemonSetSpec``; ``pkg/apis/batch/validation/validation.go``:
``validateJobSpec`` when ``manualSelector`` is true):

* the selector of an ``apps/v1`` workload must not be empty and must select its
  template's labels, or the API server refuses the object with "`selector` does
  not match template `labels`". The label-selector semantics are
  ``k8s.io/apimachinery``'s ``LabelSelectorAsSelector``: every ``matchLabels``
  pair, and every ``matchExpressions`` requirement (``In``, ``NotIn``,
  ``Exists``, ``DoesNotExist``);
* the pods of an ``apps/v1`` workload restart ``Always`` (the default), and may
  not set ``activeDeadlineSeconds``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk8s_flux.secrets import FieldPath

WORKLOAD_SOURCE = "Kubernetes 1.37 (kubernetes/kubernetes pkg/apis/apps/validation, pkg/apis/batch/validation)"

#: The function of apps validation that checks each workload's pod template.
_TEMPLATE_RULES = {
    "Deployment": "ValidatePodTemplateSpecForReplicaSet",
    "ReplicaSet": "ValidatePodTemplateSpecForReplicaSet",
    "StatefulSet": "ValidateStatefulSetSpec",
    "DaemonSet": "ValidateDaemonSetSpec",
}

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


def template_problems(obj: Mapping[str, Any], group: str) -> list[tuple[FieldPath, str, str]]:
    """``(field path, message, rule)`` when the pods of an ``apps/v1`` workload would not restart always, or have a deadline."""
    kind = str(obj.get("kind", ""))
    if (group, kind) not in WORKLOADS:
        return []
    spec = obj.get("spec")
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod = template.get("spec") if isinstance(template, Mapping) else None
    if not isinstance(pod, Mapping):
        return []
    rule = f"pkg/apis/apps/validation/validation.go {_TEMPLATE_RULES[kind]}"
    found: list[tuple[FieldPath, str, str]] = []
    policy = pod.get("restartPolicy")
    if isinstance(policy, str) and policy not in ("", "Always"):
        found.append((
            ("spec", "template", "spec", "restartPolicy"),
            f"{policy!r} is not supported: the pods of a {kind} restart 'Always' (the default). Fix: leave restartPolicy out",
            rule,
        ))
    if pod.get("activeDeadlineSeconds") is not None:
        found.append((
            ("spec", "template", "spec", "activeDeadlineSeconds"),
            f"not supported in the pods of a {kind}, which run until replaced. Fix: leave it out (a Job may have a deadline)",
            rule,
        ))
    return found
