"""``cdk8s_flux.v2.sources``: GitRepository, OCIRepository, HelmRepository, HelmChart, Bucket (Flux v2.9.4 CRDs)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest
from apidocs import assert_rebuilt
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.substitution import Var
from cdk8s_flux.v2 import (
    BucketProps,
    BucketSTS,
    GitRepositoryInclude,
    GitRepositoryProps,
    GitRepositoryRef,
    GitVerification,
    HelmChartProps,
    HelmRepositoryProps,
    ObjectRef,
    OCIRepositoryProps,
    OCIRepositoryRef,
    OIDCIdentity,
    Verification,
)
from cdk8s_flux.validate import validate_objects

URL = "https://github.com/example/app"
MAIN = GitRepositoryRef(branch="main")
OCI = "oci://ghcr.io/example/app"
HELM_REPO = ObjectRef(kind="HelmRepository", name="charts")


def made(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with each ``partial`` called: a nested value that refuses its arguments when it is made."""
    return {key: value() if isinstance(value, partial) else value for key, value in options.items()}


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def admitted(obj: dict[str, Any], crds: list[dict[str, Any]]) -> dict[str, Any]:
    assert validate_objects([obj], crds=crds) == []
    assert cel_problems([obj], crds) == []
    return obj


# --- GitRepository ---------------------------------------------------------------------------


def test_git_repository_with_every_modelled_field(crds: list[dict[str, Any]]) -> None:
    props = GitRepositoryProps(
        url="ssh://git@github.com/example/app",
        ref=GitRepositoryRef(tag="v1.0.0"),
        interval="5m",
        secret_ref="deploy-key",
        proxy_secret_ref="proxy",
        provider="azure",
        service_account_name="flux-git",
        recurse_submodules=True,
        ignore="/*\n!/deploy\n",
        timeout="90s",
        include=[GitRepositoryInclude(repository=ObjectRef(kind="GitRepository", name="shared"), from_path="lib", to_path="vendor/lib")],
        sparse_checkout=["deploy/"],
        verify=GitVerification(secret_ref="pgp-keys", mode="Tag"),
        suspend=True,
    )
    assert admitted(props.manifest("app"), crds)["spec"] == {
        "ignore": "/*\n!/deploy\n",
        "include": [{"fromPath": "lib", "repository": {"name": "shared"}, "toPath": "vendor/lib"}],
        "interval": "5m",
        "provider": "azure",
        "proxySecretRef": {"name": "proxy"},
        "recurseSubmodules": True,
        "ref": {"tag": "v1.0.0"},
        "secretRef": {"name": "deploy-key"},
        "serviceAccountName": "flux-git",
        "sparseCheckout": ["deploy/"],
        "suspend": True,
        "timeout": "90s",
        "url": "ssh://git@github.com/example/app",
        "verify": {"mode": "Tag", "secretRef": {"name": "pgp-keys"}},
    }


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ({}, "no branch"),
        ({"branch": "main", "tag": "v1"}, "branch, tag are set together"),
        ({"semver": "1.x", "tag": "v1"}, "Flux would use one"),
        ({"semver": "latest"}, "semver range"),
        ({"name": "main"}, "refs/heads/main"),
        ({"commit": "XYZ"}, "commit SHA"),
        ({"branch": "my branch"}, "branch name"),
    ],
)
def test_git_repository_ref_rules(ref: dict[str, str], words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        GitRepositoryRef(**ref)
    assert raised.value.field.startswith("ref")


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"url": "git@github.com:example/app.git"}, "url", "ssh://git@github.com/example/app.git"),
        ({"url": "ftp://example.com/app"}, "url", "ftp"),
        ({"interval": "1 minute"}, "interval", "1m0s"),
        ({"interval": "1d"}, "interval", "Flux duration"),
        ({"timeout": "1h"}, "timeout", "no hours"),
        ({"provider": "gitlab"}, "provider", "generic"),
        ({"service_account_name": "sa"}, "service_account_name", "azure"),
        ({"secret_ref": "Deploy_Key"}, "secret_ref", "RFC 1123"),
        ({"ignore": []}, "ignore", "one path per item"),
        ({"ref": "main"}, "ref", "GitRepositoryRef"),
        ({"recurse_submodules": "yes"}, "recurse_submodules", "boolean"),
    ],
)
def test_git_repository_errors_name_the_field(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"url": URL, "ref": MAIN, **options}
    with pytest.raises(ValidationError, match=words) as raised:
        GitRepositoryProps(**arguments)
    assert raised.value.field == field


