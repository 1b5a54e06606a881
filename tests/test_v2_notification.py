"""``cdk8s_flux.v2.notification``: Provider, Alert, Receiver (Flux v2.9.4 CRDs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
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
