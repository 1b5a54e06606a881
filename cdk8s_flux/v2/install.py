"""Flux v2 (the GitOps Toolkit) as a construct: what ``flux install`` does, from upstream manifests.

``FluxInstallProps`` mirrors ``flux install``'s flags with the CLI's defaults.
``generate`` is the pure transformation, like flux2's ``manifestgen/install``:
it takes the upstream objects of a release (see ``cdk8s_flux.release``) and applies the
options to them exactly as the CLI's kustomization does. ``FluxInstall`` adds
the result to a chart.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import UpstreamError, ValidationError
from cdk8s_flux.kube import CLUSTER_SCOPED_KINDS, api_object
from cdk8s_flux.props import resolve_props
from cdk8s_flux.release import lookup
from cdk8s_flux.v2.controllers import ControllerCustomization, customize

#: ``flux install --components`` default.
DEFAULT_COMPONENTS = ("source-controller", "kustomize-controller", "helm-controller", "notification-controller")
#: What ``flux install --components-extra`` accepts.
EXTRA_COMPONENTS = ("image-reflector-controller", "image-automation-controller", "source-watcher")
ALL_COMPONENTS = DEFAULT_COMPONENTS + EXTRA_COMPONENTS
LOG_LEVELS = ("trace", "debug", "info", "error")

COMPONENT_LABEL = "app.kubernetes.io/component"
#: The arg source-watcher needs on these controllers (``flux install --components-extra=source-watcher``).
EXTERNAL_ARTIFACT_GATE = "--feature-gates=ExternalArtifact=true"
EXTERNAL_ARTIFACT_CONSUMERS = ("kustomize-controller", "helm-controller")
#: Controllers that serve artifacts and advertise their storage address.
STORAGE_COMPONENTS = ("source-controller", "source-watcher")

# Objects without a component label, grouped as flux2 keeps them in manifests/policies and manifests/rbac.
_POLICY_KINDS = frozenset({"NetworkPolicy"})
_RBAC_KINDS = frozenset({"ResourceQuota", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"})
# The order `kustomize build` (legacy) writes kinds in; flux2 bundles each base with it.
_LEGACY_ORDER = (
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
    "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
    "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
)  # fmt: skip
_LEGACY_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
_REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$")


def _tuple(field_name: str, value: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValidationError(field_name, value, "a string, not a list", f"write [{value!r}]")
    return tuple(value)


@dataclass(frozen=True)
class FluxInstallProps:
    """The options of ``flux install``, in snake_case, with the CLI's defaults.

    version: the Flux release, such as ``v2.9.4`` (required: it pins the upstream manifests).
    manifests: a release file the user keeps; default: the embedded release, else the lookup of ``cdk8s_flux.release``.
    components / components_extra: which controllers; the four defaults, plus any of
    image-reflector-controller, image-automation-controller, source-watcher.
    namespace: default ``flux-system``. network_policy: the three NetworkPolicies (default on).
    watch_all_namespaces, log_level, cluster_domain: the controllers' flags.
    registry: where the images come from, default ``ghcr.io/fluxcd`` (``""`` keeps ``fluxcd/<name>``).
    image_pull_secret: a Secret (not created here) the pods pull with.
    toleration_keys: taints the controllers tolerate (operator Exists).
    controllers: per-controller changes beyond ``flux install``, keyed by component name.
    """

    version: str
    manifests: str | Path | None = None
    components: Sequence[str] = DEFAULT_COMPONENTS
    components_extra: Sequence[str] = ()
    namespace: str = "flux-system"
    network_policy: bool = True
    watch_all_namespaces: bool = True
    cluster_domain: str = "cluster.local"
    log_level: str = "info"
    registry: str = "ghcr.io/fluxcd"
    image_pull_secret: str | None = None
    toleration_keys: Sequence[str] = ()
    controllers: Mapping[str, ControllerCustomization] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lookup.check_version(self.version)
        components = self.all_components
        if not components:
            raise ValidationError("components", self.components, "no component selected", "keep the defaults")
        for name in components:
            if name not in ALL_COMPONENTS:
                raise ValidationError(
                    "components", name, "not a Flux component", "use one of " + ", ".join(ALL_COMPONENTS)
                )
        if len(set(components)) != len(components):
            raise ValidationError(
                "components_extra", self.components_extra, "a component is listed twice", "list each component once"
            )
        validation.dns1123_label("namespace", self.namespace)
        validation.dns1123_subdomain("cluster_domain", self.cluster_domain)
        if self.log_level not in LOG_LEVELS:
            raise ValidationError("log_level", self.log_level, "not a Flux log level", "use " + ", ".join(LOG_LEVELS))
        if self.registry and not _REGISTRY.match(self.registry):
            raise ValidationError(
                "registry", self.registry, "not an image registry path", "write host[:port]/path, such as 'ghcr.io/fluxcd'"
            )
        if self.image_pull_secret is not None:
            validation.dns1123_subdomain("image_pull_secret", self.image_pull_secret)
        for key in _tuple("toleration_keys", self.toleration_keys):
            validation.label_key("toleration_keys", key)
        for component, options in self.controllers.items():
            if component not in components:
                raise ValidationError(
                    "controllers",
                    component,
                    "not an installed component",
                    "customize one of " + ", ".join(components),
                )
            if not isinstance(options, ControllerCustomization):
                raise ValidationError(
                    f"controllers[{component!r}]", options, "not a ControllerCustomization", "wrap the options in one"
                )
            options.check_component(component)

    @property
    def all_components(self) -> tuple[str, ...]:
        """``--components`` then ``--components-extra``, in order, as the CLI joins them."""
        return _tuple("components", self.components) + _tuple("components_extra", self.components_extra)

    @property
    def events_addr(self) -> str:
        """Where controllers send events: notification-controller, if it is installed."""
        if "notification-controller" not in self.all_components:
            return ""
        return f"http://notification-controller.$(RUNTIME_NAMESPACE).svc.{self.cluster_domain}./"


def _legacy_rank(obj: dict[str, Any]) -> tuple[int, str]:
    kind = obj["kind"]
    if kind in _LEGACY_ORDER:
        rank = _LEGACY_ORDER.index(kind)
    elif kind in _LEGACY_LAST:
        rank = len(_LEGACY_ORDER) + 1 + _LEGACY_LAST.index(kind)
    else:
        rank = len(_LEGACY_ORDER)
    return rank, obj["metadata"]["name"]


@dataclass
class _Groups:
    """The upstream objects sorted into flux2's bases: policies, rbac and one per component."""

    namespace: str
    policies: list[dict[str, Any]]
    rbac: list[dict[str, Any]]
    components: dict[str, list[dict[str, Any]]]