def test_an_include_from_another_namespace_is_refused() -> None:
    other = ObjectRef(kind="GitRepository", name="shared", namespace="other")
    with pytest.raises(ValidationError, match="own namespace"):
        GitRepositoryProps(url=URL, ref=MAIN, include=[GitRepositoryInclude(repository=other)])


# --- OCIRepository ---------------------------------------------------------------------------


def test_oci_repository_defaults_to_the_generic_provider(crds: list[dict[str, Any]]) -> None:
    """``flux create source oci --provider`` defaults to generic."""
    spec = admitted(OCIRepositoryProps(url=OCI, ref=OCIRepositoryRef(semver=">=1.0.0 <2.0.0")).manifest("app"), crds)["spec"]
    assert spec == {"interval": "1m0s", "provider": "generic", "ref": {"semver": ">=1.0.0 <2.0.0"}, "url": OCI}


def test_oci_repository_with_notation_and_digest(crds: list[dict[str, Any]]) -> None:
    digest = "sha256:" + "a" * 64
    props = OCIRepositoryProps(
        url=OCI, ref=OCIRepositoryRef(digest=digest), verify=Verification(provider="notation", secret_ref="trust"),
        cert_secret_ref="ca", insecure=True, ignore=["*.md"],
    )  # fmt: skip
    spec = admitted(props.manifest("app"), crds)["spec"]
    assert spec["ref"] == {"digest": digest}
    assert spec["verify"] == {"provider": "notation", "secretRef": {"name": "trust"}}
    assert (spec["certSecretRef"], spec["insecure"], spec["ignore"]) == ({"name": "ca"}, True, "*.md")


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"url": "https://ghcr.io/example/app"}, "url", "oci://"),
        ({"ref": OCIRepositoryRef(tag="latest"), "provider": "github"}, "provider", "generic"),
        ({"verify": partial(Verification, provider="notation")}, "verify.secret_ref", "trust policy"),
        ({"verify": partial(Verification, match_oidc_identity=[OIDCIdentity(issuer="(?=x)", subject="")])}, "verify.match_oidc_identity[0].issuer", "Go's regexp"),
        ({"verify": partial(Verification, provider="gpg")}, "verify.provider", "cosign"),
    ],
)
def test_oci_repository_errors(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"url": OCI, "ref": OCIRepositoryRef(tag="latest"), **options}
    with pytest.raises(ValidationError, match=words) as raised:
        OCIRepositoryProps(**made(arguments))
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ({}, "no tag"),
        ({"tag": "1.0", "semver": ">=1.0.0"}, "set together"),
        ({"semver": ">=1.0.0", "digest": "sha256:" + "a" * 64}, "set together"),
        ({"tag": "bad tag"}, "OCI tag"),
        ({"digest": "abc"}, "digest"),
        ({"digest": "sha512:" + "a" * 128}, "sha256"),  # source-controller takes sha256 digests only
        ({"tag": "1.0", "semver_filter": ".*"}, "set semver too"),
    ],
)
def test_oci_ref_rules(ref: dict[str, str], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        OCIRepositoryRef(**ref)


# --- HelmRepository --------------------------------------------------------------------------


def test_helm_repository_type_follows_the_scheme(crds: list[dict[str, Any]]) -> None:
    assert "type" not in HelmRepositoryProps(url="https://charts.example.com").manifest("c")["spec"]
    spec = admitted(HelmRepositoryProps(url="oci://ghcr.io/example/charts", provider="aws").manifest("c"), crds)["spec"]
    assert (spec["type"], spec["provider"]) == ("oci", "aws")


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"url": "git://example.com/charts"}, "url", "http://, https://, oci://"),
        ({"url": "https://charts.example.com", "type": "oci"}, "type", "the URL scheme decides"),
        ({"url": "https://charts.example.com", "provider": "aws"}, "provider", "only OCI"),
        ({"url": "https://charts.example.com", "pass_credentials": True}, "pass_credentials", "secret_ref"),
        ({"url": "https://charts.example.com", "insecure": True}, "insecure", "OCI"),
    ],
)
def test_helm_repository_errors(options: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        HelmRepositoryProps(**options)
    assert raised.value.field == field


# --- HelmChart -------------------------------------------------------------------------------


def test_helm_chart_from_a_git_repository(crds: list[dict[str, Any]]) -> None:
    props = HelmChartProps(chart="./charts/app", source=ObjectRef(kind="GitRepository", name="app"), values_files=["values-prod.yaml"], reconcile_strategy="Revision")
    assert admitted(props.manifest("app"), crds)["spec"] == {
        "chart": "./charts/app",
        "interval": "1m0s",
        "reconcileStrategy": "Revision",
        "sourceRef": {"kind": "GitRepository", "name": "app"},
        "valuesFiles": ["values-prod.yaml"],
    }


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"source": ObjectRef(kind="OCIRepository", name="x")}, "source", "cannot be referenced"),
        ({"source": ObjectRef(kind="HelmRepository", name="x", namespace="other")}, "source", "own namespace"),
        ({"source": ObjectRef(kind="GitRepository", name="x"), "version": "1.x"}, "version", "ignores it"),
        ({"source": ObjectRef(kind="GitRepository", name="x"), "verify": Verification()}, "verify", "only charts from a HelmRepository"),
        ({"version": "~> 1"}, "version", None),
        ({"version": "v1.0.0-beta.01"}, "version", "leading zero"),
        ({"reconcile_strategy": "chartversion"}, "reconcile_strategy", "ChartVersion"),
    ],
)
def test_helm_chart_errors(options: dict[str, Any], field: str, words: str | None) -> None:
    arguments: dict[str, Any] = {"chart": "app", "source": HELM_REPO, **options}
    if words is None:  # valid: Masterminds takes "~> 1"
        HelmChartProps(**arguments)
        return
    with pytest.raises(ValidationError, match=words) as raised:
        HelmChartProps(**arguments)
    assert raised.value.field == field


