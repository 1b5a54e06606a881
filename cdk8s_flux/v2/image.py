"""Flux image automation (image.toolkit.fluxcd.io/v1): ImageRepository, ImagePolicy, ImageUpdateAutomation.

The props take what ``flux create image repository|policy|update`` take, in
snake_case with the CLI's defaults (``interval`` 1m0s where the CLI sets one).
An ImagePolicy's rule is one value: ``SemverPolicy``, ``AlphabeticalPolicy``
or ``NumericalPolicy``, so two rules at once cannot be written.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias, overload

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.oci.reference import check_provider
from cdk8s_flux.props import keyword_options
from cdk8s_flux.v2.resource import (
    FluxObjectProps,
    FluxResource,
    ObjectRef,
    accepts,
    compact,
    cross_namespace_ref,
    flag,
    name_ref,
    nested,
    optional,
    secret_ref,
)
from cdk8s_flux.v2.sources import GitRepositoryReference
from cdk8s_flux.validation import git_branch

ORDERS = ("asc", "desc")
DIGEST_REFLECTION_POLICIES = ("Always", "IfNotPresent", "Never")
SIGNING_KEY_TYPES = ("gpg", "ssh")
# [host[:port]/]path/component, lowercase, without tag or digest (what go-containerregistry's NewRepository reads).
_IMAGE = re.compile(
    r"^(?:(?P<host>[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_TEMPLATE_REFERENCE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z0-9_]+)\}|(?P<bare>[A-Za-z0-9_]+))")


@dataclass(frozen=True)
class SemverPolicy:
    """Pick the highest tag in a semver range, such as ``>=1.0.0`` or ``5.x``."""

    range: str

    def __post_init__(self) -> None:
        validation.semver_range("policy.range", self.range)

    def to_spec(self) -> dict[str, Any]:
        return {"semver": {"range": self.range}}


@dataclass(frozen=True)
class AlphabeticalPolicy:
    """Pick the last tag in alphabetical order (``asc``, default) or the first (``desc``)."""

    order: str = "asc"

    def __post_init__(self) -> None:
        validation.one_of("policy.order", self.order, ORDERS)

    def to_spec(self) -> dict[str, Any]:
        return {"alphabetical": {"order": self.order}}


@dataclass(frozen=True)
class NumericalPolicy:
    """Pick the highest (``asc``, default) or lowest (``desc``) tag read as a number."""

    order: str = "asc"

    def __post_init__(self) -> None:
        validation.one_of("policy.order", self.order, ORDERS)

    def to_spec(self) -> dict[str, Any]:
        return {"numerical": {"order": self.order}}


#: The rule of an ImagePolicy: one value, so two rules at once cannot be written.
Policy: TypeAlias = SemverPolicy | AlphabeticalPolicy | NumericalPolicy


@dataclass(frozen=True)
class TagFilter:
    """Only tags matching pattern (a Go regular expression) count; extract picks a part, such as ``$ts``."""

    pattern: str
    extract: str | None = None

    def __post_init__(self) -> None:
        pattern = validation.go_regexp("filter_tags.pattern", self.pattern)
        if self.extract is not None:
            validation.string("filter_tags.extract", self.extract)
            groups = set(re.compile(pattern.replace("(?<", "(?P<")).groupindex)
            count = re.compile(pattern.replace("(?<", "(?P<")).groups
            references = [m["braced"] or m["bare"] for m in _TEMPLATE_REFERENCE.finditer(self.extract)]
            if not references:
                raise ValidationError("filter_tags.extract", self.extract, "references no capture group", "write $name or ${name} of a group in pattern")
            for reference in references:
                if not (reference in groups or (reference.isdigit() and int(reference) <= count)):
                    raise ValidationError(
                        "filter_tags.extract", self.extract, f"the group {reference!r} is not in the pattern", "name a group of pattern, such as (?P<ts>[0-9]+) and $ts"
                    )

    def to_spec(self) -> dict[str, str]:
        return compact({"pattern": self.pattern, "extract": self.extract})


# --- ImageRepository -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImageRepositoryProps(FluxObjectProps):
    """An ImageRepository, as ``flux create image repository`` takes it.

    image: the repository to scan, ``[registry/]path`` without tag or digest
    (``ghcr.io/org/app``). interval: default ``1m0s``. secret_ref (a
    docker-registry Secret), cert_secret_ref, proxy_secret_ref, provider
    (generic, aws, azure, gcp), service_account_name, exclusion_list (Go regular
    expressions, at most 25; unset: Flux skips ``.sig`` tags), insecure,
    timeout (no hours), suspend: as in Flux.
    """

    KIND: ClassVar[str] = "ImageRepository"

    image: str
    interval: str = "1m0s"
    secret_ref: str | None = None
    cert_secret_ref: str | None = None
    proxy_secret_ref: str | None = None
    provider: str | None = None
    service_account_name: str | None = None
    exclusion_list: Sequence[str] | None = None
    insecure: bool = False
    timeout: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        image = validation.string("image", self.image)
        if "://" in image or not _IMAGE.match(image):
            fix = "write [registry/]path without scheme, tag or digest, such as 'ghcr.io/org/app'"
            raise ValidationError("image", image, "not an image repository", fix)
        exclusions = None
        if self.exclusion_list is not None:
            exclusions = [
                validation.go_regexp(f"exclusion_list[{i}]", v)
                for i, v in enumerate(validation.strings("exclusion_list", self.exclusion_list))
            ]
            if len(exclusions) > 25:
                raise ValidationError("exclusion_list", exclusions, "more than 25 patterns", "combine them with '|'")
        return compact(
            {
                "image": image,
                "interval": validation.flux_duration("interval", self.interval),
                "secretRef": secret_ref("secret_ref", self.secret_ref),
                "certSecretRef": secret_ref("cert_secret_ref", self.cert_secret_ref),
                "proxySecretRef": secret_ref("proxy_secret_ref", self.proxy_secret_ref),
                "provider": optional(check_provider, "provider", self.provider),
                "serviceAccountName": optional(validation.dns1123_subdomain, "service_account_name", self.service_account_name),
                "exclusionList": exclusions,
                "insecure": flag("insecure", self.insecure),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout, hours=False),
                "suspend": flag("suspend", self.suspend),
            }
        )


class ImageRepository(FluxResource):
    """A Flux ImageRepository: scans a container image repository for tags."""

    props_type = ImageRepositoryProps

    @overload
    def __init__(self, scope: Construct, id: str, props: ImageRepositoryProps) -> None: ...
    @overload
    @keyword_options(ImageRepositoryProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ImageRepositoryProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


# --- ImagePolicy ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImagePolicyProps(FluxObjectProps):
    """An ImagePolicy, as ``flux create image policy`` takes it.

    image_repository: the ImageRepository (another namespace only if it grants
    access). policy: ``SemverPolicy(range=...)``, ``AlphabeticalPolicy()`` or
    ``NumericalPolicy()``. filter_tags: a ``TagFilter``. digest_reflection_policy:
    Always, IfNotPresent or Never; interval is taken (and required) only with Always.
    """

    KIND: ClassVar[str] = "ImagePolicy"
    SPEC_KEYS: ClassVar[dict[str, str]] = {"image_repository": "imageRepositoryRef"}

    image_repository: ImageRepositoryReference
    policy: Policy
    filter_tags: TagFilter | None = None
    digest_reflection_policy: str | None = None
    interval: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        if not isinstance(self.policy, typing.get_args(Policy)):
            raise ValidationError("policy", self.policy, "not a policy", "write SemverPolicy(range='>=1.0.0'), AlphabeticalPolicy() or NumericalPolicy()")
        filter_tags = nested("filter_tags", self.filter_tags, TagFilter)
        reflection = optional(validation.one_of, "digest_reflection_policy", self.digest_reflection_policy, DIGEST_REFLECTION_POLICIES)
        if (reflection == "Always") != (self.interval is not None):
            if self.interval is None:
                raise ValidationError("interval", None, "required with digest_reflection_policy='Always'", "set how often to look up the digest, such as '5m'")
            raise ValidationError("interval", self.interval, "only used with digest_reflection_policy='Always'", "drop it, or set digest_reflection_policy='Always'")
        return compact(
            {
                "imageRepositoryRef": name_ref(self.image_repository, "image_repository", _IMAGE_REPOSITORIES, self.namespace),
                "policy": self.policy.to_spec(),
                "filterTags": filter_tags.to_spec() if filter_tags else None,
                "digestReflectionPolicy": reflection,
                "interval": optional(validation.flux_duration, "interval", self.interval),
                "suspend": flag("suspend", self.suspend),
            }
        )


#: The ImageRepository an ImagePolicy picks a tag of (``spec.imageRepositoryRef``).
ImageRepositoryReference: TypeAlias = ImageRepository | ObjectRef
_IMAGE_REPOSITORIES = accepts(ImageRepositoryReference)
_GIT_REPOSITORIES = accepts(GitRepositoryReference)


class ImagePolicy(FluxResource):
    """A Flux ImagePolicy: which tag of an ImageRepository is the latest."""

    props_type = ImagePolicyProps

    @overload
    def __init__(self, scope: Construct, id: str, props: ImagePolicyProps) -> None: ...
    @overload
    @keyword_options(ImagePolicyProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ImagePolicyProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


# --- ImageUpdateAutomation -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImageUpdateAutomationProps(FluxObjectProps):
    """An ImageUpdateAutomation, as ``flux create image update`` takes it (its flags, in snake_case).

    source: the GitRepository to commit to. author_email (required), author_name:
    the commit author. checkout_branch: the branch to start from (unset: the
    GitRepository's ref). push_branch: push there instead. message_template:
    the commit message. signing_key_secret / signing_key_type (gpg, the default,
    or ssh): sign commits. update_path: update image references under this
    folder with the Setters strategy. interval: default ``1m0s``. suspend: as in Flux.
    """

    KIND: ClassVar[str] = "ImageUpdateAutomation"
    SPEC_KEYS: ClassVar[dict[str, str]] = {
        "source": "sourceRef", "author_email": "git", "author_name": "git", "checkout_branch": "git", "push_branch": "git",
        "message_template": "git", "signing_key_secret": "git", "signing_key_type": "git", "update_path": "update",
    }  # fmt: skip

    source: GitRepositoryReference
    author_email: str
    author_name: str | None = None
    checkout_branch: str | None = None
    push_branch: str | None = None
    message_template: str | None = None
    signing_key_secret: str | None = None
    signing_key_type: str | None = None
    update_path: str | None = None
    interval: str = "1m0s"
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        if not isinstance(self.author_email, str) or not _EMAIL.match(self.author_email):
            raise ValidationError("author_email", self.author_email, "not an e-mail address", "write name@example.com")
        if self.signing_key_type is not None and self.signing_key_secret is None:
            raise ValidationError("signing_key_type", self.signing_key_type, "there is no signing key", "set signing_key_secret too")
        signing = None
        if self.signing_key_secret is not None:
            signing = {
                "secretRef": secret_ref("signing_key_secret", self.signing_key_secret),
                "type": validation.one_of("signing_key_type", self.signing_key_type or "gpg", SIGNING_KEY_TYPES),
            }
        commit = compact(
            {
                "author": compact({"email": self.author_email, "name": optional(validation.string, "author_name", self.author_name)}),
                "messageTemplate": optional(validation.string, "message_template", self.message_template),
                "signingKey": signing,
            }
        )
        git = compact(
            {
                "checkout": {"ref": {"branch": git_branch("checkout_branch", self.checkout_branch)}}
                if self.checkout_branch is not None
                else None,
                "commit": commit,
                "push": {"branch": git_branch("push_branch", self.push_branch)} if self.push_branch is not None else None,
            }
        )
        update = None
        if self.update_path is not None:
            update = {"path": validation.string("update_path", self.update_path), "strategy": "Setters"}
        return compact(
            {
                "sourceRef": cross_namespace_ref(self.source, "source", _GIT_REPOSITORIES, self.namespace),
                "git": git,
                "update": update,
                "interval": validation.flux_duration("interval", self.interval),
                "suspend": flag("suspend", self.suspend),
            }
        )


class ImageUpdateAutomation(FluxResource):
    """A Flux ImageUpdateAutomation: commits the latest image tags of the policies back to git."""

    props_type = ImageUpdateAutomationProps

    @overload
    def __init__(self, scope: Construct, id: str, props: ImageUpdateAutomationProps) -> None: ...
    @overload
    @keyword_options(ImageUpdateAutomationProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ImageUpdateAutomationProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


__all__ = [
    "AlphabeticalPolicy",
    "ImagePolicy",
    "ImagePolicyProps",
    "ImageRepository",
    "ImageRepositoryProps",
    "ImageRepositoryReference",
    "ImageUpdateAutomation",
    "ImageUpdateAutomationProps",
    "NumericalPolicy",
    "ObjectRef",
    "Policy",
    "SemverPolicy",
    "TagFilter",
]
