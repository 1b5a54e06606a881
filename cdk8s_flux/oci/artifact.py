"""The Flux OCI artifact of a set of files: tar, gzip, config and manifest, byte for byte.

``flux push artifact`` (fluxcd/flux2 ``cmd/flux/push_artifact.go``, fluxcd/pkg
``oci``) pushes one OCI image manifest with a config of media type
``application/vnd.cncf.flux.config.v1+json`` and one layer of media type
``application/vnd.cncf.flux.content.v1.tar+gzip``: the files as a gzipped tar.
Everything here is pure and deterministic, so the same files and annotations
always give the same layer and manifest digests:

- tar: the entries in the order Go's ``filepath.Walk`` visits them (the root
  ``.`` first, then depth first, names sorted bytewise in each folder), folders
  as entries without a trailing ``/``, USTAR headers as Go's ``archive/tar``
  writes them (PAX only for names USTAR cannot hold), uid/gid 0, no user or
  group names, mtime 0, and two zero blocks at the end. Modes are fixed to
  0644 for files and 0755 for folders (flux copies them from the disk; git
  keeps nothing of them but the executable bit, which manifests never have);
- gzip: level 6, a header without file name and with mtime 0 (as Go's
  ``compress/gzip`` writes it); the deflate stream is zlib's, so the layer
  digest is stable across our runs but differs from Go's for the same tar;
- config: go-containerregistry's image config that ``mutate.Append`` makes,
  holding the diff_id (the sha256 of the uncompressed tar);
- manifest: Go's ``encoding/json`` output of go-containerregistry's
  ``v1.Manifest`` (field order, no spaces, sorted annotation keys, HTML-safe
  escapes), with the three ``org.opencontainers.image`` annotations.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cdk8s_flux.errors import ValidationError

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
#: Docker's schema 2 manifest: older ``flux push artifact`` (before fluxcd/pkg #460) pushed these.
DOCKER_MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.cncf.flux.config.v1+json"
CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip"

ANNOTATION_CREATED = "org.opencontainers.image.created"
ANNOTATION_REVISION = "org.opencontainers.image.revision"
ANNOTATION_SOURCE = "org.opencontainers.image.source"

FILE_MODE = 0o644
DIR_MODE = 0o755
BLOCK = 512
#: gzip level of Go's ``gzip.NewWriter`` (``DefaultCompression``).
GZIP_LEVEL = 6

_NAME_SIZE = 100
_PREFIX_SIZE = 155
# Go's gzip header: magic, deflate, no flags, mtime 0, no extra flags, OS "unknown".
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>``, the OCI digest of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- Go's encoding/json ---------------------------------------------------------

_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_string(value: str) -> str:
    out = []
    for char in value:
        escaped = _GO_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char < " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def go_json(value: Any) -> bytes:
    """``value`` as Go's ``json.Marshal`` writes it: compact, HTML-safe escapes, UTF-8 kept.

    Dicts keep their order (Go writes struct fields in declaration order); pass
    maps pre-sorted, as Go sorts map keys.
    """

    def encode(item: Any) -> str:
        if isinstance(item, str):
            return _go_string(item)
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int):
            return str(item)
        if item is None:
            return "null"
        if isinstance(item, Mapping):
            return "{" + ",".join(f"{_go_string(k)}:{encode(v)}" for k, v in item.items()) + "}"
        if isinstance(item, (list, tuple)):
            return "[" + ",".join(encode(v) for v in item) + "]"
        raise TypeError(f"cannot encode {type(item).__name__} as JSON")

    return encode(value).encode()


# --- tar --------------------------------------------------------------------------


def _check_path(path: str) -> tuple[str, ...]:
    parts = tuple(path.split("/")) if isinstance(path, str) else ()
    if (
        not parts
        or path.startswith("/")
        or "\\" in path
        or "\0" in path
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValidationError(
            "files", path, "not a clean relative path", "use '/'-separated names without '.', '..', empty parts or a leading '/'"
        )
    return parts


def walk_order(paths: list[str]) -> list[tuple[str, bool]]:
    """Every entry of the tar for files at ``paths``: (name, is_folder), in ``filepath.Walk`` order.

    The root is ``.``; each folder's children follow it, sorted by their UTF-8 bytes.
    """
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        parts = _check_path(path)
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValidationError("files", path, f"{part!r} is both a file and a folder", "rename one of them")
            node = child
        if parts[-1] in node:
            raise ValidationError("files", path, "is both a file and a folder", "rename one of them")
        node[parts[-1]] = None
    entries: list[tuple[str, bool]] = [(".", True)]

    def visit(node: dict[str, Any], prefix: str) -> None:
        for name in sorted(node, key=lambda n: n.encode()):
            full = prefix + name
            if node[name] is None:
                entries.append((full, False))
            else:
                entries.append((full, True))
                visit(node[name], full + "/")

    visit(tree, "")
    return entries


def _octal(value: int, size: int) -> bytes:
    """Go's ``formatOctal``: zero-padded octal that leaves room for one NUL."""
    digits = format(value, "o")
    if len(digits) >= size:
        raise ValidationError("files", value, "too large for a tar header field", "split the content")
    return _field(digits.rjust(size - 1, "0").encode(), size)