# --- Bucket ----------------------------------------------------------------------------------


def test_bucket_on_azure_takes_the_account_url(crds: list[dict[str, Any]]) -> None:
    props = BucketProps(bucket_name="manifests", endpoint="https://account.blob.core.windows.net", provider="azure", service_account_name="flux")
    spec = admitted(props.manifest("b"), crds)["spec"]
    assert (spec["endpoint"], spec["provider"], spec["serviceAccountName"]) == ("https://account.blob.core.windows.net", "azure", "flux")


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"endpoint": "https://minio.example.com:9000"}, "endpoint", "endpoint='minio.example.com:9000'"),
        ({"endpoint": "minio.example.com", "provider": "azure"}, "endpoint", "https://"),
        ({"service_account_name": "sa"}, "service_account_name", "generic provider"),
        ({"service_account_name": "sa", "provider": "aws", "secret_ref": "keys"}, "service_account_name", "one of them"),
        ({"bucket_name": "My Bucket"}, "bucket_name", "bucket name"),
        ({"provider": "s3"}, "provider", "generic"),
    ],
)
def test_bucket_errors(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"bucket_name": "manifests", "endpoint": "minio.example.com:9000", **options}
    with pytest.raises(ValidationError, match=words) as raised:
        BucketProps(**arguments)
    assert raised.value.field == field


# --- the objects of source-controller's API docs, rebuilt -------------------------------------

PODINFO = "https://github.com/stefanprodan/podinfo"
PODINFO_OCI = "oci://ghcr.io/stefanprodan/manifests/podinfo"
GITHUB_ACTIONS = OIDCIdentity(issuer="^https://token.actions.githubusercontent.com$", subject="^https://github.com/stefanprodan/podinfo.*$")
MASTER = GitRepositoryRef(branch="master")
DOC_IGNORE = "# exclude all\n/*\n# include deploy dir\n!/deploy\n# exclude file extensions from deploy dir\n/deploy/**/*.md\n/deploy/**/*.txt\n"

