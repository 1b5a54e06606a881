"""Checks shared by every construct: names, durations, git URLs, paths.

Each check returns the value unchanged when it is valid and raises
``ValidationError`` naming the argument, the value and the fix otherwise.
"""

from __future__ import annotations

import re
from posixpath import normpath
from urllib.parse import urlsplit

from cdk8s_flux.errors import ValidationError

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# Go's time.ParseDuration: a signed sequence of decimal numbers with units, or "0".
_GO_DURATION = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")
# scp-like git address: [user@]host:path, with no scheme and no slash before the colon.
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[A-Za-z0-9.\-]+):(?P<path>(?!//).+)$")
# Kubernetes expands $(VAR) in container args, which is how fluxd takes HTTPS credentials.
_ENV_REFERENCE = re.compile(r"^\$\([A-Za-z_][A-Za-z0-9_]*\)$")

GIT_SCHEMES = ("ssh", "https", "http", "git")


def dns1123_label(field: str, value: str) -> str:
    """A namespace or other name that must be an RFC 1123 label."""
    if not isinstance(value, str) or len(value) > 63 or not _DNS1123_LABEL.match(value):
        raise ValidationError(
            field,
            value,
            "not a valid RFC 1123 label",
            "use at most 63 lowercase letters, digits and '-', starting and ending "
            "with a letter or digit",
        )
    return value


def dns1123_subdomain(field: str, value: str) -> str:
    """An object name that must be an RFC 1123 subdomain."""
    if not isinstance(value, str) or len(value) > 253 or not _DNS1123_SUBDOMAIN.match(value):
        raise ValidationError(
            field,
            value,
            "not a valid Kubernetes object name (RFC 1123 subdomain)",
            "use at most 253 lowercase letters, digits, '-' and '.', starting and "
            "ending with a letter or digit",
        )
    return value


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
    if parts.scheme in ("https", "http") and parts.username and parts.password is None:
        if not _ENV_REFERENCE.match(parts.username):
            raise ValidationError(
                field,
                "<redacted>",
                "the URL embeds a user name or token",
                "remove it from the URL and pass credentials from a Secret",
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
