"""``cdk8s_flux.oci.reference``: oci:// references as Flux and the distribution spec take them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.oci.reference import Reference, parse_reference

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oci://ghcr.io/org/app:v1", Reference("ghcr.io", "org/app", "v1", None)),
        ("oci://127.0.0.1:5000/team/app", Reference("127.0.0.1:5000", "team/app", None, None)),
        ("oci://localhost:5000/app:latest", Reference("localhost:5000", "app", "latest", None)),
        (f"oci://registry.example.com/a/b/c@{DIGEST}", Reference("registry.example.com", "a/b/c", None, DIGEST)),
        (f"oci://ghcr.io/org/app:v1@{DIGEST}", Reference("ghcr.io", "org/app", "v1", DIGEST)),
        ("oci://ghcr.io/org/my_app.manifests-x:1.2.3-rc.1", Reference("ghcr.io", "org/my_app.manifests-x", "1.2.3-rc.1", None)),
        ("oci://[::1]:5000/app:v1", Reference("[::1]:5000", "app", "v1", None)),
    ],
)
def test_valid_references(text: str, expected: Reference) -> None:
    # GIVEN a reference the distribution spec allows WHEN parsed THEN its parts are split as written
    assert parse_reference(text) == expected


def test_a_reference_prints_back_and_names_its_repository() -> None:
    reference = parse_reference("oci://127.0.0.1:5000/team/app:v1")
    assert str(reference) == "oci://127.0.0.1:5000/team/app:v1"
    assert reference.url == "oci://127.0.0.1:5000/team/app"
    assert reference.name == "127.0.0.1:5000/team/app"
    assert reference.host == "127.0.0.1"
    assert str(reference.with_digest(DIGEST)) == f"oci://127.0.0.1:5000/team/app@{DIGEST}"


@pytest.mark.parametrize(
    ("text", "problem", "fix"),
    [
        ("ghcr.io/org/app:v1", "no oci:// scheme", "oci://ghcr.io/org/app:v1"),
        ("http://127.0.0.1:5000/app:v1", "http:// is not an OCI reference", "(insecure_registry)"),
        ("https://ghcr.io/org/app", "https:// is not an OCI reference", "oci://ghcr.io/org/app"),
        ("docker://ghcr.io/org/app", "the scheme must be oci://", "oci://ghcr.io/org/app"),
        ("oci://ghcr.io", "no repository", "oci://ghcr.io/org/app"),
        ("oci://ghcr.io/", "no repository", "oci://ghcr.io/org/app"),
        ("oci://ghcr.io/Org/App:v1", "repository names are lowercase", "lowercase"),
        ("oci://ghcr.io/org/app..x", "is not allowed", "lowercase"),
        ("oci://ghcr.io/org//app", "is not allowed", "lowercase"),
        ("oci://ghcr.io/org/app:-v1", "not a valid OCI tag", "128"),
        ("oci://ghcr.io/org/app@sha256:abc", "not a sha256 digest", "64"),
        ("oci://ghcr.io:99999/org/app", "port", "oci://"),
        ("oci://gh_cr.io/org/app", "not a registry host name", "oci://"),
        ("", "empty", "oci://"),
        (" oci://ghcr.io/org/app", "spaces", "remove"),
    ],
)
def test_bad_references_name_the_fix(text: str, problem: str, fix: str) -> None:
    # GIVEN a reference Flux or the registry would refuse WHEN parsed
    with pytest.raises(ValidationError) as raised:
        parse_reference(text, "REFERENCE")
    # THEN the error names the argument, the problem and the fix
    assert raised.value.field == "REFERENCE"
    assert problem in raised.value.problem
    assert fix in raised.value.fix
    assert raised.value.exit_code == 2


def test_too_long_a_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="longer than 255"):
        parse_reference("oci://ghcr.io/" + "/".join(["abcdefghij"] * 30))


@pytest.mark.parametrize("tag", ["latest", "v1.2.3", "_x", "a" * 128, "-v1", ".x", "a" * 129, "a:b", "a b"])
def test_one_tag_rule_for_push_the_oci_target_and_the_oci_repository(tag: str) -> None:
    """push, OciTarget and OCIRepositoryRef take the same tags: the distribution spec's."""
    from cdk8s_flux.target import OciTarget
    from cdk8s_flux.v2 import OCIRepositoryRef

    def accepted(make: Callable[[], object]) -> bool:
        with contextlib.suppress(ValidationError):
            make()
            return True
        return False

    results = {
        accepted(lambda: parse_reference(f"oci://ghcr.io/org/app:{tag}")),
        accepted(lambda: OciTarget(url="oci://ghcr.io/org/app", tag=tag)),
        accepted(lambda: OCIRepositoryRef(tag=tag)),
    }
    assert len(results) == 1


def test_providers_are_the_registry_providers_of_the_crds() -> None:
    from cdk8s_flux.oci.reference import REGISTRY_PROVIDERS, check_provider

    assert check_provider("provider", "gcp") == "gcp"
    with pytest.raises(ValidationError, match="'generic'") as raised:
        check_provider("provider", "github")
    assert raised.value.field == "provider"
    assert REGISTRY_PROVIDERS == ("generic", "aws", "azure", "gcp")
