"""What ``flux bootstrap`` writes as ``gotk-sync.yaml``: a source and a Kustomization that applies it.

``FluxSync`` emits a GitRepository (or an OCIRepository) and a Kustomization,
both named after the namespace, with the CLI's defaults. Their URL, branch and
path come from one ``GitTarget`` (or ``OciTarget``), the same value
``cdk8s-flux publish`` writes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.kube import api_object
from cdk8s_flux.target import GitTarget, OciTarget, Target, repo_path

SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE_API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
#: ``flux bootstrap --branch`` default, used when no target is given.
BOOTSTRAP_BRANCH = "main"
#: ``flux bootstrap --secret-name`` default: the deploy key Secret, whatever the namespace.
BOOTSTRAP_SECRET = "flux-system"


@dataclass(frozen=True)
class FluxSyncProps:
    """The options of ``flux bootstrap``'s sync manifests, with the CLI's defaults.

    target: where the manifests are (a ``GitTarget`` or ``OciTarget``), shared with
    ``cdk8s-flux publish``. Or give url (and branch, path) as ``flux bootstrap`` takes
    them: branch default ``main``, path default the repository root. Giving both a
    target and a url/branch/path that differ from it is an error.
    namespace: default ``flux-system``; name: default the namespace.
    interval: how often the source is checked, default ``1m0s``.
    kustomization_interval: how often it is applied again, default ``10m0s``.
    secret_ref: the source's credentials Secret; default ``flux-system`` for git,
    none for OCI; ``""`` for none. prune: delete what disappears, default on.
    recurse_submodules: clone git submodules too, default off.
    """

    target: Target | None = None
    url: str | None = None
    branch: str | None = None
    path: str | None = None
    namespace: str = "flux-system"
    name: str | None = None
    interval: str = "1m0s"
    kustomization_interval: str = "10m0s"
    secret_ref: str | None = None
    prune: bool = True
    recurse_submodules: bool = False

    def __post_init__(self) -> None:
        validation.dns1123_label("namespace", self.namespace)
        validation.dns1123_subdomain("name", self.sync_name)
        validation.go_duration("interval", self.interval)
        validation.go_duration("kustomization_interval", self.kustomization_interval)
        if self.secret_ref:
            validation.dns1123_subdomain("secret_ref", self.secret_ref)
        target = self.resolved_target
        if isinstance(target, OciTarget) and self.recurse_submodules:
            raise ValidationError("recurse_submodules", True, "an OCI artifact has no submodules", "drop it")

    @property
    def sync_name(self) -> str:
        """The name of both objects: ``name``, else the namespace."""
        return self.name or self.namespace

    @property
    def resolved_target(self) -> Target:
        """The one target both Flux and publish use; a conflicting url/branch/path is an error."""
        if self.target is None:
            if self.url is None:
                raise ValidationError("target", None, "no target", "pass target=GitTarget(url=...) or url=...")
            return GitTarget(url=self.url, branch=self.branch or BOOTSTRAP_BRANCH, path=self.path or "")
        if not isinstance(self.target, (GitTarget, OciTarget)):
            raise ValidationError("target", self.target, "not a GitTarget or OciTarget", "build one with cdk8s_flux.target")
        conflicts = []
        if self.url is not None and self.url != self.target.url:
            conflicts.append(("url", self.url, self.target.url))
        if self.path is not None and repo_path("path", self.path) != self.target.path:
            conflicts.append(("path", self.path, self.target.path))
        if self.branch is not None:
            if isinstance(self.target, OciTarget):
                raise ValidationError("branch", self.branch, "an OCI target has no branch", "drop branch= or use a GitTarget")
            if self.branch != self.target.branch:
                conflicts.append(("branch", self.branch, self.target.branch))
        if conflicts:
            field_name, given, wanted = conflicts[0]
            raise ValidationError(
                field_name,
                given,
                f"differs from target.{field_name}={wanted!r}, so Flux would watch another place than "
                "cdk8s-flux publish writes to",
                f"drop {field_name}= and set it on the target only",
            )
        return self.target

    @property
    def source_secret(self) -> str | None:
        """The credentials Secret of the source, after the variant's default."""
        if self.secret_ref is None:
            return BOOTSTRAP_SECRET if isinstance(self.resolved_target, GitTarget) else None
        return self.secret_ref or None


def generate(props: FluxSyncProps) -> list[dict[str, Any]]:
    """The source and the Kustomization, as ``flux bootstrap`` writes them (keys in its sorted order)."""
    target = props.resolved_target
    metadata = {"name": props.sync_name, "namespace": props.namespace}
    secret = props.source_secret
    if isinstance(target, GitTarget):
        spec: dict[str, Any] = {"interval": props.interval}
        if props.recurse_submodules:
            spec["recurseSubmodules"] = True
        spec["ref"] = {"branch": target.branch}
        if secret:
            spec["secretRef"] = {"name": secret}
        spec["url"] = target.url
        source = {"apiVersion": SOURCE_API_VERSION, "kind": "GitRepository", "metadata": dict(metadata), "spec": spec}
    else:
        spec = {"interval": props.interval, "provider": target.provider, "ref": {"tag": target.tag}}
        if secret:
            spec["secretRef"] = {"name": secret}
        spec["url"] = target.url
        source = {"apiVersion": SOURCE_API_VERSION, "kind": "OCIRepository", "metadata": dict(metadata), "spec": spec}
    kustomization = {
        "apiVersion": KUSTOMIZE_API_VERSION,
        "kind": "Kustomization",
        "metadata": dict(metadata),
        "spec": {
            "interval": props.kustomization_interval,
            "path": target.kustomization_path,
            "prune": props.prune,
            "sourceRef": {"kind": source["kind"], "name": props.sync_name},
        },
    }
    return [source, kustomization]


class FluxSync(Construct):
    """The GitRepository (or OCIRepository) and Kustomization through which Flux applies the app.

    Give the options as keyword arguments or as one ``FluxSyncProps``.
    ``target`` is the resolved ``GitTarget``/``OciTarget``; ``source`` and
    ``kustomization`` are the two ``ApiObject``s.
    """

    def __init__(self, scope: Construct, id: str, props: FluxSyncProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        if props is not None and options:
            raise ValidationError("props", props, "given together with keyword options", "pass one or the other")
        if props is None:
            try:
                props = FluxSyncProps(**options)
            except TypeError as exc:
                raise ValidationError("FluxSync", sorted(options), str(exc), "see FluxSyncProps for the arguments") from exc
        self.props = props
        self.target = props.resolved_target
        self.manifests = tuple(generate(props))
        source, kustomization = self.manifests
        self.source = api_object(self, source["kind"], source)
        self.kustomization = api_object(self, "Kustomization", kustomization)
        self.kustomization.node.add_dependency(self.source)
