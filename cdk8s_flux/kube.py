"""The L1 boundary: a plain Kubernetes object dict in, one ``cdk8s.ApiObject`` out.

Every construct of cdk8s-flux builds its objects as dicts and hands them to
``api_object``; nothing else creates ``ApiObject``s or writes YAML by hand.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import cdk8s
from constructs import Construct

# Kinds that have no namespace. cdk8s would stamp a chart's namespace on them.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
    }
)

_HEADER_KEYS = ("apiVersion", "kind", "metadata")

# A chart's namespace never changes; asking cdk8s once per scope saves two Node round trips an object.
_chart_namespaces: WeakKeyDictionary[Construct, str | None] = WeakKeyDictionary()


def _chart_namespace(scope: Construct) -> str | None:
    if scope not in _chart_namespaces:
        _chart_namespaces[scope] = cdk8s.Chart.of(scope).namespace
    return _chart_namespaces[scope]


def api_object(scope: Construct, id: str, manifest: dict[str, Any]) -> cdk8s.ApiObject:
    """Add ``manifest`` to ``scope`` as one ``ApiObject`` with child id ``id``.

    Fields other than apiVersion, kind and metadata are set with JSON patches,
    cdk8s's own mechanism for fields ``ApiObject`` has no property for.
    """
    kind = manifest["kind"]
    metadata = dict(manifest.get("metadata") or {})
    obj = cdk8s.ApiObject(scope, id, api_version=manifest["apiVersion"], kind=kind, metadata=metadata)
    patches = [cdk8s.JsonPatch.add(f"/{key}", value) for key, value in manifest.items() if key not in _HEADER_KEYS]
    if kind in CLUSTER_SCOPED_KINDS and "namespace" not in metadata and _chart_namespace(scope):
        patches.append(cdk8s.JsonPatch.remove("/metadata/namespace"))
    if patches:
        obj.add_json_patch(*patches)
    return obj
