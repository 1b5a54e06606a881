"""Object metadata as the API server checks it when an object is created: the name per kind, labels, annotations.

Read from Kubernetes at the release whose schemas ``kubernetes-validate`` 1.37
ships (see ``KUBERNETES_SOURCE``):

* ``staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go``
  (``ValidateObjectMetaAccessor``: a name is required, the kind's name rule,
  the namespace a DNS-1123 label, labels, annotation keys and their 256 KiB
  total, finalizers as qualified names) and ``generic.go`` (``NameIsDNSSubdomain``,
  ``NameIsDNSLabel``, ``NameIsDNS1035Label``, ``ValidateNamespaceName``);
* ``staging/src/k8s.io/apimachinery/pkg/api/validate/content/`` (``dns.go``,
  ``kube.go``: the formats and lengths; ``path.go``: path segment names), which
  ``pkg/util/validation/validation.go`` re-exports;
* ``pkg/apis/core/validation/validation.go`` (Service names are DNS-1035
  labels, Namespace names DNS-1123 labels) and
  ``pkg/apis/rbac/validation/validation.go`` (``ValidateRBACName``: Roles,
  ClusterRoles and their bindings need only a path segment name).

A custom resource's name is a DNS-1123 subdomain (the apiextensions server's
validator). A built-in kind whose rule is not listed here is held to the
loosest rule every name must meet, a path segment, so nothing the API server
accepts is refused. ``generateName`` is not checked: Flux applies objects by
name. Unknown and mistyped metadata fields are the schema's business: the
caller checks every object's metadata against ``ObjectMeta``.

The name rules here (``dns1123_subdomain``, ``dns1123_label``, ``qualified_name``,
``label_value``) are also the ones ``cdk8s_flux.validation`` holds construct props to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cdk8s_flux.secrets import FieldPath, is_encrypted_value, is_sops_encrypted

#: Where these rules were read: kubernetes/apimachinery (the staging copy of kubernetes/kubernetes) at this tag.
KUBERNETES_SOURCE = "Kubernetes 1.37 (kubernetes/apimachinery kubernetes-1.37.0-beta.0)"

# apimachinery pkg/api/validate/content/dns.go and kube.go.
_DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(_DNS1123_LABEL + r"(\." + _DNS1123_LABEL + ")*")
_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL)
_DNS1035_LABEL = re.compile("[a-z]([-a-z0-9]*[a-z0-9])?")
_LABEL_KEY_NAME = re.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_SUBDOMAIN_MAX, _LABEL_MAX, _LABEL_VALUE_MAX, _KEY_NAME_MAX = 253, 63, 63, 63
#: objectmeta.go TotalAnnotationSizeLimitB: keys and values together.
ANNOTATIONS_LIMIT = 256 * (1 << 10)


def _fullmatch(pattern: re.Pattern[str], value: str) -> bool:
    # Go's "^...$" (no multi-line flag) anchors at the ends of the text, as fullmatch does.
    return pattern.fullmatch(value) is not None


def dns1123_subdomain(value: str) -> list[str]:
    """What keeps ``value`` from being a DNS-1123 subdomain (content/dns.go ``IsDNS1123Subdomain``)."""
    errors = [f"at most {_SUBDOMAIN_MAX} characters"] if len(value) > _SUBDOMAIN_MAX else []
    if not _fullmatch(_DNS1123_SUBDOMAIN, value):
        errors.append("lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")
    return errors


def dns1123_label(value: str) -> list[str]:
    """What keeps ``value`` from being a DNS-1123 label (content/dns.go ``IsDNS1123Label``)."""
    errors = [f"at most {_LABEL_MAX} characters"] if len(value) > _LABEL_MAX else []
    if not _fullmatch(_DNS1123_LABEL_RE, value):
        errors.append("lowercase letters, digits and '-', starting and ending with a letter or digit")
    return errors


def dns1035_label(value: str) -> list[str]:
    """What keeps ``value`` from being a DNS-1035 label (util/validation ``IsDNS1035Label``)."""
    errors = [f"at most {_LABEL_MAX} characters"] if len(value) > _LABEL_MAX else []
    if not _fullmatch(_DNS1035_LABEL, value):
        errors.append("lowercase letters, digits and '-', starting with a letter and ending with a letter or digit")
    return errors


def path_segment(value: str) -> list[str]:
    """What keeps ``value`` from being a path segment name (content/path.go ``IsPathSegmentName``)."""
    if value in (".", ".."):
        return [f"anything but {value!r}"]
    return [f"no {bad!r}" for bad in ("/", "%") if bad in value]


def qualified_name(value: str) -> list[str]:
    """What keeps ``value`` from being a qualified name, ``[prefix/]name`` (content/kube.go ``IsLabelKey``)."""
    parts = value.split("/")
    if len(parts) > 2:
        return ["at most one '/', between an optional DNS subdomain prefix and the name (such as example.com/name)"]
    errors = []
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("a prefix before the '/'")
        else:
            errors.extend(f"a prefix of {e}" for e in dns1123_subdomain(prefix))
    name = parts[-1]
    if not name:
        errors.append("a name after the prefix")
    else:
        if len(name) > _KEY_NAME_MAX:
            errors.append(f"a name part of at most {_KEY_NAME_MAX} characters")
        if not _fullmatch(_LABEL_KEY_NAME, name):
            errors.append("a name part of letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
    return errors


def label_value(value: str) -> list[str]:
    """What keeps ``value`` from being a label value (content/kube.go ``IsLabelValue``): empty, or a 63-character name."""
    errors = [f"at most {_LABEL_VALUE_MAX} characters"] if len(value) > _LABEL_VALUE_MAX else []
    if value and not _fullmatch(_LABEL_KEY_NAME, value):
        errors.append("letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
    return errors


@dataclass(frozen=True)
class NameRule:
    """How the API server checks a kind's ``metadata.name``: the check, its name, and where it was read."""

    name: str
    check: Callable[[str], list[str]]
    source: str