def _split(objects: Iterable[dict[str, Any]], source: str) -> _Groups:
    policies: list[dict[str, Any]] = []
    rbac: list[dict[str, Any]] = []
    components: dict[str, list[dict[str, Any]]] = {}
    namespaces: set[str] = set()
    for obj in objects:
        metadata = obj.get("metadata") or {}
        component = (metadata.get("labels") or {}).get(COMPONENT_LABEL)
        if component:
            components.setdefault(component, []).append(obj)
            if metadata.get("namespace"):
                namespaces.add(metadata["namespace"])
        elif obj["kind"] == "Namespace":
            continue  # flux install writes its own (the namespace.yaml template)
        elif obj["kind"] in _POLICY_KINDS:
            policies.append(obj)
        elif obj["kind"] in _RBAC_KINDS:
            rbac.append(obj)
        else:
            raise UpstreamError(
                f"{source}: {obj['kind']} {metadata.get('name')!r} has no {COMPONENT_LABEL} label and is not "
                "part of Flux's RBAC or network policies. Fix: give the unmodified upstream file of the release"
            )
    if len(namespaces) > 1:
        raise UpstreamError(
            f"{source}: the controllers are in several namespaces ({', '.join(sorted(namespaces))}). "
            "Fix: give the output of one `flux install` or the release's install.yaml"
        )
    return _Groups(
        namespace=namespaces.pop() if namespaces else "flux-system",
        policies=sorted(policies, key=_legacy_rank),
        rbac=sorted(rbac, key=_legacy_rank),
        components={name: sorted(objs, key=_legacy_rank) for name, objs in components.items()},
    )


