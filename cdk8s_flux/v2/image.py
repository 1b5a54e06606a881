"""Flux image automation (image.toolkit.fluxcd.io/v1): ImageRepository, ImagePolicy, ImageUpdateAutomation.

The props take what ``flux create image repository|policy|update`` take, in
snake_case with the CLI's defaults (``interval`` 1m0s where the CLI sets one),
and every other field of the v2.9.4 CRDs as a nested value (``AccessFrom``,
``LabelSelector``, ``GitRepositoryRef``). An ImagePolicy's rule is one value:
``SemverPolicy``, ``AlphabeticalPolicy`` or ``NumericalPolicy``, so two rules at
once cannot be written. A field left unset takes the CRD's default.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias, overload

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.images.synth import add_checks
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
from cdk8s_flux.v2.sources import GitRepositoryRef, GitRepositoryReference
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
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class NamespaceSelector:
    """Namespaces whose labels include all of match_labels (``{}`` selects every namespace)."""

    match_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validation.labels("access_from.namespace_selectors.match_labels", self.match_labels)

    def to_spec(self) -> dict[str, Any]:
        return {"matchLabels": dict(sorted(self.match_labels.items()))}


@dataclass(frozen=True)
class AccessFrom:
    """Which other namespaces may reference this object (``spec.accessFrom``), any selector matching.

    On an ImageRepository: the namespaces whose ImagePolicies may pick from its
    tags, matched by the namespace's labels (``kubernetes.io/metadata.name`` names one).
    """

    namespace_selectors: Sequence[NamespaceSelector]

    def __post_init__(self) -> None:
        if isinstance(self.namespace_selectors, (str, Mapping)) or not isinstance(self.namespace_selectors, Sequence):
            raise ValidationError(
                "access_from.namespace_selectors", self.namespace_selectors, "not a list", "write [NamespaceSelector(match_labels={...})]"
            )
        for i, selector in enumerate(self.namespace_selectors):
            nested(f"access_from.namespace_selectors[{i}]", selector, NamespaceSelector)

    def to_spec(self) -> dict[str, Any]:
        return {"namespaceSelectors": [s.to_spec() for s in self.namespace_selectors]}


@dataclass(frozen=True)
class LabelSelectorRequirement:
    """One condition on a label: key, an operator (In, NotIn, Exists, DoesNotExist) and its values."""

    key: str
    operator: str
    values: Sequence[str] = ()

    def __post_init__(self) -> None:
        validation.label_key("match_expressions.key", self.key)
        validation.one_of("match_expressions.operator", self.operator, SELECTOR_OPERATORS)
        values = validation.strings("match_expressions.values", self.values)
        if self.operator in ("In", "NotIn") and not values:
            raise ValidationError(
                "match_expressions.values", list(values), f"{self.operator} needs at least one value", "list the label values to match"
            )
        if self.operator in ("Exists", "DoesNotExist") and values:
            raise ValidationError("match_expressions.values", list(values), f"{self.operator} takes no values", "drop values=")

    def to_spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class LabelSelector:
    """Objects whose labels match all of match_labels and all of match_expressions (a Kubernetes label selector)."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: Sequence[LabelSelectorRequirement] = ()

    def __post_init__(self) -> None:
        validation.labels("policy_selector.match_labels", self.match_labels)
        for i, requirement in enumerate(self.match_expressions):
            nested(f"policy_selector.match_expressions[{i}]", requirement, LabelSelectorRequirement)

    def to_spec(self) -> dict[str, Any]:
        return compact(
            {
                "matchLabels": dict(sorted(self.match_labels.items())) if self.match_labels else None,
                "matchExpressions": [r.to_spec() for r in self.match_expressions] or None,
            }
        )


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
                raise ValidationError(
                    "filter_tags.extract", self.extract, "references no capture group", "write $name or ${name} of a group in pattern"
                )
            for reference in references:
                if not (reference in groups or (reference.isdigit() and int(reference) <= count)):
                    raise ValidationError(
                        "filter_tags.extract",
                        self.extract,
                        f"the group {reference!r} is not in the pattern",
                        "name a group of pattern, such as (?P<ts>[0-9]+) and $ts",
                    )

    def to_spec(self) -> dict[str, str]:
        return compact({"pattern": self.pattern, "extract": self.extract})


