"""The apply bundle: the Flux install, the source Secret, then the sync, in the order ``flux bootstrap`` applies them.

The objects come from the rendered app, not from a second synthesis: the
install is what the app's ``FluxInstall`` made (the objects labelled
``app.kubernetes.io/part-of: flux`` in the sync's namespace), the sync is the
source and Kustomization of the app's ``FluxSync`` target. The bundle holds the
Secret in clear, so it is written only where the user asks, never to git, an
artifact or the publish layout, and only with mode 0600.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdk8s_flux.credentials.export import export_secret
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.manifests import dump_documents, read_yaml
from cdk8s_flux.target import GitTarget, OciTarget, targets_in

Object = dict[str, Any]
#: The Flux v2 targets a bootstrapped sync follows.
Target = GitTarget | OciTarget

PART_OF_LABEL = "app.kubernetes.io/part-of"
INSTANCE_LABEL = "app.kubernetes.io/instance"
_SOURCE_KINDS = ("GitRepository", "OCIRepository")


def _is_flux(obj: Object, kind: str, group: str) -> bool:
    return obj.get("kind") == kind and str(obj.get("apiVersion", "")).startswith(group + "/")


@dataclass(frozen=True)
class Sync:
    """The source and Kustomization that make Flux apply the target (what ``FluxSync`` renders)."""

    target: Target
    source: Object
    kustomization: Object

    @property
    def namespace(self) -> str:
        return str(self.source["metadata"].get("namespace") or "default")

    @property
    def secret_name(self) -> str | None:
        """The source's ``spec.secretRef.name``: the Secret bootstrap must create (None: none)."""
        return ((self.source.get("spec") or {}).get("secretRef") or {}).get("name")


def find_sync(objects: Sequence[Object], targets: Iterable[object]) -> Sync:
    """The app's one Flux v2 sync: its target and the two objects behind it.

    None or several targets are refused: bootstrap installs one sync per cluster.
    """
    v2 = [t for t in targets if isinstance(t, (GitTarget, OciTarget))]
    if len(v2) != 1:
        problem = "the app declares no FluxSync" if not v2 else f"the app declares {len(v2)} FluxSync targets"
        raise ValidationError(
            "app", "FluxSync", problem, "bootstrap one cluster from an app with exactly one FluxSync (GitTarget or OciTarget)"
        )
    (target,) = v2
    sources = {
        (o["kind"], o["metadata"].get("namespace"), o["metadata"].get("name")): o
        for o in objects
        if any(_is_flux(o, kind, "source.toolkit.fluxcd.io") for kind in _SOURCE_KINDS)
    }
    pairs = []
    for obj in objects:
        if not _is_flux(obj, "Kustomization", "kustomize.toolkit.fluxcd.io"):
            continue
        ref = (obj.get("spec") or {}).get("sourceRef") or {}
        source = sources.get((ref.get("kind"), ref.get("namespace", obj["metadata"].get("namespace")), ref.get("name")))
        if source is not None and targets_in([source, obj]) == (target,):
            pairs.append((source, obj))
    # FluxSync names both objects alike; prefer that pair when other Kustomizations use the same source.
    pairs.sort(key=lambda pair: pair[0]["metadata"].get("name") != pair[1]["metadata"].get("name"))
    source, kustomization = pairs[0]
    return Sync(target, source, kustomization)


def install_objects(objects: Sequence[Object], namespace: str) -> list[Object]:
    """The objects of the app's ``FluxInstall`` for ``namespace``, in the order it rendered them."""
    found = [
        o for o in objects
        if ((o.get("metadata") or {}).get("labels") or {}).get(PART_OF_LABEL) == "flux"
        and ((o.get("metadata") or {}).get("labels") or {}).get(INSTANCE_LABEL) == namespace
    ]
    if not any(_is_flux(o, "Deployment", "apps") for o in found):
        raise ValidationError(
            "app", "FluxInstall", f"the app has no FluxInstall in namespace {namespace!r}, the namespace of its FluxSync",
            f"add FluxInstall(chart, 'flux', namespace={namespace!r}) beside the FluxSync",
        )
    return found


def is_cluster_definition(obj: Object) -> bool:
    """CRDs and Namespaces: applied first, and waited for, before anything that needs them."""
    return obj.get("kind") in ("CustomResourceDefinition", "Namespace")


@dataclass(frozen=True)
class Bundle:
    """What bootstrap applies, in order: the install, the source Secret (if the sync needs one), the sync."""

    install: tuple[Object, ...]
    sync: Sync
    secret: Object | None = field(default=None, repr=False)

    @property
    def namespace(self) -> str:
        return self.sync.namespace

    def text(self) -> str:
        """One YAML stream for ``kubectl apply --server-side -f -``; the Secret as flux writes it."""
        parts = [dump_documents(list(self.install))]
        if self.secret is not None:
            parts.append(export_secret(self.secret))
        parts.append(dump_documents([self.sync.source, self.sync.kustomization]))
        return "".join(parts)


def make_bundle(objects: Sequence[Object], targets: Iterable[object], secret: Object | None = None) -> Bundle:
    """The bundle of a rendered app: its FluxInstall, ``secret``, and its FluxSync."""
    sync = find_sync(objects, targets)
    return Bundle(install=tuple(install_objects(objects, sync.namespace)), sync=sync, secret=secret)


def secret_in(text: str, name: str, namespace: str) -> Object | None:
    """The Secret ``namespace/name`` in a bundle written before, to keep its key on a re-run."""
    for document in read_yaml(text):
        if isinstance(document, dict) and document.get("kind") == "Secret":
            metadata = document.get("metadata") or {}
            if metadata.get("name") == name and metadata.get("namespace", "default") == namespace:
                return document
    return None
