"""Checks shared by every construct: names, durations, URLs, paths, Flux fields.

Each check returns the value unchanged when it is valid and raises
``ValidationError`` naming the argument, the value and the fix otherwise.

Where Flux post-build substitution may fill a value in (object names,
namespaces, the names in references, free strings), the checks also take a
``Var`` or a string holding ``${...}`` placeholders: it passes when it could be
valid once substituted (``${cluster}-apps`` as a name), and comes back as the
string written into the object (see ``cdk8s_flux.substitution``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from posixpath import normpath
from urllib.parse import urlsplit

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.rules import metadata as kubernetes
from cdk8s_flux.substitution import Var, admits, has_placeholders, text

# Go's time.ParseDuration: a signed sequence of decimal numbers with units, or "0".
_GO_DURATION = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")
# scp-like git address: [user@]host:path, with no scheme and no slash before the colon.
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[A-Za-z0-9.\-]+):(?P<path>(?!//).+)$")
# Kubernetes expands $(VAR) in container args, which is how fluxd takes HTTPS credentials.
_ENV_REFERENCE = re.compile(r"^\$\([A-Za-z_][A-Za-z0-9_]*\)$")

GIT_SCHEMES = ("ssh", "https", "http", "git")
# git check-ref-format: no control characters, space, ~ ^ : ? * [ \ and no "..", "@{", "//".
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def is_dns1123_label(value: object) -> bool:
    """Whether ``value`` is an RFC 1123 label (no placeholders), by Kubernetes' rule in ``rules.metadata``."""
    return isinstance(value, str) and not kubernetes.dns1123_label(value)


def is_dns1123_subdomain(value: object) -> bool:
    """Whether ``value`` is an RFC 1123 subdomain (no placeholders), by Kubernetes' rule in ``rules.metadata``."""
    return isinstance(value, str) and not kubernetes.dns1123_subdomain(value)


def _admitted(field: str, value: object, rule: Callable[[str], bool]) -> bool:
    """Whether ``value`` (a string or ``Var``) passes ``rule``, placeholders counted as what Flux may put there."""
    return isinstance(value, (str, Var)) and admits(rule, value, field)


def dns1123_label(field: str, value: str | Var) -> str:
    """A namespace or other name that must be an RFC 1123 label."""
    if not _admitted(field, value, is_dns1123_label):
        raise ValidationError(
            field,
            value,
            "not a valid RFC 1123 label",
            "use at most 63 lowercase letters, digits and '-', starting and ending "
            "with a letter or digit",
        )
    return text(value)


def dns1123_subdomain(field: str, value: str | Var) -> str:
    """An object name that must be an RFC 1123 subdomain."""
    if not _admitted(field, value, is_dns1123_subdomain):
        raise ValidationError(
            field,
            value,
            "not a valid Kubernetes object name (RFC 1123 subdomain)",
            "use at most 253 lowercase letters, digits, '-' and '.', starting and "
            "ending with a letter or digit",
        )
    return text(value)


def go_duration(field: str, value: str) -> str:
    """A duration as Go's time.ParseDuration reads it, such as ``5m`` or ``1m30s``."""
    if not isinstance(value, str) or not _GO_DURATION.match(value):
        raise ValidationError(
            field,
            value,
            "not a Go duration",
            "write a number with a unit (ns, us, ms, s, m, h), such as '5m', '1m30s' or '10s'",
        )
    return value


