"""Synthesized manifest files, the one multi-document stream made of them, and YAML as Flux writes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from cdk8s_flux.errors import SynthError

try:  # libyaml is much faster on large CRDs; fall back to pure Python.
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

# Plain scalars that Go's YAML (sigs.k8s.io/yaml, as flux and kubectl write) reads as another
# type, so it writes such strings double-quoted; "y" and "n" are booleans there too.
_NOT_STRING_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
_GO_BOOLEANS = frozenset({"y", "Y", "n", "N"})


class _GoStyleDumper(_Dumper):
    """PyYAML's emitter with the string styles of Go's YAML encoder."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:str"
    if "\n" in value:
        return dumper.represent_scalar(tag, value, style="|")
    if value in _GO_BOOLEANS or dumper.resolve(yaml.ScalarNode, value, (True, False)) in _NOT_STRING_TAGS:
        return dumper.represent_scalar(tag, value, style='"')
    return dumper.represent_scalar(tag, value)


_GoStyleDumper.add_representer(str, _represent_str)


def dump_document(document: dict[str, Any], width: int = 80) -> str:
    """One document as Go's YAML writes it: keys in their order, multi-line strings as ``|`` blocks.

    Go folds long lines at 80 columns; a larger ``width`` keeps them whole.
    """
    return yaml.dump(document, Dumper=_GoStyleDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=width)


def dump_documents(objects: list[dict[str, Any]]) -> str:
    """Objects as one YAML stream, formatted as ``flux install --export`` writes them.

    Each document starts with ``---``. For the Flux release manifests this
    reproduces the upstream bytes exactly (a test checks it).
    """
    return "".join("---\n" + dump_document(obj) for obj in objects)


@dataclass(frozen=True)
class ManifestFile:
    """One YAML file the app wrote, with its parsed Kubernetes objects."""

    path: str
    text: str
    objects: tuple[dict[str, Any], ...]


def load_documents(text: str, source: str) -> tuple[dict[str, Any], ...]:
    """Parse a YAML stream into Kubernetes objects, skipping empty documents."""
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise SynthError(f"{source}: not valid YAML: {exc}") from exc
    objects = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        if not isinstance(document, dict) or "apiVersion" not in document or "kind" not in document:
            raise SynthError(
                f"{source}: document {index + 1} is not a Kubernetes object (it needs apiVersion and kind)"
            )
        objects.append(document)
    return tuple(objects)


def parse_file(path: str, text: str) -> ManifestFile:
    """Read one synthesized file."""
    return ManifestFile(path=path, text=text, objects=load_documents(text, path))


def _body(text: str) -> str:
    """A file's documents without a leading or trailing separator."""
    body = text.strip()
    if body.startswith("---"):
        body = body[3:].lstrip("\n")
    if body.endswith("\n---"):
        body = body[: -len("\n---")]
    elif body == "---":
        body = ""
    return body.strip()


def join_stream(files: list[ManifestFile]) -> str:
    """Every object of every file as ONE valid multi-document YAML stream.

    Files are joined with explicit ``---`` separators, so the last object of
    one file can never merge into the first of the next (what ``cat dist/*``
    does). The result is parsed again to prove no object was lost.
    """
    bodies = [body for body in (_body(f.text) for f in files if f.objects) if body]
    stream = "\n---\n".join(bodies) + "\n" if bodies else ""
    expected = sum(len(f.objects) for f in files)
    found = len(load_documents(stream, "rendered stream"))
    if found != expected:
        raise SynthError(f"rendered stream holds {found} objects, the files hold {expected}")
    return stream
