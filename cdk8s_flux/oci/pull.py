"""Fetch a Flux OCI artifact and see exactly what Flux will get (``cdk8s-flux pull``).

The manifest is checked as source-controller reads it: an image manifest
whose first layer is a gzipped tar. The layer's size and digest are checked
against the manifest, and its entries are read with source-controller's rules
(fluxcd/pkg ``tar.Untar``): a name that is empty, absolute, holds ``\\`` or
``..`` makes the whole artifact unusable, symlinks are skipped, other special
files are refused. The files can then be written to a folder (atomically) or
compared with what the app renders now.
"""

from __future__ import annotations

import io
import json
import posixpath
import tarfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdk8s_flux import changes as diff
from cdk8s_flux.errors import ArtifactError
from cdk8s_flux.oci.artifact import (
    CONFIG_MEDIA_TYPE,
    CONTENT_MEDIA_TYPE,
    DOCKER_MANIFEST_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    sha256_digest,
)
from cdk8s_flux.oci.reference import Reference
from cdk8s_flux.oci.registry import RegistryClient
from cdk8s_flux.progress import Progress, plural, silent

_INDEX_MEDIA_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")


@dataclass(frozen=True)
class PulledArtifact:
    """An artifact as Flux would extract it."""

    reference: Reference
    digest: str
    annotations: Mapping[str, str]
    layer_media_type: str
    files: Mapping[str, bytes] = field(repr=False)
    #: Entries Flux skips (symlinks), with what they are.
    skipped: tuple[str, ...] = ()
    #: Departures from what ``flux push artifact`` writes that Flux still accepts.
    warnings: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"{self.reference.url}@{self.digest}"

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "digest": self.digest,
            "annotations": dict(self.annotations),
            "files": sorted(self.files),
        }


def _unsafe(name: str) -> bool:
    """What fluxcd/pkg ``tar.Untar`` refuses (``validRelPath``), plus any '..' part."""
    return name == "" or "\\" in name or name.startswith("/") or ".." in name.split("/")


def unpack(layer: bytes, where: str = "the layer") -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The regular files of a gzipped tar (path to content) and the entries skipped, as source-controller extracts it."""
    if layer[:2] != b"\x1f\x8b":
        raise ArtifactError(f"{where} is not gzip-compressed; source-controller extracts only gzipped tar layers")
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(layer), mode="r:gz") as archive:
            for member in archive:
                if _unsafe(member.name):
                    raise ArtifactError(
                        f"{where} holds the unsafe path {member.name!r} (absolute, '..' or '\\'); source-controller refuses the artifact"
                    )
                name = posixpath.normpath(member.name)
                if member.isdir() or name == ".":
                    continue
                if member.issym():
                    skipped.append(f"{name} (symlink to {member.linkname})")
                elif member.isreg():
                    handle = archive.extractfile(member)
                    files[name] = handle.read() if handle is not None else b""
                else:
                    kind = "hard link" if member.islnk() else "special file"
                    raise ArtifactError(f"{where} holds {name!r}, a {kind}; Flux extracts only files and folders")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise ArtifactError(f"{where} is not a readable gzipped tar ({exc})") from None
    return files, tuple(skipped)


def fetch(client: RegistryClient, ref: str) -> PulledArtifact:
    """The artifact ``ref`` (a tag or ``sha256:`` digest) names in ``client``'s repository, checked and unpacked."""
    repository = Reference(client.reference.registry, client.reference.repository)
    data, media_type = client.get_manifest(ref)
    digest = sha256_digest(data)
    if ref.startswith("sha256:") and digest != ref:
        raise ArtifactError(f"the registry sent a manifest whose digest is {digest}, not the {ref} asked for")
    try:
        manifest = json.loads(data)
    except ValueError:
        raise ArtifactError(f"{repository.url}@{digest} is not a JSON manifest") from None
    declared = manifest.get("mediaType") or media_type
    if declared in _INDEX_MEDIA_TYPES:
        raise ArtifactError(f"{repository.url}@{digest} is an image index (a multi-platform image), not a Flux artifact")
    if declared not in (MANIFEST_MEDIA_TYPE, DOCKER_MANIFEST_MEDIA_TYPE):
        raise ArtifactError(f"{repository.url}@{digest} has media type {declared!r}, not an image manifest")
    warnings = []
    config_type = (manifest.get("config") or {}).get("mediaType")
    if config_type != CONFIG_MEDIA_TYPE:
        warnings.append(f"config media type is {config_type!r}, not {CONFIG_MEDIA_TYPE} (source-controller does not check it)")
    layers = manifest.get("layers") or []
    if not layers:
        raise ArtifactError(f"{repository.url}@{digest} has no layers; Flux needs one holding the manifests")
    layer = layers[0]
    if layer.get("mediaType") != CONTENT_MEDIA_TYPE:
        warnings.append(f"first layer media type is {layer.get('mediaType')!r}, not {CONTENT_MEDIA_TYPE} (source-controller takes the first layer)")
    if len(layers) > 1:
        warnings.append(f"{len(layers)} layers; source-controller uses the first unless spec.layerSelector picks another")
    blob = client.get_blob(layer["digest"])
    if sha256_digest(blob) != layer["digest"] or len(blob) != layer.get("size"):
        raise ArtifactError(
            f"the layer the registry sent ({len(blob)} bytes, {sha256_digest(blob)}) is not the one the manifest names "
            f"({layer.get('size')} bytes, {layer['digest']})"
        )
    files, skipped = unpack(blob, f"the layer of {repository.url}@{digest}")
    return PulledArtifact(
        reference=repository,
        digest=digest,
        annotations=manifest.get("annotations") or {},
        layer_media_type=layer.get("mediaType", ""),
        files=files,
        skipped=skipped,
        warnings=tuple(warnings),
    )


def compare(pulled: Mapping[str, bytes], rendered: Mapping[str, str | bytes]) -> diff.Changes:
    """What differs between the artifact's files and a local render: files, then objects.

    "added" is in the render and not in the artifact, "removed" the other way round.
    """
    local = {p: t.encode() if isinstance(t, str) else t for p, t in rendered.items()}
    files = diff.file_changes({p: sha256_digest(d) for p, d in pulled.items()}, {p: sha256_digest(d) for p, d in local.items()})
    if not files:
        return diff.Changes(files=())
    return diff.Changes(files=files, objects=diff.object_changes(dict(pulled), dict(local)))


def pull(
    reference: Reference, client: RegistryClient, progress: Progress = silent
) -> PulledArtifact:
    """Fetch ``reference`` (by digest when it has one, else by tag) and report what Flux would see."""
    ref = reference.digest or reference.tag or "latest"
    pulled = fetch(client, ref)
    progress(f"pulled {pulled.url}: {plural(len(pulled.files), 'file')}")
    for warning in pulled.warnings:
        progress(f"note: {warning}")
    for entry in pulled.skipped:
        progress(f"note: skipped {entry}, as source-controller does")
    return pulled
