"""The image-automation-controller's setter markers, read and applied as the controller applies them.

A marker is a line comment after a YAML scalar, ``# {"$imagepolicy": "NAMESPACE:NAME[:FIELD]"}``.
Without a field the scalar is the whole image (``name:tag[@digest]``); ``:name``,
``:tag`` and ``:digest`` set one part. The controller rewrites only the scalar, so
this module replaces only the scalar's span in the text, found by PyYAML's
composer: comments, quoting elsewhere, indentation and line endings stay byte for byte.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cdk8s_flux.atomic import write_file
from cdk8s_flux.errors import ValidationError

#: The key of a marker's JSON object (the controller's setter shorthand).
MARKER_KEY = "$imagepolicy"
#: What a file must contain for the controller to read it (the key, quoted).
TOKEN = f'"{MARKER_KEY}"'
FIELDS = ("name", "tag", "digest")
_COMMENT = re.compile(r"[ \t]+#(?P<body>[^\r\n]*)")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


@dataclass(frozen=True, order=True)
class Setter:
    """What a marker names: an ImagePolicy (namespace and name) and the part of its image (None: the whole image)."""

    namespace: str
    name: str
    field: str | None = None

    @classmethod
    def parse(cls, text: str, where: str = "marker") -> Setter:
        """``NAMESPACE:NAME[:FIELD]``, as the marker writes it."""
        if not isinstance(text, str) or not cls.valid(text):
            fix = 'write {"$imagepolicy": "NAMESPACE:NAME"} or add :name, :tag or :digest'
            raise ValidationError(where, text, "not an image policy setter", fix)
        parts = text.split(":")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    @staticmethod
    def valid(text: str) -> bool:
        """Whether ``text`` is a setter ``parse`` takes."""
        parts = text.split(":")
        return len(parts) in (2, 3) and all(_NAME.match(p) for p in parts[:2]) and (len(parts) == 2 or parts[2] in FIELDS)

    @property
    def policy(self) -> tuple[str, str]:
        """The ImagePolicy's namespace and name."""
        return (self.namespace, self.name)

    def __str__(self) -> str:
        return f"{self.namespace}:{self.name}" + (f":{self.field}" if self.field else "")

    def comment(self) -> str:
        """The marker comment, as Flux's docs write it."""
        return "# " + json.dumps({MARKER_KEY: str(self)})


