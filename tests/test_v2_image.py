"""``cdk8s_flux.v2.image``: ImageRepository, ImagePolicy, ImageUpdateAutomation (Flux v2.9.4 CRDs)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import (
    GitRepository,
    GitRepositoryRef,
    ImagePolicy,
    ImagePolicyProps,
    ImageRepository,
    ImageRepositoryProps,
    ImageUpdateAutomation,
    ImageUpdateAutomationProps,
    NumericalPolicy,
    ObjectRef,
    SemverPolicy,
    TagFilter,
)
from cdk8s_flux.validate import validate_objects

REPOSITORY = ObjectRef(kind="ImageRepository", name="app")
GIT = ObjectRef(kind="GitRepository", name="flux-system")


def made(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with each ``partial`` called: a nested value that refuses its arguments when it is made."""
    return {key: value() if isinstance(value, partial) else value for key, value in options.items()}


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def test_image_automation_of_one_app(crds: list[dict[str, Any]]) -> None:
    # GIVEN the app's GitRepository and an ImageRepository
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    repo = GitRepository(scope, "app", url="ssh://git@github.com/example/app", ref=GitRepositoryRef(branch="main"), secret_ref="deploy-key")
    images = ImageRepository(scope, "app-image", image="ghcr.io/example/app", secret_ref="ghcr", exclusion_list=["^.*\\.sig$", "^dev-"])
    # WHEN a policy picks the newest build and an automation commits it
    ImagePolicy(scope, "app-policy", image_repository=images, policy=NumericalPolicy(order="asc"), filter_tags=TagFilter(pattern="^main-[a-f0-9]+-(?P<ts>[0-9]+)", extract="$ts"))
    ImageUpdateAutomation(
        scope, "app-update", source=repo, author_name="fluxbot", author_email="fluxbot@example.com", checkout_branch="main",
        push_branch="image-updates", message_template="Update images", update_path="./deploy",
    )  # fmt: skip
    objects = chart_objects(scope)
    # THEN the objects reference each other by name
    assert objects[2]["spec"] == {
        "filterTags": {"extract": "$ts", "pattern": "^main-[a-f0-9]+-(?P<ts>[0-9]+)"},
        "imageRepositoryRef": {"name": "app-image"},
        "policy": {"numerical": {"order": "asc"}},
    }
    assert objects[3]["spec"] == {
        "git": {
            "checkout": {"ref": {"branch": "main"}},
            "commit": {"author": {"email": "fluxbot@example.com", "name": "fluxbot"}, "messageTemplate": "Update images"},
            "push": {"branch": "image-updates"},
        },
        "interval": "1m0s",
        "sourceRef": {"kind": "GitRepository", "name": "app"},
        "update": {"path": "./deploy", "strategy": "Setters"},
    }
    assert validate_objects(objects, crds=crds) == [] and cel_problems(objects, crds) == []


def test_digest_reflection_takes_an_interval(crds: list[dict[str, Any]]) -> None:
    obj = ImagePolicyProps(image_repository=REPOSITORY, policy=SemverPolicy(range="^1.2"), digest_reflection_policy="Always", interval="5m").manifest("p")
    assert obj["spec"]["interval"] == "5m"
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


@pytest.mark.parametrize(
    ("image", "words"),
    [
        ("ghcr.io/example/app:1.0", "without scheme, tag or digest"),
        ("https://ghcr.io/example/app", "without scheme"),
        ("ghcr.io/Example/app", "image repository"),
        ("", "non-empty"),
    ],
)
def test_image_repository_refuses_what_is_no_repository(image: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        ImageRepositoryProps(image=image)
    assert raised.value.field == "image"


def test_image_repository_limits() -> None:
    with pytest.raises(ValidationError, match="25"):
        ImageRepositoryProps(image="nginx", exclusion_list=[f"^v{i}" for i in range(26)])
    with pytest.raises(ValidationError, match="no hours"):
        ImageRepositoryProps(image="nginx", timeout="1h")
    assert ImageRepositoryProps(image="localhost:5000/team/app").manifest("r")["spec"]["image"] == "localhost:5000/team/app"


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"policy": "semver"}, "policy", "SemverPolicy"),
        ({"policy": partial(SemverPolicy, range="latest")}, "policy.range", "semver range"),
        ({"policy": partial(NumericalPolicy, order="ascending")}, "policy.order", "'asc'"),
        ({"filter_tags": partial(TagFilter, pattern="^(?P<ts>[0-9]+)$", extract="$version")}, "filter_tags.extract", "not in the pattern"),
        ({"filter_tags": partial(TagFilter, pattern="([0-9]+")}, "filter_tags.pattern", "regular expression"),
        ({"interval": "5m"}, "interval", "only used"),
        ({"digest_reflection_policy": "Always"}, "interval", "required"),
        ({"image_repository": ObjectRef(kind="GitRepository", name="x")}, "image_repository", "cannot be referenced"),
    ],
)
def test_image_policy_errors(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"image_repository": REPOSITORY, "policy": SemverPolicy(range=">=1.0.0"), **options}
    with pytest.raises(ValidationError, match=words) as raised:
        ImagePolicyProps(**made(arguments))
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"author_email": "flux"}, "author_email", "e-mail"),
        ({"signing_key_type": "ssh"}, "signing_key_type", "signing_key_secret"),
        ({"signing_key_secret": "k", "signing_key_type": "x509"}, "signing_key_type", "'gpg'"),
        ({"checkout_branch": "a..b"}, "checkout_branch", "branch name"),
        ({"source": ObjectRef(kind="OCIRepository", name="x")}, "source", "cannot be referenced"),
    ],
)
def test_image_update_errors(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"source": GIT, "author_email": "flux@example.com", **options}
    with pytest.raises(ValidationError, match=words) as raised:
        ImageUpdateAutomationProps(**arguments)
    assert raised.value.field == field
