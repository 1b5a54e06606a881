"""Flux post-build substitution: ``${var}`` placeholders as a value type, found and checked in strings.

A Flux Kustomization with ``spec.postBuild`` replaces ``${name}`` in the
objects it applies (kustomize-controller v1.9.4 of Flux v2.9.4, through the
``kustomize`` and ``envsubst`` packages of fluxcd/pkg at
``kustomize/v1.35.4`` and ``envsubst/v1.7.0``). ``Var("cluster_name")`` is
such a placeholder in a props value; it renders as ``${cluster_name}``, or
``${cluster_name:=default}`` with a default.

The grammar read here is envsubst's: only ``${...}`` is a placeholder (a bare
``$name`` is text), ``$$`` is an escaped ``$`` (so ``$${name}`` stays literal),
and after the name an operator may follow: ``:=``, ``=``, ``:-``, ``:?``,
``:+`` (which all fall back to the text after them when the variable is unset
or empty), ``:offset[:length]``, ``#``/``##``/``%``/``%%`` patterns,
``/``-replacements, ``^``/``,`` case changes, or ``${#name}`` for the length.
Defaults may hold placeholders themselves.

Three functions are the API besides ``Var``: ``placeholders`` (the variables a
string uses), ``text`` (a ``str | Var`` as the string written into the object)
and ``admits`` (whether a string may be a valid value of a rule once Flux has
substituted it).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cdk8s_flux.errors import ValidationError

# The names kustomize-controller accepts for the variables it is given (varsubRegex).
_VARIABLE_NAME = re.compile(r"^[_A-Za-z][_A-Za-z0-9]*$")
# Operators after which the rest of the braces is the fallback used when the variable is unset or empty.
_DEFAULT_OPERATORS = (":=", ":-", ":?", ":+", "=")
# Stand-ins tried for a placeholder by ``admits``: a letter, a digit, and both (a value Flux could substitute).
_STAND_INS = ("a", "1", "a1", "")


class Var(str):
    """A post-build variable, written ``${name}`` (``${name:=default}`` with a default) into the object.

    A ``Var`` is the string it renders to, so it goes wherever a string does
    (``f"{Var('cluster')}-apps"`` is ``${cluster}-apps``). name: as Flux requires
    of the variables it substitutes, a letter or ``_`` then letters, digits and
    ``_``. default: used when the Kustomization does not set the variable (or
    sets it empty); one line, which may hold placeholders itself but no other ``}``.
    """

    __slots__ = ("_name", "_default")
    _name: str
    _default: str | None

    def __new__(cls, name: str, default: str | None = None) -> Var:
        if not isinstance(name, str) or not _VARIABLE_NAME.match(name):
            raise ValidationError(
                "Var.name",
                name,
                "not a name Flux substitutes",
                "use a letter or '_' followed by letters, digits and '_', such as 'cluster_name'",
            )
        rendered = f"${{{name}}}" if default is None else f"${{{name}:={default}}}"
        if default is not None:
            if not isinstance(default, str) or "\n" in default:
                raise ValidationError("Var.default", default, "not a one-line string", "give a plain default such as 'staging'")
            parser = _Parser(rendered, "Var.default", [])
            parser.text()
            if parser.spans != [(0, len(rendered))]:
                raise ValidationError("Var.default", default, "a '}' that would end the placeholder early", "drop the '}' from the default")
        var = super().__new__(cls, rendered)
        var._name = name
        var._default = None if default is None else str.__str__(default)
        return var

    @property
    def name(self) -> str:
        """The variable's name."""
        return self._name

    @property
    def default(self) -> str | None:
        """The text used when the variable is unset or empty; ``None`` when there is none."""
        return self._default

    def __getnewargs__(self) -> tuple[str, str | None]:  # type: ignore[override]
        return (self._name, self._default)

    def __repr__(self) -> str:
        return f"Var({self._name!r})" if self._default is None else f"Var({self._name!r}, {self._default!r})"


def text(value: str | Var) -> str:
    """The plain string written into the object: a ``Var`` as its placeholder, a string as it is."""
    return str.__str__(value)


def placeholders(value: str, field: str = "value") -> tuple[Var, ...]:
    """The variables ``value`` uses, in order, each with the fallback written after it (if any).

    ``default`` is ``None`` exactly for the placeholders Flux refuses to leave
    unset when ``substitute`` is strict (``${name}``, ``${#name}``, ``${name^^}``
    ...); placeholders nested in a default are listed too. A ``${`` Flux cannot
    parse is a ``ValidationError`` naming ``field``.
    """
    found: list[tuple[str, str | None]] = []
    _Parser(value, field, found).text()
    return tuple(Var(name, default) for name, default in found)


def has_placeholders(value: object) -> bool:
    """Whether ``value`` is a ``Var`` or a string with at least one ``${...}`` placeholder."""
    if isinstance(value, Var):
        return True
    return isinstance(value, str) and "${" in value and bool(_spans(value, "value"))


