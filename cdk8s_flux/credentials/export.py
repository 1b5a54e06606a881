"""A Secret as flux writes it: ``flux create secret ... --export`` and ``flux bootstrap``'s generator.

flux marshals the Secret with Go's YAML (keys sorted, multi-line values as ``|``
blocks, strings that would read as another type double-quoted) after a ``---``
line. ``flux create secret`` prints that text and, for every kind but ``tls``,
one newline more (Go's ``Println``).
"""

from __future__ import annotations

from typing import Any

from cdk8s_flux.manifests import dump_document


def _sorted(value: Any) -> Any:
    """``value`` with every mapping's keys in Go's order (byte order): Go's YAML writes maps sorted."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    return value


def export_secret(secret: dict[str, Any]) -> str:
    """The Secret as one ``---`` YAML document, byte for byte as flux's Secret generator writes it."""
    return "---\n" + dump_document(_sorted(secret))
