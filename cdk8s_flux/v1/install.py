"""Flux v1 (fluxd) as a construct: what ``fluxctl install`` 1.25.4 prints, plus typed extras.

``FluxInstallProps`` mirrors fluxctl's flags one to one with fluxctl's
defaults; ``generate`` returns the objects fluxctl would print for them;
``FluxInstall`` adds those objects to a chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.props import resolve_props

# Release-specific values, read from fluxcd/flux at tag 1.25.4, pkg/install/templates/
# (flux-deployment.yaml.tmpl and memcache-dep.yaml.tmpl; copies in tests/data/fluxctl/templates-1.25.4/).
#: The fluxd image fluxctl 1.25.4 installs.
FLUXD_IMAGE = "docker.io/fluxcd/flux:1.25.4"
#: The memcached image fluxctl 1.25.4 installs for the image-registry cache.
MEMCACHED_IMAGE = "memcached:1.6.10-alpine"
RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"
#: fluxctl still selects Linux nodes with the beta label.
NODE_SELECTOR = {"beta.kubernetes.io/os": "linux"}


# fluxd flags that have a typed argument here; extra_args must not set them again.
_MANAGED_FLAGS = {
    "--memcached-service": "registry_disable_scanning",
    "--ssh-keygen-dir": "(fixed by fluxctl)",
    "--git-url": "git_url",
    "--git-branch": "git_branch",
    "--git-path": "git_path",
    "--git-label": "git_label",
    "--git-user": "git_user",
    "--git-email": "git_email",
    "--git-readonly": "git_readonly",
    "--manifest-generation": "manifest_generation",
    "--listen-metrics": "(fixed by fluxctl)",
    "--registry-disable-scanning": "registry_disable_scanning",
    "--sync-garbage-collection": "sync_garbage_collection",
    "--git-poll-interval": "git_poll_interval",
    "--sync-interval": "sync_interval",
    "--k8s-allow-namespace": "k8s_allow_namespace",
}


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class FluxInstallProps:
    """fluxctl install's flags in snake_case with its defaults, plus fluxd flags people add by hand."""

    #: URL of the git repository fluxd syncs (``--git-url``), e.g. ``git@github.com:org/repo``.
    git_url: str
    #: Email fluxd commits with (``--git-email``).
    git_email: str
    #: Namespace to install into (``--namespace``); required, as there is no kubeconfig to read.
    namespace: str
    #: Branch fluxd syncs (``--git-branch``).
    git_branch: str = "master"
    #: Folders of the repository fluxd reads (``--git-path``); all of it when empty.
    git_path: tuple[str, ...] = ()
    #: Tag fluxd uses to record its sync progress (``--git-label``).
    git_label: str = "flux"
    #: Name fluxd commits with (``--git-user``).
    git_user: str = "Flux"
    #: fluxd only reads the repository (``--git-readonly``).
    git_readonly: bool = False
    #: fluxd runs the generators of ``.flux.yaml`` files (``--manifest-generation``).
    manifest_generation: bool = False
    #: No image scanning, hence no memcached (``--registry-disable-scanning``).
    registry_disable_scanning: bool = False
    #: Run memcached as a non-root user (``--add-security-context``).
    add_security_context: bool = True
    #: Also create the Namespace object, which fluxctl leaves to the user.
    create_namespace: bool = True
    #: Delete cluster objects that disappeared from git (``--sync-garbage-collection``).
    sync_garbage_collection: bool = False
    #: How often fluxd polls git, as a Go duration (``--git-poll-interval``, fluxd's default 5m).
    git_poll_interval: str | None = None
    #: How often fluxd applies git to the cluster, as a Go duration (``--sync-interval``, default 5m).
    sync_interval: str | None = None
    #: Namespaces fluxd may touch (``--k8s-allow-namespace``); all when empty.
    k8s_allow_namespace: tuple[str, ...] = ()
    #: fluxd image, to pin a mirror or a digest.
    image: str = FLUXD_IMAGE
    #: Further fluxd flags, appended after all others.
    extra_args: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "git_path", _names(self.git_path))
        object.__setattr__(self, "k8s_allow_namespace", _names(self.k8s_allow_namespace))
        object.__setattr__(self, "extra_args", _names(self.extra_args))
        validation.git_url("git_url", self.git_url)
        if not isinstance(self.git_email, str) or not self.git_email.strip() or any(c.isspace() for c in self.git_email):
            raise ValidationError(
                "git_email", self.git_email, "fluxctl requires an email without spaces", "give the address fluxd commits with"
            )
        validation.dns1123_label("namespace", self.namespace)
        validation.git_branch("git_branch", self.git_branch)
        for index, path in enumerate(self.git_path):
            validation.relative_path(f"git_path[{index}]", path)
        if self.git_label:
            validation.git_branch("git_label", self.git_label, what="branch or tag")
        if "\n" in self.git_user:
            raise ValidationError("git_user", self.git_user, "contains a line break", "use a single-line name")
        for name in ("git_poll_interval", "sync_interval"):
            value = getattr(self, name)
            if value is not None:
                validation.go_duration(name, value)
        for index, namespace in enumerate(self.k8s_allow_namespace):
            validation.dns1123_label(f"k8s_allow_namespace[{index}]", namespace)
        if not isinstance(self.image, str) or not self.image or any(c.isspace() for c in self.image):
            raise ValidationError("image", self.image, "not an image reference", "write e.g. docker.io/fluxcd/flux:1.25.4")
        for index, arg in enumerate(self.extra_args):
            _extra_arg(f"extra_args[{index}]", arg)


