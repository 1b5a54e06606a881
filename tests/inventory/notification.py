"""The notification kinds' part of the schema inventory: builders that set every field, and the prop of each field.

Values come from notification-controller's API docs (tests/data/flux-api-docs/notification-controller).
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s

from cdk8s_flux.v2 import (
    Alert,
    ObjectRef,
    ObjectSelector,
    OIDCProvider,
    OIDCValidation,
    OIDCVariable,
    Provider,
    Receiver,
)

COMMIT_STATUS = (
    "(event.involvedObject.kind + '/' + event.involvedObject.name + '/' + event.metadata.foo + '/' "
    "+ provider.metadata.uid.split('-').first().value()).lowerAscii()"
)


def _git_provider(chart: cdk8s.Chart) -> None:
    Provider(
        chart, "github-status", type="github", address="https://github.com/my-gh-org/my-gh-repo", secret_ref="github-token",
        cert_secret_ref="my-ca-crt", proxy_secret_ref="http-proxy", commit_status_expr=COMMIT_STATUS, timeout="30s",
        interval="10m", suspend=True,
    )  # fmt: skip


def _chat_provider(chart: cdk8s.Chart) -> None:
    Provider(chart, "slack-bot", type="slack", channel="general", username="flux", address="https://slack.com/api/chat.postMessage", proxy="http://proxy.example.com:3128")


def _workload_identity_provider(chart: cdk8s.Chart) -> None:
    Provider(chart, "azure", type="azureeventhub", address="fluxv2", service_account_name="notification-azure")


def _alert(chart: cdk8s.Chart) -> None:
    Alert(
        chart, "on-call-webapp", namespace="default", provider=ObjectRef(kind="Provider", name="on-call-slack"),
        event_severity="info", summary="Cluster addons impacted in us-east-2", event_metadata={"env": "prod", "cluster": "eks-us-east-2"},
        event_sources=[
            ObjectSelector(kind="GitRepository", name="webapp"),
            ObjectSelector(kind="HelmRelease", name="*", namespace="flux-system", match_labels={"app": "webapp"}, api_version="helm.toolkit.fluxcd.io/v2"),
        ],
        inclusion_list=[".*succeeded.*"], exclusion_list=[".*upgrade.*has.*started", ".*is.*not.*ready", "^Dependencies.*"],
        suspend=True,
    )  # fmt: skip


def _receiver(chart: cdk8s.Chart) -> None:
    Receiver(
        chart, "gar-receiver", namespace="apps", type="gcr", secret_ref="flux-gar-token", events=["push"], interval="10m",
        resource_filter="req.tag.contains(res.metadata.name)",
        resources=[
            ObjectSelector(
                kind="ImageRepository", name="*", namespace="flux-system", api_version="image.toolkit.fluxcd.io/v1",
                match_labels={"registry": "gar"}, filter="res.metadata.labels['environment'] == 'production'",
            )
        ],
        suspend=True,
    )  # fmt: skip


def _oidc_receiver(chart: cdk8s.Chart) -> None:
    Receiver(
        chart, "generic-oidc-receiver", namespace="default", type="generic-oidc",
        resources=[ObjectRef(kind="GitRepository", name="webapp", api_version="source.toolkit.fluxcd.io/v1")],
        oidc_providers=[
            OIDCProvider(
                issuer_url="https://token.actions.githubusercontent.com", audience="notification-controller",
                variables=[OIDCVariable(name="owner", expression="claims.repository_owner")],
                validations=[OIDCValidation(expression="vars.owner == 'my-org'", message="wrong org")],
            )
        ],
    )  # fmt: skip


BUILDERS: dict[str, list[Callable[[cdk8s.Chart], None]]] = {
    "Provider": [_git_provider, _chat_provider, _workload_identity_provider],
    "Alert": [_alert],
    "Receiver": [_receiver, _oidc_receiver],
}

_SELECTOR = "construct, ObjectRef(kind=..., name=..., namespace=..., api_version=...) or ObjectSelector(kind=..., name=..., ...)"
_OIDC = "oidc_providers=[OIDCProvider(issuer_url=..., audience=..., validations=[OIDCValidation(...)], variables=[OIDCVariable(...)])]"

PROPS: dict[str, dict[str, str]] = {
    "Provider": {
        "spec.address": "address=...",
        "spec.certSecretRef.name": "cert_secret_ref=...",
        "spec.channel": "channel=...",
        "spec.commitStatusExpr": "commit_status_expr=...",
        "spec.interval": "interval=... (deprecated by Flux, unused)",
        "spec.proxy": "proxy=... (deprecated by Flux: use proxy_secret_ref)",
        "spec.proxySecretRef.name": "proxy_secret_ref=...",
        "spec.secretRef.name": "secret_ref=...",
        "spec.serviceAccountName": "service_account_name=...",
        "spec.suspend": "suspend=True",
        "spec.timeout": "timeout=...",
        "spec.type": "type=...",
        "spec.username": "username=...",
    },
    "Alert": {
        "spec.eventMetadata": "event_metadata={...}",
        "spec.eventSeverity": "event_severity=...",
        "spec.eventSources[].apiVersion": f"event_sources=[ObjectSelector(kind=..., api_version=...)] ({_SELECTOR})",
        "spec.eventSources[].kind": f"event_sources=[{_SELECTOR}]",
        "spec.eventSources[].matchLabels": "event_sources=[ObjectSelector(kind=..., name='*', match_labels={...})]",
        "spec.eventSources[].name": f"event_sources=[{_SELECTOR}]",
        "spec.eventSources[].namespace": f"event_sources=[{_SELECTOR}]",
        "spec.exclusionList[]": "exclusion_list=[...]",
        "spec.inclusionList[]": "inclusion_list=[...]",
        "spec.providerRef.name": "provider=Provider(...) or ObjectRef(kind='Provider', name=...)",
        "spec.summary": "summary=...",
        "spec.suspend": "suspend=True",
    },
    "Receiver": {
        "spec.events[]": "events=[...]",
        "spec.interval": "interval=...",
        "spec.oidcProviders[].audience": _OIDC,
        "spec.oidcProviders[].issuerURL": _OIDC,
        "spec.oidcProviders[].validations[].expression": _OIDC,
        "spec.oidcProviders[].validations[].message": _OIDC,
        "spec.oidcProviders[].variables[].expression": _OIDC,
        "spec.oidcProviders[].variables[].name": _OIDC,
        "spec.resourceFilter": "resource_filter=...",
        "spec.resources[].apiVersion": f"resources=[ObjectRef(..., api_version=...) or ObjectSelector(..., api_version=...)] ({_SELECTOR})",
        "spec.resources[].filter": "resources=[ObjectSelector(kind=..., name=..., filter=...)] or [ObjectSelector.of(construct, filter=...)]",
        "spec.resources[].kind": f"resources=[{_SELECTOR}]",
        "spec.resources[].matchLabels": "resources=[ObjectSelector(kind=..., name='*', match_labels={...})]",
        "spec.resources[].name": f"resources=[{_SELECTOR}]",
        "spec.resources[].namespace": f"resources=[{_SELECTOR}]",
        "spec.secretRef.name": "secret_ref=...",
        "spec.suspend": "suspend=True",
        "spec.type": "type=...",
    },
}
