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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cdk8s_flux.errors import GitError, ValidationError
from cdk8s_flux.oci.artifact import Artifact, build_artifact, flux_annotations
from cdk8s_flux.oci.reference import Reference, check_tag, parse_reference
from cdk8s_flux.oci.registry import RegistryClient

# A tag Masterminds semver (as Flux uses it) reads as a version: v1, 1.2, 1.2.3-rc.1 ...
_VERSION_TAG = re.compile(r"^v?[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")
#: CI variables naming the branch or tag of a detached HEAD, with the variable holding its commit.
CI_REF_VARIABLES = (("GITHUB_REF_NAME", "GITHUB_SHA"), ("CI_COMMIT_REF_NAME", "CI_COMMIT_SHA"))


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
    #: Push Secrets that carry data in clear.
    allow_secrets: bool = False
    #: Push from a working tree with uncommitted changes.
    allow_dirty: bool = False
    #: Check the objects against the Kubernetes API and the CRDs.
    validate: bool = True
    #: Kubernetes version to validate against (None: the newest known).
    kubernetes_version: str | None = None

    def __post_init__(self) -> None:
        if self.reference is not None:
            parse_reference(self.reference, "REFERENCE")
        for tag in self.tags:
            check_tag("--tag", tag)


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
        """What ``--output json`` prints."""
        return {
            "status": self.status,
            "repository": self.repository.name,
            "tags": list(self.tags),
            "digest": self.digest,
            "url": self.url,
            "revision": self.artifact.annotations.get("org.opencontainers.image.revision", ""),
        }


def _silent(message: str) -> None:
    pass


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.1f} KB" if count < 1024 * 1024 else f"{count / 1048576:.1f} MB"


def push_artifact(
    client: RegistryClient, artifact: Artifact, tags: tuple[str, ...], dry_run: bool = False, progress: Callable[[str], None] = _silent
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


def _branch(git: Any, commit: str, environ: Mapping[str, str]) -> str | None:
    result = git.run_raw("symbolic-ref", "--quiet", "--short", "HEAD")
    if result.returncode == 0 and result.stdout.strip():
        return result.stdout.decode().strip()
    for name_variable, sha_variable in CI_REF_VARIABLES:
        if environ.get(name_variable) and environ.get(sha_variable) == commit:
            return environ[name_variable]
    return None


def source_info(git: Any, options: PushOptions, environ: Mapping[str, str], progress: Callable[[str], None] = _silent) -> SourceInfo:
    """The source URL, revision and created time of HEAD, with the overrides of ``options``.

    revision: ``<branch>@sha1:<commit>`` as Flux writes revisions; on a detached
    HEAD the branch or tag CI names for that very commit (GitHub Actions,
    GitLab CI), else ``sha1:<commit>``. created: the commit's committer time,
    UTC, so the digest does not depend on when CI runs.
    """
    from cdk8s_flux.publish.publisher import source_commit

    commit = source_commit(git).sha
    timestamp = int(git.run("log", "-1", "--format=%ct", commit).strip())
    created = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    revision = options.revision
    if revision is None:
        algorithm = git.object_format()
        branch = _branch(git, commit, environ)
        revision = f"{branch}@{algorithm}:{commit}" if branch else f"{algorithm}:{commit}"
    source = options.source
    if source is None:
        try:
            source = public_url(git.remote_url(options.remote))
        except GitError as exc:
            raise GitError(f"{exc}; or name the source with --source URL") from None
    return SourceInfo(source=source, revision=revision, created=created, commit=commit)


# --- the app's own target ------------------------------------------------------------


def resolve_destination(
    objects: list[dict[str, Any]], reference: str | None, tags: tuple[str, ...], progress: Callable[[str], None] = _silent
) -> tuple[Reference, tuple[str, ...], str]:
    """The repository, tags and folder to push to, checked against the app's own ``FluxSync``.

    When the app declares an OCI target, a different repository, or tags that
    leave out the one Flux follows, are refused: Flux would never see the
    push. Without a reference the target's repository and tag are used.
    Returns (repository, tags, path inside the artifact).
    """
    from cdk8s_flux.target import GitTarget, OciTarget, sync_target

    try:
        target = sync_target(objects)
    except ValidationError:
        target = None
    given = parse_reference(reference, "REFERENCE") if reference is not None else None
    if isinstance(target, GitTarget):
        progress(f"note: the app's FluxSync follows git ({target.url}), not this artifact")
        target = None
    if target is None:
        if given is None:
            raise ValidationError(
                "REFERENCE", None, "no reference given and the app declares no OCI FluxSync target",
                "pass oci://REGISTRY/REPOSITORY:TAG, or give the app a FluxSync with an OciTarget",
            )
        chosen = tuple(dict.fromkeys(([given.tag] if given.tag else []) + list(tags)))
        if given.digest:
            raise ValidationError("REFERENCE", reference, "push writes tags, not digests", "write oci://REGISTRY/REPOSITORY:TAG")
        if not chosen:
            raise ValidationError("REFERENCE", reference, "no tag", f"write {given.url}:TAG or pass --tag TAG")
        return Reference(given.registry, given.repository), chosen, ""
    assert isinstance(target, OciTarget)
    watched = parse_reference(target.url, "the app's OciTarget url")
    repository = Reference(watched.registry, watched.repository)
    if given is not None and (given.registry, given.repository) != (watched.registry, watched.repository):
        raise ValidationError(
            "REFERENCE", reference, f"the app's FluxSync makes Flux pull from {repository.url}",
            f"push to {repository.url}:{target.tag}, or change the app's OciTarget",
        )
    if given is not None and given.digest:
        raise ValidationError("REFERENCE", reference, "push writes tags, not digests", f"write {repository.url}:{target.tag}")
    chosen = tuple(dict.fromkeys(([given.tag] if given is not None and given.tag else []) + list(tags)))
    followed = check_followed_tags(target, chosen)
    if not chosen:
        chosen = (followed,) if followed else ()
    if not chosen:
        raise ValidationError("--tag", None, "no tag given, and the app's OciTarget names none to default to", "pass --tag TAG")
    return repository, chosen, target.path


def check_followed_tags(target: Any, tags: tuple[str, ...]) -> str | None:
    """The tag Flux follows (None for a semver range or a digest); refuse ``tags`` Flux would not see."""
    semver = getattr(target, "semver", None)
    digest = getattr(target, "digest", None)
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
                "--tag", list(tags), f"the app's OciTarget follows the semver range {semver!r}, and none of these tags is a version",
                "push a version tag in that range, such as v1.2.3",
            )
        return None
    if tags and target.tag not in tags:
        raise ValidationError(
            "--tag", list(tags), f"the app's FluxSync makes Flux follow tag {target.tag!r}",
            f"add --tag {target.tag}, or change the app's OciTarget",
        )
    return target.tag


