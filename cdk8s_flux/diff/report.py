"""The compared objects and their warnings as JSON, as terminal text, and as a pull-request comment."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from cdk8s_flux.diff.objects import ADDED, CHANGED, REMOVED, ObjectChange, object_diff
from cdk8s_flux.diff.warnings import FluxWarning

#: How many changed fields an object's summary line names before it counts the rest.
SUMMARY_FIELDS = 5

_RED, _GREEN, _CYAN, _YELLOW, _BOLD, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[33m", "\x1b[1m", "\x1b[0m"
_MARKS = {ADDED: "+", CHANGED: "~", REMOVED: "-"}
# Characters Markdown or HTML would read as syntax in a summary line; written as character
# references they show as themselves on GitHub and GitLab alike, inside <summary> or not.
_MARKDOWN = re.compile(r"[&<>\\`*_\[\]#|~]")


def as_json(changes: Sequence[ObjectChange], warnings: Sequence[FluxWarning]) -> dict[str, Any]:
    """Every change and warning as plain values, for ``--format json``."""
    return {
        "changes": [_change_json(c) for c in changes],
        "warnings": [
            {"kind": w.kind, "namespace": w.namespace, "name": w.name, "reason": w.reason, "message": w.message}
            for w in warnings
        ],
    }


def as_text(changes: Sequence[ObjectChange], warnings: Sequence[FluxWarning], *, color: bool = False, title: str = "") -> str:
    """A summary line, the warnings, then each object with its changed fields and its diff."""
    paint = _painter(color)
    prefix = f"{title}: " if title else ""
    if not changes and not warnings:
        return f"{prefix}no changes\n"
    lines = [paint(_BOLD, prefix + summary(changes, warnings)), ""]
    if warnings:
        lines.append("warnings:")
        lines += [paint(_YELLOW, f"  ! {w.reason} {_where(w)}: {w.message}") for w in warnings]
        lines.append("")
    for change in changes:
        lines.append(f"{_MARKS[change.change]} {object_line(change)}")
        for line in _diff(change).splitlines():
            lines.append("    " + _paint_diff_line(paint, line))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def as_markdown(changes: Sequence[ObjectChange], warnings: Sequence[FluxWarning], *, title: str = "", limit: int = 60_000) -> str:
    """A pull-request comment: a heading, a summary table, the warnings, one collapsed diff per object; at most ``limit`` characters."""
    head = f"### {_escape(title) if title else 'Flux diff'}\n\n"
    if not changes and not warnings:
        return (head + "No changes: Flux would change nothing on the cluster.\n")[:limit]
    counts = [sum(1 for c in changes if c.change == s) for s in (ADDED, CHANGED, REMOVED)]
    head += "| added | changed | removed | warnings |\n| ---: | ---: | ---: | ---: |\n"
    head += f"| {counts[0]} | {counts[1]} | {counts[2]} | {len(warnings)} |\n\n"
    items: list[tuple[str, str]] = []
    if warnings:
        items.append(("", "**Warnings**\n\n"))
        items += [("warning", f"- **{w.reason}** {_escape(_where(w))}: {_escape(w.message)}\n") for w in warnings]
        items.append(("", "\n"))
    items += [("object", _section(c)) for c in changes]
    reserve = len(_left_out(len(warnings), len(changes), limit))
    text, left = head, {"warning": 0, "object": 0}
    for index, (_, item) in enumerate(items):
        if len(text) + len(item) + reserve > limit:
            for later, _item in items[index:]:
                if later:
                    left[later] += 1
            break
        text += item
    if left["warning"] or left["object"]:
        text += _left_out(left["warning"], left["object"], limit)
    # A limit smaller than the heading and table alone still holds.
    return text[:limit]


def summary(changes: Sequence[ObjectChange], warnings: Sequence[FluxWarning]) -> str:
    """``1 added, 2 changed, 0 removed, 1 warning``."""
    counts = [f"{sum(1 for c in changes if c.change == s)} {s}" for s in (ADDED, CHANGED, REMOVED)]
    return ", ".join([*counts, f"{len(warnings)} warning{'' if len(warnings) == 1 else 's'}"])


def object_line(change: ObjectChange) -> str:
    """``changed Deployment web/web: spec.replicas``: what happened to which object, and its changed fields."""
    line = f"{change.change} {change.id}"
    if change.fields:
        shown = ", ".join(change.fields[:SUMMARY_FIELDS])
        more = len(change.fields) - SUMMARY_FIELDS
        line += f": {shown}" + (f" and {more} more" if more > 0 else "")
    return line


def _change_json(change: ObjectChange) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "change": change.change,
        "apiVersion": change.api_version,
        "kind": change.id.kind,
        "namespace": change.id.namespace,
        "name": change.id.name,
    }
    if change.change == CHANGED:
        entry["fields"] = list(change.fields)
    return entry


def _where(warning: FluxWarning) -> str:
    return f"{warning.kind} {warning.namespace}/{warning.name}" if warning.namespace else f"{warning.kind} {warning.name}"


def _diff(change: ObjectChange) -> str:
    """The change's diff; an added or removed object shows as all its lines added or removed."""
    return change.diff or object_diff(change.before, change.after)


def _painter(color: bool) -> Callable[[str, str], str]:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color and text else text
    return paint


def _paint_diff_line(paint: Callable[[str, str], str], line: str) -> str:
    if line.startswith(("+++", "---")):
        return paint(_BOLD, line)
    if line.startswith("+"):
        return paint(_GREEN, line)
    if line.startswith("-"):
        return paint(_RED, line)
    if line.startswith("@@"):
        return paint(_CYAN, line)
    return line


def _escape(text: str) -> str:
    return _MARKDOWN.sub(lambda m: f"&#{ord(m.group())};", text.replace("\n", " "))


def _section(change: ObjectChange) -> str:
    diff = _diff(change)
    # A fence longer than any run of backticks in the diff, so a manifest holding ``` cannot close it.
    runs = [len(r) for r in re.findall(r"`+", diff)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"<details><summary>{_escape(object_line(change))}</summary>\n\n{fence}diff\n{diff}\n{fence}\n\n</details>\n\n"


def _left_out(warnings: int, objects: int, limit: int) -> str:
    parts = [f"{n} {what}{'' if n == 1 else 's'}" for n, what in ((warnings, "warning"), (objects, "object diff")) if n]
    return f"_{' and '.join(parts) or 'nothing'} left out to keep this comment under {limit} characters; run `cdk8s-flux diff` to see everything._\n"
