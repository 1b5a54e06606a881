"""``cdk8s_flux.images.setters`` against the image-automation-controller's own Setters golden data (v1.2.x)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.images.setters import ImageRef, Setter, apply, markers, update_tree

DATA = Path(__file__).parent / "data" / "image-automation-controller" / "setters"
# The policies and latest images of the controller's TestUpdateWithSetters (internal/update/update_test.go).
LATEST = {
    ("automation-ns", "policy"): ImageRef.parse("index.repo.fake/updated:v1.0.1"),
    ("automation-ns", "unchanged"): ImageRef.parse("image:v1.0.0"),
    ("automation-ns", "policy-with-digest"): ImageRef.parse("image:v1.0.0@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be"),
}


def _original(tmp_path: Path) -> Path:
    """A working copy of the controller's original files, with its dangling link ``test.yaml`` (see the data's README)."""
    work = tmp_path / "original"
    shutil.copytree(DATA / "original", work)
    (work / "test.yaml").symlink_to("testing.yaml")
    return work


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_controllers_golden_files_byte_for_byte(tmp_path: Path) -> None:
    # GIVEN the controller's original files and the latest images of its test's policies
    # WHEN the same updates are applied, writing the changed files elsewhere as the controller's test does
    changes = update_tree(_original(tmp_path), LATEST, tmp_path / "out")
    # THEN exactly the expected files are written, byte for byte (comments, quoting, indentation kept)
    assert _files(tmp_path / "out") == _files(DATA / "expected")
    # AND the changes are the ones the controller's test lists: 4 in kustomization.yml, 2 in Kustomization, 1 in marked.yaml
    assert sorted((c.file, str(c.setter), c.old) for c in changes) == [
        ("Kustomization", "automation-ns:policy:name", "replaced"),
        ("Kustomization", "automation-ns:policy:tag", "v1"),
        ("kustomization.yml", "automation-ns:policy-with-digest", "image"),
        ("kustomization.yml", "automation-ns:policy-with-digest:digest", "sha256:1234567890abcdef"),
        ("kustomization.yml", "automation-ns:policy:name", "replaced"),
        ("kustomization.yml", "automation-ns:policy:tag", "v1"),
        ("marked.yaml", "automation-ns:policy", "image:v1.0.0"),
    ]


def test_in_place_the_unchanged_files_keep_their_bytes(tmp_path: Path) -> None:
    repo = _original(tmp_path)
    before = _files(repo)
    update_tree(repo, LATEST)
    after = _files(repo)
    assert {name: after[name] for name in ("otherns.yaml", "unmarked.yaml")} == {name: before[name] for name in ("otherns.yaml", "unmarked.yaml")}
    assert after["marked.yaml"] == (DATA / "expected" / "marked.yaml").read_bytes()
    # a second run finds nothing to change, as the controller then makes no commit
    assert update_tree(repo, LATEST) == []


@pytest.mark.parametrize(
    ("line", "new"),
    [
        ("image: 'app:1' # {\"$imagepolicy\": \"ns:p\"}\n", "image: 'app:2' # {\"$imagepolicy\": \"ns:p\"}\n"),
        ('image: "app:1" # {"$imagepolicy": "ns:p"}\r\n', 'image: "app:2" # {"$imagepolicy": "ns:p"}\r\n'),
        ('tag: "1" # {"$imagepolicy": "ns:p:tag"}\n', 'tag: "2" # {"$imagepolicy": "ns:p:tag"}\n'),
        ('tag: v1 # {"$imagepolicy": "ns:p:tag"}\n', 'tag: "2" # {"$imagepolicy": "ns:p:tag"}\n'),
    ],
)
def test_the_scalar_keeps_its_quoting_and_reads_back_as_a_string(line: str, new: str) -> None:
    text, changes = apply(line, {("ns", "p"): ImageRef.parse("app:2")})
    assert text == new and len(changes) == 1


def test_a_marker_is_a_json_line_comment_of_a_scalar_only() -> None:
    # as the controller reads a comment: without its '#', a JSON object of strings with a non-empty $imagepolicy
    text = (
        'a: x # {"$imagepolicy": "ns:p"}\n'
        '# {"$imagepolicy": "ns:q"}\n'
        'b: y # a note\n'
        'c: z # {"$imagepolicy": "ns:r"} and more\n'
        "d: w # {'$imagepolicy': 'ns:s'}\n"
        'e: v # {"$imagepolicy": ""}\n'
        'f: [u] # {"$imagepolicy": "ns:t"}\n'
        'g:\n  - s #{"$imagepolicy":"ns:u:tag","other":"x"}\n'
    )
    assert [(m.path, m.setter) for m in markers(text)] == [(("a",), Setter("ns", "p")), (("g", 0), Setter("ns", "u", "tag"))]


def test_a_setter_the_controller_does_not_know_is_left_alone_by_an_update(tmp_path: Path) -> None:
    text = 'a: app:1 # {"$imagepolicy": "ns:p:version"}\nb: app:1 # {"$imagepolicy": "ns:p"}\n'
    assert apply(text, {("ns", "p"): ImageRef.parse("app:2")})[0] == text.replace("b: app:1", "b: app:2")


@pytest.mark.parametrize("marker", ["ns", "ns:p:version", "NS:p", "a:b:c:d"])
def test_a_bad_setter_is_an_error_naming_the_line(marker: str) -> None:
    with pytest.raises(ValidationError, match="not an image policy setter") as raised:
        markers(f'image: app:1 # {{"$imagepolicy": "{marker}"}}\n', "deploy.yaml")
    assert raised.value.field == "deploy.yaml:1"


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("nginx", ImageRef("nginx")),
        ("localhost:5000/app:1.2", ImageRef("localhost:5000/app", "1.2")),
        ("ghcr.io/org/app:1@sha256:" + "a" * 64, ImageRef("ghcr.io/org/app", "1", "sha256:" + "a" * 64)),
    ],
)
def test_image_references_split_as_a_policy_reports_them(text: str, ref: ImageRef) -> None:
    assert ImageRef.parse(text) == ref and str(ref) == text


def test_images_set_of_each_policy_gives_the_controllers_expected_files(tmp_path: Path) -> None:
    # GIVEN a copy of the controller's original files
    from cli import run_cli

    work = _original(tmp_path)
    # WHEN `images set` sets each policy of the controller's test to its latest image
    for (namespace, name), ref in LATEST.items():
        result = run_cli("images", "set", f"{namespace}:{name}", str(ref), "--path", str(work))
        assert result.returncode == 0, result.stderr
    # THEN the files it changed are the expected ones byte for byte, and the others are untouched
    expected, original, now = _files(DATA / "expected"), _files(DATA / "original"), _files(work)
    assert now == {**original, **expected}


@pytest.mark.parametrize(
    "folder",
    [
        DATA.parent,
        DATA.parent.parent / "flux-api-docs" / "image-reflector-controller",
        DATA.parent.parent / "flux-api-docs" / "image-automation-controller",
    ],
    ids=lambda p: p.name,
)
def test_the_upstream_copies_are_the_files_their_readme_records(folder: Path) -> None:
    import hashlib
    import re

    records = re.findall(r"^\| (\S+) \|(?: [^|]* \|)* ([0-9a-f]{64}) \|$", (folder / "README.md").read_text(), re.M)
    assert records
    for name, digest in records:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    copied = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name not in ("README.md", "LICENSE")}
    assert copied == {name for name, _ in records}
