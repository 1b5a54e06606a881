"""Render the app and push it as a Flux OCI artifact (``cdk8s-flux push``).

The artifact holds the layout ``cdk8s-flux publish`` commits (one folder per
chart, one file per object, ``kustomization.yaml`` files), so a Kustomization
with ``path: ./`` applies it. Its annotations come from git: the source
commit's remote URL (without credentials), ``<branch>@sha1:<commit>`` and the
commit's committer time, so the same commit gives the same manifest digest.
Blobs the registry holds are not uploaded; tags that already point at the
manifest are left alone, and when all do, nothing is written ("up to date").
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cdk8s_flux.errors import GitError, ValidationError
from cdk8s_flux.git import Git
from cdk8s_flux.oci.artifact import Artifact, build_artifact, flux_annotations
from cdk8s_flux.oci.reference import Reference, check_tag, parse_reference
from cdk8s_flux.oci.registry import RegistryClient
from cdk8s_flux.pipeline import CheckPolicy, Rendered, Target
from cdk8s_flux.progress import Progress, plural, silent
from cdk8s_flux.source import branch_of, check_working_tree, commit_time, open_repository, source_commit
from cdk8s_flux.target import GitTarget, OciTarget

# A tag Masterminds semver (as Flux uses it) reads as a version: v1, 1.2, 1.2.3-rc.1 ...
_VERSION_TAG = re.compile(r"^v?[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")


@dataclass(frozen=True)
class PushOptions:
    """What ``push`` sends where; the defaults are the CLI's."""

    #: ``oci://host[:port]/repository[:tag]``; None: the app's own OCI ``FluxSync`` target.
    reference: str | None = None
    #: More tags for the same manifest (``--tag``, repeatable).
    tags: tuple[str, ...] = ()
    #: Report what would be pushed; write nothing to the registry.
    dry_run: bool = False
    #: Talk plain HTTP to the registry (``--insecure-registry``, as the flux CLI names it).
    insecure_registry: bool = False
    #: ``USER:PASSWORD`` (``--creds``); None: the environment, then the docker config.
    creds: str | None = field(default=None, repr=False)
    #: ``org.opencontainers.image.source``; None: the URL of ``remote``, credentials removed.
    source: str | None = None
    #: ``org.opencontainers.image.revision``; None: ``<branch>@sha1:<commit>``.
    revision: str | None = None
    #: Git remote whose URL is the source.
    remote: str = "origin"
    #: Push from a working tree with uncommitted changes.
    allow_dirty: bool = False

    def __post_init__(self) -> None:
        if self.reference is not None:
            parse_reference(self.reference, "reference")
        for tag in self.tags:
            check_tag("tags", tag)


@dataclass(frozen=True)
class PushResult:
    """What a push did: ``status`` is "pushed", "up to date" or "dry run"."""

    status: str
    repository: Reference
    tags: tuple[str, ...]
    artifact: Artifact
    #: Digests of the blobs uploaded (or, in a dry run, that would be).
    uploaded: tuple[str, ...] = ()
    #: Tags written (or, in a dry run, that would be).
    tagged: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        return self.artifact.digest

    @property
    def url(self) -> str:
        """``oci://host/repository@sha256:...``: the one name of this exact content, for signing."""
        return f"{self.repository.url}@{self.digest}"

    def as_json(self) -> dict[str, Any]:
        """What ``--format json`` prints."""
        return {
            "status": self.status,
            "repository": self.repository.name,
            "tags": list(self.tags),
            "digest": self.digest,
            "url": self.url,
            "revision": self.artifact.annotations.get("org.opencontainers.image.revision", ""),
        }


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.1f} KB" if count < 1024 * 1024 else f"{count / 1048576:.1f} MB"


def push_artifact(
    client: RegistryClient, artifact: Artifact, tags: tuple[str, ...], dry_run: bool = False, progress: Progress = silent
) -> PushResult:
    """Push ``artifact`` to ``client``'s repository under ``tags``; upload only what is missing."""
    repository = Reference(client.reference.registry, client.reference.repository)
    stale = tuple(tag for tag in tags if client.manifest_digest(tag) != artifact.digest)
    if not stale:
        progress(f"up to date: {repository.url}:{tags[0]} already is {artifact.digest}")
        return PushResult("up to date", repository, tags, artifact)
    uploaded = []
    for blob, what in ((artifact.layer, "layer"), (artifact.config, "config")):
        if client.blob_exists(blob):
            progress(f"{what} already in registry ({blob.digest[:19]})")
            continue
        uploaded.append(blob.digest)
        if dry_run:
            progress(f"would push {what} {blob.digest[:19]} ({_size(blob.size)})")
        else:
            progress(f"pushing {what} {blob.digest[:19]} ({_size(blob.size)})")
            client.upload_blob(blob)
    for tag in stale:
        if dry_run:
            progress(f"would tag {repository.url}:{tag}")
        else:
            client.put_manifest(tag, artifact.manifest)
            progress(f"tagged {repository.url}:{tag}")
    status = "dry run" if dry_run else "pushed"
    if not dry_run:
        progress(f"pushed {repository.url}@{artifact.digest}")
    return PushResult(status, repository, tags, artifact, uploaded=tuple(uploaded), tagged=stale)


