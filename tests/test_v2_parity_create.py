"""Parity of the ``cdk8s_flux.v2`` constructs with ``flux create ... --export``.

Golden data: tests/data/flux-create/, real expected outputs from fluxcd/flux2
``cmd/flux/testdata`` (README.md there gives each file's path, commit and
command line). Each case passes the inputs of that command line; values the
CLI's test harness zeroes (``interval: 0s``, no OCI ``provider``) are passed
explicitly, as the README explains. Every object is also validated against the
Flux v2.9.4 CRDs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import (
    Alert,
    AlphabeticalPolicy,
    Bucket,
    Decryption,
    GitRepository,
    GitRepositoryRef,
    HelmChart,
    HelmRelease,
    HelmRepository,
    ImagePolicy,
    ImageRepository,
    ImageUpdateAutomation,
    Kustomization,
    LayerSelector,
    ObjectRef,
    OCIRepository,
    OCIRepositoryRef,
    OIDCIdentity,
    Provider,
    Receiver,
    SemverPolicy,
    TagFilter,
    Verification,
)
from cdk8s_flux.validate import validate_objects

GOLDEN = Path(__file__).parent / "data" / "flux-create"
#: What the tests put for the harness's ``{{ .fluxns }}`` (it passes a namespace with -n).
FLUXNS = "flux-create-test"
PODINFO = "https://github.com/stefanprodan/podinfo"
PODINFO_OCI = "oci://ghcr.io/stefanprodan/manifests/podinfo"


def golden(path: str) -> dict[str, Any]:
    text = (GOLDEN / path).read_text()
    if text.startswith("✚"):  # the CLI's stderr log, captured by the harness with stdout
        text = text.split("\n", 1)[1]
    documents = [d for d in yaml.safe_load_all(text.replace("{{ .fluxns }}", FLUXNS)) if d]
    assert len(documents) == 1
    return documents[0]


def synth(build: Callable[[cdk8s.Chart], Any]) -> dict[str, Any]:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "create")
    build(chart)
    (obj,) = chart_objects(chart)
    return obj


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def git(ref: GitRepositoryRef, **options: Any) -> Callable[[cdk8s.Chart], Any]:
    options.setdefault("url", PODINFO)
    options.setdefault("namespace", "flux-system")
    return lambda c: GitRepository(c, "podinfo", ref=ref, **options)


def oci(**options: Any) -> Callable[[cdk8s.Chart], Any]:
    options.setdefault("interval", "10m0s")
    return lambda c: OCIRepository(c, "podinfo", url=PODINFO_OCI, ref=OCIRepositoryRef(tag="6.3.5"), provider=None, **options)


def helm_chart(**options: Any) -> Callable[[cdk8s.Chart], Any]:
    source = ObjectRef(kind="HelmRepository", name="podinfo")
    return lambda c: HelmChart(c, "podinfo", chart="podinfo", source=source, interval="0s", namespace=FLUXNS, **options)


def image_update(**options: Any) -> Callable[[cdk8s.Chart], Any]:
    return lambda c: ImageUpdateAutomation(
        c, "flux-system", source=ObjectRef(kind="GitRepository", name="flux-system"), checkout_branch="main",
        author_name="flux", author_email="flux@example.com", interval="1m0s", **options,
    )  # fmt: skip


CASES: dict[str, Callable[[cdk8s.Chart], Any]] = {
    # flux create source git
    "create_source_git/export.golden": git(
        GitRepositoryRef(branch="master"), namespace="default", interval="1m0s", ignore=[".cosign", "non-existent-dir/"]
    ),
    "create_source_git/source-git-branch.yaml": git(GitRepositoryRef(branch="test")),
    "create_source_git/source-git-commit.yaml": git(GitRepositoryRef(commit="c88a2f41")),
    "create_source_git/source-git-refname.yaml": git(GitRepositoryRef(name="refs/heads/main")),
    "create_source_git/source-git-branch-commit.yaml": git(GitRepositoryRef(branch="main", commit="c88a2f41")),
    "create_source_git/source-git-semver.yaml": git(GitRepositoryRef(semver="v1.01")),
    "create_source_git/source-git-tag.yaml": git(GitRepositoryRef(tag="test")),
    "create_source_git/source-git-provider-generic.yaml": git(GitRepositoryRef(branch="test"), provider="generic"),
    "create_source_git/source-git-provider-azure.yaml": git(
        GitRepositoryRef(branch="test"), url="https://dev.azure.com/foo/bar/_git/podinfo", provider="azure"
    ),
    "create_source_git/source-git-provider-github.yaml": git(
        GitRepositoryRef(branch="test"), provider="github", secret_ref="appinfo"
    ),
    # flux create source oci
    "oci/export.golden": oci(),
    "oci/export_with_secret.golden": oci(secret_ref="creds"),
    "oci/export_with_verify_secret.golden": oci(verify=Verification(provider="cosign", secret_ref="cosign-pub")),
    "oci/export_with_issuer.golden": oci(
        interval="0s", verify=Verification(match_oidc_identity=[OIDCIdentity(issuer="github", subject="")])
    ),
    "oci/export_with_subject.golden": oci(
        interval="0s", verify=Verification(match_oidc_identity=[OIDCIdentity(issuer="", subject="stefanprodan")])
    ),
    "oci/export_with_complete_verification.golden": oci(
        interval="0s", verify=Verification(match_oidc_identity=[OIDCIdentity(issuer="github", subject="stefanprodan")])
    ),
    "oci/export_with_layer_selector.golden": oci(
        layer_selector=LayerSelector(media_type="application/vnd.cncf.helm.chart.content.v1.tar+gzip", operation="copy")
    ),
    # flux create source helm
    "create_source_helm/https.golden": lambda c: HelmRepository(
        c, "podinfo", url="https://stefanprodan.github.io/charts/podinfo", interval="5m0s", namespace=FLUXNS
    ),
    "create_source_helm/oci.golden": lambda c: HelmRepository(
        c, "podinfo", url="oci://ghcr.io/stefanprodan/charts/podinfo", interval="5m0s", namespace=FLUXNS
    ),
    "create_source_helm/oci-with-secret.golden": lambda c: HelmRepository(
        c, "podinfo", url="oci://ghcr.io/stefanprodan/charts/podinfo", interval="5m0s", secret_ref="creds", namespace=FLUXNS
    ),
    # flux create source chart
    "create_source_chart/basic.yaml": helm_chart(),
    "create_source_chart/verify_basic.yaml": helm_chart(verify=Verification(provider="cosign")),
    "create_source_chart/verify_complete.yaml": helm_chart(
        verify=Verification(provider="cosign", match_oidc_identity=[OIDCIdentity(issuer="foo", subject="bar")])
    ),
    # flux create kustomization
    "create_kustomization/with-sops-decryption.yaml": lambda c: Kustomization(
        c, "mysql", source=ObjectRef(kind="GitRepository", name="apps"), path="./apps",
        decryption=Decryption(provider="sops", secret_ref="sops-age"), interval="1m0s",
    ),  # fmt: skip
    # flux create helmrelease
    "create_hr/basic.yaml": lambda c: HelmRelease(
        c, "podinfo", chart="podinfo", chart_source=ObjectRef(kind="HelmRepository", name="podinfo"), namespace=FLUXNS
    ),
    "create_hr/or_basic.yaml": lambda c: HelmRelease(
        c, "podinfo", chart_ref=ObjectRef(kind="OCIRepository", name="podinfo"), namespace=FLUXNS
    ),
    "create_hr/hc_basic.yaml": lambda c: HelmRelease(
        c, "podinfo", chart_ref=ObjectRef(kind="HelmChart", name="podinfo"), namespace=FLUXNS
    ),
    # flux create image update
    "create_image_update/no-signing.yaml": image_update(),
    "create_image_update/signing-default-gpg.yaml": image_update(signing_key_secret="my-key"),
    "create_image_update/signing-ssh.yaml": image_update(signing_key_secret="my-deploy-key", signing_key_type="ssh"),
}


def test_every_golden_file_has_a_case() -> None:
    files = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*") if p.is_file() and p.name != "README.md"}
    assert files == set(CASES)


@pytest.mark.parametrize("path", sorted(CASES))
def test_equals_flux_create_export(path: str, crds: list[dict[str, Any]]) -> None:
    # GIVEN the inputs of the flux create command that printed the golden file
    # WHEN the construct is synthesized
    obj = synth(CASES[path])
    # THEN it equals the CLI's object, field for field
    assert obj == golden(path)
    # AND the cluster would admit it
    assert validate_objects([obj], crds=crds) == []
    assert cel_problems([obj], crds) == []


# --- commands with no golden file: expected objects derived from the CLI source -----------------


def test_create_source_bucket(crds: list[dict[str, Any]]) -> None:
    """fluxcd/flux2 cmd/flux/create_source_bucket.go: bucketName, endpoint, provider (flag default generic,
    always printed), region, insecure, secretRef, interval; `flux create source bucket podinfo
    --bucket-name=podinfo --endpoint=minio.minio.svc.cluster.local:9000 --insecure=true --secret-ref=minio-creds --export`."""
    obj = synth(
        lambda c: Bucket(
            c, "podinfo", bucket_name="podinfo", endpoint="minio.minio.svc.cluster.local:9000", insecure=True, secret_ref="minio-creds"
        )
    )
    assert obj == {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "Bucket",
        "metadata": {"name": "podinfo", "namespace": "flux-system"},
        "spec": {
            "bucketName": "podinfo",
            "endpoint": "minio.minio.svc.cluster.local:9000",
            "insecure": True,
            "interval": "1m0s",
            "provider": "generic",
            "secretRef": {"name": "minio-creds"},
        },
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


def test_create_alert_provider(crds: list[dict[str, Any]]) -> None:
    """fluxcd/flux2 cmd/flux/create_alertprovider.go: type, channel, username, address, secretRef, each only when set;
    `flux create alert-provider slack --type slack --channel general --address https://hooks.slack.com/services/x
    --secret-ref webhook-url --export`."""
    obj = synth(
        lambda c: Provider(
            c, "slack", type="slack", channel="general", address="https://hooks.slack.com/services/x", secret_ref="webhook-url"
        )
    )
    assert obj == {
        "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
        "kind": "Provider",
        "metadata": {"name": "slack", "namespace": "flux-system"},
        "spec": {
            "address": "https://hooks.slack.com/services/x",
            "channel": "general",
            "secretRef": {"name": "webhook-url"},
            "type": "slack",
        },
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


def test_create_alert(crds: list[dict[str, Any]]) -> None:
    """fluxcd/flux2 cmd/flux/create_alert.go: providerRef {name}, eventSeverity when set, eventSources parsed from
    Kind/name[.namespace]; `flux create alert podinfo --provider-ref slack --event-severity info
    --event-source Kustomization/podinfo --event-source GitRepository/podinfo.sources --export`."""
    obj = synth(
        lambda c: Alert(
            c, "podinfo", provider=ObjectRef(kind="Provider", name="slack"), event_severity="info",
            event_sources=[ObjectRef(kind="Kustomization", name="podinfo"), ObjectRef(kind="GitRepository", name="podinfo", namespace="sources")],
        )  # fmt: skip
    )
    assert obj == {
        "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
        "kind": "Alert",
        "metadata": {"name": "podinfo", "namespace": "flux-system"},
        "spec": {
            "eventSeverity": "info",
            "eventSources": [
                {"kind": "Kustomization", "name": "podinfo"},
                {"kind": "GitRepository", "name": "podinfo", "namespace": "sources"},
            ],
            "providerRef": {"name": "slack"},
        },
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


def test_create_receiver(crds: list[dict[str, Any]]) -> None:
    """fluxcd/flux2 cmd/flux/create_receiver.go: type, events when given, resources Kind/name, secretRef; no interval;
    `flux create receiver github-receiver --type github --event ping --event push --secret-ref webhook-token
    --resource GitRepository/webapp --export`."""
    obj = synth(
        lambda c: Receiver(
            c, "github-receiver", type="github", events=["ping", "push"], secret_ref="webhook-token",
            resources=[ObjectRef(kind="GitRepository", name="webapp")],
        )  # fmt: skip
    )
    assert obj == {
        "apiVersion": "notification.toolkit.fluxcd.io/v1",
        "kind": "Receiver",
        "metadata": {"name": "github-receiver", "namespace": "flux-system"},
        "spec": {
            "events": ["ping", "push"],
            "resources": [{"kind": "GitRepository", "name": "webapp"}],
            "secretRef": {"name": "webhook-token"},
            "type": "github",
        },
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


def test_create_image_repository(crds: list[dict[str, Any]]) -> None:
    """fluxcd/flux2 cmd/flux/create_image_repository.go: image, interval, secretRef/certSecretRef when set, timeout
    from --scan-timeout; `flux create image repository podinfo --image=ghcr.io/stefanprodan/podinfo
    --secret-ref=regcred --scan-timeout=30s --export`."""
    obj = synth(
        lambda c: ImageRepository(c, "podinfo", image="ghcr.io/stefanprodan/podinfo", secret_ref="regcred", timeout="30s")
    )
    assert obj == {
        "apiVersion": "image.toolkit.fluxcd.io/v1",
        "kind": "ImageRepository",
        "metadata": {"name": "podinfo", "namespace": "flux-system"},
        "spec": {
            "image": "ghcr.io/stefanprodan/podinfo",
            "interval": "1m0s",
            "secretRef": {"name": "regcred"},
            "timeout": "30s",
        },
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (SemverPolicy(range="5.0.x"), {"semver": {"range": "5.0.x"}}),
        (AlphabeticalPolicy(order="desc"), {"alphabetical": {"order": "desc"}}),
    ],
)
def test_create_image_policy(policy: Any, expected: dict[str, Any], crds: list[dict[str, Any]]) -> None:
    """fluxcd/flux2 cmd/flux/create_image_policy.go: imageRepositoryRef {name}, policy (semver range | alphabetical
    order | numerical order), filterTags {pattern, extract}; no interval; `flux create image policy podinfo
    --image-ref=podinfo --select-semver=5.0.x (or --select-alpha=desc) --filter-regex='^(?P<v>.*)$' --filter-extract='$v' --export`."""
    obj = synth(
        lambda c: ImagePolicy(
            c, "podinfo", image_repository=ObjectRef(kind="ImageRepository", name="podinfo"), policy=policy,
            filter_tags=TagFilter(pattern="^(?P<v>.*)$", extract="$v"),
        )  # fmt: skip
    )
    assert obj == {
        "apiVersion": "image.toolkit.fluxcd.io/v1",
        "kind": "ImagePolicy",
        "metadata": {"name": "podinfo", "namespace": "flux-system"},
        "spec": {
            "filterTags": {"extract": "$v", "pattern": "^(?P<v>.*)$"},
            "imageRepositoryRef": {"name": "podinfo"},
            "policy": expected,
        },
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []
