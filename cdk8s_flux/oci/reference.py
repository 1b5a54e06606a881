"""Where an artifact lives: ``oci://host[:port]/repository[:tag|@digest]``, parsed and checked.

Flux's ``OCIRepository`` and ``flux push artifact`` both address artifacts with
``oci://`` URLs; the rules here are the distribution specification's for
repository names, tags and digests, so a bad reference fails before any
network traffic, with a message that shows the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError

SCHEME = "oci://"

#: How Flux authenticates to an OCI registry: the ``spec.provider`` enum of the OCIRepository,
#: HelmRepository and ImageRepository CRDs (Flux v2.9.4 gotk-components.yaml), the same for all three.
REGISTRY_PROVIDERS = ("generic", "aws", "azure", "gcp")

# distribution/reference: a path component is lowercase alphanumerics joined by '.', '_', '__' or '-'s.
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
# The OCI distribution spec: a tag "MUST match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}".
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
# sha256 only: the OCIRepository CRD of Flux v2.9.4 says spec.ref.digest "should be in the format
# 'sha256:<HASH>'" (it has no pattern), and source-controller reads it with go-containerregistry's
# name.NewDigest, which takes sha256 and 64 lowercase hex digits and nothing else.
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_HOST_PART = re.compile(r"^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$")
_IPV6 = re.compile(r"^\[[0-9A-Fa-f:.]+\]$")
_EXAMPLE = "oci://ghcr.io/org/app-manifests:latest"
#: Longest repository name (registry included) the distribution spec allows.
MAX_NAME = 255


@dataclass(frozen=True)
class Reference:
    """An artifact in a registry: ``registry`` (host[:port]), ``repository``, and a tag and/or digest."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def url(self) -> str:
        """``oci://registry/repository``: the repository alone, as ``OCIRepository.spec.url`` takes it."""
        return f"{SCHEME}{self.registry}/{self.repository}"

    @property
    def name(self) -> str:
        """``registry/repository``, as registries and ``cosign`` name it."""
        return f"{self.registry}/{self.repository}"

    @property
    def host(self) -> str:
        """The registry's host name, without the port."""
        if self.registry.startswith("["):
            return self.registry.split("]")[0] + "]"
        return self.registry.split(":")[0]

    def with_tag(self, tag: str) -> Reference:
        return replace(self, tag=check_tag("tag", tag), digest=None)

    def with_digest(self, digest: str) -> Reference:
        return replace(self, tag=None, digest=check_digest("digest", digest))

    def __str__(self) -> str:
        text = self.url
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def is_tag(value: object) -> bool:
    """Whether ``value`` is a tag as the distribution spec defines it."""
    return isinstance(value, str) and bool(_TAG.match(value))


def is_digest(value: object) -> bool:
    """Whether ``value`` is a manifest digest: ``sha256:`` and 64 lowercase hex digits."""
    return isinstance(value, str) and bool(_DIGEST.match(value))


def check_tag(field: str, value: str) -> str:
    """A tag as the distribution spec defines it: up to 128 of ``[A-Za-z0-9_.-]``, not starting with '.' or '-'."""
    if not is_tag(value):
        raise ValidationError(
            field, value, "not a valid OCI tag", "use up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-', such as 'latest' or 'v1.2.3'"
        )
    return value


def check_digest(field: str, value: str) -> str:
    """A manifest digest: ``sha256:`` and 64 lowercase hex digits."""
    if not is_digest(value):
        raise ValidationError(field, value, "not a sha256 digest", "write sha256: followed by 64 lowercase hex digits")
    return value


def check_provider(field: str, value: str) -> str:
    """A registry provider Flux knows: generic (secrets or anonymous), aws, azure or gcp (workload identity)."""
    return validation.one_of(field, value, REGISTRY_PROVIDERS)


def _check_registry(field: str, text: str, value: str) -> None:
    host, _, port = value.rpartition(":") if not value.endswith("]") and ":" in value else (value, "", "")
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        raise ValidationError(field, text, f"the registry port {port!r} is not a number from 1 to 65535", f"write it as {_EXAMPLE}")
    if _IPV6.match(host):
        return
    if not host or not all(_HOST_PART.match(part) for part in host.split(".")):
        raise ValidationError(field, text, f"{host!r} is not a registry host name", f"write it as {_EXAMPLE}")


def parse_reference(text: str, field: str = "reference") -> Reference:
    """Parse ``oci://host[:port]/repository[:tag][@digest]``; a ``ValidationError`` names the fix.

    The registry must be explicit (Flux has no default registry), the repository
    lowercase, the tag and digest as the distribution spec allows them.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(field, text, "empty", f"write an OCI reference such as {_EXAMPLE}")
    if text != text.strip():
        raise ValidationError(field, text, "leading or trailing spaces", "remove them")
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise ValidationError(field, text, "no oci:// scheme", f"write it as oci://{text}, as Flux does")
    if scheme in ("http", "https"):
        raise ValidationError(
            field, text, f"{scheme}:// is not an OCI reference",
            f"write oci://{rest}; for a registry that only speaks plain HTTP, also allow plain HTTP (insecure_registry)",
        )
    if scheme != "oci":
        raise ValidationError(field, text, f"the scheme must be oci://, not {scheme}://", f"write oci://{rest}")
    registry, slash, path = rest.partition("/")
    if not slash or not path:
        raise ValidationError(field, text, "no repository after the registry", f"write oci://{registry or 'host'}/org/app, such as {_EXAMPLE}")
    _check_registry(field, text, registry)
    path, at, digest = path.partition("@")
    if at:
        check_digest(field, digest)
    name, tag = path, None
    if ":" in path.rsplit("/", 1)[-1]:
        name, _, tag = path.rpartition(":")
        check_tag(field, tag)
    components = name.split("/")
    for component in components:
        if not _COMPONENT.match(component):
            problem = (
                "repository names are lowercase" if component.lower() != component
                else f"the repository part {component!r} is not allowed"
            )
            raise ValidationError(
                field, text, problem,
                "use lowercase letters, digits and single '.', '_' or '-' between them, separated by '/', such as org/app-manifests",
            )
    if len(f"{registry}/{name}") > MAX_NAME:
        raise ValidationError(field, text, f"the repository name is longer than {MAX_NAME} characters", "shorten it")
    return Reference(registry=registry, repository=name, tag=tag, digest=digest or None)