def _field(data: bytes, size: int) -> bytes:
    """Go's ``formatString``: copy, truncate, NUL-terminate when shorter."""
    return data[:size].ljust(size, b"\0")


def _to_ascii(name: str) -> str:
    return "".join(c for c in name if c < "\x80" and c != "\0")


def _split_ustar(name: str) -> tuple[str, str] | None:
    """Go's ``splitUSTARPath``: the longest prefix (at most 155) that leaves a name of at most 100."""
    length = len(name)
    if length <= _NAME_SIZE or not name.isascii():
        return None
    if length > _PREFIX_SIZE + 1:
        length = _PREFIX_SIZE + 1
    elif name[length - 1] == "/":
        length -= 1
    cut = name[:length].rfind("/")
    suffix = len(name) - cut - 1
    if cut <= 0 or suffix > _NAME_SIZE or suffix == 0 or cut > _PREFIX_SIZE:
        return None
    return name[:cut], name[cut + 1:]


def _name_field(name: str) -> bytes:
    """Go's ``formatString`` of a name: truncated to 100 bytes, a cut trailing '/' replaced by NUL."""
    raw = name.encode()
    data = bytearray(_field(raw, _NAME_SIZE))
    if len(raw) > _NAME_SIZE and data[-1] == ord("/"):
        data[len(raw[: _NAME_SIZE - 1].rstrip(b"/"))] = 0
    return bytes(data)


def _header(name: str, mode: int, size: int, typeflag: bytes, prefix: str = "", ustar_fields: bool = True) -> bytes:
    """One 512-byte header, with the checksum Go writes (six octal digits, NUL, space)."""
    block = b"".join(
        [
            _name_field(name),
            _octal(mode, 8),
            _octal(0, 8),  # uid
            _octal(0, 8),  # gid
            _octal(size, 12),
            _octal(0, 12),  # mtime: Go writes Unix 0 for the zero time
            b" " * 8,  # checksum, computed below
            typeflag,
            b"\0" * 100,  # link name
            b"ustar\x0000",
            b"\0" * 32,  # user name
            b"\0" * 32,  # group name
            _octal(0, 8) if ustar_fields else b"\0" * 8,  # devmajor
            _octal(0, 8) if ustar_fields else b"\0" * 8,  # devminor
            _field(prefix.encode(), _PREFIX_SIZE),
            b"\0" * 12,
        ]
    )
    checksum = _field(format(sum(block), "o").rjust(6, "0").encode(), 7) + b" "
    return block[:148] + checksum + block[156:]


def _pax_record(key: str, value: str) -> bytes:
    """Go's ``formatPAXRecord``: ``<length> key=value\\n``, the length counting itself."""
    body = f" {key}={value}\n".encode()
    size = len(body) + len(str(len(body)))
    if len(str(size)) + len(body) != size:
        size = len(str(size)) + len(body)
    return str(size).encode() + body


