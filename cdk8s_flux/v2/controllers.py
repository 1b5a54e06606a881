"""Typed per-controller changes to the upstream Flux Deployments.

What users otherwise patch by hand in ``kustomization.yaml``: resources, extra
args, env, pod annotations, scheduling, and the multi-tenancy lockdown flags.
Changes are applied to the upstream Deployment of whatever version is
installed, so they survive upgrades; extra args are appended to the upstream
ones, never replacing them (the strategic-merge trap of patching ``args``).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError

#: Which controllers accept each lockdown flag (Flux multi-tenancy lockdown).
LOCKDOWN_FLAGS = {
    "--no-cross-namespace-refs": (
        "kustomize-controller",
        "helm-controller",
        "notification-controller",
        "image-reflector-controller",
        "image-automation-controller",
    ),
    "--default-service-account": ("kustomize-controller", "helm-controller"),
    "--no-remote-bases": ("kustomize-controller",),
}

#: Flags ``FluxInstall`` sets from its own options; ``extra_args`` may not repeat them.
MANAGED_FLAGS = {
    "--events-addr": "FluxInstall sets it from the components and cluster_domain",
    "--watch-all-namespaces": "use FluxInstall(watch_all_namespaces=...)",
    "--log-level": "use FluxInstall(log_level=...)",
    "--storage-adv-addr": "FluxInstall sets it from cluster_domain",
    "--no-cross-namespace-refs": "use ControllerCustomization(no_cross_namespace_refs=True)",
    "--default-service-account": "use ControllerCustomization(default_service_account=...)",
    "--no-remote-bases": "use ControllerCustomization(no_remote_bases=True)",
}

_QUANTITY = re.compile(r"^[+]?(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_FLAG = re.compile(r"^--[a-zA-Z0-9][a-zA-Z0-9-]*(=.*)?$")


def _quantity(name: str, value: str | None) -> str | None:
    if value is not None and (not isinstance(value, str) or not _QUANTITY.match(value)):
        raise ValidationError(name, value, "not a Kubernetes quantity", "write it like '2', '500m', '512Mi' or '2Gi'")
    return value


@dataclass(frozen=True)
class Resources:
    """CPU and memory of a controller's container; unset values keep upstream's.

    Upstream limits each controller to 1 CPU and 1Gi, too low for large
    clusters. ``GOMEMLIMIT`` follows the memory limit by itself.
    """

    cpu_limit: str | None = None
    memory_limit: str | None = None
    cpu_request: str | None = None
    memory_request: str | None = None

    def __post_init__(self) -> None:
        for quantity in dataclasses.fields(self):
            _quantity(f"resources.{quantity.name}", getattr(self, quantity.name))

    def to_patch(self) -> dict[str, dict[str, str]]:
        """The limits and requests that are set, in the container's ``resources`` shape."""
        patch: dict[str, dict[str, str]] = {}
        for section, cpu, memory in (
            ("limits", self.cpu_limit, self.memory_limit),
            ("requests", self.cpu_request, self.memory_request),
        ):
            values = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
            if values:
                patch[section] = values
        return patch