def _extra_arg(field_name: str, arg: str) -> None:
    if not isinstance(arg, str) or not arg.startswith("--"):
        raise ValidationError(field_name, arg, "not a fluxd flag", "write flags as '--name=value'")
    flag = arg.split("=", 1)[0]
    owner = _MANAGED_FLAGS.get(flag)
    if owner is not None:
        raise ValidationError(
            field_name,
            arg,
            f"{flag} is already set by FluxInstall, and a second value would be ambiguous",
            f"use the argument {owner} instead" if not owner.startswith("(") else "remove it",
        )


def fluxd_args(props: FluxInstallProps) -> list[str]:
    """fluxd's arguments, in the order fluxctl writes them, then the extras."""
    args = ["--memcached-service=", "--ssh-keygen-dir=/var/fluxd/keygen", f"--git-url={props.git_url}"]
    args.append(f"--git-branch={props.git_branch}")
    if props.git_path:
        args.append("--git-path=" + ",".join(props.git_path))
    if props.git_label:
        args.append(f"--git-label={props.git_label}")
    if props.git_user:
        args.append(f"--git-user={props.git_user}")
    args.append(f"--git-email={props.git_email}")
    if props.git_readonly:
        args.append("--git-readonly")
    if props.manifest_generation:
        args.append("--manifest-generation=true")
    args.append("--listen-metrics=:3031")
    if props.registry_disable_scanning:
        args.append("--registry-disable-scanning")
    if props.sync_garbage_collection:
        args.append("--sync-garbage-collection")
    if props.git_poll_interval is not None:
        args.append(f"--git-poll-interval={props.git_poll_interval}")
    if props.sync_interval is not None:
        args.append(f"--sync-interval={props.sync_interval}")
    if props.k8s_allow_namespace:
        args.append("--k8s-allow-namespace=" + ",".join(props.k8s_allow_namespace))
    args.extend(props.extra_args)
    return args


def _probe() -> dict[str, Any]:
    return {
        "httpGet": {"port": 3030, "path": "/api/flux/v6/identity.pub"},
        "initialDelaySeconds": 5,
        "timeoutSeconds": 5,
    }


