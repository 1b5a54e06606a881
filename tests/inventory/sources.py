"""The source kinds' part of the schema inventory: builders that set every field, and the prop of each field.

Values come from source-controller's API docs (tests/data/flux-api-docs/source-controller).
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s

from cdk8s_flux.v2 import (
    AccessFrom,
    Bucket,
    BucketSTS,
    GitRepository,
    GitRepositoryInclude,
    GitRepositoryRef,
    GitVerification,
    HelmChart,
    HelmRepository,
    LayerSelector,
    NamespaceSelector,
    ObjectRef,
    OCIRepository,
    OCIRepositoryRef,
    OIDCIdentity,
    Verification,
)

PODINFO_GIT = "https://github.com/stefanprodan/podinfo"
PODINFO_OCI = "oci://ghcr.io/stefanprodan/manifests/podinfo"
GITHUB_ACTIONS = OIDCIdentity(issuer="^https://token.actions.githubusercontent.com$", subject="^https://github.com/stefanprodan/podinfo.*$")


def _git_repository(chart: cdk8s.Chart) -> None:
    GitRepository(
        chart, "podinfo", url=PODINFO_GIT, interval="5m0s", timeout="1m",
        ref=GitRepositoryRef(branch="master", commit="363a6a8fe6a7f13e05d34c163b0ef02a777da20a"),
        secret_ref="https-credentials", proxy_secret_ref="http-proxy", provider="azure", service_account_name="podinfo-git",
        recurse_submodules=True, ignore=["/*", "!/deploy"], sparse_checkout=["charts", "kustomize"],
        include=[GitRepositoryInclude(repository=ObjectRef(kind="GitRepository", name="podinfo-kustomize"), from_path="deploy", to_path="base/app")],
        verify=GitVerification(secret_ref="pgp-public-keys", mode="HEAD"),
        suspend=True,
    )  # fmt: skip


def _git_repository_refs(chart: cdk8s.Chart) -> None:
    for id, ref in (
        ("podinfo-tag", GitRepositoryRef(tag="6.3.5")),
        ("podinfo-semver", GitRepositoryRef(semver="6.3.x")),
        ("podinfo-name", GitRepositoryRef(name="refs/tags/6.3.5")),
    ):
        GitRepository(chart, id, url=PODINFO_GIT, ref=ref)


def _oci_repository(chart: cdk8s.Chart) -> None:
    OCIRepository(
        chart, "podinfo", url=PODINFO_OCI, interval="5m0s", timeout="60s", provider="aws",
        ref=OCIRepositoryRef(tag="6.6.2", digest="sha256:2e3d6b7bc17a5b2c5c4c5b10c0a2a1e0ffd7b8fc0ed1fd1e8b4f5e2c1c3f6a7b"),
        secret_ref="regcred", cert_secret_ref="example-tls", proxy_secret_ref="http-proxy", service_account_name="podinfo-oci",
        verify=Verification(provider="cosign", secret_ref="cosign-pub", match_oidc_identity=[GITHUB_ACTIONS], trusted_root_secret_ref="trusted-root"),
        layer_selector=LayerSelector(media_type="application/vnd.cncf.helm.chart.content.v1.tar+gzip", operation="copy"),
        ignore=["/*", "!/deploy"], insecure=True, suspend=True,
    )  # fmt: skip


def _oci_repository_semver(chart: cdk8s.Chart) -> None:
    OCIRepository(chart, "podinfo-semver", url=PODINFO_OCI, ref=OCIRepositoryRef(semver=">=6.1.x-0", semver_filter=".*-rc.*"))


def _helm_repository(chart: cdk8s.Chart) -> None:
    HelmRepository(
        chart, "podinfo", url="https://stefanprodan.github.io/podinfo", interval="5m0s", timeout="60s",
        secret_ref="example-user", pass_credentials=True, cert_secret_ref="example-tls", type="default",
        access_from=AccessFrom(namespace_selectors=[NamespaceSelector(match_labels={"kubernetes.io/metadata.name": "apps"})]),
        suspend=True,
    )  # fmt: skip


def _helm_repository_oci(chart: cdk8s.Chart) -> None:
    HelmRepository(chart, "podinfo-oci", url="oci://ghcr.io/stefanprodan/charts", provider="azure", insecure=True)


def _helm_chart(chart: cdk8s.Chart) -> None:
    HelmChart(
        chart, "podinfo", chart="podinfo", version="5.*", interval="5m0s", reconcile_strategy="Revision",
        source=ObjectRef(kind="HelmRepository", name="podinfo", api_version="source.toolkit.fluxcd.io/v1"),
        values_files=["values.yaml", "values-production.yaml"], ignore_missing_values_files=True,
        verify=Verification(provider="cosign", secret_ref="cosign-public-keys", match_oidc_identity=[GITHUB_ACTIONS]),
        suspend=True,
    )  # fmt: skip


def _bucket(chart: cdk8s.Chart) -> None:
    Bucket(
        chart, "minio-bucket", bucket_name="example", endpoint="minio.example.com", provider="generic", region="us-east-1",
        prefix="path/to/subdir/", interval="5m0s", timeout="60s", secret_ref="minio-bucket-secret",
        cert_secret_ref="minio-tls", proxy_secret_ref="http-proxy", ignore=["/*", "!/deploy"], insecure=True,
        sts=BucketSTS(provider="ldap", endpoint="https://ldap.example.com", secret_ref="ldap-credentials", cert_secret_ref="ldap-tls"),
        suspend=True,
    )  # fmt: skip


def _bucket_aws(chart: cdk8s.Chart) -> None:
    Bucket(
        chart, "aws-bucket", bucket_name="podinfo", endpoint="s3.amazonaws.com", provider="aws", region="us-east-1",
        service_account_name="bucket-reader", sts=BucketSTS(provider="aws", endpoint="https://sts.amazonaws.com"),
    )  # fmt: skip


BUILDERS: dict[str, list[Callable[[cdk8s.Chart], None]]] = {
    "GitRepository": [_git_repository, _git_repository_refs],
    "OCIRepository": [_oci_repository, _oci_repository_semver],
    "HelmRepository": [_helm_repository, _helm_repository_oci],
    "HelmChart": [_helm_chart],
    "Bucket": [_bucket, _bucket_aws],
}

_VERIFY = "verify=Verification(provider=..., secret_ref=..., match_oidc_identity=[OIDCIdentity(issuer=..., subject=...)])"
_SECRETS = {
    "spec.certSecretRef.name": "cert_secret_ref=...",
    "spec.proxySecretRef.name": "proxy_secret_ref=...",
    "spec.secretRef.name": "secret_ref=...",
}

PROPS: dict[str, dict[str, str]] = {
    "GitRepository": {
        "spec.ignore": "ignore='...' or ignore=[...]",
        "spec.include[].fromPath": "include=[GitRepositoryInclude(repository=..., from_path=...)]",
        "spec.include[].repository.name": "include=[GitRepositoryInclude(repository=GitRepository(...) or ObjectRef(kind='GitRepository', name=...))]",
        "spec.include[].toPath": "include=[GitRepositoryInclude(repository=..., to_path=...)]",
        "spec.interval": "interval=...",
        "spec.provider": "provider=...",
        "spec.proxySecretRef.name": "proxy_secret_ref=...",
        "spec.recurseSubmodules": "recurse_submodules=True",
        "spec.ref.branch": "ref=GitRepositoryRef(branch=...)",
        "spec.ref.commit": "ref=GitRepositoryRef(commit=...)",
        "spec.ref.name": "ref=GitRepositoryRef(name=...)",
        "spec.ref.semver": "ref=GitRepositoryRef(semver=...)",
        "spec.ref.tag": "ref=GitRepositoryRef(tag=...)",
        "spec.secretRef.name": "secret_ref=...",
        "spec.serviceAccountName": "service_account_name=...",
        "spec.sparseCheckout[]": "sparse_checkout=[...]",
        "spec.suspend": "suspend=True",
        "spec.timeout": "timeout=...",
        "spec.url": "url=...",
        "spec.verify.mode": "verify=GitVerification(secret_ref=..., mode=...)",
        "spec.verify.secretRef.name": "verify=GitVerification(secret_ref=...)",
    },
    "OCIRepository": {
        **_SECRETS,
        "spec.ignore": "ignore='...' or ignore=[...]",
        "spec.insecure": "insecure=True",
        "spec.interval": "interval=...",
        "spec.layerSelector.mediaType": "layer_selector=LayerSelector(media_type=...)",
        "spec.layerSelector.operation": "layer_selector=LayerSelector(operation=...)",
        "spec.provider": "provider=...",
        "spec.ref.digest": "ref=OCIRepositoryRef(digest=...) or OCIRepositoryRef(tag=..., digest=...)",
        "spec.ref.semver": "ref=OCIRepositoryRef(semver=...)",
        "spec.ref.semverFilter": "ref=OCIRepositoryRef(semver=..., semver_filter=...)",
        "spec.ref.tag": "ref=OCIRepositoryRef(tag=...)",
        "spec.serviceAccountName": "service_account_name=...",
        "spec.suspend": "suspend=True",
        "spec.timeout": "timeout=...",
        "spec.url": "url=...",
        "spec.verify.matchOIDCIdentity[].issuer": _VERIFY,
        "spec.verify.matchOIDCIdentity[].subject": _VERIFY,
        "spec.verify.provider": "verify=Verification(provider=...)",
        "spec.verify.secretRef.name": "verify=Verification(secret_ref=...)",
        "spec.verify.trustedRootSecretRef.name": "verify=Verification(trusted_root_secret_ref=...)",
    },
    "HelmRepository": {
        "spec.accessFrom.namespaceSelectors[].matchLabels": "access_from=AccessFrom(namespace_selectors=[NamespaceSelector(match_labels={...})])",
        "spec.certSecretRef.name": "cert_secret_ref=...",
        "spec.insecure": "insecure=True",
        "spec.interval": "interval=...",
        "spec.passCredentials": "pass_credentials=True",
        "spec.provider": "provider=...",
        "spec.secretRef.name": "secret_ref=...",
        "spec.suspend": "suspend=True",
        "spec.timeout": "timeout=...",
        "spec.type": "url='oci://...' (or type=..., which must agree with the URL)",
        "spec.url": "url=...",
    },
    "HelmChart": {
        "spec.chart": "chart=...",
        "spec.ignoreMissingValuesFiles": "ignore_missing_values_files=True",
        "spec.interval": "interval=...",
        "spec.reconcileStrategy": "reconcile_strategy=...",
        "spec.sourceRef.apiVersion": "source=ObjectRef(kind=..., name=..., api_version=...)",
        "spec.sourceRef.kind": "source=HelmRepository(...), GitRepository(...), Bucket(...) or ObjectRef(kind=..., name=...)",
        "spec.sourceRef.name": "source=HelmRepository(...), GitRepository(...), Bucket(...) or ObjectRef(kind=..., name=...)",
        "spec.suspend": "suspend=True",
        "spec.valuesFiles[]": "values_files=[...]",
        "spec.verify.matchOIDCIdentity[].issuer": _VERIFY,
        "spec.verify.matchOIDCIdentity[].subject": _VERIFY,
        "spec.verify.provider": "verify=Verification(provider=...)",
        "spec.verify.secretRef.name": "verify=Verification(secret_ref=...)",
        "spec.version": "version=...",
    },
    "Bucket": {
        **_SECRETS,
        "spec.bucketName": "bucket_name=...",
        "spec.endpoint": "endpoint=...",
        "spec.ignore": "ignore='...' or ignore=[...]",
        "spec.insecure": "insecure=True",
        "spec.interval": "interval=...",
        "spec.prefix": "prefix=...",
        "spec.provider": "provider=...",
        "spec.region": "region=...",
        "spec.serviceAccountName": "service_account_name=...",
        "spec.sts.certSecretRef.name": "sts=BucketSTS(provider='ldap', endpoint=..., cert_secret_ref=...)",
        "spec.sts.endpoint": "sts=BucketSTS(provider=..., endpoint=...)",
        "spec.sts.provider": "sts=BucketSTS(provider=..., endpoint=...)",
        "spec.sts.secretRef.name": "sts=BucketSTS(provider='ldap', endpoint=..., secret_ref=...)",
        "spec.suspend": "suspend=True",
        "spec.timeout": "timeout=...",
    },
}