SOURCE_DOCS: dict[str, tuple[tuple[str, ...], list[Any]]] = {
    "gitrepositories.md": (("GitRepository",), [
        lambda: GitRepositoryProps(namespace="default", url=PODINFO, ref=MASTER, interval="5m0s").manifest("podinfo"),
        lambda: GitRepositoryProps(
            namespace="default", url=PODINFO, ref=MASTER, interval="1m", verify=GitVerification(secret_ref="pgp-public-keys", mode="HEAD")
        ).manifest("podinfo"),
        lambda: GitRepositoryProps(namespace="default", url=PODINFO, ref=MASTER, interval="5m", sparse_checkout=["charts", "kustomize"]).manifest("podinfo"),
        lambda: GitRepositoryProps(
            url=PODINFO, ref=MASTER,
            include=[GitRepositoryInclude(repository=ObjectRef(kind="GitRepository", name="other-repository"), from_path="deploy/kubernetes", to_path="base/app")],
        ).manifest("include-example"),  # fmt: skip
    ]),
    "ocirepositories.md": (("OCIRepository",), [
        lambda: OCIRepositoryProps(namespace="default", url=PODINFO_OCI, ref=OCIRepositoryRef(tag="latest"), interval="5m0s").manifest("podinfo"),
        lambda: OCIRepositoryProps(namespace="default", url="oci://example.com", interval="5m0s", cert_secret_ref="example-tls").manifest("example"),
        lambda: OCIRepositoryProps(
            namespace="default", url=PODINFO_OCI, interval="5m0s", ref=OCIRepositoryRef(semver=">= 6.1.x-0", semver_filter=".*-rc.*")
        ).manifest("podinfo"),
        lambda: OCIRepositoryProps(url=PODINFO_OCI, interval="5m", verify=Verification(provider="cosign", match_oidc_identity=[GITHUB_ACTIONS])).manifest("podinfo"),
        lambda: OCIRepositoryProps(
            url="oci://registry.example.com/manifests/podinfo", interval="5m",
            verify=Verification(
                provider="cosign", trusted_root_secret_ref="sigstore-trusted-root",
                match_oidc_identity=[OIDCIdentity(issuer="^https://oidc-issuer.example.com$", subject="^https://ci.example.com/.*$")],
            ),
        ).manifest("podinfo"),  # fmt: skip
    ]),
    "helmrepositories.md": (("HelmRepository",), [
        lambda: HelmRepositoryProps(namespace="default", url="https://stefanprodan.github.io/podinfo", interval="5m0s").manifest("podinfo"),
        lambda: HelmRepositoryProps(namespace="default", url="oci://ghcr.io/stefanprodan/charts", type="oci", interval="5m0s").manifest("podinfo"),
        lambda: HelmRepositoryProps(namespace="default", url="https://example.com", interval="5m0s", secret_ref="example-user").manifest("example"),
        lambda: HelmRepositoryProps(namespace="default", url="oci://ghcr.io/my-user/my-private-repo", interval="5m0s", secret_ref="oci-creds").manifest("podinfo"),
        lambda: HelmRepositoryProps(namespace="default", url="https://example.com", interval="5m0s", cert_secret_ref="example-tls").manifest("example"),
    ]),
    "helmcharts.md": (("HelmChart", "HelmRepository"), [
        lambda: HelmChartProps(
            namespace="default", chart="podinfo", source=ObjectRef(kind="HelmRepository", name="podinfo"), version="5.*", interval="5m0s"
        ).manifest("podinfo"),
        lambda: HelmChartProps(
            chart="podinfo", source=ObjectRef(kind="HelmRepository", name="podinfo"), verify=Verification(provider="cosign", secret_ref="cosign-public-keys")
        ).manifest("podinfo"),
        lambda: HelmChartProps(
            chart="podinfo", source=ObjectRef(kind="HelmRepository", name="podinfo"), version=">=6.1.6", interval="5m",
            verify=Verification(provider="cosign", match_oidc_identity=[GITHUB_ACTIONS]),
        ).manifest("podinfo"),  # fmt: skip
        lambda: HelmRepositoryProps(url="oci://ghcr.io/stefanprodan/charts", interval="1m0s").manifest("podinfo"),
        lambda: HelmChartProps(
            chart="podinfo", source=ObjectRef(kind="HelmRepository", name="podinfo"), verify=Verification(provider="notation", secret_ref="notation-config")
        ).manifest("podinfo"),
    ]),
    "buckets.md": (("Bucket",), [
        lambda: BucketProps(namespace="default", bucket_name="example", endpoint="minio.example.com", interval="5m0s", insecure=True, secret_ref="minio-bucket-secret").manifest("minio-bucket"),
        lambda: BucketProps(
            namespace="default", provider="generic", interval="5m0s", bucket_name="podinfo", endpoint="minio.minio.svc.cluster.local:9000",
            timeout="60s", insecure=True, secret_ref="minio-credentials",
        ).manifest("generic-insecure"),  # fmt: skip
        lambda: _aws_bucket("aws", timeout="30s"),
        lambda: _aws_bucket("aws", secret_ref="aws-credentials"),
        lambda: _aws_bucket("aws-controller-level-workload-identity", timeout="30s"),
        lambda: _aws_bucket("aws-object-level-workload-identity", timeout="30s", service_account_name="aws-workload-identity-sa"),
        lambda: _azure_bucket("azure-public", "podinfo", "https://podinfoaccount.blob.core.windows.net", timeout="30s"),
        lambda: _azure_bucket("azure-bucket", "testwi", "https://testfluxwi.blob.core.windows.net", namespace="flux-system"),
        lambda: _azure_bucket(
            "azure-object-level-workload-identity", "testwi", "https://testfluxwi.blob.core.windows.net", timeout="30s", service_account_name="azure-workload-identity-sa"
        ),
        lambda: _gcp_bucket("gcp-controller-level-workload-identity"),
        lambda: _gcp_bucket("gcp-object-level-workload-identity", service_account_name="gcp-workload-identity-sa"),
        lambda: BucketProps(
            namespace="example", interval="5m", bucket_name="example", provider="generic", endpoint="minio.example.com",
            sts=BucketSTS(provider="ldap", endpoint="https://ldap.example.com", secret_ref="ldap-credentials", cert_secret_ref="ldap-tls"),
        ).manifest("example"),  # fmt: skip
        lambda: BucketProps(namespace="example", interval="5m", bucket_name="example", provider="generic", endpoint="minio.example.com", cert_secret_ref="minio-tls").manifest("example"),
    ]),
}


