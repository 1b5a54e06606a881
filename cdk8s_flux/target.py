"""Where the synthesized manifests live for Flux: one value read by both sides.

``FluxSync`` turns a target into what Flux watches; ``cdk8s-flux publish``
writes to the same place. Keeping url, branch and path in one frozen value
means the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Union
from urllib.parse import urlsplit

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError

#: URL schemes a Flux v2 GitRepository accepts (its CRD pattern is ``^(http|https|ssh)://.*$``).
FLUX_GIT_SCHEMES = ("ssh", "https", "http")

_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[A-Za-z0-9.\-]+):(?P<path>(?!//).+)$")
# git check-ref-format: no control characters, space, ~ ^ : ? * [ \ and no "..", "@{", "//".
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
# An OCI tag, as the distribution spec defines it.
_OCI_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


def flux_git_url(field: str, value: str) -> str:
    """A git URL a Flux v2 GitRepository accepts: ssh://, https:// or http://.

    Flux v1 took the scp-like ``git@host:org/repo``; Flux v2 does not, so the
    fix shows the same address in the ``ssh://`` form.
    """
    if isinstance(value, str) and "://" not in value:
        match = _SCP_LIKE.match(value)
        if match is not None:
            user = f"{match['user']}@" if match["user"] else ""
            suggestion = f"ssh://{user}{match['host']}/{match['path'].lstrip('/')}"
            raise ValidationError(
                field,
                value,
                "Flux v2 does not accept the scp-like git address form",
                f"write it as {suggestion}",
            )
    validation.git_url(field, value)
    scheme = urlsplit(value).scheme
    if scheme not in FLUX_GIT_SCHEMES:
        raise ValidationError(
            field,
            value,
            f"a Flux v2 GitRepository does not accept {scheme}:// URLs",
            "use ssh://git@host/org/repo or https://host/org/repo",
        )
    return value


def git_branch(field: str, value: str) -> str:
    """A branch name git accepts (the rules of ``git check-ref-format --branch``)."""
    bad = (
        not isinstance(value, str)
        or not value
        or _BAD_REF_CHARS.search(value) is not None
        or ".." in value
        or "@{" in value
        or "//" in value
        or value.startswith(("/", "-", "."))
        or value.endswith(("/", ".", ".lock"))
        or value == "@"
        or any(part.startswith(".") for part in value.split("/"))
    )
    if bad:
        raise ValidationError(
            field,
            value,
            "not a valid git branch name",
            "use letters, digits, '-', '_', '.' and '/' (no spaces, '..', '~', '^', ':' or trailing '/')",
        )
    return value


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


@dataclass(frozen=True)
class OciTarget:
    """An OCI artifact that holds the manifests Flux applies (``flux push artifact``).

    url: ``oci://registry/repository``. tag: default ``latest``. path: the folder inside
    the artifact, default ``""`` (its root). provider: how Flux authenticates,
    ``generic`` (default), ``aws``, ``azure`` or ``gcp``.
    """

    url: str
    tag: str = "latest"
    path: str = ""
    provider: str = "generic"

    def __post_init__(self) -> None:
        parts = urlsplit(self.url) if isinstance(self.url, str) else None
        if parts is None or parts.scheme != "oci" or not parts.netloc or not parts.path.strip("/"):
            raise ValidationError(
                "url", self.url, "not an OCI repository URL", "write oci://registry/repository, such as oci://ghcr.io/org/app"
            )
        if not isinstance(self.tag, str) or not _OCI_TAG.match(self.tag):
            raise ValidationError(
                "tag", self.tag, "not a valid OCI tag", "use up to 128 letters, digits, '_', '.' and '-', such as 'latest'"
            )
        if self.provider not in ("generic", "aws", "azure", "gcp"):
            raise ValidationError("provider", self.provider, "unknown provider", "use generic, aws, azure or gcp")
        object.__setattr__(self, "path", repo_path("path", self.path))

    @property
    def kustomization_path(self) -> str:
        """``spec.path`` of the Kustomization that applies this folder of the artifact."""
        return kustomization_path(self.path)


Target = Union[GitTarget, OciTarget]

_SOURCE_KINDS = {"GitRepository": "source.toolkit.fluxcd.io/", "OCIRepository": "source.toolkit.fluxcd.io/"}


def sync_target(objects: Iterable[dict[str, Any]], name: str | None = None) -> Target:
    """The target of the source/Kustomization pair among ``objects`` (what ``FluxSync`` emitted).

    ``name`` picks one pair by the Kustomization's name when there are several.
    """
    objects = list(objects)
    sources = {
        (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
        for o in objects
        if o.get("kind") in _SOURCE_KINDS and str(o.get("apiVersion", "")).startswith(_SOURCE_KINDS[o["kind"]])
    }
    pairs = []
    for obj in objects:
        if obj.get("kind") != "Kustomization" or not str(obj.get("apiVersion", "")).startswith("kustomize.toolkit.fluxcd.io/"):
            continue
        if name is not None and obj["metadata"]["name"] != name:
            continue
        ref = obj.get("spec", {}).get("sourceRef", {})
        namespace = ref.get("namespace", obj["metadata"].get("namespace"))
        source = sources.get((ref.get("kind"), namespace, ref.get("name")))
        if source is not None:
            pairs.append((source, obj))
    if len(pairs) != 1:
        found = "no" if not pairs else f"{len(pairs)}"
        raise ValidationError(
            "objects",
            name,
            f"{found} Flux source/Kustomization pairs found where exactly one was expected",
            "add one FluxSync to the app" if not pairs else "pass the Kustomization name to pick one",
        )
    source, kustomization = pairs[0]
    spec = source["spec"]
    path = kustomization["spec"].get("path", "./")
    if source["kind"] == "GitRepository":
        return GitTarget(url=spec["url"], branch=spec.get("ref", {}).get("branch", "master"), path=path)
    return OciTarget(
        url=spec["url"], tag=spec.get("ref", {}).get("tag", "latest"), path=path, provider=spec.get("provider", "generic")
    )
