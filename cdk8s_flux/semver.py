"""Semver constraints as Flux reads them: the grammar of Masterminds semver v3.

Flux parses every version range (HelmChart ``version``, GitRepository and
OCIRepository ``ref.semver``, ImagePolicy ``semver.range``) with
github.com/Masterminds/semver/v3 ``NewConstraint``. Neither PEP 440 nor npm's
grammar is the same: Masterminds takes ``,`` as "and", ``=<``/``=>``, ``~>``,
``x``/``X``/``*`` wildcards and ``a - b`` ranges. Only parsing is needed here
(we never pick a version), so this module answers one question: would Flux
accept the text?

The grammar, written from the library's documentation and behaviour::

    constraints := group ("||" group)*
    group       := ws* item ((ws+ | ws* "," ws*) item)* ws*
    item        := op ws* version | version ws+ "-" ws+ version
    op          := "" | "=" | "!=" | ">" | "<" | ">=" | "=>" | "<=" | "=<" | "~" | "~>" | "^"
    version     := "v"? part ("." part){0,2} ("-" ids)? ("+" ids)?
    part        := digits | "x" | "X" | "*"
    ids         := [0-9A-Za-z-]+ ("." [0-9A-Za-z-]+)*

plus what parsing the version adds: every number fits in 64 bits, and a
numeric pre-release identifier has no leading zero.
"""

from __future__ import annotations

import re

# Go's \s: space, \t, \n, \f, \r (Python's \s would take more).
_WS = r"[ \t\n\f\r]"
_PART = r"(?:[0-9]+|[xX*])"
_IDS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = rf"v?(?P<{{g}}major>{_PART})(?:\.(?P<{{g}}minor>{_PART}))?(?:\.(?P<{{g}}patch>{_PART}))?(?:-(?P<{{g}}pre>{_IDS}))?(?:\+{_IDS})?"
# Longer operators first, so ">=" is not read as ">" followed by "=1.0".
_OP = r"(?:!=|>=|=>|<=|=<|~>|=|>|<|~|\^)?"
_RANGE = re.compile(rf"(?P<low>{_VERSION.format(g='a')}){_WS}+-{_WS}+(?P<high>{_VERSION.format(g='b')})")
_COMPARISON = re.compile(rf"{_OP}{_WS}*(?P<version>{_VERSION.format(g='a')})")
_SEPARATOR = re.compile(rf"{_WS}*,{_WS}*|{_WS}+")
_WS_RUN = re.compile(rf"{_WS}*")

_MAX_UINT64 = 2**64 - 1


class ConstraintError(ValueError):
    """The text is not a constraint Masterminds semver v3 parses; the message says where."""


def _check_numbers(match: re.Match[str], group: str) -> None:
    for part in ("major", "minor", "patch"):
        value = match.group(group + part)
        if value is not None and value.isdigit() and int(value) > _MAX_UINT64:
            raise ConstraintError(f"{value} does not fit in a 64-bit version number")
    pre = match.group(group + "pre")
    for identifier in (pre or "").split(".") if pre else ():
        if identifier.isdigit() and len(identifier) > 1 and identifier.startswith("0"):
            raise ConstraintError(f"the pre-release identifier {identifier!r} has a leading zero")


def _item(text: str, at: int) -> int:
    """Parse one item of a group at ``at``; return where it ends."""
    ranged = _RANGE.match(text, at)
    if ranged is not None:
        _check_numbers(ranged, "a")
        _check_numbers(ranged, "b")
        return ranged.end()
    compared = _COMPARISON.match(text, at)
    if compared is None:
        shown = text[at:] or "(nothing)"
        raise ConstraintError(f"expected a version such as 1.2.3, ~1.2 or >=1.0.0 at {shown!r}")
    _check_numbers(compared, "a")
    return compared.end()


def _group(text: str) -> None:
    at = _WS_RUN.match(text).end()  # type: ignore[union-attr]
    at = _item(text, at)
    while True:
        rest = _WS_RUN.match(text, at).end()  # type: ignore[union-attr]
        if rest == len(text):
            return
        separator = _SEPARATOR.match(text, at)
        if separator is None:
            raise ConstraintError(f"expected ',' or a space before {text[at:]!r}")
        at = _item(text, separator.end())


def parse_constraints(text: str) -> list[str]:
    """The ``||`` groups of ``text``, each checked; ``ConstraintError`` when Flux would refuse it."""
    if not isinstance(text, str):
        raise ConstraintError("not a string")
    groups = text.split("||")
    for group in groups:
        _group(group)
    return [group.strip() for group in groups]


def is_constraint(text: str) -> bool:
    """Whether Masterminds semver v3 (and so Flux) parses ``text`` as a constraint."""
    try:
        parse_constraints(text)
    except ConstraintError:
        return False
    return True
