"""Fetch a Flux OCI artifact and see exactly what Flux will get (``cdk8s-flux pull``).

The manifest is checked as source-controller reads it: an image manifest
whose first layer is a gzipped tar. The layer's size and digest are checked
against the manifest, and its entries are read with source-controller's rules
(fluxcd/pkg ``tar.Untar``): a name that is empty, absolute, holds ``\\`` or
``..`` makes the whole artifact unusable, symlinks are skipped, other special
files are refused. Since the files may be written to a folder here, the
artifact is also refused, whole, when a name is one no disk or git checkout
should get (``validation.path_problem``: a ``.git`` part in any spelling,
whose ``config`` git would run hooks and ``core.fsmonitor`` from, a name over
255 bytes) or a path is both a file and a folder. The tar is inflated as a
stream and refused past a size cap. The files can then be written to a folder
(atomically) or compared with what the app renders now.
"""

from __future__ import annotations

import gzip
import io
import json
import posixpath
import tarfile
import zlib
from collections.abc import Callable, Mapping
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
from cdk8s_flux.validation import integer, path_problem, tree_problem

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


# fluxcd/pkg tar/tar.go: DefaultMaxUntarSize = 100 << (10 * 2), the bytes Untar extracts unless told
# otherwise, counted as the sum of the entries' declared sizes. (source-controller's OCIRepository
# reconciler itself calls Untar with WithMaxUntarSize(-1), so a bigger artifact may still reach Flux:
# max_size raises the cap here.)
DEFAULT_MAX_SIZE = 100 << 20
# Headers and padding of the tar, beyond the files' sizes, allowed while inflating.
_TAR_OVERHEAD = 1 << 20


def _unsafe(name: str) -> bool:
    """What fluxcd/pkg ``tar.Untar`` refuses (``validRelPath``), plus any '..' part."""
    return name == "" or "\\" in name or name.startswith("/") or ".." in name.split("/")


class _Inflating(io.RawIOBase):
    """The tar of a gzipped layer as it inflates, refused once it grows past ``limit`` bytes.

    tarfile reads long-name and PAX headers whole; counting here bounds them too.
    """

    def __init__(self, layer: bytes, limit: int, refuse: Callable[[], ArtifactError]) -> None:
        super().__init__()
        self._gzip = gzip.GzipFile(fileobj=io.BytesIO(layer), mode="rb")
        self._limit = limit
        self._refuse = refuse
        self._inflated = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._gzip.read(size if 0 <= size <= 1 << 20 else 1 << 20)
        self._inflated += len(data)
        if self._inflated > self._limit:
            raise self._refuse()
        return data


def _entry_problem(name: str) -> str | None:
    if _unsafe(name):
        return f"the unsafe path {name!r} (absolute, '..' or '\\'); source-controller refuses the artifact"
    problem = path_problem(posixpath.normpath(name))
    if problem is not None:
        return f"the path {name!r}, which no disk or git checkout should get: {problem}"
    return None


def unpack(
    layer: bytes, where: str = "the layer", max_size: int = DEFAULT_MAX_SIZE
) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The regular files of a gzipped tar (path to content) and the entries skipped, as source-controller extracts it.

    The entries' sizes may add up to ``max_size`` bytes, as fluxcd/pkg ``tar.Untar``
    counts them; the tar is inflated as a stream, never past that plus its headers.
    """
    integer("max_size", max_size, minimum=1)
    if layer[:2] != b"\x1f\x8b":
        raise ArtifactError(f"{where} is not gzip-compressed; source-controller extracts only gzipped tar layers")

    def too_big() -> ArtifactError:
        return ArtifactError(
            f"{where} holds more than {max_size} bytes of files, the cap of fluxcd/pkg's untar "
            f"(DefaultMaxUntarSize, {DEFAULT_MAX_SIZE} bytes). Fix: if the artifact is meant to be that big, "
            "raise the cap (max_size)"
        )

    files: dict[str, bytes] = {}
    folders: set[str] = set()
    skipped: list[str] = []
    counted = 0
    stream = _Inflating(layer, 2 * max_size + _TAR_OVERHEAD, too_big)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                counted += member.size
                if counted > max_size:
                    raise too_big()
                name = posixpath.normpath(member.name)
                if name == "." and member.isdir():
                    continue
                problem = _entry_problem(member.name)
                if problem is not None:
                    raise ArtifactError(f"{where} holds {problem}. Fix: push the artifact without that path")
                if member.isdir():
                    folders.add(name)
                elif member.issym():
                    skipped.append(f"{name} (symlink to {member.linkname})")
                elif member.isreg():
                    handle = archive.extractfile(member)
                    files[name] = handle.read() if handle is not None else b""
                else:
                    kind = "hard link" if member.islnk() else "special file"
                    raise ArtifactError(f"{where} holds {name!r}, a {kind}; Flux extracts only files and folders")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise ArtifactError(f"{where} is not a readable gzipped tar ({exc})") from None
    both = sorted(folders & files.keys())
    problem = f"{both[0]!r} is a file and a folder" if both else tree_problem(files)
    if problem is not None:
        raise ArtifactError(f"{where} cannot be extracted: {problem}; no disk can hold both. Fix: rename one of them")
    return files, tuple(skipped)


def fetch(client: RegistryClient, ref: str, max_size: int = DEFAULT_MAX_SIZE) -> PulledArtifact:
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
    files, skipped = unpack(blob, f"the layer of {repository.url}@{digest}", max_size)
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
    reference: Reference, client: RegistryClient, progress: Progress = silent, max_size: int = DEFAULT_MAX_SIZE
) -> PulledArtifact:
    """Fetch ``reference`` (by digest when it has one, else by tag) and report what Flux would see.

    ``max_size`` caps the bytes of the files the layer may inflate to.
    """
    ref = reference.digest or reference.tag or "latest"
    pulled = fetch(client, ref, max_size)
    progress(f"pulled {pulled.url}: {plural(len(pulled.files), 'file')}")
    for warning in pulled.warnings:
        progress(f"note: {warning}")
    for entry in pulled.skipped:
        progress(f"note: skipped {entry}, as source-controller does")
    return pulled