@dataclass(frozen=True)
class ControllerCustomization:
    """Changes to one Flux controller's Deployment, applied on top of upstream.

    resources: CPU/memory limits and requests (merged into upstream's).
    extra_args: flags appended after upstream's, such as ``--concurrent=20``.
    env: plain environment variables, replacing any upstream variable of the same name.
    annotations: pod template annotations (merged), such as a sidecar opt-out.
    affinity: a Kubernetes ``Affinity`` object for the pod, as a dict.
    node_selector: merged into upstream's ``kubernetes.io/os: linux``.
    priority_class_name: replaces upstream's ``system-cluster-critical``.
    no_cross_namespace_refs, default_service_account, no_remote_bases: the
    multi-tenancy lockdown flags, on the controllers that accept them.
    """

    resources: Resources | None = None
    extra_args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    affinity: Mapping[str, Any] | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    priority_class_name: str | None = None
    no_cross_namespace_refs: bool = False
    default_service_account: str | None = None
    no_remote_bases: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.extra_args, str):
            raise ValidationError("extra_args", self.extra_args, "a string, not a list", f"write [{self.extra_args!r}]")
        for arg in self.extra_args:
            if not isinstance(arg, str) or not _FLAG.match(arg):
                raise ValidationError("extra_args", arg, "not a flag", "write each flag as '--name=value'")
            flag = arg.split("=", 1)[0]
            if flag in MANAGED_FLAGS:
                raise ValidationError("extra_args", arg, f"{flag} is set by cdk8s-flux", MANAGED_FLAGS[flag])
        for name, value in self.env.items():
            if not isinstance(name, str) or not _ENV_NAME.match(name):
                raise ValidationError("env", name, "not a valid environment variable name", "use letters, digits, '_', '-', '.'")
            if not isinstance(value, str):
                raise ValidationError(f"env[{name!r}]", value, "not a string", f"write it quoted: {str(value)!r}")
        for key, value in self.annotations.items():
            validation.annotation_key("annotations", key)
            if not isinstance(value, str):
                raise ValidationError(f"annotations[{key!r}]", value, "not a string", f"write it quoted: {str(value)!r}")
        for key, value in self.node_selector.items():
            validation.label_key("node_selector", key)
            if not isinstance(value, str):
                raise ValidationError(f"node_selector[{key!r}]", value, "not a string", f"write it quoted: {str(value)!r}")
        if self.affinity is not None and not isinstance(self.affinity, Mapping):
            raise ValidationError("affinity", self.affinity, "not a mapping", "give a Kubernetes Affinity as a dict")
        if self.priority_class_name is not None:
            validation.dns1123_subdomain("priority_class_name", self.priority_class_name)
        if self.default_service_account is not None:
            validation.dns1123_subdomain("default_service_account", self.default_service_account)

    def lockdown_args(self) -> list[str]:
        """The lockdown flags this customization sets."""
        args = []
        if self.no_cross_namespace_refs:
            args.append("--no-cross-namespace-refs=true")
        if self.default_service_account is not None:
            args.append(f"--default-service-account={self.default_service_account}")
        if self.no_remote_bases:
            args.append("--no-remote-bases=true")
        return args

    def check_component(self, component: str) -> None:
        """Refuse flags the controller ``component`` does not have (it would crash on start)."""
        for arg in self.lockdown_args():
            flag = arg.split("=", 1)[0]
            if component not in LOCKDOWN_FLAGS[flag]:
                raise ValidationError(
                    f"controllers[{component!r}]",
                    flag,
                    f"{component} has no {flag} flag",
                    "set it only on " + ", ".join(LOCKDOWN_FLAGS[flag]),
                )


def customize(deployment: dict[str, Any], options: ControllerCustomization) -> None:
    """Apply ``options`` to a controller ``deployment`` dict (changed in place)."""
    template = deployment["spec"]["template"]
    pod = template["spec"]
    container = pod["containers"][0]
    if options.resources is not None:
        resources = container.setdefault("resources", {})
        for section, values in options.resources.to_patch().items():
            resources.setdefault(section, {}).update(values)
    added = [*options.lockdown_args(), *options.extra_args]
    if added:
        container["args"] = [*container.get("args", []), *added]
    if options.env:
        env = container.setdefault("env", [])
        positions = {item["name"]: index for index, item in enumerate(env)}
        for name, value in options.env.items():
            if name in positions:
                env[positions[name]] = {"name": name, "value": value}
            else:
                env.append({"name": name, "value": value})
    if options.annotations:
        template.setdefault("metadata", {}).setdefault("annotations", {}).update(options.annotations)
    if options.affinity is not None:
        pod["affinity"] = copy.deepcopy(dict(options.affinity))
    if options.node_selector:
        pod.setdefault("nodeSelector", {}).update(options.node_selector)
    if options.priority_class_name is not None:
        pod["priorityClassName"] = options.priority_class_name