def git_url(field: str, value: str) -> str:
    """A git remote fluxd can clone: scp-like, ssh://, https:// (or http://, git://).

    Credentials written into the URL are refused: they would be stored in
    plain text in the manifests. ``$(VAR)`` placeholders that Kubernetes
    fills from the environment are allowed.
    """
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValidationError(field, value, "empty or padded with whitespace", "give the repository URL")
    if "://" not in value:
        match = _SCP_LIKE.match(value)
        if match is None:
            raise ValidationError(
                field,
                value,
                "not a git URL",
                "use ssh://git@host/org/repo.git, git@host:org/repo.git or https://host/org/repo.git",
            )
        return value
    parts = urlsplit(value)
    if parts.scheme not in GIT_SCHEMES:
        raise ValidationError(
            field,
            value,
            f"unsupported scheme {parts.scheme!r}",
            "use one of " + ", ".join(s + "://" for s in GIT_SCHEMES) + " or the scp-like git@host:org/repo form",
        )
    if not parts.hostname:
        raise ValidationError(field, value, "the URL has no host", "write scheme://host/path")
    if parts.password is not None and not _ENV_REFERENCE.match(parts.password):
        raise ValidationError(
            field,
            "<redacted>",
            "the URL embeds a password or token, which would be stored in plain text",
            "remove it from the URL and use an SSH deploy key, or for HTTPS "
            "https://$(GIT_AUTHUSER):$(GIT_AUTHKEY)@host/... with those variables from a Secret",
        )
    if parts.scheme in ("https", "http") and parts.username and parts.password is None and not _ENV_REFERENCE.match(parts.username):
        raise ValidationError(
            field,
            "<redacted>",
            "the URL embeds a user name or token",
            "remove it from the URL and pass credentials from a Secret",
        )
    return value


#: URL schemes a Flux v2 GitRepository accepts (its CRD pattern is ``^(http|https|ssh)://.*$``).
FLUX_GIT_SCHEMES = ("ssh", "https", "http")


def flux_git_url(field: str, value: str) -> str:
    """A git URL a Flux v2 GitRepository accepts: ssh://, https:// or http://.

    Flux v1 took the scp-like ``git@host:org/repo``; Flux v2 does not, so the
    fix shows the same address in the ``ssh://`` form.
    """
    if isinstance(value, str) and "://" not in value:
        match = _SCP_LIKE.match(value)
        if match is not None:
            user = f"{match['user']}@" if match["user"] else ""
            suggestion = f"ssh://{user}{match['host']}/{match['path'].lstrip('/')}"
            raise ValidationError(field, value, "Flux v2 does not accept the scp-like git address form", f"write it as {suggestion}")
    git_url(field, value)
    scheme = urlsplit(value).scheme
    if scheme not in FLUX_GIT_SCHEMES:
        raise ValidationError(
            field, value, f"a Flux v2 GitRepository does not accept {scheme}:// URLs", "use ssh://git@host/org/repo or https://host/org/repo"
        )
    return value


def git_branch(field: str, value: str, what: str = "branch") -> str:
    """A branch (or tag) name git accepts: the rules of ``git check-ref-format``."""
    bad = (
        not isinstance(value, str)
        or not value
        or _BAD_REF_CHARS.search(value) is not None
        or ".." in value
        or "@{" in value
        or "//" in value
        or value.startswith(("/", "-", "."))
        or value.endswith(("/", ".", ".lock"))
        or value == "@"
        or any(part.startswith(".") for part in value.split("/"))
    )
    if bad:
        raise ValidationError(
            field,
            value,
            f"not a valid git {what} name",
            "use letters, digits, '-', '_', '.' and '/' (no spaces, '..', '~', '^', ':' or trailing '/')",
        )
    return value


