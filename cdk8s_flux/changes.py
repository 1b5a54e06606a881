"""What a publish changes on the branch, file by file and object by object.

Files are compared by git object id, so "nothing changed" costs no parsing.
Objects are compared by identity (group, kind, namespace, name) across the
whole published folder, so moving an object between files, or moving from
another layout to ours, shows up as what it is for the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdk8s_flux.errors import SynthError
from cdk8s_flux.layout import KUSTOMIZATION, ObjectKey
from cdk8s_flux.manifests import load_documents

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


@dataclass(frozen=True)
class Change:
    """One file or object that is added, changed or removed."""

    status: str
    what: str


@dataclass(frozen=True)
class Changes:
    """Everything a publish would change; empty means up to date."""

    files: tuple[Change, ...]
    objects: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.files)

    def count(self, status: str) -> int:
        return sum(1 for c in self.files if c.status == status)

    def summary(self) -> str:
        """``3 added, 1 changed, 0 removed`` (files)."""
        return ", ".join(f"{self.count(s)} {s}" for s in (ADDED, CHANGED, REMOVED))


def file_changes(old: dict[str, str], new: dict[str, str]) -> tuple[Change, ...]:
    """Changes from ``old`` to ``new`` (path to object id), sorted by path."""
    changes = []
    for path in sorted(old.keys() | new.keys()):
        if path not in old:
            changes.append(Change(ADDED, path))
        elif path not in new:
            changes.append(Change(REMOVED, path))
        elif old[path] != new[path]:
            changes.append(Change(CHANGED, path))
    return tuple(changes)


def _objects(texts: Mapping[str, bytes | str]) -> dict[ObjectKey, dict[str, Any]]:
    """Every Kubernetes object of ``texts`` by identity; files that are not manifests are skipped."""
    found: dict[ObjectKey, dict[str, Any]] = {}
    for path, text in texts.items():
        if path.rsplit("/", 1)[-1] == KUSTOMIZATION or not path.endswith((".yaml", ".yml")):
            continue
        raw = text.decode(errors="replace") if isinstance(text, bytes) else text
        try:
            documents = load_documents(raw, path)
        except SynthError:
            continue
        for index, obj in enumerate(documents):
            try:
                found[ObjectKey.of(obj, f"{path} document {index + 1}")] = obj
            except SynthError:
                continue
    return found


def object_changes(old: Mapping[str, bytes | str], new: Mapping[str, bytes | str]) -> tuple[Change, ...]:
    """Objects added, changed or removed between two sets of files (path to text)."""
    before, after = _objects(old), _objects(new)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            changes.append(Change(ADDED, str(key)))
        elif key not in after:
            changes.append(Change(REMOVED, str(key)))
        elif before[key] != after[key]:
            changes.append(Change(CHANGED, str(key)))
    return tuple(changes)


def format_report(changes: Changes, target: str) -> str:
    """The dry-run report: one line per file, then one per object."""
    if not changes:
        return f"{target}: up to date\n"
    lines = [f"{target}: {changes.summary()} (files)"]
    lines += [f"  {c.status:<8} {c.what}" for c in changes.files]
    if changes.objects:
        counts = ", ".join(f"{sum(1 for c in changes.objects if c.status == s)} {s}" for s in (ADDED, CHANGED, REMOVED))
        lines.append(f"objects: {counts}")
        lines += [f"  {c.status:<8} {c.what}" for c in changes.objects]
    else:
        lines.append("objects: none changed")
    return "\n".join(lines) + "\n"