def target_path(objects: list[dict[str, Any]]) -> str:
    """The folder of the artifact the app's own OCI ``FluxSync`` applies; ``""`` (the root) without one."""
    from cdk8s_flux.target import OciTarget, sync_target

    try:
        target = sync_target(objects)
    except ValidationError:
        return ""
    return target.path if isinstance(target, OciTarget) else ""


# --- the whole command -------------------------------------------------------------------


def artifact_files(layout: Mapping[str, str], path: str) -> dict[str, str]:
    """The layout under ``path`` inside the artifact (``""``: its root)."""
    return {posixpath.join(path, rel) if path else rel: text for rel, text in layout.items()}


def push(
    app_dir: Path,
    options: PushOptions,
    command: str | None = None,
    repo: Path | None = None,
    progress: Callable[[str], None] = _silent,
    environ: Mapping[str, str] | None = None,
) -> PushResult:
    """Render the cdk8s app in ``app_dir`` and push it: the whole ``cdk8s-flux push``.

    Git and the credentials are read before the app runs, so a misconfigured
    job fails fast; the registry is written only after the app synthesized and
    its output passed the checks publish makes.
    """
    import os

    from cdk8s_flux.app import load_app_config, synthesize
    from cdk8s_flux.layout import build_layout
    from cdk8s_flux.oci.registry import find_credentials
    from cdk8s_flux.publish.git import Git
    from cdk8s_flux.publish.publisher import PublishOptions, check_layout, check_working_tree

    environ = os.environ if environ is None else environ
    config = load_app_config(Path(app_dir), command)
    start = Path(repo) if repo else config.directory
    try:
        git = Git.discover(start)
    except GitError:
        raise GitError(
            f"{str(start)!r} is not inside a git repository, and the artifact names its source commit. "
            "Fix: run push from a clone of the app's repository, or point --repo at one"
        ) from None
    info = source_info(git, options, environ, progress)
    check_working_tree(git, info.commit, options.allow_dirty, progress, "under that commit's revision")
    given = parse_reference(options.reference, "REFERENCE") if options.reference else None
    credentials = find_credentials(given.registry, options.creds, environ) if given else None
    progress(f"synthesizing {config.command!r} in {config.directory}")
    files = synthesize(config)
    repository, tags, path = resolve_destination([o for f in files for o in f.objects], options.reference, options.tags, progress)
    if given is None:
        credentials = find_credentials(repository.registry, options.creds, environ)
    layout = build_layout(files)
    check_layout(
        layout,
        PublishOptions(allow_secrets=options.allow_secrets, validate=options.validate, kubernetes_version=options.kubernetes_version),
    )
    artifact = build_artifact(artifact_files(layout, path), flux_annotations(info.source, info.revision, info.created))
    progress(
        f"artifact {artifact.digest[:19]}: {artifact.files} files, layer {_size(artifact.layer.size)}, revision {info.revision}"
    )
    client = RegistryClient(repository.with_tag(tags[0]), credentials, insecure=options.insecure_registry)
    return push_artifact(client, artifact, tags, dry_run=options.dry_run, progress=progress)