# --- ImageRepository -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImageRepositoryProps(FluxObjectProps):
    """An ImageRepository, as ``flux create image repository`` takes it.

    image: the repository to scan, ``[registry/]path`` without tag or digest
    (``ghcr.io/org/app``). interval: how often to list its tags, default ``1m0s``.
    secret_ref: a docker-registry Secret with the registry's credentials.
    cert_secret_ref: a Secret with the TLS client certificate and CA to trust.
    proxy_secret_ref: a Secret with the HTTP/S proxy to go through.
    provider: where credentials come from (generic, the CRD's default, aws, azure,
    gcp). service_account_name: a ServiceAccount whose image pull secrets log in.
    exclusion_list: tags to skip, Go regular expressions, at most 25 (unset:
    Flux skips ``.sig`` tags). access_from: the other namespaces whose policies
    may read this repository. insecure: plain HTTP. timeout: per scan, no hours
    (unset: Flux uses the interval). suspend: stop scanning.
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
    access_from: AccessFrom | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        image = validation.string("image", self.image)
        access_from = nested("access_from", self.access_from, AccessFrom)
        if "://" in image or not _IMAGE.match(image):
            fix = "write [registry/]path without scheme, tag or digest, such as 'ghcr.io/org/app'"
            raise ValidationError("image", image, "not an image repository", fix)
        exclusions = None
        if self.exclusion_list is not None:
            exclusions = [
                validation.go_regexp(f"exclusion_list[{i}]", v) for i, v in enumerate(validation.strings("exclusion_list", self.exclusion_list))
            ]
            if len(exclusions) > 25:
                raise ValidationError("exclusion_list", exclusions, "more than 25 patterns", "combine them with '|'")
        return compact(
            {
                "accessFrom": access_from.to_spec() if access_from else None,
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

    image_repository: the ImageRepository whose tags it picks from (in another
    namespace only if that repository's access_from grants it). policy:
    ``SemverPolicy(range=...)``, ``AlphabeticalPolicy()`` or ``NumericalPolicy()``.
    filter_tags: a ``TagFilter`` that narrows the tags first.
    digest_reflection_policy: when to look up the picked tag's digest: Always,
    IfNotPresent or Never (unset: Never, the CRD's default); interval, how often to
    look it up again, is taken (and required) only with Always. suspend: stop
    picking.
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
            raise ValidationError(
                "policy", self.policy, "not a policy", "write SemverPolicy(range='>=1.0.0'), AlphabeticalPolicy() or NumericalPolicy()"
            )
        filter_tags = nested("filter_tags", self.filter_tags, TagFilter)
        reflection = optional(validation.one_of, "digest_reflection_policy", self.digest_reflection_policy, DIGEST_REFLECTION_POLICIES)
        if (reflection == "Always") != (self.interval is not None):
            if self.interval is None:
                raise ValidationError(
                    "interval", None, "required with digest_reflection_policy='Always'", "set how often to look up the digest, such as '5m'"
                )
            raise ValidationError(
                "interval", self.interval, "only used with digest_reflection_policy='Always'", "drop it, or set digest_reflection_policy='Always'"
            )
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

    source: the GitRepository to commit to (an ``ObjectRef`` may carry its
    api_version). author_email (required), author_name: the commit author.
    checkout_branch: the branch to start from, or checkout_ref for any
    ``GitRepositoryRef`` (unset: the GitRepository's own ref). push_branch: push
    the commit there instead; push_refspec: a Git refspec to push as well (such as
    ``refs/heads/flux:refs/for/main`` for Gerrit); push_options: Git push options
    (``{"topic": "flux"}``). message_template: the commit message, a Go template;
    message_template_values: values it reads as ``.Values``. signing_key_secret /
    signing_key_type (gpg, the default, or ssh): sign commits. update_path:
    update image references under this path with the Setters strategy (the only
    one Flux has). policy_selector: only the ImagePolicies with these labels
    (unset: every policy in the namespace). interval: default ``1m0s``.
    suspend: stop updating.
    """

    KIND: ClassVar[str] = "ImageUpdateAutomation"
    SPEC_KEYS: ClassVar[dict[str, str]] = {
        "source": "sourceRef", "author_email": "git", "author_name": "git", "checkout_branch": "git", "push_branch": "git",
        "message_template": "git", "signing_key_secret": "git", "signing_key_type": "git", "update_path": "update",
        "checkout_ref": "git", "push_refspec": "git", "push_options": "git", "message_template_values": "git",
    }  # fmt: skip

    source: GitRepositoryReference
    author_email: str
    author_name: str | None = None
    checkout_branch: str | None = None
    checkout_ref: GitRepositoryRef | None = None
    push_branch: str | None = None
    push_refspec: str | None = None
    push_options: Mapping[str, str] | None = None
    message_template: str | None = None
    message_template_values: Mapping[str, str] | None = None
    signing_key_secret: str | None = None
    signing_key_type: str | None = None
    update_path: str | None = None
    policy_selector: LabelSelector | None = None
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
                "messageTemplateValues": optional(_string_map, "message_template_values", self.message_template_values),
                "signingKey": signing,
            }
        )
        git = compact(
            {
                "checkout": self._checkout(),
                "commit": commit,
                "push": compact(
                    {
                        "branch": optional(git_branch, "push_branch", self.push_branch),
                        "refspec": optional(_refspec, "push_refspec", self.push_refspec),
                        "options": optional(_string_map, "push_options", self.push_options),
                    }
                )
                or None,
            }
        )
        selector = nested("policy_selector", self.policy_selector, LabelSelector)
        update = None
        if self.update_path is not None:
            update = {"path": validation.string("update_path", self.update_path), "strategy": "Setters"}
        return compact(
            {
                "sourceRef": _source_ref(self.source, self.namespace),
                "git": git,
                "policySelector": selector.to_spec() if selector else None,
                "update": update,
                "interval": validation.flux_duration("interval", self.interval),
                "suspend": flag("suspend", self.suspend),
            }
        )

    def _checkout(self) -> dict[str, Any] | None:
        """``git.checkout``: checkout_branch is the short form of checkout_ref, so only one of them."""
        if self.checkout_branch is not None and self.checkout_ref is not None:
            raise ValidationError(
                "checkout_ref",
                self.checkout_ref,
                "set together with checkout_branch",
                "drop checkout_branch= and write checkout_ref=GitRepositoryRef(branch=...)",
            )
        if self.checkout_branch is not None:
            return {"ref": {"branch": git_branch("checkout_branch", self.checkout_branch)}}
        ref = nested("checkout_ref", self.checkout_ref, GitRepositoryRef)
        return {"ref": ref.to_spec()} if ref else None