# --- what the artifact says about its source ------------------------------------


def public_url(url: str) -> str:
    """``url`` without credentials: CI clones carry tokens in remote URLs (``https://user:token@host``).

    The user name goes too for http(s), where it is often the token itself;
    ``ssh://git@host`` and ``git@host:org/repo`` keep theirs.
    """
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    netloc = host if parts.scheme in ("http", "https") or ":" in userinfo else f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class SourceInfo:
    """Where the manifests come from, as the artifact's annotations say it."""

    source: str
    revision: str
    created: str
    commit: str


def source_info(git: Git, options: PushOptions, environ: Mapping[str, str], progress: Progress = silent) -> SourceInfo:
    """The source URL, revision and created time of HEAD, with the overrides of ``options``.

    revision: ``<branch>@sha1:<commit>`` as Flux writes revisions; on a detached
    HEAD the branch or tag CI names for that very commit (GitHub Actions,
    GitLab CI), else ``sha1:<commit>``. created: the commit's committer time,
    UTC, so the digest does not depend on when CI runs.
    """
    commit = source_commit(git).sha
    revision = options.revision
    if revision is None:
        algorithm = git.object_format()
        branch = branch_of(git, commit, environ)
        revision = f"{branch}@{algorithm}:{commit}" if branch else f"{algorithm}:{commit}"
    source = options.source
    if source is None:
        try:
            source = public_url(git.remote_url(options.remote))
        except GitError as exc:
            raise GitError(f"{exc}; or name the source (source)") from None
    return SourceInfo(source=source, revision=revision, created=commit_time(git, commit), commit=commit)


# --- the app's own target ------------------------------------------------------------


def resolve_destination(
    targets: tuple[Target, ...], reference: str | None, tags: tuple[str, ...], progress: Progress = silent
) -> tuple[Reference, tuple[str, ...], str]:
    """The repository, tags and folder to push to, checked against the app's own OCI targets.

    When the app declares an OCI target, a different repository, or tags that
    leave out the one Flux follows, are refused: Flux would never see the
    push. Without a reference the target's repository and tag are used.
    Several OCI targets: the one whose repository the reference names; none or
    no reference is refused with the candidates listed.
    Returns (repository, tags, path inside the artifact).
    """
    from cdk8s_flux.pipeline import describe

    given = parse_reference(reference, "reference") if reference is not None else None
    oci = [t for t in targets if isinstance(t, OciTarget)]
    if not oci and any(isinstance(t, GitTarget) for t in targets):
        progress("note: the app's FluxSync follows git, not this artifact")
    if given is not None and len(oci) > 1:
        oci = [t for t in oci if _repository(t) == (given.registry, given.repository)] or oci
    if len(oci) > 1:
        listed = "; ".join(describe(t) for t in oci)
        raise ValidationError(
            "reference", reference, f"the app declares {len(oci)} OCI delivery targets ({listed})",
            "give the reference of the one this job pushes: oci://REGISTRY/REPOSITORY:TAG",
        )
    if not oci:
        if given is None:
            raise ValidationError(
                "reference", None, "no reference given and the app declares no OCI FluxSync target",
                "give oci://REGISTRY/REPOSITORY:TAG, or give the app a FluxSync with an OciTarget",
            )
        chosen = tuple(dict.fromkeys(([given.tag] if given.tag else []) + list(tags)))
        if given.digest:
            raise ValidationError("reference", reference, "push writes tags, not digests", "write oci://REGISTRY/REPOSITORY:TAG")
        if not chosen:
            raise ValidationError("reference", reference, "no tag", f"write {given.url}:TAG or give more tags (tags)")
        return Reference(given.registry, given.repository), chosen, ""
    (target,) = oci
    registry, name = _repository(target)
    repository = Reference(registry, name)
    if given is not None and (given.registry, given.repository) != (registry, name):
        raise ValidationError(
            "reference", reference, f"the app's FluxSync makes Flux pull from {repository.url}",
            f"push to {repository.url}:{target.tag}, or change the app's OciTarget",
        )
    if given is not None and given.digest:
        raise ValidationError("reference", reference, "push writes tags, not digests", f"write {repository.url}:{target.tag}")
    chosen = tuple(dict.fromkeys(([given.tag] if given is not None and given.tag else []) + list(tags)))
    followed = check_followed_tags(target, chosen)
    if not chosen:
        chosen = (followed,) if followed else ()
    if not chosen:
        raise ValidationError("tags", None, "no tag given, and the app's OciTarget names none to default to", "give a tag (tags)")
    return repository, chosen, target.path


