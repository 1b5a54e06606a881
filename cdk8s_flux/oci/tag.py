"""Point more tags at an artifact already in a registry (``cdk8s-flux tag``), as ``flux tag artifact`` does.

The manifest bytes the source tag or digest names are read once and PUT, as
they are, under each new tag of the same repository: the digest stays the
same, no layer or config blob is pulled or uploaded, and a tested artifact is
promoted exactly as it was tested. A tag that already points at the digest is
left alone; when all do, nothing is written ("up to date").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdk8s_flux.errors import RegistryError, ValidationError
from cdk8s_flux.oci.artifact import MANIFEST_MEDIA_TYPE, sha256_digest
from cdk8s_flux.oci.reference import Reference, check_tag, parse_reference
from cdk8s_flux.oci.registry import RegistryClient, find_credentials
from cdk8s_flux.progress import Progress, plural, silent


@dataclass(frozen=True)
class TagOptions:
    """What ``tag`` points where; the defaults are the CLI's."""

    #: ``oci://host[:port]/repository:tag`` or ``...@sha256:...``: the artifact to tag.
    reference: str
    #: The tags to point at its digest, in the same repository.
    tags: tuple[str, ...]
    #: Report what would be tagged; write nothing to the registry.
    dry_run: bool = False
    #: Talk plain HTTP to the registry (``--insecure-registry``, as the flux CLI names it).
    insecure_registry: bool = False
    #: ``USER:PASSWORD`` (``--creds``); None: the environment, then the docker config.
    creds: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        source = parse_reference(self.reference, "reference")
        if not source.tag and not source.digest:
            raise ValidationError(
                "reference", self.reference, "names no artifact to tag",
                f"write {source.url}:TAG or {source.url}@sha256:DIGEST",
            )
        if not self.tags:
            raise ValidationError("tags", (), "no tag to point at the artifact", "give at least one tag, such as production or v1.2.3")
        for tag in self.tags:
            check_tag("tags", tag)

    @property
    def source(self) -> Reference:
        return parse_reference(self.reference, "reference")


@dataclass(frozen=True)
class TagResult:
    """What a tag run did: ``status`` is "tagged", "up to date" or "dry run"."""

    status: str
    repository: Reference
    digest: str
    tags: tuple[str, ...]
    #: Tags written (or, in a dry run, that would be).
    tagged: tuple[str, ...] = ()

    def urls(self) -> tuple[str, ...]:
        """``oci://host/repository:TAG@sha256:...`` for every tag: what each now names."""
        return tuple(f"{self.repository.url}:{tag}@{self.digest}" for tag in self.tags)

    def as_json(self) -> dict[str, Any]:
        """What ``--format json`` prints."""
        return {"repository": self.repository.name, "digest": self.digest, "tags": list(self.tags), "tagged": list(self.tagged)}


def _named(reference: Reference) -> str:
    """The tag or digest the reference reads the manifest by; a digest wins, as registries resolve ``tag@digest``."""
    return reference.digest or reference.tag or ""


def tag_artifact(client: RegistryClient, tags: tuple[str, ...], dry_run: bool = False, progress: Progress = silent) -> TagResult:
    """Point ``tags`` at the manifest ``client.reference`` names, in its repository; write only the tags that differ."""
    source = client.reference
    repository = Reference(source.registry, source.repository)
    tags = tuple(dict.fromkeys(check_tag("tags", tag) for tag in tags))
    named = _named(source)
    data, media_type = client.get_manifest(named)
    digest = sha256_digest(data)
    if source.digest and digest != source.digest:
        raise RegistryError(
            f"registry {source.registry} sent a manifest for {source} whose digest is {digest}. "
            "Fix: check the registry; nothing was tagged"
        )
    progress(f"{source} is {digest}")
    stale = tuple(tag for tag in tags if client.manifest_digest(tag) != digest)
    for tag in tags:
        if tag not in stale:
            progress(f"up to date: {repository.url}:{tag} already is {digest[:19]}")
    if not stale:
        return TagResult("up to date", repository, digest, tags)
    for tag in stale:
        if dry_run:
            progress(f"would tag {repository.url}:{tag}")
        else:
            client.put_manifest(tag, data, media_type or MANIFEST_MEDIA_TYPE)
            progress(f"tagged {repository.url}:{tag}")
    if not dry_run:
        progress(f"pointed {plural(len(stale), 'tag')} at {repository.url}@{digest}")
    return TagResult("dry run" if dry_run else "tagged", repository, digest, tags, tagged=stale)


def tag(options: TagOptions, progress: Progress = silent, environ: Mapping[str, str] | None = None) -> TagResult:
    """The whole ``cdk8s-flux tag``: find the credentials, then tag."""
    source = options.source
    credentials = find_credentials(source.registry, options.creds, environ)
    client = RegistryClient(source, credentials, insecure=options.insecure_registry)
    return tag_artifact(client, options.tags, dry_run=options.dry_run, progress=progress)
