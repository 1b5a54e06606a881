"""``cdk8s_flux.v2.notification``: Provider, Alert, Receiver (Flux v2.9.4 CRDs)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from apidocs import assert_rebuilt
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import (
    Alert,
    AlertProps,
    GitRepository,
    GitRepositoryRef,
    Kustomization,
    ObjectRef,
    ObjectSelector,
    OIDCProvider,
    OIDCValidation,
    OIDCVariable,
    Provider,
    ProviderProps,
    Receiver,
    ReceiverProps,
)
from cdk8s_flux.validate import validate_objects

SLACK = ObjectRef(kind="Provider", name="slack")
ALL_KUSTOMIZATIONS = ObjectSelector(kind="Kustomization")


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def test_an_alert_on_the_objects_of_the_app(crds: list[dict[str, Any]]) -> None:
    # GIVEN a source, a Kustomization in another namespace and a Slack provider
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    repo = GitRepository(scope, "app", url="https://github.com/example/app", ref=GitRepositoryRef(branch="main"))
    apps = Kustomization(scope, "apps", source=repo, namespace="apps")
    slack = Provider(scope, "slack", type="slack", channel="deploys", secret_ref="slack-webhook")
    # WHEN an Alert watches them, and every HelmRelease labelled team=web
    Alert(
        scope, "deploys", provider=slack, event_severity="error",
        event_sources=[repo, apps, ObjectSelector(kind="HelmRelease", match_labels={"team": "web"}, namespace="web")],
        exclusion_list=["^Dependencies.*"], event_metadata={"cluster": "prod"}, summary="prod deploys",
    )  # fmt: skip
    objects = chart_objects(scope)
    # THEN the event sources carry namespaces only across namespaces
    assert objects[-1]["spec"] == {
        "eventMetadata": {"cluster": "prod"},
        "eventSeverity": "error",
        "eventSources": [
            {"kind": "GitRepository", "name": "app"},
            {"kind": "Kustomization", "name": "apps", "namespace": "apps"},
            {"kind": "HelmRelease", "matchLabels": {"team": "web"}, "name": "*", "namespace": "web"},
        ],
        "exclusionList": ["^Dependencies.*"],
        "providerRef": {"name": "slack"},
        "summary": "prod deploys",
    }
    assert validate_objects(objects, crds=crds) == [] and cel_problems(objects, crds) == []


def test_a_commit_status_provider_needs_the_repository_address(crds: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError, match="repository URL") as raised:
        ProviderProps(type="github", secret_ref="token")
    assert raised.value.field == "address"
    obj = ProviderProps(type="github", address="https://github.com/example/app", secret_ref="token").manifest("status")
    assert obj["spec"] == {"address": "https://github.com/example/app", "secretRef": {"name": "token"}, "type": "github"}
    assert validate_objects([obj], crds=crds) == []


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"type": "Slack"}, "type", "'slack'"),
        ({"type": "slack", "address": "x" * 2049}, "address", "2048"),
        ({"type": "slack", "timeout": "1h"}, "timeout", "no hours"),
    ],
)
def test_provider_errors(options: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        ProviderProps(**options)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"event_sources": []}, "event_sources", "at least one"),
        ({"event_sources": [ObjectSelector(kind="Deployment")]}, "event_sources[0].kind", "'Kustomization'"),
        ({"event_sources": [ObjectSelector(kind="Kustomization", name="apps", match_labels={"a": "b"})]}, "event_sources[0].match_labels", "name='\\*'"),
        ({"event_sources": [ObjectRef(kind="Provider", name="p")]}, "event_sources[0]", "sends no events"),
        ({"event_sources": [ALL_KUSTOMIZATIONS], "event_severity": "warning"}, "event_severity", "'info'"),
        ({"event_sources": [ALL_KUSTOMIZATIONS], "inclusion_list": ["(?<!x)y"]}, "inclusion_list[0]", "Go's regexp"),
        ({"event_sources": [ALL_KUSTOMIZATIONS], "provider": ObjectRef(kind="Provider", name="p", namespace="x")}, "provider", "own namespace"),
    ],
)
def test_alert_errors(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"provider": SLACK, **options}
    with pytest.raises(ValidationError, match=words) as raised:
        AlertProps(**arguments)
    assert raised.value.field == field


def test_a_receiver_for_the_sync_source(crds: list[dict[str, Any]]) -> None:
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    repo = GitRepository(scope, "app", url="https://github.com/example/app", ref=GitRepositoryRef(branch="main"))
    receiver = Receiver(scope, "github", type="github", events=["push"], secret_ref="webhook-token", resources=[repo], interval="1h")
    assert receiver.manifest["spec"] == {
        "events": ["push"],
        "interval": "1h",
        "resources": [{"kind": "GitRepository", "name": "app"}],
        "secretRef": {"name": "webhook-token"},
        "type": "github",
    }
    assert validate_objects([receiver.manifest], crds=crds) == [] and cel_problems([receiver.manifest], crds) == []


def test_a_generic_oidc_receiver_with_typed_providers(crds: list[dict[str, Any]]) -> None:
    # GIVEN an issuer whose tokens must come from one organisation
    provider = OIDCProvider(
        issuer_url="https://token.actions.githubusercontent.com",
        variables=[OIDCVariable(name="owner", expression="claims.repository_owner")],
        validations=[OIDCValidation(expression="vars.owner == 'my-org'", message="wrong org")],
    )
    # WHEN a generic-oidc Receiver trusts it
    obj = ReceiverProps(type="generic-oidc", resources=[ALL_KUSTOMIZATIONS], oidc_providers=[provider]).manifest("oidc")
    # THEN it has no token Secret, and the CRD and its CEL rules admit it
    assert obj["spec"]["oidcProviders"] == [
        {
            "issuerURL": "https://token.actions.githubusercontent.com",
            "validations": [{"expression": "vars.owner == 'my-org'", "message": "wrong org"}],
            "variables": [{"expression": "claims.repository_owner", "name": "owner"}],
        }
    ]
    assert "secretRef" not in obj["spec"]
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"type": "github"}, "secret_ref", "token"),
        ({"type": "generic-oidc", "secret_ref": "t"}, "secret_ref", "drop secret_ref"),
        ({"type": "generic-oidc"}, "oidc_providers", "at least one"),
        ({"type": "github", "secret_ref": "t", "oidc_providers": [OIDCProvider(issuer_url="https://a.example", validations=[OIDCValidation("true", "ok")])]}, "oidc_providers", "only a generic-oidc"),
        ({"type": "generic-oidc", "oidc_providers": [OIDCProvider(issuer_url="https://a.example", validations=[])]}, "oidc_providers[0].validations", "any token"),
        ({"type": "github", "secret_ref": "t", "resource_filter": "res.metadata.name =="}, "resource_filter", "CEL"),
        ({"type": "github", "secret_ref": "t", "resources": [ObjectSelector(kind="GitRepository", filter="res.x ==")]}, "resources[0].filter", "CEL"),
        ({"type": "github", "secret_ref": "t", "resources": []}, "resources", "at least one"),
        ({"type": "github", "secret_ref": "t", "events": "push"}, "events", "\\['push'\\]"),
        ({"type": "webhook", "secret_ref": "t"}, "type", "'generic'"),
    ],
)
def test_receiver_errors(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"resources": [ALL_KUSTOMIZATIONS], **options}
    with pytest.raises(ValidationError, match=words) as raised:
        ReceiverProps(**arguments)
    assert raised.value.field == field


# --- the objects of notification-controller's API docs, rebuilt ---------------------------------


def _provider(name: str, namespace: str = "default", **options: Any) -> dict[str, Any]:
    return ProviderProps(namespace=namespace, **options).manifest(name)


def _alert(name: str, namespace: str, provider: str, **options: Any) -> dict[str, Any]:
    return AlertProps(namespace=namespace, provider=ObjectRef(kind="Provider", name=provider), **options).manifest(name)


def _receiver(name: str, type: str, resource: str = "webapp", kind: str = "GitRepository", namespace: str = "default", **options: Any) -> dict[str, Any]:
    api_version = "source.toolkit.fluxcd.io/v1" if kind == "GitRepository" else "image.toolkit.fluxcd.io/v1"
    options.setdefault("resources", [ObjectRef(kind=kind, name=resource, api_version=api_version)])
    options.setdefault("secret_ref", "webhook-token")
    return ReceiverProps(namespace=namespace, type=type, **options).manifest(name)


SLACK_API = "https://slack.com/api/chat.postMessage"
GITHUB_REPO = "https://github.com/my-gh-org/my-gh-repo"
ALL = "*"
GIT_WEBAPP = ObjectRef(kind="GitRepository", name="webapp", api_version="source.toolkit.fluxcd.io/v1")
GAR = ObjectSelector(kind="ImageRepository", name=ALL, match_labels={"registry": "gar"}, api_version="image.toolkit.fluxcd.io/v1")

NOTIFICATION_DOCS: dict[str, tuple[tuple[str, ...], list[Any]]] = {
    "providers.md": (("Provider", "Alert"), [
        lambda: _provider("slack-bot", "flagger-system", type="slack", channel="general", address=SLACK_API, secret_ref="slack-bot-token"),
        lambda: _alert(
            "slack", "flagger-system", "slack-bot", summary="Flagger impacted in us-east-2", event_severity="error",
            event_sources=[ObjectSelector(kind="HelmRepository", name=ALL), ObjectSelector(kind="HelmRelease", name=ALL)],
        ),  # fmt: skip
        lambda: _provider("slack", type="slack", channel="general", address=SLACK_API, secret_ref="slack-token"),
        lambda: _provider("slack", type="slack", secret_ref="slack-webhook"),
        lambda: _provider("msteams", type="msteams", secret_ref="msteams-webhook"),
        lambda: _provider("datadog", type="datadog", address="https://api.datadoghq.com", secret_ref="datadog-secret"),
        lambda: _alert(
            "datadog-info", "default", "datadog", event_severity="info", event_sources=[ObjectSelector(kind="HelmRelease", name=ALL)],
            event_metadata={"env": "my-k8s-cluster"},
        ),  # fmt: skip
        lambda: _provider("discord", type="discord", secret_ref="discord-webhook"),
        lambda: _provider("sentry", type="sentry", channel="staging-env", secret_ref="sentry-webhook"),
        lambda: _provider("telegram", type="telegram", channel="@fluxcd", secret_ref="telegram-token"),
        lambda: _provider("matrix", type="matrix", address="https://matrix.org", channel="!jezptmDwEeLapMLjOc:matrix.org", secret_ref="matrix-token"),
        lambda: _provider("lark", type="lark", secret_ref="lark-webhook"),
        lambda: _provider("rocket", type="rocket", secret_ref="rocket-webhook"),
        lambda: _provider("google", type="googlechat", secret_ref="google-webhook"),
        lambda: _provider("opsgenie", type="opsgenie", address="https://api.opsgenie.com/v2/alerts", secret_ref="opsgenie-token"),
        lambda: _alert("my-service-pagerduty", "default", "pagerduty", event_sources=[ObjectSelector(kind="HelmRelease", name="my-service", namespace="default")]),
        lambda: _provider("zulip", type="zulip", address="https://my-org.zulipchat.com", channel="my-channel/my-topic", secret_ref="zulip-basic-auth"),
        lambda: _provider("my-webhook-mtls", type="generic", address="https://my-webhook.internal", cert_secret_ref="my-mtls-certs"),
        lambda: _provider("my-webhook", "flagger-system", type="generic", address="https://my-webhook.internal", cert_secret_ref="my-ca-crt"),
        lambda: _provider("github-dispatch", "flux-system", type="githubdispatch", address="https://github.com/stefanprodan/podinfo", secret_ref="auth-secret"),
        lambda: _alert(
            "github-dispatch", "flux-system", "github-dispatch", event_metadata={"env": "staging", "region": "us-west-2"}, event_severity="info",
            event_sources=[ObjectSelector(kind="Kustomization", name="app1")],
        ),  # fmt: skip
        lambda: _provider("azure", type="azureeventhub", secret_ref="azure-webhook"),
        lambda: _provider("github-status", "flux-system", type="github", address=GITHUB_REPO, secret_ref="github-token"),
        lambda: _alert("github-status", "flux-system", "github-status", event_sources=[ObjectSelector(kind="Kustomization", name="flux-system")]),
        lambda: _provider(
            "github-status", "flux-system", type="github", address=GITHUB_REPO, secret_ref="github-token",
            commit_status_expr=(
                "(event.involvedObject.kind + '/' + event.involvedObject.name + '/' + event.metadata.foo + '/' "
                "+ provider.metadata.uid.split('-').first().value()).lowerAscii()"
            ),
        ),  # fmt: skip
        lambda: _provider("github-pr-comment", "flux-system", type="githubpullrequestcomment", address="https://github.com/my-org/my-repo", secret_ref="github-token"),
        lambda: _provider("gitea-pr-comment", "flux-system", type="giteapullrequestcomment", address="https://gitea.example.com/my-org/my-repo", secret_ref="gitea-token"),
        lambda: _provider("gitlab-mr-comment", "flux-system", type="gitlabmergerequestcomment", address="https://gitlab.com/my-group/my-project", secret_ref="gitlab-token"),
    ]),
    "alerts.md": (("Provider", "Alert"), [
        lambda: _provider("slack-bot", "flux-system", type="slack", channel="general", address=SLACK_API, secret_ref="slack-bot-token"),
        lambda: _alert(
            "slack", "flux-system", "slack-bot", event_severity="error",
            event_metadata={"summary": "Cluster addons impacted", "env": "prod", "cluster": "my-cluster", "region": "us-east-2"},
            event_sources=[ObjectSelector(kind="GitRepository", name=ALL), ObjectSelector(kind="Kustomization", name=ALL)],
        ),  # fmt: skip
    ]),
    "receivers.md": (("Receiver",), [
        lambda: _receiver("github-receiver", "github", "flux-system", namespace="flux-system", events=["ping", "push"], secret_ref="receiver-token"),
        lambda: _receiver("generic-receiver", "generic"),
        lambda: _receiver("generic-hmac-receiver", "generic-hmac"),
        lambda: _receiver(
            "generic-oidc-receiver", "generic-oidc", secret_ref=None,
            oidc_providers=[
                OIDCProvider(
                    issuer_url="https://token.actions.githubusercontent.com",
                    validations=[OIDCValidation(expression="claims.repository_owner == 'my-org'", message="wrong org")],
                )
            ],
        ),  # fmt: skip
        lambda: _receiver(
            "generic-oidc-receiver", "generic-oidc", secret_ref=None,
            oidc_providers=[
                OIDCProvider(
                    issuer_url="https://token.actions.githubusercontent.com", audience="notification-controller",
                    variables=[
                        OIDCVariable(name="owner", expression="claims.repository_owner"),
                        OIDCVariable(name="allowedRepos", expression="[vars.owner + '/repo-a', vars.owner + '/repo-b']"),
                    ],
                    validations=[
                        OIDCValidation(expression="vars.owner == 'my-org'", message="wrong org"),
                        OIDCValidation(expression="claims.repository in vars.allowedRepos", message="repo not in allowlist"),
                        OIDCValidation(expression="claims.ref == 'refs/heads/main' && claims.environment == 'production'", message="must be main branch + production environment"),
                    ],
                )
            ],
        ),  # fmt: skip
        lambda: _receiver("github-receiver", "github", events=["ping", "push"]),
        lambda: _receiver(
            "gitlab-receiver", "gitlab", events=["Push Hook", "Tag Push Hook"],
            resources=[ObjectRef(kind="GitRepository", name=name, api_version="source.toolkit.fluxcd.io/v1") for name in ("webapp-frontend", "webapp-backend")],
        ),  # fmt: skip
        lambda: _receiver("bitbucket-receiver", "bitbucket", events=["repo:refs_changed"]),
        lambda: _receiver("bitbucket-cloud-receiver", "bitbucket", events=["repo:push"]),
        *(lambda type=type: _receiver(f"{type}-receiver", type, kind="ImageRepository") for type in ("harbor", "dockerhub", "quay", "nexus")),
        lambda: _receiver("gcr-receiver", "gcr", kind="ImageRepository", secret_ref="gcr-webhook-token"),
        lambda: _receiver("acr-receiver", "acr", resources=[ObjectRef(kind="ImageRepository", name="webapp")]),
        lambda: _receiver(
            "cdevents-receiver", "cdevents", namespace="flux-system", events=["dev.cdevents.change.merged"], secret_ref="receiver-token",
            resources=[ObjectRef(kind="GitRepository", name="webapp")],
        ),  # fmt: skip
        lambda: _receiver("gar-receiver", "gcr", namespace="apps", secret_ref="flux-gar-token", resources=[GAR]),
        lambda: _receiver("gar-receiver", "gcr", namespace="apps", secret_ref="flux-gar-token", resources=[GAR], resource_filter="req.tag.contains(res.metadata.name)"),
        lambda: _receiver(
            "gar-receiver", "gcr", namespace="apps", secret_ref="flux-gar-token", resource_filter="req.tag.contains(res.metadata.name)",
            resources=[dataclasses.replace(GAR, filter="res.metadata.labels['environment'] == 'production'")],
        ),  # fmt: skip
    ]),
}


@pytest.mark.parametrize("page", sorted(NOTIFICATION_DOCS))
def test_the_api_docs_objects_rebuilt(page: str, crds: list[dict[str, Any]]) -> None:
    # GIVEN every named object in notification-controller v1.9.3's page WHEN each is rebuilt with the constructs THEN they are the same
    kinds, builders = NOTIFICATION_DOCS[page]
    assert_rebuilt(f"notification-controller/{page}", kinds, builders, crds)


def test_a_receiver_keeps_the_api_version_of_its_resources(crds: list[dict[str, Any]]) -> None:
    # GIVEN an ObjectRef naming its apiVersion, and a construct wrapped to carry a filter
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    repo = GitRepository(scope, "app", url="https://github.com/example/app", ref=GitRepositoryRef(branch="main"))
    receiver = Receiver(scope, "hook", type="github", secret_ref="token", resources=[GIT_WEBAPP, ObjectSelector.of(repo, filter="req.ref == 'refs/heads/main'")])
    # THEN the apiVersion is written, not dropped, and the filter is on the construct's entry
    assert receiver.manifest["spec"]["resources"] == [
        {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "name": "webapp"},
        {"filter": "req.ref == 'refs/heads/main'", "kind": "GitRepository", "name": "app"},
    ]
    assert validate_objects([receiver.manifest], crds=crds) == []


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"type": "slack", "commit_status_expr": "'x'"}, "commit_status_expr", "no commit status"),
        ({"type": "github", "address": GITHUB_REPO, "commit_status_expr": "event."}, "commit_status_expr", "CEL"),
        ({"type": "slack", "service_account_name": "sa"}, "service_account_name", "no workload identity"),
        ({"type": "googlepubsub", "service_account_name": "sa", "secret_ref": "creds"}, "service_account_name", "one of them"),
        ({"type": "slack", "proxy": "proxy.example.com:3128"}, "proxy", "http://"),
    ],
)
def test_provider_field_rules(options: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        ProviderProps(**options)
    assert raised.value.field == field


def test_an_alert_refuses_a_receiver_filter() -> None:
    with pytest.raises(ValidationError, match="only a Receiver") as raised:
        AlertProps(provider=SLACK, event_sources=[ObjectSelector(kind="Kustomization", filter="true")])
    assert raised.value.field == "event_sources[0].filter"


