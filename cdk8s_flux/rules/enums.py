"""The values core fields accept, where the API server's validation enumerates them and the OpenAPI schema does not.

``kubernetes-validate``'s schemas carry no ``enum`` for these fields, so
``imagePullPolicy: Sometimes`` or a Service of ``type: Loadbalancer`` would pass
them. Each entry was read from Kubernetes' own validation, which decides what
the API server refuses (``pkg/apis/core/validation/validation.go``:
``validatePullPolicy``, ``validateRestartPolicy``, ``validateDNSPolicy``, ``validateContainerPorts``, the
``supported...`` sets before ``ValidateService``; ``pkg/apis/rbac/validation``:
``ValidateRoleBinding``, ``ValidateRoleBindingSubject``), and the values from
the ``+enum`` constants of ``k8s.io/api`` (``core/v1/types.go``,
``rbac/v1/types.go``) at ``kubernetes-1.37.0-beta.0``. The tests compare this
table with copies of both sources. ``ENUM_SOURCE`` names them.

Where the field is a plain string that Kubernetes' defaulting fills in when it
is empty, ``""`` is accepted as well, and ``null`` always is (an unset field).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

#: Where the value sets were read.
ENUM_SOURCE = "Kubernetes 1.37 (kubernetes/kubernetes pkg/apis/core/validation, pkg/apis/rbac/validation; k8s.io/api kubernetes-1.37.0-beta.0)"

#: The key a checked schema carries to say which rule an ``enum`` is (jsonschema ignores unknown keywords).
RULE_KEY = "x-cdk8s-flux-rule"

_CORE = "io.k8s.api.core.v1"
_RBAC = "io.k8s.api.rbac.v1"
_VALIDATION = "pkg/apis/core/validation/validation.go"


@dataclass(frozen=True)
class Enum:
    """The values one field accepts, and the validation function that refuses the others."""

    values: tuple[str, ...]
    rule: str
    #: Whether ``""`` is accepted too: a non-pointer field that defaulting fills when empty.
    empty: bool = True
    #: Whether the enum applies to each item of a list rather than to the field.
    items: bool = False


_PULL = Enum(("Always", "IfNotPresent", "Never"), f"{_VALIDATION} validatePullPolicy")
_TERMINATION = Enum(("File", "FallbackToLogsOnError"), f"{_VALIDATION} validateContainerCommon (terminationMessagePolicy)")
_PROTOCOLS = ("TCP", "UDP", "SCTP")

#: ``(definition, property)`` of kubernetes-validate's definitions to the values the API server accepts.
ENUMS: dict[tuple[str, str], Enum] = {
    (f"{_CORE}.Container", "imagePullPolicy"): _PULL,
    (f"{_CORE}.EphemeralContainer", "imagePullPolicy"): _PULL,
    (f"{_CORE}.Container", "terminationMessagePolicy"): _TERMINATION,
    (f"{_CORE}.EphemeralContainer", "terminationMessagePolicy"): _TERMINATION,
    (f"{_CORE}.PodSpec", "restartPolicy"): Enum(("Always", "OnFailure", "Never"), f"{_VALIDATION} validateRestartPolicy"),
    (f"{_CORE}.PodSpec", "dnsPolicy"): Enum(
        ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"), f"{_VALIDATION} validateDNSPolicy",
    ),
    (f"{_CORE}.PodSpec", "preemptionPolicy"): Enum(
        ("PreemptLowerPriority", "Never"), f"{_VALIDATION} ValidatePreemptionPolicy", empty=False,
    ),
    (f"{_CORE}.PodSecurityContext", "fsGroupChangePolicy"): Enum(
        ("OnRootMismatch", "Always"), f"{_VALIDATION} validateFSGroupChangePolicy", empty=False,
    ),
    (f"{_CORE}.HTTPGetAction", "scheme"): Enum(("HTTP", "HTTPS"), f"{_VALIDATION} validateHTTPGetAction (supportedHTTPSchemes)"),
    (f"{_CORE}.Toleration", "operator"): Enum(("Equal", "Exists"), f"{_VALIDATION} ValidateTolerations"),
    (f"{_CORE}.Toleration", "effect"): Enum(
        ("NoSchedule", "PreferNoSchedule", "NoExecute"), f"{_VALIDATION} ValidateTolerations (validateTaintEffect)",
    ),
    (f"{_CORE}.ServiceSpec", "type"): Enum(
        ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"), f"{_VALIDATION} ValidateService (supportedServiceType)",
    ),
    (f"{_CORE}.ServiceSpec", "sessionAffinity"): Enum(
        ("ClientIP", "None"), f"{_VALIDATION} ValidateService (supportedSessionAffinityType)",
    ),
    (f"{_CORE}.ServiceSpec", "externalTrafficPolicy"): Enum(
        ("Cluster", "Local"), f"{_VALIDATION} validateServiceExternalTrafficPolicy (validExternalTrafficPolicies)",
    ),
    (f"{_CORE}.ServiceSpec", "internalTrafficPolicy"): Enum(
        ("Cluster", "Local"), f"{_VALIDATION} validateServiceInternalTrafficFieldsValue (supportedServiceInternalTrafficPolicy)",
        empty=False,
    ),
    (f"{_CORE}.ServiceSpec", "ipFamilyPolicy"): Enum(
        ("SingleStack", "PreferDualStack", "RequireDualStack"), f"{_VALIDATION} supportedServiceIPFamilyPolicy", empty=False,
    ),
    (f"{_CORE}.ServiceSpec", "ipFamilies"): Enum(
        ("IPv4", "IPv6"), f"{_VALIDATION} supportedServiceIPFamily", empty=False, items=True,
    ),
    (f"{_CORE}.ServicePort", "protocol"): Enum(_PROTOCOLS, f"{_VALIDATION} validateServicePort (supportedPortProtocols)"),
    (f"{_CORE}.ContainerPort", "protocol"): Enum(_PROTOCOLS, f"{_VALIDATION} validateContainerPorts (supportedPortProtocols)"),
    (f"{_RBAC}.RoleRef", "apiGroup"): Enum(
        ("rbac.authorization.k8s.io",), "pkg/apis/rbac/validation/validation.go ValidateRoleBinding (roleRef.apiGroup)", empty=False,
    ),
    (f"{_RBAC}.RoleRef", "kind"): Enum(
        ("Role", "ClusterRole"), "pkg/apis/rbac/validation/validation.go ValidateRoleBinding (roleRef.kind)", empty=False,
    ),
    (f"{_RBAC}.Subject", "kind"): Enum(
        ("ServiceAccount", "User", "Group"), "pkg/apis/rbac/validation/validation.go ValidateRoleBindingSubject", empty=False,
    ),
}


def with_enums(definitions: dict[str, Any]) -> dict[str, Any]:
    """A copy of kubernetes-validate's ``_definitions.json`` document with the ``ENUMS`` added to the fields' schemas.

    A definition or field the schema set does not have (an older Kubernetes) is left as it is.
    """
    checked = copy.deepcopy(definitions)
    found = checked.get("$defs", {})
    for (definition, name), enum in ENUMS.items():
        field = found.get(definition, {}).get("properties", {}).get(name)
        if not isinstance(field, dict):
            continue
        target = field.get("items") if enum.items else field
        if not isinstance(target, dict):
            continue
        allowed: list[Any] = [*enum.values, *([""] if enum.empty else []), None]
        target["enum"] = allowed
        target[RULE_KEY] = enum.rule
    return checked


def message(value: Any, rule: str) -> str:
    """The message for a value the rule refuses: what is accepted instead."""
    enum = next(e for e in ENUMS.values() if e.rule == rule)
    return f"{value!r} is not supported: Kubernetes accepts {', '.join(repr(v) for v in enum.values)}"