def relative_path(field: str, value: str) -> str:
    """A path inside the git repository: relative and not escaping the root."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "empty path", "give a path relative to the repository root, such as 'dist'")
    if value.startswith("/"):
        raise ValidationError(
            field,
            value,
            "absolute paths are rejected (fluxd exits on them)",
            f"write it relative to the repository root, such as {value.lstrip('/')!r}",
        )
    if normpath(value).split("/")[0] == "..":
        raise ValidationError(field, value, "the path leaves the repository", "remove the '..' parts")
    if "," in value:
        raise ValidationError(
            field, value, "',' separates paths in fluxd's --git-path", "pass each path as its own list item"
        )
    return value


# --- names of files written into git or onto a disk ---------------------------

#: The longest name of one file or folder most file systems accept, in bytes.
MAX_NAME_BYTES = 255
# Code points HFS+ ignores in a name, so ".g\u200cit" is ".git" on a Mac: git's utf8.c, next_hfs_char.
_HFS_IGNORED = dict.fromkeys(map(ord, "\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u206a\u206b\u206c\u206d\u206e\u206f\ufeff"))
# NTFS spellings of ".git", git's path.c is_ntfs_dotgit: ".git" or its short name "git~1", then any
# dots and spaces (NTFS drops them), then the end or ':' (an alternate data stream such as "::$INDEX_ALLOCATION").
_NTFS_DOTGIT = re.compile(r"(\.git|git~1)[. ]*(:.*)?", re.IGNORECASE | re.ASCII | re.DOTALL)


def path_part_problem(part: str) -> str | None:
    """Why one '/'-separated part of a path cannot be a file or folder name, or None.

    git's own rule (git/git read-cache.c verify_path and verify_dotfile, path.c
    is_ntfs_dotgit, utf8.c is_hfs_dotgit): an empty part, "." and "..", and
    ".git" in any case or NTFS/HFS+ spelling, which ``git update-index`` drops
    with "Ignoring path" and a checkout would take for git's own folder. Also
    refused: '\\' (a folder separator on Windows, refused by Flux's untar) and
    a name longer than file systems take.
    """
    if part in ("", ".", ".."):
        return f"{part!r} is not a file or folder name" if part else "it has an empty part ('//', or '/' at either end)"
    if "\\" in part or "\0" in part:
        return f"{part!r} holds '\\' or a NUL byte"
    if _NTFS_DOTGIT.fullmatch(part) or part.translate(_HFS_IGNORED).lower() == ".git":
        return f"{part!r} names git's own folder ('.git' in any case or NTFS/HFS+ spelling), which git refuses to track"
    if len(part.encode()) > MAX_NAME_BYTES:
        return f"a name of {len(part.encode())} bytes, and file systems take at most {MAX_NAME_BYTES}"
    return None


def path_problem(path: str) -> str | None:
    """Why ``path`` (relative, '/'-separated) cannot be written into git or onto a disk, or None."""
    if not isinstance(path, str):
        return "not a string"
    for part in path.split("/"):
        problem = path_part_problem(part)
        if problem is not None:
            return problem
    return None


def tree_problem(paths: Iterable[str]) -> str | None:
    """Why ``paths`` (each already free of ``path_problem``) cannot be files of one folder, or None.

    A path that is both a file and the folder of another cannot be written,
    as git refuses it ("appears as both a file and as a directory").
    """
    files = set(paths)
    for path in sorted(files):
        parts = path.split("/")
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in files:
                return f"{folder!r} is a file and the folder of {path!r}"
    return None


def repository_path(field: str, value: str) -> str:
    """A relative path git tracks as written and every checkout can hold (``path_problem``)."""
    problem = path_problem(value)
    if problem is not None:
        raise ValidationError(
            field, value, problem, "use '/'-separated names of letters, digits, '-', '_' and '.', such as 'clusters/prod'"
        )
    return value


# --- Flux v2 custom resources ---------------------------------------------------

# The pattern every Flux CRD puts on its durations (interval, timeout, retryInterval ...).
_FLUX_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")
# Source timeouts (spec.timeout of GitRepository, OCIRepository, HelmRepository, Bucket) take no hours.
_FLUX_TIMEOUT = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$")
# What Go's regexp (RE2) lacks and Python's re has: look-around, back-references, atomic groups.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\(\?>|\(\?P=|\\[1-9]")
_GO_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")


def flux_duration(field: str, value: str, *, hours: bool = True) -> str:
    """A duration as the Flux CRDs take it: numbers with ms, s, m or h, such as ``1m0s`` or ``10m``.

    ``hours=False`` is the stricter pattern of source timeouts, which refuse ``h``.
    """
    pattern = _FLUX_DURATION if hours else _FLUX_TIMEOUT
    if not _admitted(field, value, lambda v: pattern.match(v) is not None):
        units = "ms, s, m or h" if hours else "ms, s or m (no hours here)"
        raise ValidationError(
            field, value, "not a Flux duration", f"write numbers with units {units}, such as '1m0s', '30s' or '10m'"
        )
    return text(value)


def is_flux_name(value: object) -> bool:
    """Whether ``value`` is a name ``flux_name`` takes (no placeholders)."""
    return isinstance(value, str) and len(value) <= 63 and is_dns1123_subdomain(value)


def flux_name(field: str, value: str | Var) -> str:
    """The name of a Flux object: an RFC 1123 subdomain of at most 63 characters.

    Flux writes object names into label values (``kustomize.toolkit.fluxcd.io/name``),
    which Kubernetes limits to 63 characters, as ``flux create`` does.
    """
    written = dns1123_subdomain(field, value)
    if not _admitted(field, written, is_flux_name):
        raise ValidationError(
            field, value, f"{len(written)} characters, and Flux writes names into labels of at most 63", "shorten it"
        )
    return written


def semver_range(field: str, value: str) -> str:
    """A version constraint Flux parses (Masterminds semver v3), such as ``>=1.0.0 <2.0.0`` or ``6.x``."""
    from cdk8s_flux.semver import ConstraintError, parse_constraints

    if isinstance(value, str) and has_placeholders(value) and admits(lambda v: False, value, field):
        return text(value)  # one placeholder: the version comes from the Kustomization's variables
    try:
        parse_constraints(value)
    except ConstraintError as exc:
        raise ValidationError(
            field,
            value,
            f"not a semver range Flux can parse ({exc})",
            "write a version or range such as '1.2.3', '>=1.0.0 <2.0.0', '~1.2', '^1.2' or '1.x'",
        ) from None
    return value


def go_regexp(field: str, value: str) -> str:
    """A regular expression in Go's syntax (RE2), as Flux compiles it."""
    problem = None
    if not isinstance(value, str):
        problem = "not a string"
    elif _NOT_RE2.search(value):
        problem = "look-around, back-references and atomic groups are not in Go's regexp syntax"
    else:
        try:
            re.compile(_GO_NAMED_GROUP.sub("(?P<", value))
        except re.error as exc:
            problem = f"not a regular expression ({exc})"
    if problem:
        raise ValidationError(field, value, problem, "write an RE2 expression, such as '^v(?P<version>[0-9.]+)$'")
    return value


def url(field: str, value: str, schemes: tuple[str, ...], example: str) -> str:
    """A URL with one of ``schemes`` and a host, such as ``example``."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or value != value.strip() or not value:
        raise ValidationError(field, value, "not a URL", f"write a URL such as {example}")
    if parts.scheme not in schemes:
        accepted = ", ".join(s + "://" for s in schemes)
        raise ValidationError(field, value, f"the scheme must be {accepted}", f"write a URL such as {example}")
    if not parts.netloc:
        raise ValidationError(field, value, "the URL has no host", f"write a URL such as {example}")
    return value


def labels(field: str, value: object) -> dict[str, str]:
    """Kubernetes labels: qualified keys, values of at most 63 letters, digits, '-', '_', '.' (or placeholders)."""
    mapping = string_map(field, value)
    for key, item in mapping.items():
        label_key(f"{field}[{key!r}]", key)
        if not _admitted(f"{field}[{key!r}]", item, lambda v: not kubernetes.label_value(v)):
            raise ValidationError(
                f"{field}[{key!r}]",
                item,
                "not a valid label value",
                "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            )
    return mapping


def label_key(field: str, value: str) -> str:
    """A label key: ``[dns-prefix/]name``, the name at most 63 characters (Kubernetes' qualified name)."""
    if not isinstance(value, str) or kubernetes.qualified_name(value):
        raise ValidationError(field, value, "not a valid key", "use [dns-prefix/]name, such as 'example.com/team' or 'app'")
    return value


def annotation_map(field: str, value: object) -> dict[str, str]:
    """Kubernetes annotations: a mapping of strings whose keys are valid annotation keys."""
    mapping = string_map(field, value)
    for key in mapping:
        annotation_key(f"{field}[{key!r}]", key)
    return mapping


def annotation_key(field: str, value: str) -> str:
    """An annotation key: a qualified name once lower-cased, as apimachinery's ValidateAnnotations reads it."""
    if not isinstance(value, str) or kubernetes.qualified_name(value.lower()):
        raise ValidationError(field, value, "not a valid key", "use [dns-prefix/]name, such as 'example.com/team' or 'app'")
    return value


def string_map(field: str, value: object) -> dict[str, str]:
    """A mapping of strings to strings (labels, annotations, substitutions), as a plain dict."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValidationError(field, value, "not a mapping of strings to strings", "write {'key': 'value'}")
    return {key: text(item) for key, item in value.items()}


def string(field: str, value: object, *, max_length: int | None = None, empty: bool = False) -> str:
    """A string, not empty unless ``empty``, of at most ``max_length`` characters; a ``Var`` as its placeholder."""
    if isinstance(value, Var):
        value = text(value)
    if not isinstance(value, str) or (not value and not empty):
        raise ValidationError(field, value, "not a non-empty string", "give a string value")
    if max_length is not None and len(value) > max_length:
        raise ValidationError(field, value, f"longer than {max_length} characters", "shorten it")
    return value


def boolean(field: str, value: object) -> bool:
    """``True`` or ``False``, nothing truthy."""
    if not isinstance(value, bool):
        raise ValidationError(field, value, "not a boolean", "write True or False")
    return value


def integer(field: str, value: object, *, minimum: int | None = None) -> int:
    """An int (not a bool) that fits in 32 bits, at least ``minimum``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not -(2**31) <= value < 2**31
        or (minimum is not None and value < minimum)
    ):
        at_least = f" of at least {minimum}" if minimum is not None else ""
        raise ValidationError(field, value, f"not an integer{at_least}", f"write a whole number{at_least}")
    return value


def one_of(field: str, value: object, choices: tuple[str, ...]) -> str:
    """One of ``choices``, spelled exactly (Flux's enums are case-sensitive)."""
    if value not in choices:
        raise ValidationError(field, value, "not an accepted value", "use one of " + ", ".join(repr(c) for c in choices))
    return value


def strings(field: str, value: object) -> tuple[str, ...]:
    """A list of strings (a lone string is refused: it would be read letter by letter)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ValidationError(field, value, "not a list of strings", f"write [{value!r}]" if isinstance(value, str) else "write ['a', 'b']")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ValidationError(f"{field}[{index}]", item, "not a string", "give strings only")
    return tuple(value)


def json_value(field: str, value: object) -> object:
    """A value JSON can hold (dicts with string keys, lists, strings, numbers, booleans, None)."""
    if value is None or isinstance(value, (str, bool, Var)):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:  # the API server keeps JSON integers as int64
            raise ValidationError(field, value, "an integer Kubernetes cannot store (it keeps 64-bit integers)", "write it as a string")
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(field, value, "not a JSON number", "use a finite number")
        return value
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(field, key, "a key that is not a string", "use string keys")
            json_value(f"{field}.{key}", item)
        return value
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            json_value(f"{field}[{index}]", item)
        return value
    raise ValidationError(field, value, f"a {type(value).__name__} cannot be written to YAML", "use dicts, lists, strings, numbers and booleans")


def items(field: str, value: object) -> tuple[object, ...]:
    """A list (or tuple) of values; a lone string or object is refused with the fix to wrap it."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ValidationError(field, value, "not a list", "wrap it in a list: [...]")
    return tuple(value)