@dataclass(frozen=True)
class ImageRef:
    """An image reference split as an ImagePolicy's latest image is: name, tag and digest."""

    name: str
    tag: str = ""
    digest: str = ""

    @classmethod
    def parse(cls, text: str, where: str = "image") -> ImageRef:
        """``name[:tag][@digest]``; the tag is what follows the last ``:`` after the last ``/``."""
        if not isinstance(text, str) or not text or any(c.isspace() for c in text):
            raise ValidationError(where, text, "not an image reference", "write it like ghcr.io/org/app:1.2.3 or ghcr.io/org/app:1.2.3@sha256:...")
        rest, _, digest = text.partition("@")
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        name, tag = (rest[:colon], rest[colon + 1 :]) if colon > slash else (rest, "")
        if not name or (digest and not re.match(r"^[a-z0-9]+:[a-f0-9]{32,}$", digest)) or ("@" in text and not digest):
            raise ValidationError(
                where, text, "not an image reference", "write it like ghcr.io/org/app:1.2.3 or ghcr.io/org/app:1.2.3@sha256:<64 hex digits>"
            )
        return cls(name, tag, digest)

    def __str__(self) -> str:
        return self.name + (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    def value(self, field: str | None) -> str:
        """What a setter of this field writes."""
        return str(self) if field is None else str(getattr(self, field))


@dataclass(frozen=True)
class Marked:
    """One marked scalar in a YAML text: where it is (keys from the document root), its value and span, its setter."""

    document: int
    path: tuple[str | int, ...]
    value: str
    setter: Setter
    start: int
    end: int
    style: str | None


@dataclass(frozen=True)
class Change:
    """One value a setter changed."""

    file: str
    setter: Setter
    old: str
    new: str


def markers(text: str, where: str = "file", *, strict: bool = True) -> list[Marked]:
    """Every marked scalar of a YAML text (all its documents), in text order.

    strict: a marker whose setter is malformed is an error naming its line; otherwise it
    is skipped, as the controller skips a setter it does not know.
    """
    return load_marked(text, where, strict=strict)[1]


def load_marked(text: str, where: str = "file", *, strict: bool = True) -> tuple[list[Any], list[Marked]]:
    """The documents of a YAML text, as ``yaml.safe_load_all`` reads them, and its markers: one parse for both."""
    loader = yaml.SafeLoader(text)
    try:
        nodes: list[yaml.Node] = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
        documents = [loader.construct_document(node) for node in nodes]
    except yaml.YAMLError as error:
        raise ValidationError(where, str(error).splitlines()[0], "not YAML", "fix the file so that a YAML parser reads it") from None
    finally:
        loader.dispose()
    found: list[Marked] = []
    for index, root in enumerate(nodes):
        found.extend(_walk(root, (), index, text, where, strict))
    return documents, sorted(found, key=lambda m: m.start)


def _walk(node: yaml.Node, path: tuple[str | int, ...], document: int, text: str, where: str, strict: bool) -> Iterator[Marked]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(value, (*path, str(key.value)), document, text, where, strict)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _walk(item, (*path, i), document, text, where, strict)
    elif isinstance(node, yaml.ScalarNode):
        name = _line_comment_setter(text, node.end_mark.index)
        if name is None:
            return
        line = f"{where}:{node.start_mark.line + 1}"
        if not strict and not Setter.valid(name):
            return
        yield Marked(document, path, node.value, Setter.parse(name, line), node.start_mark.index, node.end_mark.index, node.style)


def _line_comment_setter(text: str, end: int) -> str | None:
    """The setter name in the comment that follows a scalar on its line, if that comment is a marker.

    As the controller reads it: the comment without its leading ``#`` is a JSON object of
    strings, and its ``$imagepolicy`` is not empty; any other comment is just a comment.
    """
    comment = _COMMENT.match(text, end)
    if comment is None:
        return None
    try:
        loaded = json.loads(comment["body"].lstrip("#"))
    except ValueError:
        return None
    if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
        return None
    name = loaded.get(MARKER_KEY)
    return name or None


def scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as this string: plain where it can be, else double-quoted."""
    return _scalar_text(value, None)


def _scalar_text(value: str, style: str | None) -> str:
    """``value`` written in the scalar's style; a plain scalar YAML would read as another type is double-quoted."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(value)
    if style is None and _reads_back(value):
        return value
    return json.dumps(value)


def _reads_back(value: str) -> bool:
    try:
        return value != "" and yaml.safe_load(value) == value and "\n" not in value
    except yaml.YAMLError:
        return False


def apply(text: str, latest: Mapping[tuple[str, str], ImageRef], file: str = "file") -> tuple[str, list[Change]]:
    """``text`` with every marker whose policy is in ``latest`` set to that policy's image, and what changed."""
    changes: list[Change] = []
    out: list[str] = []
    position = 0
    for mark in markers(text, file, strict=False):
        ref = latest.get(mark.setter.policy)
        if ref is None:
            continue
        new = ref.value(mark.setter.field)
        if new == mark.value:
            continue
        if mark.style not in (None, "'", '"'):
            raise ValidationError(
                file, str(mark.setter), "the marked value is a block scalar", "write the image on the marker's line as a plain scalar"
            )
        out += [text[position : mark.start], _scalar_text(new, mark.style)]
        position = mark.end
        changes.append(Change(file, mark.setter, mark.value, new))
    out.append(text[position:])
    return "".join(out), changes


def _candidates(root: Path) -> Iterator[Path]:
    """The files the controller reads under ``root``: ``*.yaml``, ``*.yml`` and ``Kustomization``, in path order."""
    if root.is_file():
        yield root
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) or name == "Kustomization":
                yield Path(folder) / name


def update_tree(source: Path, latest: Mapping[tuple[str, str], ImageRef], output: Path | None = None) -> list[Change]:
    """Apply ``latest`` to every marked file under ``source``, as the controller's Setters strategy does.

    Only changed files are written: in place, or under ``output`` at the same relative
    path (as the controller's test writes them). A file that cannot be read (a dangling
    link) or parsed is skipped, as the controller skips it.
    """
    changes: list[Change] = []
    base = source if source.is_dir() else source.parent
    for path in _candidates(source):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if TOKEN.encode() not in data:
            continue
        relative = path.relative_to(base).as_posix()
        try:
            text = data.decode()
            new, changed = apply(text, latest, relative)
        except (UnicodeDecodeError, ValidationError):
            continue
        if not changed:
            continue
        target = path if output is None else output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_file(target, new.encode())
        changes += changed
    return changes
