"""``cdk8s_flux.images``: the pins file, the synth-time checks and the ImageAutomation/ImageUpdates constructs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.images.automation import ImageAutomation, ImageUpdates
from cdk8s_flux.images.pins import ImagePins, set_image
from cdk8s_flux.target import GitTarget
from cdk8s_flux.testing import assert_chart_snapshot, chart_objects
from cdk8s_flux.v2 import (
    FluxSync,
    GitRepository,
    GitRepositoryRef,
    ImageRepository,
    ImageUpdateAutomation,
    LabelSelector,
    LabelSelectorRequirement,
    NumericalPolicy,
    ObjectRef,
    SemverPolicy,
    TagFilter,
)
from cdk8s_flux.validate import validate_objects

PINS = """\
# our pins
images:
  web:
    image: ghcr.io/example/web:1.0.0 # {"$imagepolicy": "flux-system:web"}
  api:
    name: ghcr.io/example/api # {"$imagepolicy": "flux-system:api:name"}
    tag: main-abc-1700000000 # {"$imagepolicy": "flux-system:api:tag"}
    digest: sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be # {"$imagepolicy": "flux-system:api:digest"}
  plain:
    image: nginx:1.27
"""
URL = "ssh://git@github.com/example/app"


@pytest.fixture
def pins(tmp_path: Path) -> ImagePins:
    (tmp_path / ".git").mkdir()
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "images.yaml").write_text(PINS)
    return ImagePins.load(tmp_path / "apps" / "images.yaml")


def _app(pins: ImagePins, **updates: Any) -> tuple[cdk8s.App, cdk8s.Chart]:
    """The app of the pins, with its automation: ``updates`` are ImageUpdates options (``pins_files=[]``: none, the path given)."""
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "flux")
    FluxSync(chart, "sync", target=GitTarget(url=URL))
    ImageAutomation(chart, "web", pins=pins, image="ghcr.io/example/web", policy=SemverPolicy(range=">=1.0.0"))
    ImageAutomation(chart, "api", pins=pins, policy=NumericalPolicy(), filter_tags=TagFilter(pattern="^main-[a-f0-9]+-(?P<ts>[0-9]+)", extract="$ts"))
    source = GitRepository(chart, "app-source", url=URL, ref=GitRepositoryRef(branch="main"))
    pins_files = updates.pop("pins_files", [pins])
    ImageUpdates(chart, "app-images", source=source, pins=pins_files, author_email="flux@example.com", **updates)
    return app, chart


def _problems(app: cdk8s.App) -> list[str]:
    """What synth would refuse: the validations of every construct of the app."""
    return [str(e) for c in app.node.find_all() for e in c.node.validate()]


def test_the_pins_read_as_images(pins: ImagePins) -> None:
    assert dict(pins) == {
        "web": "ghcr.io/example/web:1.0.0",
        "api": "ghcr.io/example/api:main-abc-1700000000@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be",
        "plain": "nginx:1.27",
    }
    assert {str(s) for s in pins.pin("api").setters.values()} == {"flux-system:api:name", "flux-system:api:tag", "flux-system:api:digest"}
    with pytest.raises(ValidationError, match=r"entries: api, plain, web"):
        pins["db"]


def test_an_app_with_automation_passes_its_checks_and_its_objects_are_admitted(pins: ImagePins, flux_data: Path) -> None:
    # GIVEN the app's automations, matching its pins
    app, chart = _app(pins)
    # WHEN it is checked and synthesized
    objects = chart_objects(chart)
    # THEN no check fails, the automation covers the pins file, digests are reflected, and the CRDs admit everything
    assert _problems(app) == []
    (automation,) = [o for o in objects if o["kind"] == "ImageUpdateAutomation"]
    assert automation["spec"]["update"] == {"path": "./apps/images.yaml", "strategy": "Setters"}
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "ImagePolicy"}
    assert policies["api"]["digestReflectionPolicy"] == "IfNotPresent" and "digestReflectionPolicy" not in policies["web"]
    crds = load_crds(flux_data)
    assert validate_objects(objects, crds=crds) == [] and cel_problems(objects, crds) == []


def test_the_automation_synthesizes_as_reviewed(pins: ImagePins, snapshot: Any) -> None:
    snapshot.snapshot_dir = Path(__file__).parent / "snapshots" / "test_images_pins"
    _, chart = _app(pins, push_branch="flux/image-updates", author_name="fluxbot", message_template="Update images")
    assert_chart_snapshot(snapshot, chart, "automation.k8s.yaml")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("flux-system:web", "flux-system:website"), "names ImagePolicy flux-system/website, which the app does not define"),
        (("ghcr.io/example/web:1.0.0", "ghcr.io/example/www:1.0.0"), "pins ghcr.io/example/www, but its policy flux-system/web picks tags of ghcr.io/example/web"),
        (('    image: ghcr.io/example/web:1.0.0 # {"$imagepolicy": "flux-system:web"}\n', "    image: ghcr.io/example/web:1.0.0\n"), "images.web carries no marker of ImagePolicy flux-system/web"),
    ],
)
def test_a_mismatch_is_an_error_naming_the_entry_and_the_fix(pins: ImagePins, edit: tuple[str, str], words: str) -> None:
    pins.path.write_text(PINS.replace(*edit))
    app, _ = _app(ImagePins.load(pins.path))
    found = _problems(app)
    assert any(words in p for p in found) and all("Fix:" in p for p in found)


def test_the_pin_spells_the_repository_as_flux_will_write_it(pins: ImagePins) -> None:
    # Flux writes an image's name as its ImageRepository spells it: docker.io/library/nginx would become nginx
    pins.path.write_text(PINS.replace("image: nginx:1.27", 'image: docker.io/library/nginx:1.27 # {"$imagepolicy": "flux-system:plain"}'))
    app, chart = _app(ImagePins.load(pins.path))
    ImageAutomation(chart, "plain", pins=ImagePins.load(pins.path), image="nginx", policy=SemverPolicy(range="1.x"))
    (problem,) = _problems(app)
    assert "pins docker.io/library/nginx, but its policy flux-system/plain picks tags of nginx. Fix: spell it nginx" in problem


def test_an_automated_image_without_its_entry_is_an_error(pins: ImagePins) -> None:
    app, chart = _app(pins)
    ImageAutomation(chart, "worker", pins=pins, image="ghcr.io/example/worker", policy=SemverPolicy(range="1.x"))
    (problem,) = _problems(app)
    assert "automates image 'worker'" in problem and "images init" in problem


def test_a_digest_pin_needs_a_policy_that_reflects_digests(pins: ImagePins) -> None:
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "flux")
    ImageAutomation(chart, "web", pins=pins, policy=SemverPolicy(range=">=1.0.0"))
    ImageAutomation(chart, "api", pins=pins, policy=NumericalPolicy(), digest_reflection_policy="Never")
    # one problem for the entry, though its name, tag and digest all carry the policy's markers
    (problem,) = _problems(app)
    assert "images.api: pins a digest" in problem and "digest_reflection_policy='IfNotPresent'" in problem


@pytest.mark.parametrize(
    "updates",
    [
        {"checkout_branch": "manifests", "update_path": "dist/web", "pins_files": []},
        {"push_branch": "manifests", "update_path": "."},
    ],
)
def test_automation_aimed_at_what_publish_owns_is_refused(pins: ImagePins, updates: dict[str, Any]) -> None:
    app, _ = _app(pins, **updates)
    (problem,) = _problems(app)
    assert "writes branch 'manifests'" in problem and "publish owns" in problem


def test_an_update_path_that_misses_the_pins_file_is_an_error(pins: ImagePins) -> None:
    with pytest.raises(ValidationError, match="does not cover the pins file apps/images.yaml") as raised:
        _app(pins, update_path="deploy")
    assert raised.value.field == "update_path"


def test_the_manifests_branch_spelled_as_another_url_is_still_refused(pins: ImagePins) -> None:
    app, chart = _app(pins, push_branch="image-updates")
    other = GitRepository(chart, "https-source", url="https://github.com/example/app.git", ref=GitRepositoryRef(branch="manifests"))
    ImageUpdates(chart, "other-images", source=other, author_email="flux@example.com", update_path="dist", pins=[])
    (problem,) = _problems(app)
    assert "ImageUpdateAutomation flux-system/other-images: writes branch 'manifests'" in problem


def test_two_automations_of_one_branch_and_path_are_refused(pins: ImagePins) -> None:
    app, chart = _app(pins)
    other = GitRepository(chart, "same-source", url="https://github.com/example/app", ref=GitRepositoryRef(branch="main"))
    ImageUpdates(chart, "more-images", source=other, pins=[pins], author_email="flux@example.com")
    (problem,) = _problems(app)
    assert "ImageUpdateAutomation flux-system/more-images" in problem and "flux-system/app-images writes too" in problem


def test_a_pull_request_branch_beside_the_manifests_is_fine(pins: ImagePins) -> None:
    app, _ = _app(pins, push_branch="image-updates")
    assert _problems(app) == []


def test_set_changes_only_the_marked_values(pins: ImagePins) -> None:
    changes = set_image(pins.path, "api", "ghcr.io/example/api:main-def-1800000000@sha256:" + "b" * 64)
    assert changes == [
        "flux-system:api:tag: main-abc-1700000000 -> main-def-1800000000",
        "flux-system:api:digest: sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be -> sha256:" + "b" * 64,
    ]
    text = pins.path.read_text()
    assert text == PINS.replace("main-abc-1700000000", "main-def-1800000000").replace("6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be", "b" * 64)
    with pytest.raises(ValidationError, match="carries no marker"):
        set_image(pins.path, "plain", "nginx:1.28")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("apps: {}\n", "not a pins file"),
        ("images:\n  web:\n    image: a:1\n    tag: '2'\n", "image is set together"),
        ("images:\n  web:\n    name: ghcr.io/a\n", "needs a tag or a digest"),
        ("images:\n  web:\n    tag: 1.10\n    name: a\n", "not a string"),
        ('images:\n  web:\n    image: a:1 # {"$imagepolicy": "flux-system:web:tag"}\n', "the marker sets the tag, not the image"),
    ],
)
def test_a_bad_pins_file_is_an_error(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        ImagePins.parse(text)


def test_a_source_outside_the_app_needs_a_known_branch(pins: ImagePins) -> None:
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "flux")
    FluxSync(chart, "sync", target=GitTarget(url=URL))
    ImageAutomation(chart, "web", pins=pins, policy=SemverPolicy(range=">=1.0.0"))
    ImageAutomation(chart, "api", pins=pins, policy=NumericalPolicy())
    # the flux-system GitRepository of FluxSync reads the manifests branch: an automation on it writes there
    ImageUpdates(chart, "app-images", source=ObjectRef(kind="GitRepository", name="flux-system"), author_email="flux@example.com", update_path="dist")
    (problem,) = _problems(app)
    assert "writes branch 'manifests'" in problem


def test_a_plain_image_update_automation_on_publishs_branch_is_refused_too() -> None:
    # GIVEN an app that writes its own ImageUpdateAutomation against the FluxSync's GitRepository
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "flux")
    FluxSync(chart, "sync", target=GitTarget(url=URL))
    ImageUpdateAutomation(chart, "images", source=ObjectRef(kind="GitRepository", name="flux-system"), author_email="flux@example.com", update_path="./dist")
    # THEN synth refuses it, as it refuses ImageUpdates
    (problem,) = _problems(app)
    assert "ImageUpdateAutomation flux-system/images: writes branch 'manifests' path 'dist'" in problem


def test_two_entries_share_one_image_repository(tmp_path: Path, flux_data: Path) -> None:
    # GIVEN releases and nightly builds of one image, pinned apart
    (tmp_path / "images.yaml").write_text(
        'images:\n  web:\n    image: ghcr.io/example/web:1.0.0 # {"$imagepolicy": "flux-system:web"}\n'
        '  web-nightly:\n    image: ghcr.io/example/web:nightly-1700000000@sha256:' + "a" * 64 + ' # {"$imagepolicy": "flux-system:web-nightly"}\n'
    )
    pins = ImagePins.load(tmp_path / "images.yaml")
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "flux")
    repository = ImageRepository(chart, "web-images", image="ghcr.io/example/web", secret_ref="ghcr", exclusion_list=["^.*\\.sig$"])
    # WHEN two automations use the one repository, the nightly one re-reading its digest
    ImageAutomation(chart, "web", pins=pins, repository=repository, policy=SemverPolicy(range="1.x"))
    ImageAutomation(
        chart, "web-nightly", pins=pins, repository=repository, policy=NumericalPolicy(),
        filter_tags=TagFilter(pattern="^nightly-(?P<ts>[0-9]+)$", extract="$ts"), digest_reflection_policy="Always", policy_interval="10m",
    )  # fmt: skip
    # THEN there is one ImageRepository, both policies point at it, and the checks pass
    objects = chart_objects(chart)
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "ImageRepository"] == ["web-images"]
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "ImagePolicy"}
    assert {p["imageRepositoryRef"]["name"] for p in policies.values()} == {"web-images"}
    assert (policies["web-nightly"]["digestReflectionPolicy"], policies["web-nightly"]["interval"]) == ("Always", "10m")
    assert _problems(app) == []
    crds = load_crds(flux_data)
    assert validate_objects(objects, crds=crds) == [] and cel_problems(objects, crds) == []


def test_repository_options_beside_a_given_repository_are_an_error(pins: ImagePins) -> None:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    repository = ImageRepository(chart, "web-images", image="ghcr.io/example/web")
    with pytest.raises(ValidationError, match="would not be used") as raised:
        ImageAutomation(chart, "web", pins=pins, repository=repository, secret_ref="ghcr", policy=SemverPolicy(range="1.x"))
    assert raised.value.field == "secret_ref"


def test_set_keeps_the_files_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "images.yaml"
    path.write_bytes(PINS.replace("\n", "\r\n").encode())
    set_image(path, "web", "ghcr.io/example/web:1.1.0")
    assert path.read_bytes() == PINS.replace("\n", "\r\n").replace("web:1.0.0", "web:1.1.0").encode()


def test_an_automated_image_needs_the_namespace_its_marker_names(pins: ImagePins) -> None:
    with pytest.raises(ValidationError, match="needs one") as raised:
        ImageAutomation(cdk8s.Chart(cdk8s.Testing.app(), "flux"), "web", pins=pins, namespace=None, policy=SemverPolicy(range="1.x"))  # type: ignore[call-overload]
    assert raised.value.field == "namespace"


def test_the_guides_pins_file_reads_as_it_says() -> None:
    import re

    guide = (Path(__file__).parent.parent / "docs" / "v2-image-automation.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", guide, re.S)
    assert example is not None
    pins = ImagePins.parse(example[1])
    assert pins["api"].startswith("ghcr.io/example-org/api:main-3f2a9c1-1718000000@sha256:")
    assert {str(s) for s in pins.pin("api").setters.values()} == {"flux-system:api:name", "flux-system:api:tag", "flux-system:api:digest"}


@pytest.mark.parametrize(
    ("updates", "applied"),
    [
        ({"namespace": "apps"}, False),
        ({"policy_selector": LabelSelector(match_labels={"team": "web"})}, False),
        ({"policy_selector": LabelSelector(match_expressions=[LabelSelectorRequirement(key="team", operator="DoesNotExist")])}, True),
    ],
)
def test_an_automated_image_no_automation_applies_is_an_error(pins: ImagePins, updates: dict[str, Any], applied: bool) -> None:
    # the controller reads only the ImagePolicies of its own namespace that its policy selector selects
    app, _ = _app(pins, **updates)
    found = _problems(app)
    assert (found == []) is applied
    assert all("no ImageUpdateAutomation of the app applies it" in p for p in found) and len(found) in (0, 2)


def test_labels_reach_the_policies_a_selector_asks_for(pins: ImagePins) -> None:
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "flux")
    for entry in ("web", "api"):
        ImageAutomation(chart, entry, pins=pins, labels={"team": "web"}, policy=SemverPolicy(range="1.x") if entry == "web" else NumericalPolicy())
    source = GitRepository(chart, "app-source", url=URL, ref=GitRepositoryRef(branch="main"))
    ImageUpdates(chart, "app-images", source=source, pins=[pins], author_email="flux@example.com", policy_selector=LabelSelector(match_labels={"team": "web"}))
    assert _problems(app) == []


def test_a_new_entry_reads_back_whatever_its_tag() -> None:
    from cdk8s_flux.images.pins import render_entry
    from cdk8s_flux.images.setters import Setter

    text = "images:\n" + render_entry("api", "ghcr.io/example/api:1.10", Setter("flux-system", "api"), split=True)
    assert 'tag: "1.10" # {"$imagepolicy": "flux-system:api:tag"}' in text
    assert ImagePins.parse(text)["api"] == "ghcr.io/example/api:1.10"


def test_a_cdk8s_plus_container_takes_the_pin(pins: ImagePins) -> None:
    import cdk8s_plus_27 as kplus

    chart = cdk8s.Testing.chart()
    kplus.Deployment(chart, "web", containers=[kplus.ContainerProps(image=pins["web"], port_number=8080)])
    (deployment,) = [o for o in chart_objects(chart) if o["kind"] == "Deployment"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "ghcr.io/example/web:1.0.0"


def test_an_app_may_keep_its_pins_in_several_files(tmp_path: Path) -> None:
    # GIVEN one pins file per team, each with its own entry
    (tmp_path / ".git").mkdir()
    for team, image in (("web", "ghcr.io/example/web:1.0.0"), ("api", "ghcr.io/example/api:2.0.0")):
        (tmp_path / team).mkdir()
        (tmp_path / team / "images.yaml").write_text(f'images:\n  {team}:\n    image: {image} # {{"$imagepolicy": "flux-system:{team}"}}\n')
    web, api = (ImagePins.load(tmp_path / team / "images.yaml") for team in ("web", "api"))
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "flux")
    ImageAutomation(chart, "web", pins=web, policy=SemverPolicy(range="1.x"))
    ImageAutomation(chart, "api", pins=api, policy=SemverPolicy(range="2.x"))
    source = GitRepository(chart, "app-source", url=URL, ref=GitRepositoryRef(branch="main"))
    updates = ImageUpdates(chart, "app-images", source=source, pins=[web, api], author_email="flux@example.com")
    # THEN each entry counts in its own file, and the automation covers their common folder
    assert _problems(app) == []
    assert updates.automation.manifest["spec"]["update"]["path"] == "./"
