"""Synthesized manifest files, the one multi-document stream made of them, and YAML as Flux writes it."""

from __future__ import annotations

import re
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
    """Parse a YAML stream into Kubernetes objects, skipping empty documents (read as ``read_yaml`` reads)."""
    try:
        documents = read_yaml(text)
    except yaml.YAMLError as exc:
        raise SynthError(f"{source}: not valid YAML: {yaml_problem(exc)}") from exc
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


# --- reading YAML ---------------------------------------------------------------------

# go-yaml's bound on alias expansion (gopkg.in/yaml.v2 decode.go, allowedAliasRatio: the fix of
# CVE-2019-11253, the API server's "billion laughs"): past 100 copies and 1,000 nodes, copies made
# by aliases may be 99% of the nodes up to 400,000 nodes, falling to 10% at 4,000,000.
_ALIAS_LOW, _ALIAS_HIGH = 400_000, 4_000_000
# Expanded sizes are counted up to here, so a bomb of any depth costs no more than a small one.
_SATURATED = 10**18
# An alias starts with "*" after a blank, an indicator or nothing: a stream without one has no
# alias, and is not walked (most manifests, the Flux CRDs among them).
_MAY_ALIAS = re.compile(r"(?:\A|[\s\ufeff\[{,:?-])\*")


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= _ALIAS_LOW:
        return 0.99
    if decoded >= _ALIAS_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decoded - _ALIAS_LOW) / (_ALIAS_HIGH - _ALIAS_LOW)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _refused(node: yaml.Node, problem: str) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


class _SafeLoader(_Loader):
    """PyYAML's safe loader, refusing what would exhaust the machine later or raise a Python error.

    Aliases share one Python object, so reading a bomb is cheap, but everything
    that walks the objects afterwards (validation, messages, YAML and JSON
    writers) expands them. The expansion is counted over the whole stream, so
    many small documents cannot add up either.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._walk = _MAY_ALIAS.search(stream) is not None
        self._decoded = 0  # nodes of the stream with every alias expanded
        self._copies = 0  # of them, the ones aliases made

    def construct_document(self, node: yaml.Node) -> Any:
        if self._walk:
            self._count(node)
        return super().construct_document(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # a scalar the resolver matched that Python cannot make
            raise _refused(node, _unreadable(node, exc)) from exc

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping, refusing a key written twice in it as Kubernetes' YAML readers do (go-yaml: "already set in map")."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                    continue  # merged keys may be overridden; a non-scalar key is refused later
                key = self.construct_object(key_node)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:
                    continue
                if first is not key_node:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"the key {cut_key(key)} is written twice in one mapping (first at line {first.start_mark.line + 1}), "
                        "which Kubernetes and kustomize refuse. Fix: keep one of them",
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep)

    def _count(self, root: yaml.Node) -> None:
        """Count the document's nodes with aliases expanded (without expanding them); refuse a loop or too many copies."""
        sizes: dict[int, int] = {}  # id of a node -> its expanded size
        open_nodes: set[int] = set()  # the nodes being walked: a node's ancestors
        distinct, repeated = 0, None
        todo: list[tuple[yaml.Node, bool]] = [(root, False)]
        while todo:
            node, leaving = todo.pop()
            key = id(node)
            if leaving:
                open_nodes.discard(key)
                sizes[key] = min(_SATURATED, 1 + sum(sizes[id(child)] for child in _children(node)))
            elif key in sizes:  # a node an alias repeats
                if repeated is None or sizes[key] > sizes[id(repeated)]:
                    repeated = node
            elif key in open_nodes:
                raise _refused(node, "an alias refers to the node that contains it, which would never end "
                               "(a node that contains itself). Fix: remove the alias, or write the values out")
            else:
                open_nodes.add(key)
                distinct += 1
                todo.append((node, True))
                todo.extend((child, False) for child in reversed(_children(node)))
        self._decoded = min(_SATURATED, self._decoded + sizes[id(root)])
        self._copies = min(_SATURATED, self._copies + sizes[id(root)] - distinct)
        if self._copies > 100 and self._decoded > 1000 and self._copies / self._decoded > _allowed_alias_ratio(self._decoded):
            count = f"more than {_SATURATED:,}" if self._decoded >= _SATURATED else f"{self._decoded:,}"
            raise _refused(
                repeated or root,
                f"aliases expand the YAML to {count} nodes, {self._copies / self._decoded:.0%} of them copies, "
                "such as of the node that starts here: more than the API server's YAML reader allows (a YAML bomb). "
                "Fix: write the values out, or alias fewer of them",
            )


# PyYAML resolves a plain "=" to YAML 1.1's value type, which it cannot construct; go-yaml reads it as the string "=".
_SafeLoader.add_constructor("tag:yaml.org,2002:value", yaml.constructor.SafeConstructor.construct_yaml_str)


def _unreadable(node: yaml.Node, exc: Exception) -> str:
    """What is wrong with a scalar Python cannot make; never its text (it may be a Secret value)."""
    if node.tag == "tag:yaml.org,2002:int":
        digits = sum(c.isdigit() for c in str(node.value))
        return (
            f"an integer of {digits} digits, more than can be read (a Kubernetes integer has 64 bits, "
            "19 digits at most). Fix: quote it if it is a string"
        )
    if node.tag == "tag:yaml.org,2002:timestamp":
        return f"not a valid date or time ({exc}). Fix: correct it, or quote it if it is a string"
    return f"a {node.tag.rpartition(':')[2]} that cannot be read ({type(exc).__name__}). Fix: quote it if it is a string"