def _fluxd_deployment(props: FluxInstallProps) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "flux", "namespace": props.namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"name": "flux"}},
            "strategy": {"type": "Recreate"},
            "template": {
                "metadata": {"annotations": {"prometheus.io/port": "3031"}, "labels": {"name": "flux"}},
                "spec": {
                    "nodeSelector": dict(NODE_SELECTOR),
                    "serviceAccountName": "flux",
                    "volumes": [
                        # 0400 in fluxctl's YAML, an octal literal.
                        {"name": "git-key", "secret": {"secretName": "flux-git-deploy", "defaultMode": 0o400}},
                        {"name": "git-keygen", "emptyDir": {"medium": "Memory"}},
                    ],
                    "containers": [
                        {
                            "name": "flux",
                            "image": props.image,
                            "imagePullPolicy": "IfNotPresent",
                            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                            "ports": [{"containerPort": 3030}],
                            "livenessProbe": _probe(),
                            "readinessProbe": _probe(),
                            "volumeMounts": [
                                {"name": "git-key", "mountPath": "/etc/fluxd/ssh", "readOnly": True},
                                {"name": "git-keygen", "mountPath": "/var/fluxd/keygen"},
                            ],
                            "args": fluxd_args(props),
                        }
                    ],
                },
            },
        },
    }


def _memcached(props: FluxInstallProps) -> list[dict[str, Any]]:
    container: dict[str, Any] = {
        "name": "memcached",
        "image": MEMCACHED_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "args": ["-m 512", "-I 5m", "-p 11211"],
        "ports": [{"name": "clients", "containerPort": 11211}],
    }
    if props.add_security_context:
        container["securityContext"] = {"runAsUser": 11211, "runAsGroup": 11211, "allowPrivilegeEscalation": False}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "memcached", "namespace": props.namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"name": "memcached"}},
            "template": {
                "metadata": {"labels": {"name": "memcached"}},
                "spec": {"nodeSelector": dict(NODE_SELECTOR), "containers": [container]},
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "memcached", "namespace": props.namespace},
        "spec": {"ports": [{"name": "memcached", "port": 11211}], "selector": {"name": "memcached"}},
    }
    return [deployment, service]


def generate(props: FluxInstallProps) -> list[tuple[str, dict[str, Any]]]:
    """The objects of the install as (construct id, object), in apply order.

    Without ``create_namespace`` these are exactly the objects fluxctl prints.
    """
    ns = props.namespace
    labels = {"name": "flux"}
    objects: list[tuple[str, dict[str, Any]]] = []
    if props.create_namespace:
        objects.append(("Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
    objects += [
        (
            "ServiceAccount",
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"labels": labels, "name": "flux", "namespace": ns}},
        ),
        (
            "ClusterRole",
            {
                "apiVersion": RBAC_API_VERSION,
                "kind": "ClusterRole",
                "metadata": {"labels": labels, "name": "flux"},
                "rules": [
                    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                    {"nonResourceURLs": ["*"], "verbs": ["*"]},
                ],
            },
        ),
        (
            "ClusterRoleBinding",
            {
                "apiVersion": RBAC_API_VERSION,
                "kind": "ClusterRoleBinding",
                "metadata": {"labels": labels, "name": "flux"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "flux"},
                "subjects": [{"kind": "ServiceAccount", "name": "flux", "namespace": ns}],
            },
        ),
        (
            "GitDeployKey",
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "flux-git-deploy", "namespace": ns}, "type": "Opaque"},
        ),
        ("Deployment", _fluxd_deployment(props)),
    ]
    if not props.registry_disable_scanning:
        memcached_deployment, memcached_service = _memcached(props)
        objects += [("MemcachedDeployment", memcached_deployment), ("MemcachedService", memcached_service)]
    return objects


class FluxInstall(Construct):
    """fluxd, its RBAC, its deploy-key Secret and memcached, as ``fluxctl install`` makes them.

    Give the options as keyword arguments (``git_url=..., git_email=...,
    namespace=...``) or as one ``FluxInstallProps``.
    """

    def __init__(self, scope: Construct, id: str, props: FluxInstallProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        self.props = props = resolve_props("FluxInstall", FluxInstallProps, props, options)
        from cdk8s_flux.kube import api_object

        for child_id, manifest in generate(props):
            api_object(self, child_id, manifest)