def _pad(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def _entry_header(name: str, mode: int, size: int, typeflag: bytes) -> bytes:
    """The header(s) of one entry: USTAR when the name fits (split if needed), else PAX, as Go chooses."""
    if name.isascii() and len(name) <= _NAME_SIZE:
        return _header(name, mode, size, typeflag)
    split = _split_ustar(name)
    if split is not None:
        return _header(split[1], mode, size, typeflag, prefix=split[0])
    record = _pax_record("path", name)
    folder, _, base = name.rpartition("/")
    pax_name = _to_ascii(f"{folder}/PaxHeaders.0/{base}" if folder else f"PaxHeaders.0/{base}")
    pax_name = pax_name[:_NAME_SIZE].rstrip("/")
    extended = _header(pax_name, 0, len(record), b"x", ustar_fields=False) + record + _pad(len(record))
    return extended + _header(_to_ascii(name), mode, size, typeflag)


def build_tar(files: Mapping[str, bytes]) -> bytes:
    """The uncompressed tar of ``files`` (relative path to content), as described in the module."""
    out = bytearray()
    for name, is_dir in walk_order(list(files)):
        if is_dir:
            out += _entry_header(name, DIR_MODE, 0, b"5")
        else:
            data = files[name]
            out += _entry_header(name, FILE_MODE, len(data), b"0")
            out += data
            out += _pad(len(data))
    out += b"\0" * (2 * BLOCK)
    return bytes(out)


def gzip_bytes(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    """``data`` as one gzip member with Go's header: no name, mtime 0, OS unknown."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY)
    body = compressor.compress(data) + compressor.flush()
    return _GZIP_HEADER + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)


# --- config, manifest -------------------------------------------------------------


def config_json(diff_id: str) -> bytes:
    """go-containerregistry's ``v1.ConfigFile`` after ``mutate.Append(empty.Image, layer)``.

    Its fields in struct order; empty ``omitempty`` fields dropped, zero times kept.
    """
    zero_time = "0001-01-01T00:00:00Z"
    return go_json(
        {
            "architecture": "",
            "created": zero_time,
            "history": [{"created": zero_time}],
            "os": "",
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "config": {},
        }
    )


@dataclass(frozen=True)
class Blob:
    """Content the manifest points to, with its media type."""

    media_type: str
    data: bytes = field(repr=False)

    @cached_property
    def digest(self) -> str:
        return sha256_digest(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self) -> dict[str, Any]:
        """The OCI descriptor, in go-containerregistry's field order."""
        return {"mediaType": self.media_type, "size": self.size, "digest": self.digest}


def manifest_json(config: Blob, layers: list[Blob], annotations: Mapping[str, str]) -> bytes:
    """The image manifest as go-containerregistry serialises it (annotations on the manifest only)."""
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config.descriptor(),
        "layers": [layer.descriptor() for layer in layers],
    }
    if annotations:
        manifest["annotations"] = {key: annotations[key] for key in sorted(annotations)}
    return go_json(manifest)


def flux_annotations(source: str, revision: str, created: str) -> dict[str, str]:
    """The annotations ``flux push artifact`` always writes (even when empty)."""
    return {ANNOTATION_CREATED: created, ANNOTATION_REVISION: revision, ANNOTATION_SOURCE: source}


@dataclass(frozen=True)
class Artifact:
    """A Flux OCI artifact ready to push: its blobs and the exact manifest bytes."""

    tar: bytes = field(repr=False)
    layer: Blob
    config: Blob
    manifest: bytes = field(repr=False)
    annotations: Mapping[str, str]
    files: int

    @cached_property
    def digest(self) -> str:
        """The manifest digest: what Flux reports as the revision and what signatures cover."""
        return sha256_digest(self.manifest)

    @property
    def blobs(self) -> tuple[Blob, Blob]:
        return (self.layer, self.config)


def build_artifact(files: Mapping[str, str | bytes], annotations: Mapping[str, str]) -> Artifact:
    """The artifact holding ``files`` (relative path to content) with ``annotations`` on its manifest."""
    raw = {path: content.encode() if isinstance(content, str) else bytes(content) for path, content in files.items()}
    tar = build_tar(raw)
    layer = Blob(CONTENT_MEDIA_TYPE, gzip_bytes(tar))
    config = Blob(CONFIG_MEDIA_TYPE, config_json(sha256_digest(tar)))
    manifest = manifest_json(config, [layer], annotations)
    return Artifact(tar=tar, layer=layer, config=config, manifest=manifest, annotations=dict(annotations), files=len(raw))