def cut_key(key: Any) -> str:
    """A mapping key as a message quotes it, cut to 100 characters."""
    text = repr(key)
    return text if len(text) <= 100 else text[:99] + "…"


@dataclass(frozen=True)
class Document:
    """One document of a YAML stream: its value, and its node tree for the lines of its fields."""

    value: Any
    node: yaml.Node | None

    @property
    def line(self) -> int | None:
        """The 1-based line the document's content starts on."""
        return self.node.start_mark.line + 1 if self.node is not None else None

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The 1-based line of the field at ``path``, or of its nearest ancestor written in the file."""
        node = self.node
        if node is None:
            return None
        found = node.start_mark.line + 1
        for step in path:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)), None)
                if child is not None:
                    key = next(k for k, v in node.value if v is child)
                    found = key.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                child = node.value[step]
                found = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return found


def _duplicate_anchor(exc: yaml.YAMLError) -> bool:
    """Whether libyaml refused the stream only because it redefines an anchor, which YAML (1.2) and go-yaml allow."""
    return isinstance(exc, yaml.composer.ComposerError) and "duplicate anchor" in str(exc.context or "")


def _from_ruamel(root: Any, name: str) -> yaml.Node:
    """ruamel.yaml's node tree as PyYAML nodes (aliases stay shared), for PyYAML's constructor to read."""
    from ruamel.yaml import nodes

    made: dict[int, yaml.Node] = {}
    todo = [root]
    while todo:  # make every node first, then fill the collections: an alias may point anywhere
        node = todo.pop()
        if id(node) in made:
            continue
        start = yaml.Mark(name, node.start_mark.index, node.start_mark.line, node.start_mark.column, None, 0)
        end = yaml.Mark(name, node.end_mark.index, node.end_mark.line, node.end_mark.column, None, 0)
        tag = node.tag if isinstance(node.tag, str) else str(getattr(node.tag, "value", node.tag))
        if isinstance(node, nodes.ScalarNode):
            made[id(node)] = yaml.ScalarNode(tag, node.value, start, end, style=node.style)
        elif isinstance(node, nodes.SequenceNode):
            made[id(node)] = yaml.SequenceNode(tag, [], start, end)
            todo.extend(node.value)
        else:
            made[id(node)] = yaml.MappingNode(tag, [], start, end)
            todo.extend(child for pair in node.value for child in pair)
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, nodes.SequenceNode):
            made[id(node)].value = [made[id(c)] for c in node.value]
            todo.extend(node.value)
        elif isinstance(node, nodes.MappingNode):
            made[id(node)].value = [(made[id(k)], made[id(v)]) for k, v in node.value]
            todo.extend(child for pair in node.value for child in pair)
    return made[id(root)]


def _ruamel_nodes(text: str) -> list[yaml.Node | None]:
    """The documents' node trees as ruamel.yaml composes them: YAML 1.1 types (as go-yaml reads them), anchors redefinable."""
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.resolver import VersionedResolver

    class Resolver(VersionedResolver):
        """YAML 1.1 types in every document (ruamel resets the version after the first)."""

        @property
        def processing_version(self) -> Any:
            return (1, 1)

    reader = YAML(typ="safe", pure=True)
    reader.Resolver = Resolver
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel warns of each redefined anchor
            return [None if n is None else _from_ruamel(n, "<unicode string>") for n in reader.compose_all(text)]
    except MarkedYAMLError as exc:
        raise yaml.MarkedYAMLError(exc.context, exc.context_mark, exc.problem, exc.problem_mark) from exc


def read_documents(text: str) -> list[Document]:
    """Every document of a YAML stream with its node tree, read as Kubernetes reads YAML.

    libyaml parses (fast); a stream that redefines an anchor, which YAML allows
    and go-yaml, kustomize and Flux read, is composed by ruamel.yaml instead.
    PyYAML's safe constructor makes the values either way, so both read alike.
    Raises ``yaml.YAMLError`` (see ``yaml_problem``) for what is not YAML, and
    for what the API server's reader refuses or Python cannot hold: a key
    written twice in a mapping, aliases that expand beyond go-yaml's bound, an
    alias inside its own anchor, an integer too long to read, a date that does not exist.
    """
    loader = _SafeLoader(text)
    documents: list[Document] = []
    try:
        try:
            while loader.check_node():
                node = loader.get_node()
                documents.append(Document(loader.construct_document(node) if node is not None else None, node))
            return documents
        except yaml.YAMLError as exc:
            if not _duplicate_anchor(exc):
                raise
        documents = []
        for node in _ruamel_nodes(text):
            documents.append(Document(loader.construct_document(node) if node is not None else None, node))
        return documents
    finally:
        loader.dispose()


def read_yaml(text: str) -> list[Any]:
    """Every document of a YAML stream, read as ``read_documents`` reads it."""
    return [document.value for document in read_documents(text)]


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line naming where and what is wrong, and the fix; never the text at that place, which may be a Secret value."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        text = f"{where}{exc.problem or exc.context}"
        if exc.context and exc.problem:
            started = f" at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}" if exc.context_mark else ""
            text += f" ({exc.context}{started})"
        if "Fix:" not in text:
            text += ". Fix: correct the YAML there"
        return " ".join(text.split())
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        return (
            f"offset {exc.position}: character #x{exc.character:04x} is not allowed in YAML ({exc.reason}). "
            "Fix: remove it (a binary file is no manifest)"
        )
    return " ".join(str(exc).split())
