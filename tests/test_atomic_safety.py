"""``replace_dir`` replaces only a folder cdk8s-flux wrote: never the app, a git work tree, the current folder or HOME."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cdk8s_flux.atomic import MARKER, replace_dir
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.layout import HEADER
from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import Registry, registry  # noqa: F401  (fixture)

FILES = {"a.yaml": "kind: A\n", "sub/b.yaml": "kind: B\n"}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".new." in p.name or ".old." in p.name)


# --- the function ------------------------------------------------------------------


def test_a_missing_or_empty_folder_gets_the_files_and_the_mark_and_can_be_replaced_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    replace_dir(out, FILES)
    assert set(tree(out)) == {*FILES, MARKER}
    replace_dir(out, {"c.yaml": "kind: C\n"})
    assert set(tree(out)) == {"c.yaml", MARKER}
    (tmp_path / "empty").mkdir()
    replace_dir(tmp_path / "empty", FILES)
    assert set(tree(tmp_path / "empty")) == {*FILES, MARKER}


def test_a_folder_holding_the_layout_carries_its_own_mark(tmp_path: Path) -> None:
    # The layout's kustomization.yaml starts with cdk8s-flux's header: no marker file is added to it
    layout = {"kustomization.yaml": HEADER.format(source="") + "resources: []\n"}
    replace_dir(tmp_path / "out", layout)
    assert set(tree(tmp_path / "out")) == {"kustomization.yaml"}
    replace_dir(tmp_path / "out", layout)


def test_files_cdk8s_names_carry_their_own_mark(tmp_path: Path) -> None:
    # cdk8s writes <chart>.k8s.yaml: a folder of only such files is cdk8s output, replaced without a marker file
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.k8s.yaml").write_text("kind: Stale\n")
    replace_dir(out, {"web.k8s.yaml": "kind: A\n"})
    assert set(tree(out)) == {"web.k8s.yaml"}


@pytest.mark.parametrize(
    "content", [{"notes.txt": b"mine"}, {"deploy/app.yaml": b"kind: Mine\n"}, {"web.k8s.yaml": b"kind: A\n", "notes.txt": b"mine"}]
)
def test_a_folder_cdk8s_flux_did_not_write_is_refused_and_kept(tmp_path: Path, content: dict[str, bytes]) -> None:
    out = tmp_path / "out"
    for name, data in content.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    with pytest.raises(ValidationError) as raised:
        replace_dir(out, FILES)
    assert raised.value.field == "output" and MARKER in raised.value.problem
    assert tree(out) == content and leftovers(tmp_path) == []


def test_a_git_work_tree_is_refused_even_with_the_mark(tmp_path: Path) -> None:
    out = tmp_path / "out"
    replace_dir(out, FILES)
    (out / "sub" / ".git").mkdir()
    with pytest.raises(ValidationError, match="git work tree"):
        replace_dir(out, {"c.yaml": "x"})
    (out / "sub" / ".git").rmdir()
    (out / ".git").mkdir()
    with pytest.raises(ValidationError, match="git work tree"):
        replace_dir(out, {"c.yaml": "x"})
    assert (out / "a.yaml").exists() and leftovers(tmp_path) == []


def test_the_protected_folders_and_their_parents_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "projects" / "app"
    (app / "src").mkdir(parents=True)
    (app / "cdk8s.yaml").write_text("app: python main.py\n")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for target in (app, app.parent, tmp_path, Path("."), Path(".."), work, home, app / "src" / ".."):
        with pytest.raises(ValidationError) as raised:
            replace_dir(target, FILES, protect=[app])
        assert raised.value.field == "output", target
    assert (app / "cdk8s.yaml").exists() and list(work.iterdir()) == []
    assert leftovers(tmp_path) == [] and leftovers(app.parent) == []
    # AND a folder inside the app (its dist/) is fine
    replace_dir(app / "dist", FILES, protect=[app])
    assert set(tree(app / "dist")) == {*FILES, MARKER}


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("mine")
    with pytest.raises(ValidationError, match="not a folder"):
        replace_dir(tmp_path / "out", FILES)
    assert (tmp_path / "out").read_text() == "mine"


@pytest.mark.parametrize("name", ["../escape.yaml", ".git/config", "a//b", "/abs.yaml", MARKER])
def test_files_that_would_leave_the_folder_or_hide_a_git_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        replace_dir(tmp_path / "deep" / "out", {name: "x"})
    assert raised.value.field == "files"
    assert not (tmp_path / "deep").exists() and not (tmp_path / "escape.yaml").exists()


# --- the commands --------------------------------------------------------------------


def app_copy(apps: Path, root: Path) -> Path:
    app = root / "app"
    shutil.copytree(apps / "two-charts", app)
    (root / "sibling").mkdir()
    (root / "sibling" / "keep.txt").write_text("keep")
    (app / ".git").mkdir()
    return app


@pytest.mark.parametrize("output", [".", "..", "src/..", "{app}", "{root}"])
def test_synth_refuses_the_app_its_parents_and_the_current_folder(apps: Path, tmp_path: Path, output: str) -> None:
    # GIVEN an app folder (a git work tree) with a sibling
    app = app_copy(apps, tmp_path)
    (app / "src").mkdir()
    before = tree(tmp_path)
    # WHEN synth is told to write over it
    result = run_cli("synth", "-o", output.format(app=app, root=tmp_path), cwd=app)
    # THEN it is refused as a bad --output, nothing changed, and no staging folder is left
    assert result.returncode == 2, result.stderr
    assert "--output=" in result.stderr and "Fix:" in result.stderr and "Traceback" not in result.stderr
    assert tree(tmp_path) == before
    assert leftovers(tmp_path) == [] and leftovers(app) == [] and leftovers(tmp_path.parent) == []


def test_synth_refuses_a_foreign_folder_and_replaces_its_own(apps: Path, tmp_path: Path) -> None:
    app = app_copy(apps, tmp_path)
    foreign = tmp_path / "sibling"
    refused = run_cli("synth", str(app), "-o", str(foreign))
    assert refused.returncode == 2 and MARKER in refused.stderr
    assert (foreign / "keep.txt").read_text() == "keep"
    out = tmp_path / "out"
    for layout in ("cdk8s", "flux", "cdk8s"):
        written = run_cli("synth", str(app), "-o", str(out), "--layout", layout)
        assert written.returncode == 0, written.stderr


def test_pull_refuses_to_empty_the_current_folder(world: GitWorld, registry: Registry) -> None:
    # GIVEN an artifact in the registry and a folder holding a clone
    repo = world.source("https://git.example.com/org/app.git", {"web": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]})
    assert run_cli("push", registry.ref(), "--insecure-registry", cwd=repo, env=world.env).returncode == 0
    (repo / "notes.txt").write_text("mine")
    before = tree(repo)
    for output in (".", str(repo), ".."):
        # WHEN it is pulled into the current folder or above it
        result = run_cli("pull", registry.ref(), "--insecure-registry", "-o", output, cwd=repo, env=world.env)
        # THEN it is refused and the folder is as it was
        assert result.returncode == 2, result.stderr
        assert "--output=" in result.stderr and "Traceback" not in result.stderr
        assert tree(repo) == before and leftovers(repo.parent) == []
