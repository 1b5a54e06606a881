"""What ``flux bootstrap`` writes as ``gotk-sync.yaml``: a source and a Kustomization that applies it.

``FluxSync`` emits a GitRepository (or an OCIRepository) and a Kustomization,
both named after the namespace, with the CLI's defaults, made with the
constructs of ``sources`` and ``kustomize``. Their URL, branch and
path come from one ``GitTarget`` (or ``OciTarget``), the same value
``cdk8s-flux publish`` writes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import cdk8s
from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.layout import chart_folder
from cdk8s_flux.props import keyword_options, resolve_props
from cdk8s_flux.target import TARGET_PATH_ANNOTATION, GitTarget, OciTarget, Target, kustomization_path, repo_path
from cdk8s_flux.v2.kustomize import Kustomization, KustomizationProps, KustomizationSource
from cdk8s_flux.v2.sources import (
    GitRepository,
    GitRepositoryProps,
    GitRepositoryRef,
    OCIRepository,
    OCIRepositoryProps,
    OCIRepositoryRef,
    Verification,
)

#: ``flux bootstrap --branch`` default, used when no target is given.
BOOTSTRAP_BRANCH = "main"
#: ``flux bootstrap --secret-name`` default: the deploy key Secret, whatever the namespace.
BOOTSTRAP_SECRET = "flux-system"


@dataclass(frozen=True, kw_only=True)
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
    for OCI the target's ``secret_ref`` (none by default); ``""`` for none (a public
    repository). ``cdk8s-flux bootstrap`` creates it in the namespace, never in the
    manifests: a deploy key for ``ssh://``, a token for ``https://``, registry credentials
    for OCI. prune: delete what disappears, default on.
    recurse_submodules: clone git submodules too, default off.
    chart: apply only this chart's folder of the target (the chart holding Flux's own
    objects), so that the other charts can each get a ``Kustomization.for_chart`` and no
    object is applied twice; default: the whole target folder, as ``flux bootstrap``.
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
    chart: cdk8s.Chart | None = None

    def __post_init__(self) -> None:
        validation.dns1123_label("namespace", self.namespace)
        validation.dns1123_subdomain("name", self.sync_name)
        validation.go_duration("interval", self.interval)
        validation.go_duration("kustomization_interval", self.kustomization_interval)
        if self.secret_ref:
            validation.dns1123_subdomain("secret_ref", self.secret_ref)
        target = self.resolved_target
        if self.chart is not None and not isinstance(self.chart, cdk8s.Chart):
            raise ValidationError("chart", self.chart, "not a cdk8s Chart", "pass the chart holding the FluxSync")
        if isinstance(target, OciTarget) and target.verify is not None and not isinstance(target.verify, Verification):
            raise ValidationError("target.verify", target.verify, "not a Verification", "write verify=Verification(provider='cosign', ...)")
        if isinstance(target, OciTarget) and self.recurse_submodules:
            raise ValidationError("recurse_submodules", True, "an OCI artifact has no submodules", "drop it")
        if isinstance(target, OciTarget) and None not in (self.secret_ref, target.secret_ref) and self.secret_ref != target.secret_ref:
            raise ValidationError(
                "secret_ref", self.secret_ref,
                f"differs from target.secret_ref={target.secret_ref!r}, so Flux would pull with other credentials than the target names",
                "drop secret_ref= and set it on the target only",
            )

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
        target = self.resolved_target
        if self.secret_ref is None:
            return BOOTSTRAP_SECRET if isinstance(target, GitTarget) else target.secret_ref
        return self.secret_ref or None


def source_props(props: FluxSyncProps) -> GitRepositoryProps | OCIRepositoryProps:
    """The GitRepository (or OCIRepository) of the sync, as ``flux bootstrap`` writes it."""
    target = props.resolved_target
    name, namespace, interval, secret = props.sync_name, props.namespace, props.interval, props.source_secret
    if isinstance(target, GitTarget):
        return GitRepositoryProps(
            name=name, namespace=namespace, interval=interval, secret_ref=secret,
            url=target.url, ref=GitRepositoryRef(branch=target.branch), recurse_submodules=props.recurse_submodules,
        )  # fmt: skip
    verify = target.verify if isinstance(target.verify, Verification) else None  # FluxSyncProps refused any other
    return OCIRepositoryProps(
        name=name, namespace=namespace, interval=interval, secret_ref=secret,
        url=target.url, ref=OCIRepositoryRef(**target.ref), provider=target.provider, verify=verify,
    )  # fmt: skip


def kustomization_props(props: FluxSyncProps, source: KustomizationSource) -> KustomizationProps:
    """The Kustomization of the sync, applying the target's folder of ``source`` (or one chart's folder in it).

    When it applies one chart's folder, the target's folder is recorded in the
    ``TARGET_PATH_ANNOTATION``, so ``cdk8s-flux publish`` and ``push`` read the
    target back from the manifests (``target.targets_in``).
    """
    target = props.resolved_target
    path, annotations = target.kustomization_path, {}
    if props.chart is not None:
        folder = chart_folder(props.chart)
        path = kustomization_path(f"{target.path}/{folder}" if target.path else folder)
        annotations = {TARGET_PATH_ANNOTATION: target.path or "."}
    return KustomizationProps(
        name=props.sync_name,
        namespace=props.namespace,
        source=source,
        path=path,
        prune=props.prune,
        interval=props.kustomization_interval,
        annotations=annotations,
    )


class FluxSync(Construct):
    """The GitRepository (or OCIRepository) and Kustomization through which Flux applies the app.

    Give the options as keyword arguments or as one ``FluxSyncProps``.
    ``target`` is the resolved ``GitTarget``/``OciTarget``, ``chart`` the chart it
    applies alone (or ``None``: the whole target folder); ``source`` and
    ``kustomization`` are the two Flux constructs (so other objects can
    reference them: ``Kustomization(..., depends_on=[sync.kustomization])``),
    ``manifests`` their objects as dicts.
    """

    @overload
    def __init__(self, scope: Construct, id: str, props: FluxSyncProps) -> None: ...
    @overload
    @keyword_options(FluxSyncProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: FluxSyncProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        self.props = props = resolve_props("FluxSync", FluxSyncProps, props, options)
        self.target = props.resolved_target
        self.chart = props.chart
        source = source_props(props)
        self.source: GitRepository | OCIRepository = (
            GitRepository(self, "GitRepository", source) if isinstance(source, GitRepositoryProps) else OCIRepository(self, "OCIRepository", source)
        )
        self.kustomization = Kustomization(self, "Kustomization", kustomization_props(props, self.source))
        self.kustomization.node.add_dependency(self.source)
        self.manifests = (self.source.manifest, self.kustomization.manifest)