def _repository(target: OciTarget) -> tuple[str, str]:
    watched = parse_reference(target.url, "the app's OciTarget url")
    return watched.registry, watched.repository


def check_followed_tags(target: OciTarget, tags: tuple[str, ...]) -> str | None:
    """The tag Flux follows (None for a semver range or a digest); refuse ``tags`` Flux would not see."""
    semver, digest = target.semver, target.digest
    if digest:
        raise ValidationError(
            "REFERENCE", target.url, f"the app's OciTarget pins digest {digest}, so Flux never follows a pushed tag",
            "follow a tag or semver range in the OciTarget, then push",
        )
    if semver:
        # Flux picks the highest tag that parses as a version (Masterminds semver) and lies in the range;
        # whether a version lies in it is left to Flux, but a tag that is no version is never seen.
        versions = [tag for tag in tags if _VERSION_TAG.match(tag)]
        if tags and not versions:
            raise ValidationError(
                "tags", list(tags), f"the app's OciTarget follows the semver range {semver!r}, and none of these tags is a version",
                "push a version tag in that range, such as v1.2.3",
            )
        return None
    if tags and target.tag not in tags:
        raise ValidationError(
            "tags", list(tags), f"the app's FluxSync makes Flux follow tag {target.tag!r}",
            f"add the tag {target.tag!r}, or change the app's OciTarget",
        )
    return target.tag


def target_path(targets: tuple[Target, ...], repository: Reference | None = None) -> str:
    """The folder of the artifact the app's own OCI ``FluxSync`` applies (the one of ``repository``); ``""`` without one."""
    oci = [t for t in targets if isinstance(t, OciTarget)]
    if repository is not None and len(oci) > 1:
        oci = [t for t in oci if _repository(t) == (repository.registry, repository.repository)]
    return oci[0].path if len(oci) == 1 else ""


# --- the whole command -------------------------------------------------------------------


def artifact_files(layout: Mapping[str, str], path: str) -> dict[str, str]:
    """The layout under ``path`` inside the artifact (``""``: its root)."""
    return {posixpath.join(path, rel) if path else rel: text for rel, text in layout.items()}


def push(
    app_dir: Path,
    options: PushOptions,
    policy: CheckPolicy,
    command: str | None = None,
    repo: Path | None = None,
    progress: Progress = silent,
    environ: Mapping[str, str] | None = None,
    verbose: bool = False,
    timeout: float | None = None,
    rendered: Rendered | None = None,
) -> PushResult:
    """Render the cdk8s app in ``app_dir`` and push it: the whole ``cdk8s-flux push``.

    Git and the credentials are read before the app runs, so a misconfigured
    job fails fast; the registry is written only after the app synthesized and
    passed the checks of ``policy``, the same as publish's. ``rendered``: the app already
    rendered with ``deliver=True`` (``bootstrap`` renders once); it is not run again.
    """
    import os

    from cdk8s_flux.app import load_app_config
    from cdk8s_flux.oci.registry import find_credentials
    from cdk8s_flux.pipeline import render

    environ = os.environ if environ is None else environ
    config = rendered.config if rendered is not None else load_app_config(Path(app_dir), command, timeout)
    git = open_repository(Path(repo) if repo else config.directory)
    info = source_info(git, options, environ, progress)
    check_working_tree(git, source_commit(git), options.allow_dirty, progress, "under that commit's revision")
    given = parse_reference(options.reference, "reference") if options.reference else None
    credentials = find_credentials(given.registry, options.creds, environ) if given else None
    if rendered is None:
        rendered = render(config, policy, deliver=True, verbose=verbose, progress=progress)
    repository, tags, path = resolve_destination(rendered.targets, options.reference, options.tags, progress)
    if given is None:
        credentials = find_credentials(repository.registry, options.creds, environ)
    artifact = build_artifact(artifact_files(rendered.layout(), path), flux_annotations(info.source, info.revision, info.created))
    progress(
        f"artifact {artifact.digest[:19]}: {plural(artifact.files, 'file')}, layer {_size(artifact.layer.size)}, revision {info.revision}"
    )
    client = RegistryClient(repository.with_tag(tags[0]), credentials, insecure=options.insecure_registry)
    return push_artifact(client, artifact, tags, dry_run=options.dry_run, progress=progress)
