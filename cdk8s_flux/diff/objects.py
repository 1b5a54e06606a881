"""Which Kubernetes objects differ between two sets of manifests, field by field.

Objects are matched the way the API server stores them: by API group (not
version), kind, namespace and name. A Secret's values never leave this module:
they are compared here, and shown only as placeholders that say whether a key
was added, removed, changed or left alone.
"""

from __future__ import annotations

import base64
import copy
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from cdk8s_flux.errors import SynthError
from cdk8s_flux.secrets import VALUE_FIELDS as _SECRET_VALUES
from cdk8s_flux.secrets import is_secret, value_fields

Object = dict[str, Any]

ADDED, CHANGED, REMOVED = "added", "changed", "removed"

#: What ``masked`` puts in place of every Secret value.
MASK = "<masked>"

# The placeholders of a Secret's values in a diff. The before side of a changed
# value reads differently from the after side, so the diff shows the line as changed.
_UNCHANGED, _CHANGED, _OLD, _ADDED, _REMOVED = "<unchanged>", "<changed>", "<old value>", "<added>", "<removed>"

_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


@dataclass(frozen=True, order=True)
class ObjectId:
    """What identifies an object to the API server: API group, kind, namespace, name."""

    group: str
    kind: str
    namespace: str | None
    name: str

    @classmethod
    def of(cls, obj: Object) -> ObjectId:
        """The id of ``obj``; a SynthError when it has no kind or no name."""
        api_version = str(obj.get("apiVersion") or "")
        metadata = obj.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
        kind, name = obj.get("kind"), metadata.get("name")
        if not isinstance(kind, str) or not kind or not isinstance(name, str) or not name:
            raise SynthError(
                f"an object ({api_version or 'no apiVersion'}, kind {kind!r}) has no kind or no metadata.name. "
                "Fix: every manifest Flux applies needs apiVersion, kind and metadata.name"
            )
        namespace = metadata.get("namespace")
        return cls(
            group=api_version.rpartition("/")[0],
            kind=kind,
            namespace=str(namespace) if namespace else None,
            name=name,
        )

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass(frozen=True)
class ObjectChange:
    """One object that is added, removed or changed."""

    change: str
    id: ObjectId
    api_version: str
    before: Object | None
    after: Object | None
    fields: tuple[str, ...]
    diff: str


def masked(obj: Object) -> Object:
    """The object with every value of a Secret in it (itself, or an item of a ``*List``) replaced by a placeholder."""
    fields = value_fields(obj)
    if not fields:
        return obj
    result = copy.deepcopy(obj)
    for path in fields:
        container: Any = result
        for part in path[:-1]:
            container = container[part]
        if isinstance(container.get(path[-1]), dict):
            container[path[-1]] = dict.fromkeys(container[path[-1]], MASK)
    return result


def compare(before: Iterable[Object], after: Iterable[Object]) -> tuple[ObjectChange, ...]:
    """Added, removed and changed objects, sorted by id; identical objects are left out."""
    old, new = _by_id(before, "before"), _by_id(after, "after")
    changes = []
    for id in sorted(old.keys() | new.keys()):
        if id not in old:
            changes.append(ObjectChange(ADDED, id, str(new[id].get("apiVersion", "")), None, new[id], (), ""))
        elif id not in new:
            changes.append(ObjectChange(REMOVED, id, str(old[id].get("apiVersion", "")), old[id], None, (), ""))
        else:
            fields = changed_fields(old[id], new[id])
            if fields:
                diff = object_diff(old[id], new[id])
                changes.append(ObjectChange(CHANGED, id, str(new[id].get("apiVersion", "")), old[id], new[id], fields, diff))
    return tuple(changes)


def changed_fields(before: Object, after: Object) -> tuple[str, ...]:
    """The changed leaf paths from ``before`` to ``after``, in path order; a whole added or removed sub-object is one path."""
    return tuple(_paths(_comparable(before), _comparable(after), ""))