def _string_map(field_name: str, value: object) -> dict[str, str]:
    return dict(sorted(validation.string_map(field_name, value).items()))


def _refspec(field_name: str, value: object) -> str:
    refspec = validation.string(field_name, value)
    if refspec.startswith(("+", ":")):
        raise ValidationError(
            field_name, refspec, "Flux pushes no forced ('+') or deleting (':') refspecs", "write SRC:DST, such as 'refs/heads/flux:refs/for/main'"
        )
    return refspec


def _source_ref(value: object, namespace: str | None) -> dict[str, str]:
    """``sourceRef``, with the ``apiVersion`` an ``ObjectRef`` names (Flux takes one here)."""
    ref = cross_namespace_ref(value, "source", _GIT_REPOSITORIES, namespace)
    if isinstance(value, ObjectRef) and value.api_version is not None:
        ref = {"apiVersion": value.api_version, **ref}
    return ref


class ImageUpdateAutomation(FluxResource):
    """A Flux ImageUpdateAutomation: commits the latest image tags of the policies back to git.

    The app's synth refuses one that writes the branch and path ``publish`` owns
    (``cdk8s_flux.images.checks``): the next publish would replace its commits.
    """

    props_type = ImageUpdateAutomationProps

    @overload
    def __init__(self, scope: Construct, id: str, props: ImageUpdateAutomationProps) -> None: ...
    @overload
    @keyword_options(ImageUpdateAutomationProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ImageUpdateAutomationProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)
        add_checks(self)


__all__ = [
    "AccessFrom",
    "AlphabeticalPolicy",
    "ImagePolicy",
    "ImagePolicyProps",
    "ImageRepository",
    "ImageRepositoryProps",
    "ImageRepositoryReference",
    "ImageUpdateAutomation",
    "ImageUpdateAutomationProps",
    "LabelSelector",
    "LabelSelectorRequirement",
    "NamespaceSelector",
    "NumericalPolicy",
    "ObjectRef",
    "Policy",
    "SemverPolicy",
    "TagFilter",
]
