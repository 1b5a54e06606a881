"""``cdk8s_flux.v2.image``: ImageRepository, ImagePolicy, ImageUpdateAutomation (Flux v2.9.4 CRDs)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from apidocs import assert_rebuilt, spec_schema
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import (
    AlphabeticalPolicy,
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
from cdk8s_flux.v2.image import AccessFrom, NamespaceSelector
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


# --- every field of the v2.9.4 CRDs (the image part of the schema inventory) ---------------------


def _schema_leaves(schema: dict[str, Any], path: str) -> set[str]:
    if schema.get("type") == "array" and "items" in schema:
        return _schema_leaves(schema["items"], path + "[]")
    if not schema.get("properties"):
        return {path}
    return set().union(*(_schema_leaves(sub, f"{path}.{name}") for name, sub in schema["properties"].items()))


def _emitted(value: Any, schema: dict[str, Any], path: str) -> set[str]:
    if schema.get("type") == "array" and "items" in schema:
        return set().union(set(), *(_emitted(item, schema["items"], path + "[]") for item in value))
    if not schema.get("properties"):
        return {path}
    return set().union(set(), *(_emitted(v, schema["properties"][k], f"{path}.{k}") for k, v in value.items()))


IMAGE_KINDS = ("ImageRepository", "ImagePolicy", "ImageUpdateAutomation")


@pytest.mark.parametrize("kind", IMAGE_KINDS)
def test_every_crd_field_has_a_prop_and_a_builder(kind: str, crds: list[dict[str, Any]]) -> None:
    # GIVEN the served version's spec schema of the kind in Flux v2.9.4
    from inventory.image import BUILDERS, PROPS

    schema = spec_schema(crds, kind)
    leaves = _schema_leaves(schema, "spec")
    # WHEN every builder of the kind is synthesized
    emitted: set[str] = set()
    for build in BUILDERS[kind]:
        chart = cdk8s.Testing.chart()
        build(chart)
        objects = [o for o in chart_objects(chart) if o["kind"] == kind]
        assert objects and validate_objects(objects, crds=crds) == [] and cel_problems(objects, crds) == []
        for obj in objects:
            emitted |= _emitted(obj["spec"], schema, "spec")
    # THEN each leaf is written by some builder and named with its prop, and no prop names a path the schema lacks
    assert leaves - emitted == set()
    assert set(PROPS[kind]) == leaves


def _podinfo_repository(**options: Any) -> dict[str, Any]:
    return ImageRepositoryProps(namespace="default", image="stefanprodan/podinfo", interval="1h", **options).manifest("podinfo")


REPO_PODINFO = ObjectRef(kind="ImageRepository", name="podinfo")
REFLECTOR_DOCS = {
    "imagerepositories.md": [
        lambda: _podinfo_repository(provider="generic"),
        lambda: _podinfo_repository(secret_ref="regcred"),
        lambda: ImageRepositoryProps(namespace="default", image="example.com", interval="5m0s", cert_secret_ref="example-mtls-certs").manifest("example-mtls"),
        lambda: ImageRepositoryProps(namespace="default", image="example.com", interval="5m0s", cert_secret_ref="example-ca-cert").manifest("example-ca"),
        lambda: ImageRepositoryProps(namespace="default", image="example.com", interval="5m0s", proxy_secret_ref="http-proxy").manifest("example"),
        lambda: ImageRepositoryProps(
            namespace="apps", image="docker.io/org/image", interval="1h", secret_ref="regcred",
            access_from=AccessFrom(namespace_selectors=[NamespaceSelector(match_labels={"kubernetes.io/metadata.name": "flux-system"})]),
        ).manifest("app1"),  # fmt: skip
        lambda: ImagePolicyProps(
            image_repository=ObjectRef(kind="ImageRepository", name="app1", namespace="apps"), policy=SemverPolicy(range="1.0.x")
        ).manifest("app1"),
        lambda: ImageRepositoryProps(namespace="apps", image="docker.io/org/image", interval="1h", exclusion_list=["^.*\\.sig$", "1.0.2", "1.1.1|1.0.0"]).manifest("app1"),
    ],
    "imagepolicies.md": [
        lambda: ImagePolicyProps(
            namespace="default", image_repository=REPO_PODINFO, digest_reflection_policy="IfNotPresent", policy=SemverPolicy(range="5.1.x")
        ).manifest("podinfo"),
        lambda: ImagePolicyProps(
            namespace="default", image_repository=ObjectRef(kind="ImageRepository", name="podinfo", namespace="flux-system"), policy=SemverPolicy(range="5.1.x")
        ).manifest("podinfo"),
        lambda: ImagePolicyProps(image_repository=REPO_PODINFO, policy=SemverPolicy(range=">=1.0.0")).manifest("podinfo"),
        lambda: ImagePolicyProps(image_repository=REPO_PODINFO, policy=AlphabeticalPolicy(order="asc")).manifest("podinfo"),
        lambda: ImagePolicyProps(image_repository=REPO_PODINFO, policy=NumericalPolicy(order="asc")).manifest("podinfo"),
        lambda: ImagePolicyProps(image_repository=REPO_PODINFO, filter_tags=TagFilter(pattern=".*-rc.*"), policy=SemverPolicy(range="^1.x-0")).manifest("podinfo"),
        lambda: ImagePolicyProps(
            image_repository=ObjectRef(kind="ImageRepository", name="minio"), policy=AlphabeticalPolicy(order="asc"),
            filter_tags=TagFilter(pattern="^RELEASE\\.(?P<timestamp>.*)Z$", extract="$timestamp"),
        ).manifest("minio"),  # fmt: skip
    ],
}
AUTOMATION_DOCS = [
    lambda: ImageRepositoryProps(namespace="default", image="ghcr.io/stefanprodan/podinfo", interval="5h").manifest("podinfo"),
    lambda: ImagePolicyProps(namespace="default", image_repository=REPO_PODINFO, policy=SemverPolicy(range="5.0.x")).manifest("podinfo-policy"),
    lambda: _update_manifest(
        "podinfo-update", namespace="default", interval="30m", author_email="fluxcdbot@users.noreply.github.com", author_name="fluxcdbot", push_branch="main", update_path="./"
    ),
    lambda: _update_manifest(
        "my-automation", checkout_branch="main", push_branch="flux-updates", push_refspec="refs/heads/flux-updates:refs/for/main",
        push_options={"topic": "flux-updates", "title": "Flux Image Update", "description": "This PR is automatically opened by the fluxcd *image-automation-controller*"},
        author_email="flux@eaample.com", author_name="fluxcd",
        message_template="{{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}",
    ),  # fmt: skip
]


def _update_manifest(name: str, **options: Any) -> dict[str, Any]:
    made = ImageUpdateAutomationProps(source=ObjectRef(kind="GitRepository", name="podinfo"), **options).manifest(name)
    return made


@pytest.mark.parametrize(
    ("page", "builders"),
    [
        *((f"image-reflector-controller/{page}", builders) for page, builders in REFLECTOR_DOCS.items()),
        ("image-automation-controller/imageupdateautomations.md", AUTOMATION_DOCS),
    ],
)
def test_the_api_docs_objects_rebuilt(page: str, builders: list[Any], crds: list[dict[str, Any]]) -> None:
    # GIVEN every named object in the controller's API page (Flux v2.9.4's controllers)
    # WHEN each is rebuilt with the constructs THEN they are the same, field by field, and valid
    assert_rebuilt(page, IMAGE_KINDS, builders, crds)


