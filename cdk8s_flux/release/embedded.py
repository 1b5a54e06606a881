"""The Flux release shipped inside the package, so ``FluxInstall`` and the checks need no network.

The data file ``data/flux-<version>.json.gz`` holds the union of the objects of
real ``flux install`` outputs of that release (one per component set), each
object exactly as released, with where it came from and the sha256 of each
source file. ``build`` makes that file from the upstream copies; a test
rebuilds it from the independent copies under ``tests/data/flux/`` and compares
the bytes, which proves the shipped objects are unmodified.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

#: The Flux release the package carries.
EMBEDDED_VERSION = "v2.9.4"
#: The releases the package carries, newest first.
EMBEDDED_VERSIONS = (EMBEDDED_VERSION,)
DATA_FORMAT = 1

Object = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """One upstream ``gotk-components.yaml`` the embedded objects were read from."""

    name: str
    components: tuple[str, ...]
    repository: str
    path: str
    commit: str
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "components": list(self.components),
            "repository": self.repository,
            "path": self.path,
            "commit": self.commit,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Variant:
    """An object as released when ``components`` are installed too (it differs from the base one)."""

    source: str
    components: tuple[str, ...]
    object: Object


@dataclass(frozen=True)
class EmbeddedRelease:
    """The parsed embedded data of one release."""

    version: str
    sources: tuple[Source, ...]
    #: Every object of every source once, in order of first appearance, as the first source has it.
    objects: tuple[Object, ...]
    #: Which source each of ``objects`` came from.
    origins: tuple[str, ...]
    variants: tuple[Variant, ...]
    sha256: str


def _key(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    metadata = obj.get("metadata") or {}
    return (str(obj.get("apiVersion")), str(obj.get("kind")), str(metadata.get("namespace", "")), str(metadata["name"]))


def build(version: str, inputs: Iterable[tuple[Source, bytes, Iterable[Object]]]) -> bytes:
    """The data file for ``version`` from upstream files: ``(source, its bytes, its parsed objects)``.

    The first source is the base; an object a later source has with other
    content is kept as a variant of the components that source adds. The bytes
    are deterministic (gzip without a timestamp), so a rebuild can be compared.
    """
    sources: list[dict[str, Any]] = []
    objects: list[dict[str, Any]] = []
    variants: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str, str], Object] = {}
    base_components: tuple[str, ...] | None = None
    for source, data, parsed in inputs:
        if hashlib.sha256(data).hexdigest() != source.sha256:
            raise ValueError(f"{source.name}: the file's sha256 is not the recorded {source.sha256}")
        sources.append(source.as_dict())
        if base_components is None:
            base_components = source.components
        added = [c for c in source.components if c not in base_components]
        for obj in parsed:
            key = _key(obj)
            if key not in seen:
                seen[key] = obj
                objects.append({"source": source.name, "object": obj})
            elif seen[key] != obj:
                variants.append({"source": source.name, "components": added, "object": obj})
    document = {"format": DATA_FORMAT, "version": version, "sources": sources, "objects": objects, "variants": variants}
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return gzip.compress(raw, compresslevel=9, mtime=0)


def data_file_name(version: str) -> str:
    return f"flux-{version}.json.gz"


def read_data(version: str) -> bytes:
    """The packaged data file of an embedded release."""
    return resources.files("cdk8s_flux.release").joinpath("data").joinpath(data_file_name(version)).read_bytes()


def parse(data: bytes) -> EmbeddedRelease:
    """Read a data file made by ``build``."""
    document = json.loads(gzip.decompress(data))
    if document.get("format") != DATA_FORMAT:
        raise ValueError(f"embedded release data of format {document.get('format')!r}; this package reads {DATA_FORMAT}")
    return EmbeddedRelease(
        version=document["version"],
        sources=tuple(
            Source(s["name"], tuple(s["components"]), s["repository"], s["path"], s["commit"], s["sha256"])
            for s in document["sources"]
        ),
        objects=tuple(entry["object"] for entry in document["objects"]),
        origins=tuple(entry["source"] for entry in document["objects"]),
        variants=tuple(Variant(v["source"], tuple(v["components"]), v["object"]) for v in document["variants"]),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def is_embedded(version: str) -> bool:
    return version in EMBEDDED_VERSIONS


@functools.cache
def load(version: str) -> EmbeddedRelease:
    """The embedded release ``version``, read and parsed once per process.

    Callers must not change the objects: they are shared by every user in the process.
    """
    return parse(read_data(version))


def build_from_sources(sources_file: str) -> bytes:
    """``build`` from a ``sources.json`` that lists upstream copies beside it, with their provenance."""
    from pathlib import Path

    from cdk8s_flux.manifests import load_documents

    folder = Path(sources_file).parent
    listing = json.loads(Path(sources_file).read_text())
    inputs = []
    for entry in listing["sources"]:
        data = (folder / entry["file"]).read_bytes()
        source = Source(
            entry["name"], tuple(entry["components"]), entry["repository"], entry["path"], entry["commit"], entry["sha256"]
        )
        inputs.append((source, data, load_documents(data.decode(), entry["file"])))
    return build(listing["version"], inputs)


def main(argv: list[str] | None = None) -> int:
    """``python -m cdk8s_flux.release.embedded SOURCES_JSON OUTPUT``: write a data file (for maintainers)."""
    import sys
    from pathlib import Path

    from cdk8s_flux import atomic

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m cdk8s_flux.release.embedded SOURCES_JSON OUTPUT", file=sys.stderr)
        return 2
    atomic.write_file(Path(args[1]), build_from_sources(args[0]))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
