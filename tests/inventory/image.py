"""The image kinds' part of the schema inventory: builders that set every field, and the prop of each field.

Values come from the controllers' API docs (tests/data/flux-api-docs/image-*).
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s

from cdk8s_flux.v2 import (
    AlphabeticalPolicy,
    GitRepositoryRef,
    ImagePolicy,
    ImageRepository,
    ImageUpdateAutomation,
    LabelSelector,
    LabelSelectorRequirement,
    NumericalPolicy,
    ObjectRef,
    SemverPolicy,
    TagFilter,
)
from cdk8s_flux.v2.image import AccessFrom, NamespaceSelector


def _repository(chart: cdk8s.Chart) -> None:
    ImageRepository(
        chart, "podinfo", image="ghcr.io/stefanprodan/podinfo", interval="1h", secret_ref="regcred",
        cert_secret_ref="example-ca-cert", proxy_secret_ref="http-proxy", provider="generic",
        service_account_name="image-reader", exclusion_list=["^.*\\.sig$", "1.0.2"], insecure=True, timeout="30s",
        access_from=AccessFrom(namespace_selectors=[NamespaceSelector(match_labels={"kubernetes.io/metadata.name": "apps"})]),
        suspend=True,
    )  # fmt: skip


def _semver_policy(chart: cdk8s.Chart) -> None:
    ImagePolicy(
        chart, "podinfo", image_repository=ObjectRef(kind="ImageRepository", name="podinfo", namespace="apps"),
        policy=SemverPolicy(range="5.1.x"), filter_tags=TagFilter(pattern="^(?P<version>[0-9.]+)-rc$", extract="$version"),
        digest_reflection_policy="Always", interval="10m", suspend=True,
    )  # fmt: skip


def _alphabetical_policy(chart: cdk8s.Chart) -> None:
    ImagePolicy(
        chart, "minio", image_repository=ObjectRef(kind="ImageRepository", name="minio"),
        policy=AlphabeticalPolicy(order="asc"), filter_tags=TagFilter(pattern="^RELEASE\\.(?P<timestamp>.*)Z$", extract="$timestamp"),
    )  # fmt: skip


def _numerical_policy(chart: cdk8s.Chart) -> None:
    ImagePolicy(chart, "podinfo", image_repository=ObjectRef(kind="ImageRepository", name="podinfo"), policy=NumericalPolicy(order="desc"))


def _automation(chart: cdk8s.Chart) -> None:
    ImageUpdateAutomation(
        chart, "podinfo-update", interval="30m",
        source=ObjectRef(kind="GitRepository", name="podinfo", namespace="apps", api_version="source.toolkit.fluxcd.io/v1"),
        checkout_ref=GitRepositoryRef(branch="main", commit="b3e0a9f3c1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7"),
        push_branch="flux-updates", push_refspec="refs/heads/flux-updates:refs/for/main",
        push_options={"topic": "flux-updates", "title": "Flux Image Update"},
        author_email="fluxcdbot@users.noreply.github.com", author_name="fluxcdbot",
        message_template="Automated image update by Flux for cluster {{ .Values.cluster }}.",
        message_template_values={"cluster": "prod"}, signing_key_secret="signing-key", signing_key_type="ssh",
        update_path="./clusters/prod",
        policy_selector=LabelSelector(
            match_labels={"app.kubernetes.io/instance": "my-app"},
            match_expressions=[LabelSelectorRequirement(key="app.kubernetes.io/component", operator="In", values=["my-component", "my-other-component"])],
        ),
        suspend=True,
    )  # fmt: skip


def _checkout_by_ref(chart: cdk8s.Chart) -> None:
    for id, ref in (
        ("by-tag", GitRepositoryRef(tag="v1.0.0")),
        ("by-semver", GitRepositoryRef(semver=">=1.0.0")),
        ("by-name", GitRepositoryRef(name="refs/heads/main")),
    ):
        ImageUpdateAutomation(chart, id, source=ObjectRef(kind="GitRepository", name="podinfo"), checkout_ref=ref, author_email="flux@example.com")


BUILDERS: dict[str, list[Callable[[cdk8s.Chart], None]]] = {
    "ImageRepository": [_repository],
    "ImagePolicy": [_semver_policy, _alphabetical_policy, _numerical_policy],
    "ImageUpdateAutomation": [_automation, _checkout_by_ref],
}

_SELECTOR = "policy_selector=LabelSelector(match_expressions=[LabelSelectorRequirement(key=..., operator=..., values=[...])])"

PROPS: dict[str, dict[str, str]] = {
    "ImageRepository": {
        "spec.accessFrom.namespaceSelectors[].matchLabels": "access_from=AccessFrom(namespace_selectors=[NamespaceSelector(match_labels={...})])",
        "spec.certSecretRef.name": "cert_secret_ref=...",
        "spec.exclusionList[]": "exclusion_list=[...]",
        "spec.image": "image=...",
        "spec.insecure": "insecure=True",
        "spec.interval": "interval=...",
        "spec.provider": "provider=...",
        "spec.proxySecretRef.name": "proxy_secret_ref=...",
        "spec.secretRef.name": "secret_ref=...",
        "spec.serviceAccountName": "service_account_name=...",
        "spec.suspend": "suspend=True",
        "spec.timeout": "timeout=...",
    },
    "ImagePolicy": {
        "spec.digestReflectionPolicy": "digest_reflection_policy=...",
        "spec.filterTags.extract": "filter_tags=TagFilter(extract=...)",
        "spec.filterTags.pattern": "filter_tags=TagFilter(pattern=...)",
        "spec.imageRepositoryRef.name": "image_repository=ImageRepository(...) or ObjectRef(kind='ImageRepository', name=...)",
        "spec.imageRepositoryRef.namespace": "image_repository=ObjectRef(kind='ImageRepository', name=..., namespace=...)",
        "spec.interval": "interval=...",
        "spec.policy.alphabetical.order": "policy=AlphabeticalPolicy(order=...)",
        "spec.policy.numerical.order": "policy=NumericalPolicy(order=...)",
        "spec.policy.semver.range": "policy=SemverPolicy(range=...)",
        "spec.suspend": "suspend=True",
    },
    "ImageUpdateAutomation": {
        "spec.git.checkout.ref.branch": "checkout_branch=... or checkout_ref=GitRepositoryRef(branch=...)",
        "spec.git.checkout.ref.commit": "checkout_ref=GitRepositoryRef(commit=...)",
        "spec.git.checkout.ref.name": "checkout_ref=GitRepositoryRef(name=...)",
        "spec.git.checkout.ref.semver": "checkout_ref=GitRepositoryRef(semver=...)",
        "spec.git.checkout.ref.tag": "checkout_ref=GitRepositoryRef(tag=...)",
        "spec.git.commit.author.email": "author_email=...",
        "spec.git.commit.author.name": "author_name=...",
        "spec.git.commit.messageTemplate": "message_template=...",
        "spec.git.commit.messageTemplateValues": "message_template_values={...}",
        "spec.git.commit.signingKey.secretRef.name": "signing_key_secret=...",
        "spec.git.commit.signingKey.type": "signing_key_type=...",
        "spec.git.push.branch": "push_branch=...",
        "spec.git.push.options": "push_options={...}",
        "spec.git.push.refspec": "push_refspec=...",
        "spec.interval": "interval=...",
        "spec.policySelector.matchExpressions[].key": _SELECTOR,
        "spec.policySelector.matchExpressions[].operator": _SELECTOR,
        "spec.policySelector.matchExpressions[].values[]": _SELECTOR,
        "spec.policySelector.matchLabels": "policy_selector=LabelSelector(match_labels={...})",
        "spec.sourceRef.apiVersion": "source=ObjectRef(kind='GitRepository', name=..., api_version=...)",
        "spec.sourceRef.kind": "source=GitRepository(...) or ObjectRef(kind='GitRepository', name=...)",
        "spec.sourceRef.name": "source=GitRepository(...) or ObjectRef(kind='GitRepository', name=...)",
        "spec.sourceRef.namespace": "source=ObjectRef(kind='GitRepository', name=..., namespace=...)",
        "spec.suspend": "suspend=True",
        "spec.update.path": "update_path=...",
        "spec.update.strategy": "update_path=... (the strategy is always Setters)",
    },
}
