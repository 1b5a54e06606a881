"""What a reviewer should know before merging: deletions, refused updates, rollouts, Flux itself changing.

Each rule reads only the compared objects, so a warning says what Flux will do
with these manifests, not what the cluster holds today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cdk8s_flux.diff.objects import CHANGED, REMOVED, Object, ObjectChange, ObjectId, is_secret, secret_values

PRUNED, IMMUTABLE, IMAGE, CRD_REMOVED, FLUX_VERSION, SUSPENDED = (
    "pruned", "immutable", "image", "crd-removed", "flux-version", "suspended",
)  # fmt: skip

# Flux's own vocabulary, from fluxcd/kustomize-controller v1.9.4:
# docs/spec/v1/kustomizations.md ("Prune", "Force", "Controlling the apply behavior of resources")
# and internal/controller/kustomization_controller.go (deleteObjects: the exclusions of garbage
# collection; reconcile: applyOpts.ForceSelector). The selectors match a label or an annotation,
# case-insensitively (fluxcd/pkg ssa/v0.76.1, ssa/utils/meta.go AnyInMetadata). Every object is
# dry-run applied before any is applied, so one refused object stops the whole revision
# (ssa/manager_apply.go ApplyAll); with force, Flux deletes the object and applies it again.
_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
_FLUX_GROUP_SUFFIX = ".toolkit.fluxcd.io"
_PRUNE_EXCLUSIONS = {
    f"{_KUSTOMIZE_GROUP}/prune": "disabled",
    f"{_KUSTOMIZE_GROUP}/reconcile": "disabled",
    f"{_KUSTOMIZE_GROUP}/ssa": "ignore",
}
_FORCE_SELECTOR = {f"{_KUSTOMIZE_GROUP}/force": "enabled"}

# The labels flux install and flux bootstrap put on every object of Flux itself.
_PART_OF, _VERSION = "app.kubernetes.io/part-of", "app.kubernetes.io/version"

_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")


@dataclass(frozen=True)
class FluxWarning:
    """One thing Flux will do on merge that a reviewer should see before approving."""

    reason: str
    kind: str
    namespace: str | None
    name: str
    message: str


def flux_warnings(changes: Sequence[ObjectChange], before: Sequence[Object], after: Sequence[Object]) -> tuple[FluxWarning, ...]:
    """The warnings of ``changes`` (from ``compare(before, after)``), in the order of the changes."""
    kustomizations = [o for o in (*before, *after) if _group_kind(o) == (_KUSTOMIZE_GROUP, "Kustomization")]
    found: list[FluxWarning] = []
    for change in changes:
        if change.change == REMOVED:
            found += _removed(change, kustomizations)
        elif change.change == CHANGED:
            found += _immutable(change, kustomizations)
            found += _images(change)
            found += _suspended(change)
    found += _flux_versions(changes)
    return tuple(found)


def _warning(reason: str, id: ObjectId, message: str) -> FluxWarning:
    return FluxWarning(reason, id.kind, id.namespace, id.name, message)


def _group_kind(obj: Object) -> tuple[str, str]:
    return str(obj.get("apiVersion") or "").rpartition("/")[0], str(obj.get("kind") or "")


def _get(obj: Any, *path: str | int) -> Any:
    """The value at ``path`` in nested dicts and lists, or None when any step is missing."""
    for step in path:
        if isinstance(step, int):
            obj = obj[step] if isinstance(obj, list) and -len(obj) <= step < len(obj) else None
        else:
            obj = obj.get(step) if isinstance(obj, dict) else None
    return obj


def _selected(obj: Object, selector: dict[str, str]) -> str | None:
    """The first ``key: value`` of ``selector`` that ``obj`` carries as a label or an annotation."""
    for section in ("labels", "annotations"):
        values = _get(obj, "metadata", section) or {}
        for key, value in selector.items():
            if str(values.get(key, "")).lower() == value:
                return f"{key}: {values[key]}"
    return None


# --- pruned, crd-removed -------------------------------------------------------


def _removed(change: ObjectChange, kustomizations: list[Object]) -> Iterator[FluxWarning]:
    assert change.before is not None
    excluded = _selected(change.before, _PRUNE_EXCLUSIONS)
    never_prune = bool(kustomizations) and all(_get(k, "spec", "prune") is False for k in kustomizations)
    if excluded or never_prune:
        why = f"it carries {excluded}" if excluded else "every Flux Kustomization here has spec.prune: false"
        yield _warning(PRUNED, change.id, f"Flux stops managing it but leaves it in the cluster, unmanaged ({why}); delete it by hand if it is no longer wanted")
        return
    yield _warning(PRUNED, change.id, "Flux deletes it from the cluster (garbage collection, Kustomization spec.prune: true)")
    if _group_kind(change.before) == _CRD:
        kind = _get(change.before, "spec", "names", "kind") or change.id.name
        yield _warning(CRD_REMOVED, change.id, f"deleting the CustomResourceDefinition deletes every {kind} in the cluster with it")


# --- immutable -----------------------------------------------------------------


def _under(field: str, prefix: str) -> bool:
    return field == prefix or field.startswith((f"{prefix}.", f"{prefix}["))


def _fields_under(*prefixes: str) -> Callable[[ObjectChange], list[str]]:
    """A rule: the changed fields at or below any of ``prefixes``."""
    def rule(change: ObjectChange) -> list[str]:
        return [f for f in change.fields if any(_under(f, p) for p in prefixes)]
    return rule


def _spec_except(*allowed: str) -> Callable[[ObjectChange], list[str]]:
    """A rule: the changed fields of ``spec`` outside the ``allowed`` ones."""
    def rule(change: ObjectChange) -> list[str]:
        return [f for f in change.fields if _under(f, "spec") and not any(_under(f, a) for a in allowed)]
    return rule


def _differs(change: ObjectChange, *path: str | int, default: Any = None) -> bool:
    old, new = _get(change.before, *path), _get(change.after, *path)
    return (default if old is None else old) != (default if new is None else new)


def _persistent_volume_claim(change: ObjectChange) -> list[str]:
    allowed = ["spec.resources.requests", "spec.volumeAttributesClassName"]
    # volumeName and storageClassName may be set once, when they were unset.
    for field in ("volumeName", "storageClassName"):
        if _get(change.before, "spec", field) is None:
            allowed.append(f"spec.{field}")
    return _spec_except(*allowed)(change)


def _service(change: ObjectChange) -> list[str]:
    old, new = _get(change.before, "spec") or {}, _get(change.after, "spec") or {}
    if "ExternalName" in (old.get("type"), new.get("type")):
        return []
    found = []
    for field in ("clusterIP", "clusterIPs"):
        # Only a value written in both manifests can conflict: an omitted one keeps the allocated address.
        written = old.get(field) and new.get(field)
        if written and old[field] != new[field] and not (_headless(old) and _headless(new)):
            found.append(f"spec.{field}")
    # The primary family is fixed; a second one may be added or released.
    families = old.get("ipFamilies") and new.get("ipFamilies")
    if families and old["ipFamilies"][0] != new["ipFamilies"][0] and not _headless(old) and not _headless(new):
        found.append("spec.ipFamilies[0]")
    if old.get("type") == new.get("type") == "LoadBalancer" and old.get("loadBalancerClass") != new.get("loadBalancerClass"):
        found.append("spec.loadBalancerClass")
    health = [s.get("type") == "LoadBalancer" and s.get("externalTrafficPolicy") == "Local" for s in (old, new)]
    if all(health) and old.get("healthCheckNodePort") and new.get("healthCheckNodePort") and old["healthCheckNodePort"] != new["healthCheckNodePort"]:
        found.append("spec.healthCheckNodePort")
    return found


def _headless(spec: dict[str, Any]) -> bool:
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return ips == ["None"]


def _config_map(change: ObjectChange) -> list[str]:
    if _get(change.before, "immutable") is not True:
        return []
    return _fields_under("data", "binaryData", "immutable")(change)


def _secret(change: ObjectChange) -> list[str]:
    found = ["type"] if _differs(change, "type", default="Opaque") else []
    if _get(change.before, "immutable") is True:
        assert change.before is not None and change.after is not None
        if secret_values(change.before) != secret_values(change.after):
            found.append("data")
        if _get(change.after, "immutable") is not True:
            found.append("immutable")
    return found


def _storage_class(change: ObjectChange) -> list[str]:
    found = _fields_under("parameters", "provisioner")(change)
    # Omitted, these two take the API server's defaults, which are as immutable as written values.
    if _differs(change, "reclaimPolicy", default="Delete"):
        found.append("reclaimPolicy")
    if _differs(change, "volumeBindingMode", default="Immediate"):
        found.append("volumeBindingMode")
    return found


def _job(change: ObjectChange) -> list[str]:
    found = _fields_under("spec.selector", "spec.completionMode", "spec.podFailurePolicy", "spec.backoffLimitPerIndex",
                          "spec.managedBy", "spec.successPolicy")(change)  # fmt: skip
    # Elastic Indexed Jobs may change completions together with parallelism.
    indexed = _get(change.after, "spec", "completionMode") == "Indexed"
    elastic = indexed and _get(change.after, "spec", "completions") == _get(change.after, "spec", "parallelism")
    if not elastic:
        found += _fields_under("spec.completions")(change)
    template = _fields_under("spec.template")(change)
    if _get(change.before, "spec", "suspend") is True:
        # A suspended Job that has not started may change its scheduling directives.
        mutable = ("spec.template.metadata.labels", "spec.template.metadata.annotations", "spec.template.spec.nodeSelector",
                   "spec.template.spec.tolerations", "spec.template.spec.affinity.nodeAffinity", "spec.template.spec.schedulingGates")  # fmt: skip
        template = [f for f in template if not any(_under(f, m) for m in mutable)]
    return sorted({*found, *template})


#: Fields the API server refuses to change on update, by (API group, kind). Each entry names the
#: Kubernetes source it is read from (repository@commit: the stored copy read, not a release tag);
#: tests/data/kubernetes-immutable/README.md gives the full commits and what is not modelled.
IMMUTABLE_FIELDS: dict[tuple[str, str], Callable[[ObjectChange], list[str]]] = {
    # kubernetes/kubernetes@0ac2ac87 pkg/registry/apps/deployment/strategy.go, deploymentStrategy.ValidateUpdate (apps/v1: selector immutable)
    ("apps", "Deployment"): _fields_under("spec.selector"),
    # yongruilin/kubernetes@2c1ae67c pkg/registry/apps/replicaset/strategy.go, rsStrategy.ValidateUpdate
    ("apps", "ReplicaSet"): _fields_under("spec.selector"),
    # yongruilin/kubernetes@2c1ae67c pkg/registry/apps/daemonset/strategy.go, daemonSetStrategy.ValidateUpdate
    ("apps", "DaemonSet"): _fields_under("spec.selector"),
    # kubernetes/kubernetes@2dd1588c pkg/apis/apps/validation/validation.go, ValidateStatefulSetUpdate: only these spec fields may change
    ("apps", "StatefulSet"): _spec_except("spec.replicas", "spec.ordinals", "spec.template", "spec.updateStrategy",
                                          "spec.persistentVolumeClaimRetentionPolicy", "spec.minReadySeconds"),  # fmt: skip
    # yongruilin/kubernetes@088d1158 pkg/apis/batch/validation/validation.go, ValidateJobSpecUpdate, validatePodTemplateUpdate, validateCompletions
    ("batch", "Job"): _job,
    # kubernetes/kubernetes@a7264f95 pkg/apis/core/validation/validation.go, ValidatePersistentVolumeClaimUpdate
    ("", "PersistentVolumeClaim"): _persistent_volume_claim,
    # kubernetes/kubernetes@a7264f95 pkg/apis/core/validation/validation.go, ValidateServiceUpdate (validateUpgradeDowngradeClusterIPs,
    # validateUpgradeDowngradeIPFamilies, validateLoadBalancerClassField, validateServiceExternalTrafficFieldsUpdate)
    ("", "Service"): _service,
    # kubernetes/kubernetes@a7264f95 pkg/apis/core/validation/validation.go, ValidateConfigMapUpdate
    ("", "ConfigMap"): _config_map,
    # kubernetes/kubernetes@a7264f95 pkg/apis/core/validation/validation.go, ValidateSecretUpdate (stringData is merged into data before it)
    ("", "Secret"): _secret,
    # kubernetes/kubernetes@a7264f95 pkg/apis/core/validation/validation.go, ValidateResourceQuotaUpdate
    ("", "ResourceQuota"): _fields_under("spec.scopes"),
    # thockin/kubernetes@429e0308 pkg/apis/storage/validation/validation.go, ValidateStorageClassUpdate
    ("storage.k8s.io", "StorageClass"): _storage_class,
    # kubernetes/kubernetes@1dc8b4f2 pkg/apis/rbac/validation/validation.go, ValidateRoleBindingUpdate, ValidateClusterRoleBindingUpdate
    ("rbac.authorization.k8s.io", "RoleBinding"): _fields_under("roleRef"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _fields_under("roleRef"),
}


def _immutable(change: ObjectChange, kustomizations: list[Object]) -> Iterator[FluxWarning]:
    assert change.after is not None
    # Secrets are spelled "core/v1" or "secret" too; the table keys them as the API server does.
    key = ("", "Secret") if is_secret(change.after) else (change.id.group, change.id.kind)
    rule = IMMUTABLE_FIELDS.get(key)
    refused = rule(change) if rule else []
    if not refused:
        return
    fields = ", ".join(refused)
    forced = _selected(change.after, _FORCE_SELECTOR)
    if forced or (kustomizations and all(_get(k, "spec", "force") is True for k in kustomizations)):
        why = f"it carries {forced}" if forced else "spec.force: true"
        yield _warning(IMMUTABLE, change.id, f"the API server refuses to change {fields} in place, so Flux deletes and recreates it ({why})")
        return
    yield _warning(
        IMMUTABLE, change.id,
        f"the API server refuses to change {fields} in place: the dry-run fails and Flux applies nothing of this "
        "revision for its Kustomization. "
        "Fix: set spec.force: true on its Kustomization (Flux then deletes and recreates it), "
        "annotate it kustomize.toolkit.fluxcd.io/force: enabled, or give it a new name",
    )  # fmt: skip


# --- image ---------------------------------------------------------------------

_POD_SPEC = {
    ("", "Pod"): ("spec",),
    ("apps", "Deployment"): ("spec", "template", "spec"),
    ("apps", "StatefulSet"): ("spec", "template", "spec"),
    ("apps", "DaemonSet"): ("spec", "template", "spec"),
    ("apps", "ReplicaSet"): ("spec", "template", "spec"),
    ("batch", "Job"): ("spec", "template", "spec"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
}


def _images(change: ObjectChange) -> Iterator[FluxWarning]:
    path = _POD_SPEC.get((change.id.group, change.id.kind))
    if path is None:
        return
    for section, label in (("initContainers", "init container "), ("containers", "")):
        old = {c.get("name"): c.get("image") for c in _get(change.before, *path, section) or [] if isinstance(c, dict)}
        for container in _get(change.after, *path, section) or []:
            if not isinstance(container, dict):
                continue
            name, image = container.get("name"), container.get("image")
            if name in old and old[name] != image:
                yield _warning(IMAGE, change.id, f"rolls out {label}{name}: {old[name]} -> {image}")


# --- suspended -----------------------------------------------------------------


def _suspended(change: ObjectChange) -> Iterator[FluxWarning]:
    suspends = _get(change.after, "spec", "suspend") is True and _get(change.before, "spec", "suspend") is not True
    if change.id.group.endswith(_FLUX_GROUP_SUFFIX) and suspends:
        yield _warning(SUSPENDED, change.id, "spec.suspend: true: Flux stops reconciling it, until it is set back to false")


# --- flux-version --------------------------------------------------------------


def _flux_versions(changes: Sequence[ObjectChange]) -> Iterator[FluxWarning]:
    """One warning per change of Flux's version, on the flux Namespace when it is among the changed objects."""
    upgrades: dict[tuple[str, str], list[ObjectId]] = {}
    for change in changes:
        if change.change != CHANGED:
            continue
        labels = [_get(o, "metadata", "labels") or {} for o in (change.before, change.after)]
        if all(found.get(_PART_OF) == "flux" for found in labels):
            old, new = (str(found.get(_VERSION) or "") for found in labels)
            if old and new and old != new:
                upgrades.setdefault((old, new), []).append(change.id)
    for (old, new), ids in upgrades.items():
        on = next((id for id in ids if id.kind == "Namespace" and id.group == ""), ids[0])
        yield _warning(FLUX_VERSION, on, f"Flux {old} -> {new}: Flux upgrades its own controllers and CRDs")