def _copy(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy safe to change; a CRD's large schema is shared, as nothing here changes it."""
    if obj["kind"] == "CustomResourceDefinition":
        out = dict(obj)
        out["metadata"] = copy.deepcopy(obj["metadata"])
        return out
    return copy.deepcopy(obj)


def _namespace_object(props: FluxInstallProps) -> dict[str, Any]:
    """The Namespace ``flux install`` writes (its namespace.yaml template)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "labels": {
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "latest",
            },
            "name": props.namespace,
        },
    }


def _suffixed(name: str, base: str, namespace: str) -> str:
    """flux install's ``nameSuffix: -<namespace>`` on the RBAC objects, whatever namespace the input had."""
    return f"{name.removesuffix('-' + base)}-{namespace}"


def _rbac(objects: list[dict[str, Any]], base: str, namespace: str) -> list[dict[str, Any]]:
    own_roles = {o["metadata"]["name"] for o in objects if o["kind"] == "ClusterRole"}
    out = []
    for obj in objects:
        obj = _copy(obj)
        obj["metadata"]["name"] = _suffixed(obj["metadata"]["name"], base, namespace)
        role_ref = obj.get("roleRef")
        if role_ref and role_ref.get("kind") == "ClusterRole" and role_ref.get("name") in own_roles:
            role_ref["name"] = _suffixed(role_ref["name"], base, namespace)
        for subject in obj.get("subjects") or []:
            if subject.get("namespace") == base:
                subject["namespace"] = namespace
        out.append(obj)
    return out


def _replace_arg(args: list[str], index: int, prefix: str, value: str, component: str, source: str) -> None:
    """Replace ``args[index]`` as flux install's JSON patch does, after checking it is the expected flag."""
    if index >= len(args) or not args[index].startswith(prefix):
        found = args[index] if index < len(args) else "nothing"
        raise UpstreamError(
            f"{source}: the {component} Deployment has {found!r} at args[{index}] where flux install "
            f"expects {prefix}...; this layout is not supported. Fix: give the unmodified upstream file of the release"
        )
    args[index] = prefix + value


def _rewrite_args(args: list[str], component: str, props: FluxInstallProps, source: str) -> list[str]:
    """The per-component args patches of flux install's kustomization template."""
    args = [a for a in args if a != EXTERNAL_ARTIFACT_GATE]
    watch = "true" if props.watch_all_namespaces else "false"
    if component == "notification-controller":
        _replace_arg(args, 0, "--watch-all-namespaces=", watch, component, source)
        _replace_arg(args, 1, "--log-level=", props.log_level, component, source)
        return args
    _replace_arg(args, 0, "--events-addr=", props.events_addr, component, source)
    _replace_arg(args, 1, "--watch-all-namespaces=", watch, component, source)
    _replace_arg(args, 2, "--log-level=", props.log_level, component, source)
    if component in STORAGE_COMPONENTS:
        address = f"{component}.$(RUNTIME_NAMESPACE).svc.{props.cluster_domain}."
        _replace_arg(args, 6, "--storage-adv-addr=", address, component, source)
    if component in EXTERNAL_ARTIFACT_CONSUMERS and "source-watcher" in props.all_components:
        args.append(EXTERNAL_ARTIFACT_GATE)
    return args


def _image(image: str, component: str, registry: str) -> str:
    """flux install's ``images:`` rule: ``fluxcd/<c>`` becomes ``<registry>/<c>``, tag and digest kept."""
    name, at, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    repository, tag = (name[:colon], name[colon:]) if colon > slash else (name, "")
    if repository != component and not repository.endswith("/" + component):
        return image
    return f"{registry or 'fluxcd'}/{component}{tag}{at}{digest}"


def _rename_namespace(value: str, base: str, namespace: str) -> str:
    return value.replace(f".{base}.", f".{namespace}.") if base != namespace else value


def _deployment(obj: dict[str, Any], component: str, props: FluxInstallProps, base: str, source: str) -> None:
    pod = obj["spec"]["template"]["spec"]
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        container["image"] = _image(container["image"], component, props.registry)
        container["args"] = [_rename_namespace(a, base, props.namespace) for a in container.get("args", [])]
        for variable in container.get("env", []):
            if "value" in variable:
                variable["value"] = _rename_namespace(variable["value"], base, props.namespace)
    container = pod["containers"][0]
    container["args"] = _rewrite_args(container["args"], component, props, source)
    pod.setdefault("nodeSelector", {})["kubernetes.io/os"] = "linux"
    if props.image_pull_secret:
        secrets = pod.setdefault("imagePullSecrets", [])
        if all(s.get("name") != props.image_pull_secret for s in secrets):
            secrets.append({"name": props.image_pull_secret})
    if props.toleration_keys:
        pod["tolerations"] = [{"key": key, "operator": "Exists"} for key in props.toleration_keys]


def _label(metadata: dict[str, Any], props: FluxInstallProps) -> None:
    labels = dict(metadata.get("labels") or {})
    labels["app.kubernetes.io/instance"] = props.namespace
    labels["app.kubernetes.io/part-of"] = "flux"
    labels["app.kubernetes.io/version"] = props.version
    metadata["labels"] = dict(sorted(labels.items()))


def _missing_error(missing: list[str], present: list[str], props: FluxInstallProps, source: str) -> UpstreamError:
    extras = ",".join(c for c in props.all_components if c in EXTRA_COMPONENTS)
    command = f"flux install --version={props.version} --export" + (f" --components-extra={extras}" if extras else "")
    return UpstreamError(
        f"{source} has no {', '.join(missing)} (it holds {', '.join(present) or 'no components'}). "
        f"Fix: vendor manifests that include {'it' if len(missing) == 1 else 'them'}: the release's install.yaml "
        f"(https://github.com/fluxcd/flux2/releases/download/{props.version}/install.yaml) holds every component, "
        f"or run `{command} > gotk-components.yaml`"
    )


def generate(
    props: FluxInstallProps, upstream_objects: Iterable[dict[str, Any]], *, source: str = "the upstream manifests"
) -> list[dict[str, Any]]:
    """The objects ``flux install`` writes for ``props``, made from the release's upstream objects.

    The input is not changed. ``source`` names the input in error messages.
    """
    groups = _split(upstream_objects, source)
    components = props.all_components
    missing = [c for c in components if c not in groups.components]
    if missing:
        raise _missing_error(missing, list(groups.components), props, source)
    base, namespace = groups.namespace, props.namespace
    out = [_namespace_object(props)]
    if props.network_policy:
        if not groups.policies:
            raise UpstreamError(
                f"{source} has no NetworkPolicies (made with --network-policy=false?). "
                "Fix: vendor the release's install.yaml, or set network_policy=False"
            )
        out.extend(_copy(o) for o in groups.policies)
    out.extend(_rbac(groups.rbac, base, namespace))
    for component in components:
        for obj in groups.components[component]:
            obj = _copy(obj)
            if obj["kind"] == "Deployment":
                _deployment(obj, component, props, base, source)
                if component in props.controllers:
                    customize(obj, props.controllers[component])
            out.append(obj)
    for obj in out:
        if obj["kind"] not in CLUSTER_SCOPED_KINDS:
            obj["metadata"]["namespace"] = namespace
        _label(obj["metadata"], props)
        if obj["kind"] == "Deployment":
            _label(obj["spec"]["template"].setdefault("metadata", {}), props)
    return out


class FluxInstall(Construct):
    """The Flux v2 controllers, CRDs, RBAC and policies, as ``flux install`` makes them.

    Give the options as keyword arguments (``version="v2.9.4", namespace=...``)
    or as one ``FluxInstallProps``. ``manifests`` holds the generated objects
    (as dicts), ``crds`` the CustomResourceDefinitions among them.
    """

    def __init__(self, scope: Construct, id: str, props: FluxInstallProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        self.props = props = resolve_props("FluxInstall", FluxInstallProps, props, options)
        self.upstream = lookup.load(props.version, props.manifests)
        self.manifests = tuple(generate(props, self.upstream.objects, source=self.upstream.source))
        self.crds = tuple(o for o in self.manifests if o["kind"] == "CustomResourceDefinition")
        self.objects = tuple(api_object(self, f"{o['kind']}-{o['metadata']['name']}", o) for o in self.manifests)