def _aws_bucket(name: str, **options: Any) -> dict[str, Any]:
    return BucketProps(namespace="default", interval="5m0s", provider="aws", bucket_name="podinfo", endpoint="s3.amazonaws.com", region="us-east-1", **options).manifest(name)


def _azure_bucket(name: str, bucket: str, endpoint: str, namespace: str = "default", **options: Any) -> dict[str, Any]:
    return BucketProps(namespace=namespace, interval="5m0s", provider="azure", bucket_name=bucket, endpoint=endpoint, **options).manifest(name)


def _gcp_bucket(name: str, **options: Any) -> dict[str, Any]:
    return BucketProps(
        namespace="default", interval="5m0s", provider="gcp", bucket_name="podinfo", endpoint="storage.googleapis.com", region="us-east-1", timeout="30s", **options
    ).manifest(name)


@pytest.mark.parametrize("page", sorted(SOURCE_DOCS))
def test_the_api_docs_objects_rebuilt(page: str, crds: list[dict[str, Any]]) -> None:
    # GIVEN every named object in source-controller's page, WHEN each is rebuilt with the constructs, THEN they are the same
    kinds, builders = SOURCE_DOCS[page]
    assert_rebuilt(f"source-controller/{page}", kinds, builders, crds)


def test_an_oci_tag_pinned_to_its_digest(crds: list[dict[str, Any]]) -> None:
    # GIVEN the tag@digest pinning Renovate writes WHEN it is the ref THEN both are kept, and the CRD admits it (Flux pulls the digest)
    digest = "sha256:" + "3f" * 32
    obj = OCIRepositoryProps(url=OCI, ref=OCIRepositoryRef(tag="6.6.2", digest=digest)).manifest("app")
    assert admitted(obj, crds)["spec"]["ref"] == {"digest": digest, "tag": "6.6.2"}


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"sts": BucketSTS(provider="aws", endpoint="https://sts.amazonaws.com")}, "sts.provider", "'ldap'"),
        ({"provider": "gcp", "sts": BucketSTS(provider="ldap", endpoint="https://ldap.example.com")}, "sts.provider", "no STS"),
        ({"sts": partial(BucketSTS, provider="aws", endpoint="https://sts.amazonaws.com", secret_ref="creds")}, "sts.secret_ref", "drop secret_ref"),
        ({"sts": partial(BucketSTS, provider="ldap", endpoint="ldap.example.com")}, "sts.endpoint", "https://"),
    ],
)
def test_bucket_sts_errors(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"bucket_name": "manifests", "endpoint": "minio.example.com:9000", **options}
    with pytest.raises(ValidationError, match=words) as raised:
        BucketProps(**made(arguments))
    assert raised.value.field == field




def test_a_bucket_name_from_a_post_build_variable() -> None:
    assert BucketProps(bucket_name=Var("bucket"), endpoint="s3.amazonaws.com").spec["bucketName"] == "${bucket}"
    assert BucketProps(bucket_name="${cluster}-manifests", endpoint="s3.amazonaws.com").spec["bucketName"] == "${cluster}-manifests"
    with pytest.raises(ValidationError, match="bucket name"):
        BucketProps(bucket_name="${cluster} manifests", endpoint="s3.amazonaws.com")
