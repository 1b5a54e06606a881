"""How long-running work says what it does: one callback type, one quiet default, counted nouns."""

from __future__ import annotations

from collections.abc import Callable

#: Told one line at a time what is happening (the CLI prints it on stderr).
Progress = Callable[[str], None]


def silent(message: str) -> None:
    """The progress of callers that want none."""


def plural(count: int, noun: str) -> str:
    """``1 object``, ``2 objects``: counts in messages read as English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