SUBDOMAIN = NameRule("a DNS-1123 subdomain", dns1123_subdomain, "apimachinery pkg/api/validation/generic.go NameIsDNSSubdomain")
LABEL = NameRule("a DNS-1123 label", dns1123_label, "apimachinery pkg/api/validation/generic.go NameIsDNSLabel")
DNS1035 = NameRule("a DNS-1035 label", dns1035_label, "apimachinery pkg/api/validation/generic.go NameIsDNS1035Label")
PATH_SEGMENT = NameRule("a path segment name", path_segment, "apimachinery pkg/api/validate/content/path.go IsPathSegmentName")

_RBAC = "rbac.authorization.k8s.io"
#: ``(group, kind)`` of built-in kinds to their name rule, each read in the file named.
BUILTIN_NAME_RULES: dict[tuple[str, str], tuple[NameRule, str]] = {
    ("", "Namespace"): (LABEL, "apimachinery generic.go ValidateNamespaceName"),
    ("", "Service"): (DNS1035, "kubernetes pkg/apis/core/validation/validation.go ValidateServiceName"),
    **{("", kind): (SUBDOMAIN, f"kubernetes pkg/apis/core/validation/validation.go Validate{kind}Name") for kind in (
        "Pod", "ReplicationController", "Node", "LimitRange", "ResourceQuota", "Secret", "ServiceAccount",
        "Endpoints", "ConfigMap",
    )},
    ("apps", "Deployment"): (SUBDOMAIN, "kubernetes pkg/apis/apps/validation/validation.go ValidateDeploymentName"),
    **{(_RBAC, kind): (PATH_SEGMENT, "kubernetes pkg/apis/rbac/validation/validation.go ValidateRBACName") for kind in (
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding",
    )},
}


def name_rule(group: str, kind: str, builtin: bool) -> tuple[NameRule, str]:
    """The rule for the names of a kind, and where it was read; a custom resource's is a DNS-1123 subdomain."""
    if not builtin:
        return SUBDOMAIN, "apiextensions-apiserver customresource validator (NameIsDNSSubdomain)"
    return BUILTIN_NAME_RULES.get((group, kind), (PATH_SEGMENT, "apimachinery content/path.go: every name is a path segment"))


@dataclass(frozen=True)
class MetadataProblem:
    """One metadata field the API server refuses: where, what, and the rule it breaks."""

    path: FieldPath
    message: str
    rule: str


