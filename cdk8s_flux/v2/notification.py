"""Flux notifications: Provider and Alert (notification.toolkit.fluxcd.io/v1beta3), Receiver (v1).

The props take what ``flux create alert-provider``, ``flux create alert`` and
``flux create receiver`` take, in snake_case, and every other field of the
served versions (commit status expressions, workload identity, OIDC receivers,
CEL filters). An Alert reaches its Provider only in its own namespace
(``providerRef`` has no namespace), so a Provider elsewhere is an error; event
sources and receiver resources may be in any namespace, and keep the
``apiVersion`` an ``ObjectRef`` or ``ObjectSelector`` names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias, overload

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.props import keyword_options
from cdk8s_flux.substitution import Var, text
from cdk8s_flux.v2.helm import HelmRelease
from cdk8s_flux.v2.image import ImagePolicy, ImageRepository, ImageUpdateAutomation
from cdk8s_flux.v2.kustomize import Kustomization, cel_expression
from cdk8s_flux.v2.resource import (
    FluxObjectProps,
    FluxResource,
    ObjectRef,
    accepts,
    compact,
    flag,
    local_ref,
    optional,
    secret_ref,
)
from cdk8s_flux.v2.sources import Bucket, GitRepository, HelmChart, HelmRepository, OCIRepository

#: ``Provider.spec.type`` (CRD enum, Flux v2.9).
PROVIDER_TYPES = (
    "slack", "discord", "msteams", "rocket", "generic", "generic-hmac", "github", "gitlab", "gitea",
    "giteapullrequestcomment", "bitbucketserver", "bitbucket", "azuredevops", "googlechat", "googlepubsub",
    "webex", "sentry", "azureeventhub", "telegram", "lark", "matrix", "opsgenie", "alertmanager", "grafana",
    "githubdispatch", "githubpullrequestcomment", "gitlabmergerequestcomment", "pagerduty", "datadog", "nats",
    "zulip", "otel",
)  # fmt: skip
#: Providers that set commit statuses; their address is the repository URL.
COMMIT_STATUS_TYPES = ("github", "gitlab", "gitea", "bitbucketserver", "bitbucket", "azuredevops")
#: Providers that can authenticate with a Kubernetes ServiceAccount's workload identity (CRD description).
WORKLOAD_IDENTITY_TYPES = ("azureeventhub", "azuredevops", "googlepubsub")
#: ``Receiver.spec.type`` (CRD enum, Flux v2.9).
RECEIVER_TYPES = (
    "generic", "generic-hmac", "generic-oidc", "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay",
    "gcr", "nexus", "acr", "cdevents",
)  # fmt: skip
SEVERITIES = ("info", "error")


@dataclass(frozen=True)
class ObjectSelector:
    """Flux objects of one kind: one by name, or all (``name='*'``) with match_labels.

    For objects the app defines, pass the construct instead (or wrap it:
    ``ObjectSelector.of(construct, filter=...)``). namespace: default the
    Alert's or Receiver's. api_version: the kind's API version, when the
    object should name it. filter: Receivers only, a CEL expression over ``res``
    (the object) and ``req`` (the webhook body) that must be true for the
    object to be reconciled.
    """

    kind: str
    name: str | Var = "*"
    namespace: str | Var | None = None
    match_labels: Mapping[str, str] = field(default_factory=dict)
    api_version: str | None = None
    filter: str | None = None

    @classmethod
    def of(cls, target: FluxResource | ObjectRef, *, filter: str | None = None) -> ObjectSelector:
        """The selector of one construct or ``ObjectRef``, for adding a filter (or naming its apiVersion)."""
        if not isinstance(target, (FluxResource, ObjectRef)):
            raise ValidationError("target", target, "not a Flux object", "pass the construct or an ObjectRef")
        api_version = target.api_version if isinstance(target, ObjectRef) else None
        return cls(kind=target.kind, name=target.name, namespace=target.namespace, api_version=api_version, filter=filter)


#: What an Alert watches and a Receiver reconciles: a construct, an ``ObjectRef``, or all objects of a kind.
EventSource: TypeAlias = (
    Bucket | GitRepository | Kustomization | HelmRelease | HelmChart | HelmRepository | ImageRepository | ImagePolicy
    | ImageUpdateAutomation | OCIRepository | ObjectRef | ObjectSelector
)
_EVENT_SOURCES = accepts(EventSource, imported=("ArtifactGenerator", "ExternalArtifact"))


def _selectors(field_name: str, values: object, namespace: str | Var | None, *, filters: bool = False) -> list[dict[str, Any]]:
    out = []
    own = None if namespace is None else text(namespace)
    for index, item in enumerate(validation.items(field_name, values)):
        where = f"{field_name}[{index}]"
        if isinstance(item, ObjectSelector):
            if item.filter is not None and not filters:
                raise ValidationError(f"{where}.filter", item.filter, "only a Receiver's resources take a filter", "drop it; an Alert selects events with inclusion_list and exclusion_list")
            validation.one_of(f"{where}.kind", item.kind, _EVENT_SOURCES.kinds)
            name = "*" if item.name == "*" else validation.dns1123_subdomain(f"{where}.name", item.name)
            labels = validation.labels(f"{where}.match_labels", item.match_labels)
            if labels and name != "*":
                raise ValidationError(f"{where}.match_labels", labels, "Flux matches labels only with name='*'", "set name='*' or drop match_labels")
            selector: dict[str, Any] = {"kind": item.kind, "name": name}
            if item.api_version is not None:
                selector["apiVersion"] = validation.string(f"{where}.api_version", item.api_version)
            if item.namespace is not None and (selected := validation.dns1123_label(f"{where}.namespace", item.namespace)) != own:
                selector["namespace"] = selected
            if labels:
                selector["matchLabels"] = dict(sorted(labels.items()))
            if item.filter is not None:
                selector["filter"] = cel_expression(f"{where}.filter", item.filter)
            out.append(selector)
        elif isinstance(item, (FluxResource, ObjectRef)):
            if not _EVENT_SOURCES.takes(item):
                raise ValidationError(where, f"{item.kind}/{item.name}", f"a {item.kind} sends no events", "use one of " + ", ".join(_EVENT_SOURCES.kinds))
            ref: dict[str, Any] = item.ref(own)
            if isinstance(item, ObjectRef) and item.api_version is not None:
                ref = {"apiVersion": item.api_version, **ref}  # kept, not dropped: Receivers and Alerts take it
            out.append(ref)
        else:
            raise ValidationError(where, item, "not a Flux object", "pass the construct, or ObjectSelector(kind=..., name=...)")
    if not out:
        raise ValidationError(field_name, values, "empty", "list at least one object (a construct or ObjectSelector)")
    return out


# --- Provider ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProviderProps(FluxObjectProps):
    """A Provider, as ``flux create alert-provider`` takes it.

    type: slack, msteams, github, generic ... (required). address: the webhook
    or API URL (for git providers: the repository URL, required). channel,
    username: for chat providers. secret_ref: a Secret with ``address``,
    ``token`` ... (keeps webhook URLs out of git). cert_secret_ref: client
    certificate and CA. proxy_secret_ref: the proxy to send through (Secret
    key ``address``). proxy: the proxy URL in clear (deprecated by Flux; prefer
    proxy_secret_ref). commit_status_expr: a CEL expression (over ``event``,
    ``provider``, ``alert``) giving the commit status text, git providers only.
    service_account_name: workload identity for azureeventhub, azuredevops,
    googlepubsub (instead of secret_ref). interval: deprecated by Flux and
    unused, kept for old objects. timeout: of each request (no hours).
    suspend: stop sending.
    """

    KIND: ClassVar[str] = "Provider"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "cert_secret_ref": "certSecretRef.name", "proxy_secret_ref": "proxySecretRef.name"}

    type: str
    address: str | None = None
    channel: str | None = None
    username: str | None = None
    secret_ref: str | None = None
    cert_secret_ref: str | None = None
    proxy_secret_ref: str | None = None
    proxy: str | None = None
    commit_status_expr: str | None = None
    service_account_name: str | None = None
    interval: str | None = None
    timeout: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        validation.one_of("type", self.type, PROVIDER_TYPES)
        if self.commit_status_expr is not None and self.type not in COMMIT_STATUS_TYPES:
            raise ValidationError(
                "commit_status_expr", self.commit_status_expr, f"a {self.type} provider sets no commit status", "use it with " + ", ".join(COMMIT_STATUS_TYPES)
            )
        if self.service_account_name is not None:
            if self.type not in WORKLOAD_IDENTITY_TYPES:
                raise ValidationError(
                    "service_account_name", self.service_account_name, f"a {self.type} provider has no workload identity", "use it with " + ", ".join(WORKLOAD_IDENTITY_TYPES)
                )
            if self.secret_ref is not None:
                raise ValidationError("service_account_name", self.service_account_name, "set together with secret_ref", "authenticate with one of them")
        if self.proxy is not None:
            validation.url("proxy", self.proxy, ("http", "https"), "http://proxy.example.com:3128")
            validation.string("proxy", self.proxy, max_length=2048)
        if self.type in COMMIT_STATUS_TYPES:
            if self.address is None:
                raise ValidationError("address", None, f"a {self.type} provider sets commit statuses on one repository", "give the repository URL as address")
            validation.url("address", self.address, ("https", "http"), "https://github.com/org/repo")
        return compact(
            {
                "type": self.type,
                "address": optional(validation.string, "address", self.address, max_length=2048),
                "channel": optional(validation.string, "channel", self.channel, max_length=2048),
                "username": optional(validation.string, "username", self.username, max_length=2048),
                "secretRef": secret_ref("secret_ref", self.secret_ref),
                "certSecretRef": secret_ref("cert_secret_ref", self.cert_secret_ref),
                "proxySecretRef": secret_ref("proxy_secret_ref", self.proxy_secret_ref),
                "proxy": self.proxy,
                "commitStatusExpr": optional(cel_expression, "commit_status_expr", self.commit_status_expr),
                "serviceAccountName": optional(validation.dns1123_subdomain, "service_account_name", self.service_account_name),
                "interval": optional(validation.flux_duration, "interval", self.interval),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout, hours=False),
                "suspend": flag("suspend", self.suspend),
            }
        )


class Provider(FluxResource):
    """A Flux notification Provider: where alerts go (Slack, Teams, a commit status ...)."""

    props_type = ProviderProps

    @overload
    def __init__(self, scope: Construct, id: str, props: ProviderProps) -> None: ...
    @overload
    @keyword_options(ProviderProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ProviderProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


#: The Provider an Alert sends to (``spec.providerRef``, in the Alert's namespace).
ProviderReference: TypeAlias = Provider | ObjectRef
_PROVIDERS = accepts(ProviderReference)


# --- Alert ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AlertProps(FluxObjectProps):
    """An Alert, as ``flux create alert`` takes it.

    provider: the Provider (same namespace). event_sources: the Flux objects
    whose events are sent (constructs, ``ObjectRef`` or ``ObjectSelector``; at
    least one). event_severity: ``info`` (everything, Flux's default) or
    ``error`` (errors only). event_metadata: key/values added to every event
    sent. inclusion_list / exclusion_list: Go regular expressions on the event
    message; only matching / no matching messages are sent. summary: a short
    text shown with each event (deprecated by Flux in favour of
    event_metadata). suspend: stop sending.
    """

    KIND: ClassVar[str] = "Alert"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"provider": "providerRef.name"}

    provider: ProviderReference
    event_sources: Sequence[EventSource]
    event_severity: str | None = None
    event_metadata: Mapping[str, str] = field(default_factory=dict)
    inclusion_list: Sequence[str] = ()
    exclusion_list: Sequence[str] = ()
    summary: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        def patterns(field_name: str, values: Sequence[str]) -> list[str] | None:
            checked = validation.strings(field_name, values)
            return [validation.go_regexp(f"{field_name}[{i}]", v) for i, v in enumerate(checked)] or None

        metadata = validation.string_map("event_metadata", self.event_metadata)
        return compact(
            {
                "providerRef": local_ref(self.provider, "provider", _PROVIDERS, self.namespace, kind=False),
                "eventSources": _selectors("event_sources", self.event_sources, self.namespace),
                "eventSeverity": optional(validation.one_of, "event_severity", self.event_severity, SEVERITIES),
                "eventMetadata": dict(sorted(metadata.items())) or None,
                "inclusionList": patterns("inclusion_list", self.inclusion_list),
                "exclusionList": patterns("exclusion_list", self.exclusion_list),
                "summary": optional(validation.string, "summary", self.summary, max_length=255),
                "suspend": flag("suspend", self.suspend),
            }
        )


class Alert(FluxResource):
    """A Flux Alert: sends the events of some Flux objects to a Provider."""

    props_type = AlertProps

    @overload
    def __init__(self, scope: Construct, id: str, props: AlertProps) -> None: ...
    @overload
    @keyword_options(AlertProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: AlertProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


# --- Receiver ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OIDCValidation:
    """A CEL condition on the caller's token (``claims``, ``vars``); a false one refuses the call with message."""

    expression: str
    message: str


@dataclass(frozen=True)
class OIDCVariable:
    """A named CEL expression over the token's ``claims``, read by later ones as ``vars.<name>``."""

    name: str
    expression: str


@dataclass(frozen=True)
class OIDCProvider:
    """An OIDC issuer whose tokens a ``generic-oidc`` Receiver accepts (``spec.oidcProviders``).

    issuer_url: must equal the token's ``iss``. validations: every one must hold
    (at least one: a valid signature alone says nothing about who calls).
    audience: the expected ``aud`` (Flux's default ``notification-controller``).
    variables: shared sub-expressions, evaluated in order.
    """

    issuer_url: str
    validations: Sequence[OIDCValidation]
    audience: str | None = None
    variables: Sequence[OIDCVariable] = ()

    def to_spec(self, where: str) -> dict[str, Any]:
        validation.url(f"{where}.issuer_url", self.issuer_url, ("https", "http"), "https://token.actions.githubusercontent.com")
        checks = []
        for index, item in enumerate(validation.items(f"{where}.validations", self.validations)):
            at = f"{where}.validations[{index}]"
            if not isinstance(item, OIDCValidation):
                raise ValidationError(at, item, "not an OIDCValidation", "write OIDCValidation(expression=..., message=...)")
            checks.append({"expression": cel_expression(f"{at}.expression", item.expression), "message": validation.string(f"{at}.message", item.message)})
        if not checks:
            raise ValidationError(f"{where}.validations", self.validations, "empty: any token of the issuer would be accepted", "constrain the caller, such as \"claims.repository_owner == 'my-org'\"")
        variables = []
        for index, item in enumerate(validation.items(f"{where}.variables", self.variables)):
            at = f"{where}.variables[{index}]"
            if not isinstance(item, OIDCVariable):
                raise ValidationError(at, item, "not an OIDCVariable", "write OIDCVariable(name=..., expression=...)")
            if not isinstance(item.name, str) or not _CEL_IDENTIFIER.match(item.name):
                raise ValidationError(f"{at}.name", item.name, "not a CEL identifier", "use letters, digits and '_', not starting with a digit")
            variables.append({"name": item.name, "expression": cel_expression(f"{at}.expression", item.expression)})
        return compact(
            {
                "issuerURL": self.issuer_url,
                "audience": optional(validation.string, f"{where}.audience", self.audience),
                "variables": variables or None,
                "validations": checks,
            }
        )


_CEL_IDENTIFIER = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")


@dataclass(frozen=True, kw_only=True)
class ReceiverProps(FluxObjectProps):
    """A Receiver, as ``flux create receiver`` takes it.

    type: github, gitlab, generic ... (required). resources: the Flux objects a
    webhook call reconciles (constructs, ``ObjectRef`` or ``ObjectSelector``;
    at least one; an ``ObjectSelector`` may carry a per-object CEL ``filter``).
    secret_ref: the Secret with the webhook ``token`` (required, except for
    ``generic-oidc``). oidc_providers: the issuers a ``generic-oidc`` Receiver
    trusts (required there, refused elsewhere). resource_filter: a CEL
    expression over ``res`` and ``req`` that must be true for an object to be
    reconciled. events: the event types to accept (such as ``push``).
    interval: how often Flux re-checks the Receiver (Flux: 10m). suspend: stop
    acting on calls.
    """

    KIND: ClassVar[str] = "Receiver"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name"}

    type: str
    resources: Sequence[EventSource]
    secret_ref: str | None = None
    oidc_providers: Sequence[OIDCProvider] = ()
    resource_filter: str | None = None
    events: Sequence[str] = ()
    interval: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        validation.one_of("type", self.type, RECEIVER_TYPES)
        providers = []
        for index, item in enumerate(validation.items("oidc_providers", self.oidc_providers)):
            if not isinstance(item, OIDCProvider):
                raise ValidationError(f"oidc_providers[{index}]", item, "not an OIDCProvider", "write OIDCProvider(issuer_url=..., validations=[...])")
            providers.append(item.to_spec(f"oidc_providers[{index}]"))
        if self.type == "generic-oidc":
            if self.secret_ref is not None:
                raise ValidationError("secret_ref", self.secret_ref, "a generic-oidc receiver authenticates with OIDC, not a token", "drop secret_ref")
            if not providers:
                raise ValidationError("oidc_providers", self.oidc_providers, "a generic-oidc receiver needs at least one", "write oidc_providers=[OIDCProvider(issuer_url=..., validations=[...])]")
        else:
            if self.secret_ref is None:
                raise ValidationError("secret_ref", None, "required: the Secret holds the token that authenticates webhook calls", "name the Secret with a 'token' key")
            if providers:
                raise ValidationError("oidc_providers", self.oidc_providers, "only a generic-oidc receiver uses them", "drop them or set type='generic-oidc'")
        events = validation.strings("events", self.events)
        for index, event in enumerate(events):
            validation.string(f"events[{index}]", event)
        return compact(
            {
                "type": self.type,
                "resources": _selectors("resources", self.resources, self.namespace, filters=True),
                "resourceFilter": optional(cel_expression, "resource_filter", self.resource_filter),
                "oidcProviders": providers or None,
                "secretRef": secret_ref("secret_ref", self.secret_ref),
                "events": list(events) or None,
                "interval": optional(validation.flux_duration, "interval", self.interval),
                "suspend": flag("suspend", self.suspend),
            }
        )


class Receiver(FluxResource):
    """A Flux Receiver: a webhook that makes Flux reconcile some objects at once."""

    props_type = ReceiverProps

    @overload
    def __init__(self, scope: Construct, id: str, props: ReceiverProps) -> None: ...
    @overload
    @keyword_options(ReceiverProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ReceiverProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


__all__ = [
    "Alert",
    "AlertProps",
    "EventSource",
    "OIDCProvider",
    "OIDCValidation",
    "OIDCVariable",
    "ObjectRef",
    "ObjectSelector",
    "Provider",
    "ProviderProps",
    "ProviderReference",
    "Receiver",
    "ReceiverProps",
]