def admits(rule: Callable[[str], bool], value: str | Var, field: str = "value") -> bool:
    """Whether ``value`` satisfies ``rule`` as it is, or could once Flux substitutes its placeholders.

    A value that is one placeholder could become anything, so it is admitted.
    Otherwise each placeholder is replaced by a few stand-ins (a letter, a
    digit, both, nothing) and the value is admitted when one makes ``rule``
    true: ``${cluster}-apps`` is a valid object name, ``${cluster} apps`` is not.
    """
    if isinstance(value, Var):
        return True
    if not isinstance(value, str) or "${" not in value:
        return rule(value)
    whole = _spans(value, field)
    if not whole:  # only escaped "$${" text
        return rule(_unescaped(value, field))
    if len(whole) == 1 and whole[0] == (0, len(value)):
        return True
    return any(rule(_substituted(value, field, stand_in)) for stand_in in _STAND_INS)


def _spans(value: str, field: str) -> list[tuple[int, int]]:
    """The spans of the top-level placeholders in ``value`` (parsing it, so errors surface)."""
    parser = _Parser(value, field, [])
    parser.text()
    return parser.spans


def _substituted(value: str, field: str, stand_in: str) -> str:
    parser = _Parser(value, field, [], stand_in=stand_in)
    return parser.text()


def _unescaped(value: str, field: str) -> str:
    return _Parser(value, field, [], stand_in="").text()


class _Parser:
    """envsubst's grammar over one string: records the variables, returns the text with placeholders replaced."""

    def __init__(self, value: str, field: str, found: list[tuple[str, str | None]], stand_in: str = "") -> None:
        if not isinstance(value, str):
            raise ValidationError(field, value, "not a string", "give a string value")
        self.value = value
        self.field = field
        self.found = found
        self.stand_in = stand_in
        self.pos = 0
        self.spans: list[tuple[int, int]] = []

    def fail(self, problem: str) -> ValidationError:
        return ValidationError(self.field, self.value, f"{problem} (Flux substitutes ${{...}} here)", "write ${name}, ${name:=default}, or $${...} for a literal '${'")

    def text(self) -> str:
        """Top-level text: literal characters, ``$$`` escapes and placeholders."""
        out: list[str] = []
        while self.pos < len(self.value):
            if self.value.startswith("${", self.pos):
                start = self.pos
                self.pos += 2
                self.function()
                self.spans.append((start, self.pos))
                out.append(self.stand_in)
            elif self.value.startswith("$$", self.pos):
                out.append("$")
                self.pos += 2
            else:
                out.append(self.value[self.pos])
                self.pos += 1
        return "".join(out)

    def _name(self) -> str:
        start = self.pos
        while self.pos < len(self.value) and (self.value[self.pos].isalnum() or self.value[self.pos] == "_"):
            self.pos += 1
        name = self.value[start : self.pos]
        if not name:
            raise self.fail("a placeholder without a variable name")
        if not _VARIABLE_NAME.match(name):
            raise self.fail(f"{name!r} is not a variable name Flux can be given")
        return name

    def _close(self) -> None:
        if self.pos >= len(self.value) or self.value[self.pos] != "}":
            raise self.fail("a placeholder without its closing '}'")
        self.pos += 1

    def _argument(self) -> str:
        """Text up to the closing ``}``, nested placeholders parsed (and recorded) on the way."""
        out: list[str] = []
        while self.pos < len(self.value) and self.value[self.pos] != "}":
            if self.value.startswith("${", self.pos):
                self.pos += 2
                self.function()
                out.append(self.stand_in)
            elif self.value[self.pos] == "\\" and self.value[self.pos + 1 : self.pos + 2] in ("/", "\\"):
                out.append(self.value[self.pos : self.pos + 2])
                self.pos += 2
            else:
                out.append(self.value[self.pos])
                self.pos += 1
        self._close()
        return "".join(out)

    def function(self) -> None:
        """One ``${...}`` after its ``${``: a name, then an optional operator and arguments, then ``}``."""
        if self.value.startswith("#", self.pos):  # ${#name}: the length
            self.pos += 1
            self.found.append((self._name(), None))
            self._close()
            return
        name = self._name()
        rest = self.value[self.pos : self.pos + 2]
        operator = next((op for op in _DEFAULT_OPERATORS if rest.startswith(op)), None)
        if operator is not None:
            self.pos += len(operator)
            index = len(self.found)
            start = self.pos
            self.found.append((name, None))
            self._argument()
            self.found[index] = (name, self.value[start : self.pos - 1])
            return
        head = rest[:1]
        if head == "}":
            self.found.append((name, None))
            self.pos += 1
        elif head in (":", "/", "#", "%"):
            self.found.append((name, None))
            self.pos += 1
            self._argument()
        elif head in (",", "^"):
            self.found.append((name, None))
            self.pos += 2 if self.value[self.pos + 1 : self.pos + 2] == head else 1
            self._close()
        else:
            raise self.fail(f"{head!r} after ${{{name}: not an operator Flux knows" if head else "a placeholder without its closing '}'")


__all__ = ["Var", "admits", "has_placeholders", "placeholders", "text"]
