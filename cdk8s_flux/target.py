"""Where the synthesized manifests live for Flux: one value read by both sides.

``FluxSync`` turns a target into what Flux watches; ``cdk8s-flux publish``
writes to the same place. Keeping url, branch and path in one frozen value
means the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.oci.reference import check_digest, check_provider, check_tag, parse_reference
from cdk8s_flux.validation import flux_git_url, git_branch


def repo_path(field: str, value: str) -> str:
    """A folder in the repository, normalised: no leading ``./``, no trailing ``/``; ``""`` is the root."""
    if not isinstance(value, str):
        raise ValidationError(field, value, "not a path", "give a path relative to the repository root, such as 'dist'")
    trimmed = value.strip()
    while trimmed.startswith("./"):
        trimmed = trimmed[2:]
    trimmed = trimmed.rstrip("/")
    if trimmed in ("", "."):
        return ""
    return validation.relative_path(field, trimmed)


#: On a ``FluxSync`` Kustomization that applies one chart's folder: the target's folder it lies in.
TARGET_PATH_ANNOTATION = "cdk8s-flux.io/target-path"


def kustomization_path(path: str) -> str:
    """The Kustomization ``spec.path`` for a repository folder, as ``flux bootstrap`` writes it."""
    return "./" + path.removeprefix("./")


@dataclass(frozen=True)
class GitTarget:
    """A branch and folder of a git repository that holds the manifests Flux applies.

    url: the repository, as a Flux v2 GitRepository takes it (``ssh://git@host/org/repo``
    or ``https://host/org/repo``). branch: default ``manifests``, a branch only CI writes.
    path: the folder inside it, default ``dist``; ``""`` is the repository root.
    """

    url: str
    branch: str = "manifests"
    path: str = "dist"

    def __post_init__(self) -> None:
        flux_git_url("url", self.url)
        git_branch("branch", self.branch)
        # Normalising keeps "./dist", "dist/" and "dist" one target, so they compare equal.
        object.__setattr__(self, "path", repo_path("path", self.path))

    @property
    def kustomization_path(self) -> str:
        """``spec.path`` of the Kustomization that applies this folder."""
        return kustomization_path(self.path)


@runtime_checkable
class SignatureVerification(Protocol):
    """How Flux verifies an artifact's signatures (``spec.verify``): ``cdk8s_flux.v2.Verification``.

    A protocol, so this module, which the delivery commands load without Node, needs no cdk8s.
    """

    @property
    def provider(self) -> str: ...

    def to_spec(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class OciTarget:
    """An OCI artifact that holds the manifests Flux applies (``cdk8s-flux push``, ``flux push artifact``).

    url: ``oci://registry/repository``, without tag. Which artifact Flux pulls
    (``spec.ref``), one of: tag (default ``latest``), semver (a range such as
    ``>=1.0.0``; Flux takes the highest version tag in it), digest (``sha256:...``,
    pinned). path: the folder inside the artifact, default ``""`` (its root).
    provider: how Flux authenticates, ``generic`` (default: secret_ref, or anonymous),
    ``aws``, ``azure`` or ``gcp`` (the cloud's workload identity). secret_ref: a
    ``kubernetes.io/dockerconfigjson`` Secret for a private registry. verify: a
    ``cdk8s_flux.v2.sources.Verification`` (cosign or notation signatures).
    """

    url: str
    tag: str | None = None
    path: str = ""
    provider: str = "generic"
    semver: str | None = None
    digest: str | None = None
    secret_ref: str | None = None
    verify: SignatureVerification | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.url) if isinstance(self.url, str) else None
        if parts is None or parts.scheme != "oci" or not parts.netloc or not parts.path.strip("/"):
            raise ValidationError(
                "url", self.url, "not an OCI repository URL", "write oci://registry/repository, such as oci://ghcr.io/org/app"
            )
        reference = parse_reference(self.url, "url")
        if reference.tag or reference.digest:
            raise ValidationError(
                "url", self.url, "Flux takes the repository alone in the URL", f"write url={reference.url!r} and set tag=, semver= or digest="
            )
        chosen = [name for name in ("tag", "semver", "digest") if getattr(self, name) is not None]
        if len(chosen) > 1:
            raise ValidationError(chosen[1], getattr(self, chosen[1]), f"given together with {chosen[0]}", "set one of tag, semver or digest")
        if not chosen:
            object.__setattr__(self, "tag", "latest")
        if self.tag is not None:
            check_tag("tag", self.tag)
        if self.semver is not None:
            validation.semver_range("semver", self.semver)
        if self.digest is not None:
            check_digest("digest", self.digest)
        check_provider("provider", self.provider)
        if self.secret_ref is not None:
            validation.dns1123_subdomain("secret_ref", self.secret_ref)
        if self.verify is not None and not isinstance(self.verify, SignatureVerification):
            raise ValidationError("verify", self.verify, "not a Verification", "write verify=Verification(provider='cosign', ...)")
        object.__setattr__(self, "path", repo_path("path", self.path))

    @property
    def ref(self) -> dict[str, str]:
        """``spec.ref`` of the OCIRepository: the tag, semver range or digest."""
        name = next(n for n in ("tag", "semver", "digest") if getattr(self, n) is not None)
        return {name: getattr(self, name)}

    @property
    def kustomization_path(self) -> str:
        """``spec.path`` of the Kustomization that applies this folder of the artifact."""
        return kustomization_path(self.path)


Target = GitTarget | OciTarget

_SOURCE_KINDS = {"GitRepository": "source.toolkit.fluxcd.io/", "OCIRepository": "source.toolkit.fluxcd.io/"}


def _read_back(source: dict[str, Any], kustomization: dict[str, Any]) -> Target:
    spec = source.get("spec") or {}
    annotations = kustomization["metadata"].get("annotations") or {}
    path = annotations.get(TARGET_PATH_ANNOTATION) or (kustomization.get("spec") or {}).get("path", "./")
    if source["kind"] == "GitRepository":
        return GitTarget(url=spec["url"], branch=(spec.get("ref") or {}).get("branch", "master"), path=path)
    ref = spec.get("ref") or {}
    return OciTarget(
        url=spec["url"], tag=ref.get("tag"), semver=ref.get("semver"), digest=ref.get("digest"), path=path,
        provider=spec.get("provider", "generic"), secret_ref=(spec.get("secretRef") or {}).get("name"),
    )


def targets_in(objects: Iterable[dict[str, Any]]) -> tuple[Target, ...]:
    """Every distinct target the Flux source/Kustomization pairs among ``objects`` deliver (what ``FluxSync`` makes).

    A pair delivers when its Kustomization is named like its source (``FluxSync``, ``flux
    bootstrap``) or applies one chart's folder of the target (it carries the target's path in
    an annotation); when no pair looks like that, every pair counts. None, one or several:
    the caller decides, and refuses ambiguity. An OCI target is read back without ``verify``.
    """
    objects = list(objects)
    sources = {
        (o["kind"], (o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name")): o
        for o in objects
        if o.get("kind") in _SOURCE_KINDS and str(o.get("apiVersion", "")).startswith(_SOURCE_KINDS[str(o["kind"])])
    }
    pairs = []
    for obj in objects:
        if obj.get("kind") != "Kustomization" or not str(obj.get("apiVersion", "")).startswith("kustomize.toolkit.fluxcd.io/"):
            continue
        metadata = obj.get("metadata") or {}
        ref = (obj.get("spec") or {}).get("sourceRef") or {}
        source = sources.get((ref.get("kind"), ref.get("namespace", metadata.get("namespace")), ref.get("name")))
        if source is not None:
            pairs.append((source, obj))
    delivering = [
        (s, k) for s, k in pairs
        if k["metadata"].get("name") == s["metadata"].get("name") or TARGET_PATH_ANNOTATION in (k["metadata"].get("annotations") or {})
    ]
    return tuple(dict.fromkeys(_read_back(s, k) for s, k in delivering or pairs))