def _joined(errors: list[str]) -> str:
    return "; ".join(errors)


def metadata_problems(obj: Mapping[str, Any], group: str, builtin: bool, admits: Callable[[Callable[[str], bool], str], bool] | None = None) -> list[MetadataProblem]:
    """The problems of ``obj``'s name, namespace, labels, annotations and finalizers; types are the schema's to check.

    ``admits(rule, value)`` decides whether a value holding Flux post-build
    placeholders may satisfy a rule once substituted; without it, values are taken as they are.
    """
    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping):
        return []
    kind = str(obj.get("kind", ""))
    found: list[MetadataProblem] = []
    encrypted = is_sops_encrypted(obj)

    def fails(check: Callable[[str], list[str]], value: str) -> list[str]:
        if encrypted and is_encrypted_value(value):
            return []  # SOPS encrypted it: checked once decrypted, in the cluster
        errors = check(value)
        if errors and admits is not None and admits(lambda v: not check(v), value):
            return []
        return errors

    rule, source = name_rule(group, kind, builtin)
    name = metadata.get("name")
    if name is None or name == "":
        if not metadata.get("generateName"):
            found.append(MetadataProblem(("metadata", "name"), "a name is required", "objectmeta.go ValidateObjectMetaAccessor"))
    elif isinstance(name, str):
        errors = fails(rule.check, name)
        if errors:
            found.append(MetadataProblem(
                ("metadata", "name"),
                f"{name!r} is not a valid {kind} name: it must be {rule.name}: {_joined(errors)}",
                source,
            ))
    namespace = metadata.get("namespace")
    if isinstance(namespace, str) and namespace:
        errors = fails(dns1123_label, namespace)
        if errors:
            found.append(MetadataProblem(
                ("metadata", "namespace"), f"{namespace!r} is not a valid namespace: it must be a DNS-1123 label: {_joined(errors)}",
                "objectmeta.go ValidateObjectMetaAccessor (ValidateNamespaceName)",
            ))
    labels = metadata.get("labels")
    if isinstance(labels, Mapping):
        for key, value in labels.items():
            if isinstance(key, str):
                errors = fails(qualified_name, key)
                if errors:
                    found.append(MetadataProblem(
                        ("metadata", "labels", key), f"the label key {key!r} is not a qualified name: it needs {_joined(errors)}",
                        "meta/v1/validation ValidateLabels (IsQualifiedName)",
                    ))
            if isinstance(value, str):
                errors = fails(label_value, value)
                if errors:
                    found.append(MetadataProblem(
                        ("metadata", "labels", key), f"the label value {value!r} is not valid: it must be empty or {_joined(errors)}",
                        "meta/v1/validation ValidateLabels (IsValidLabelValue)",
                    ))
    annotations = metadata.get("annotations")
    if isinstance(annotations, Mapping):
        size = 0
        for key, value in annotations.items():
            if isinstance(key, str):
                size += len(key.encode())
                errors = fails(qualified_name, key.lower())
                if errors:
                    found.append(MetadataProblem(
                        ("metadata", "annotations", key), f"the annotation key {key!r} is not a qualified name: it needs {_joined(errors)}",
                        "objectmeta.go ValidateAnnotations (IsQualifiedName)",
                    ))
            if isinstance(value, str):
                size += len(value.encode())
        if size > ANNOTATIONS_LIMIT:
            found.append(MetadataProblem(
                ("metadata", "annotations"),
                f"the annotations hold {size:,} bytes (keys and values), more than the {ANNOTATIONS_LIMIT:,} the API server allows",
                "objectmeta.go ValidateAnnotations (TotalAnnotationSizeLimitB)",
            ))
    finalizers = metadata.get("finalizers")
    if isinstance(finalizers, list):
        for index, finalizer in enumerate(finalizers):
            if isinstance(finalizer, str):
                errors = fails(qualified_name, finalizer)
                if errors:
                    found.append(MetadataProblem(
                        ("metadata", "finalizers", index), f"the finalizer {finalizer!r} is not a qualified name: it needs {_joined(errors)}",
                        "objectmeta.go ValidateFinalizerName (IsQualifiedName)",
                    ))
    return found
