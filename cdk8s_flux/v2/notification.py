"""Flux notifications: Provider and Alert (notification.toolkit.fluxcd.io/v1beta3), Receiver (v1).

The props take what ``flux create alert-provider``, ``flux create alert`` and
``flux create receiver`` take, in snake_case. An Alert reaches its Provider only
in its own namespace (``providerRef`` has no namespace), so a Provider elsewhere
is an error; event sources and receiver resources may be in any namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias, overload

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.props import keyword_options
from cdk8s_flux.v2.helm import HelmRelease
from cdk8s_flux.v2.image import ImagePolicy, ImageRepository, ImageUpdateAutomation
from cdk8s_flux.v2.kustomize import Kustomization
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
#: ``Receiver.spec.type`` (CRD enum, Flux v2.9).
RECEIVER_TYPES = (
    "generic", "generic-hmac", "generic-oidc", "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay",
    "gcr", "nexus", "acr", "cdevents",
)  # fmt: skip
SEVERITIES = ("info", "error")


@dataclass(frozen=True)
class ObjectSelector:
    """Flux objects of one kind: one by name, or all (``name='*'``) with match_labels.

    For objects the app defines, pass the construct instead. namespace: default
    the Alert's or Receiver's.
    """

    kind: str
    name: str = "*"
    namespace: str | None = None
    match_labels: Mapping[str, str] = field(default_factory=dict)


#: What an Alert watches and a Receiver reconciles: a construct, an ``ObjectRef``, or all objects of a kind.
EventSource: TypeAlias = (
    Bucket | GitRepository | Kustomization | HelmRelease | HelmChart | HelmRepository | ImageRepository | ImagePolicy
    | ImageUpdateAutomation | OCIRepository | ObjectRef | ObjectSelector
)
_EVENT_SOURCES = accepts(EventSource, imported=("ArtifactGenerator", "ExternalArtifact"))


def _selectors(field_name: str, values: object, namespace: str) -> list[dict[str, Any]]:
    out = []
    for index, item in enumerate(validation.items(field_name, values)):
        where = f"{field_name}[{index}]"
        if isinstance(item, ObjectSelector):
            validation.one_of(f"{where}.kind", item.kind, _EVENT_SOURCES.kinds)
            if item.name != "*":
                validation.dns1123_subdomain(f"{where}.name", item.name)
            labels = validation.labels(f"{where}.match_labels", item.match_labels)
            if labels and item.name != "*":
                raise ValidationError(f"{where}.match_labels", labels, "Flux matches labels only with name='*'", "set name='*' or drop match_labels")
            selector: dict[str, Any] = {"kind": item.kind, "name": item.name}
            if item.namespace is not None and validation.dns1123_label(f"{where}.namespace", item.namespace) != namespace:
                selector["namespace"] = item.namespace
            if labels:
                selector["matchLabels"] = dict(sorted(labels.items()))
            out.append(selector)
        elif isinstance(item, (FluxResource, ObjectRef)):
            if not _EVENT_SOURCES.takes(item):
                raise ValidationError(where, f"{item.kind}/{item.name}", f"a {item.kind} sends no events", "use one of " + ", ".join(_EVENT_SOURCES.kinds))
            out.append(item.ref(namespace))
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
    ``token`` ... (keeps webhook URLs out of git). cert_secret_ref,
    proxy_secret_ref, timeout (no hours), suspend: as in Flux.
    """

    KIND: ClassVar[str] = "Provider"

    type: str
    address: str | None = None
    channel: str | None = None
    username: str | None = None
    secret_ref: str | None = None
    cert_secret_ref: str | None = None
    proxy_secret_ref: str | None = None
    timeout: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        validation.one_of("type", self.type, PROVIDER_TYPES)
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
    least one). event_severity: ``info`` or ``error`` (unset: Flux's ``info``).
    event_metadata, inclusion_list / exclusion_list (Go regular expressions
    on the message), summary, suspend: as in Flux.
    """

    KIND: ClassVar[str] = "Alert"
    SPEC_KEYS: ClassVar[dict[str, str]] = {"provider": "providerRef"}

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


@dataclass(frozen=True, kw_only=True)
class ReceiverProps(FluxObjectProps):
    """A Receiver, as ``flux create receiver`` takes it.

    type: github, gitlab, generic ... (required). resources: the Flux objects a
    webhook call reconciles (constructs, ``ObjectRef`` or ``ObjectSelector``;
    at least one). secret_ref: the Secret with the webhook ``token`` (required,
    except for ``generic-oidc``, whose ``oidcProviders`` go in extra_spec).
    events: the event types to accept (such as ``push``). interval, suspend: as in Flux.
    """

    KIND: ClassVar[str] = "Receiver"

    type: str
    resources: Sequence[EventSource]
    secret_ref: str | None = None
    events: Sequence[str] = ()
    interval: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        validation.one_of("type", self.type, RECEIVER_TYPES)
        if self.type == "generic-oidc":
            if self.secret_ref is not None:
                raise ValidationError("secret_ref", self.secret_ref, "a generic-oidc receiver authenticates with OIDC, not a token", "drop secret_ref")
            if not self.extra_spec.get("oidcProviders"):
                raise ValidationError("extra_spec", dict(self.extra_spec), "a generic-oidc receiver needs oidcProviders", "set extra_spec={'oidcProviders': [...]}")
        else:
            if self.secret_ref is None:
                raise ValidationError("secret_ref", None, "required: the Secret holds the token that authenticates webhook calls", "name the Secret with a 'token' key")
            if "oidcProviders" in self.extra_spec:
                raise ValidationError("extra_spec['oidcProviders']", self.extra_spec["oidcProviders"], "only a generic-oidc receiver uses it", "drop it or set type='generic-oidc'")
        events = validation.strings("events", self.events)
        for index, event in enumerate(events):
            validation.string(f"events[{index}]", event)
        return compact(
            {
                "type": self.type,
                "resources": _selectors("resources", self.resources, self.namespace),
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
    "ObjectRef",
    "ObjectSelector",
    "Provider",
    "ProviderProps",
    "ProviderReference",
    "Receiver",
    "ReceiverProps",
]