def object_diff(before: Object | None, after: Object | None) -> str:
    """A unified diff of the two objects' YAML (sorted keys), Secret values as placeholders; either side may be missing."""
    old, new = _shown(before, after)
    lines = difflib.unified_diff(_yaml_lines(old), _yaml_lines(new), "before", "after", lineterm="")
    return "\n".join(lines)


def secret_values(obj: Object) -> dict[str, bytes]:
    """A Secret's values as the API server stores them: ``stringData`` merged over the decoded ``data``."""
    values: dict[str, bytes] = {}
    data = obj.get("data")
    if isinstance(data, dict):
        for key, value in data.items():
            text = "" if value is None else str(value)
            # A value that is not base64 is compared as written; the API server would refuse it anyway.
            values[str(key)] = base64.b64decode(text) if len(text) % 4 == 0 and _BASE64.match(text) else text.encode()
    string_data = obj.get("stringData")
    if isinstance(string_data, dict):
        for key, value in string_data.items():
            values[str(key)] = ("" if value is None else str(value)).encode()
    return values


def _by_id(objects: Iterable[Object], side: str) -> dict[ObjectId, Object]:
    found: dict[ObjectId, Object] = {}
    for obj in objects:
        id = ObjectId.of(obj)
        if id in found:
            raise SynthError(
                f"{id} (API group {id.group or 'core'}) appears twice in the {side} manifests, "
                "and the API server holds only one object of that name. Fix: remove one of them or give it another name"
            )
        found[id] = obj
    return found


def _comparable(obj: Object) -> Object:
    """``obj`` as compared: a Secret's data and stringData merged into one ``data``, as Kubernetes stores them."""
    if not is_secret(obj):
        return obj
    result = {k: v for k, v in obj.items() if k not in _SECRET_VALUES}
    values = secret_values(obj)
    if values or any(section in obj for section in _SECRET_VALUES):
        result["data"] = values
    return result


def _shown(before: Object | None, after: Object | None) -> tuple[Object | None, Object | None]:
    """Both sides as the diff shows them: a Secret's values replaced by placeholders that tell what happened."""
    old_values = secret_values(before) if before is not None and is_secret(before) else {}
    new_values = secret_values(after) if after is not None and is_secret(after) else {}
    old_marks: dict[str, str] = {}
    new_marks: dict[str, str] = {}
    for key in sorted(old_values.keys() | new_values.keys()):
        if key in old_values and key in new_values:
            same = old_values[key] == new_values[key]
            old_marks[key], new_marks[key] = (_UNCHANGED, _UNCHANGED) if same else (_OLD, _CHANGED)
        elif key in old_values:
            old_marks[key] = _REMOVED
        else:
            new_marks[key] = _ADDED

    def shown(obj: Object | None, marks: dict[str, str]) -> Object | None:
        if obj is None:
            return None
        if not is_secret(obj):
            return masked(obj)  # a List may hold Secrets
        result = _comparable(obj)
        if "data" in result:
            result["data"] = marks
        return result

    return shown(before, old_marks), shown(after, new_marks)


def _yaml_lines(obj: Object | None) -> list[str]:
    if obj is None:
        return []
    text = yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, allow_unicode=True, width=2**31 - 1)
    return text.splitlines()


def _key(path: str, key: object) -> str:
    name = str(key)
    if _PLAIN_KEY.match(name):
        return f"{path}.{name}" if path else name
    # Keys such as annotation names hold dots and slashes: quote them so the path splits back unambiguously.
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{path}[{quoted}]"


def _paths(before: Any, after: Any, path: str) -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys(), key=str):
            if key not in before or key not in after:
                yield _key(path, key)
            else:
                yield from _paths(before[key], after[key], _key(path, key))
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            if index >= len(before) or index >= len(after):
                yield f"{path}[{index}]"
            else:
                yield from _paths(before[index], after[index], f"{path}[{index}]")
    elif before != after or type(before) is not type(after):
        yield path
