"""Paths publish writes into git: refused where git itself would drop them, and the tree checked before the push.

git's rule is ``verify_path`` in git's ``read-cache.c`` (with ``is_ntfs_dotgit``
in ``path.c`` and ``is_hfs_dotgit`` in ``utf8.c``): ``update-index`` skips
such a path with "Ignoring path" and carries on, so without our own check
the pushed tree silently lacks the files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk8s_flux.errors import GitError, ValidationError
from cdk8s_flux.publish import PublishOptions
from cdk8s_flux.publish.publisher import publish_layout
from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}, "data": {"k": "1"}}
GIT_SYNONYMS = (".GIT", ".Git/x", ".git.", ".git ", "git~1", "GIT~1", "dist/.git", "dist/.git./x", ".git::$INDEX_ALLOCATION")


def writing_app(world: GitWorld, remote: Path, files: dict[str, str]) -> Path:
    """A clone of an app that writes ``files`` (path to text) into its output folder as they are."""
    repo = world.root / "source"
    repo.mkdir()
    world.git("init", "--quiet", str(repo))
    (repo / "cdk8s.yaml").write_text("language: python\napp: python main.py\n")
    (repo / "main.py").write_text(
        "import os, pathlib\n"
        f"files = {files!r}\n"
        "out = pathlib.Path(os.environ['CDK8S_OUTDIR'])\n"
        "for name, text in files.items():\n"
        "    (out / name).parent.mkdir(parents=True, exist_ok=True)\n"
        "    (out / name).write_text(text)\n"
    )
    world.git("add", "-A", cwd=repo)
    world.git("commit", "--quiet", "-m", "Add the app", cwd=repo)
    world.git("remote", "add", "origin", remote.as_uri(), cwd=repo)
    return repo


CONFIGMAP_TEXT = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\ndata:\n  k: '1'\n"


@pytest.mark.parametrize("path", GIT_SYNONYMS)
def test_options_refuse_every_spelling_of_the_git_folder(path: str) -> None:
    with pytest.raises(ValidationError) as raised:
        PublishOptions(path=path)
    assert raised.value.field == "path"


def test_publish_refuses_a_path_git_would_ignore_and_pushes_nothing(world: GitWorld) -> None:
    # GIVEN an app in a clone whose remote has no manifests branch
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"web": [CONFIGMAP]})
    for path in (".GIT", "git~1", ".git.", ".Git/x"):
        # WHEN it is published under a spelling of .git
        result = run_cli("publish", "--path", path, cwd=repo, env=world.env)
        # THEN it is refused as a bad --path, and nothing reached the remote
        assert result.returncode == 2, (path, result.stderr)
        assert f"--path={path!r}" in result.stderr and "Fix:" in result.stderr
        assert "committed" not in result.stderr
        assert world.tip(remote) is None


@pytest.mark.parametrize("name", ["..", ".git", ".GIT"])
def test_publish_refuses_a_chart_git_would_ignore_and_pushes_nothing(world: GitWorld, name: str) -> None:
    # GIVEN an app whose output holds a chart (a file or folder) named like .git or ..
    remote = world.bare_remote()
    repo = writing_app(world, remote, {f"{name}.yaml": CONFIGMAP_TEXT, "web.yaml": CONFIGMAP_TEXT.replace("name: a", "name: b")})
    # WHEN it is published
    result = run_cli("publish", cwd=repo, env=world.env)
    # THEN the layout is refused (a synth error naming the chart) before any commit
    assert result.returncode == 3, result.stderr
    assert f"chart {name!r}" in result.stderr and "Fix:" in result.stderr
    assert "committed" not in result.stderr
    assert world.tip(remote) is None


def test_synth_flux_layout_of_a_dot_dot_chart_writes_nothing_outside(world: GitWorld, tmp_path: Path) -> None:
    remote = world.bare_remote()
    repo = writing_app(world, remote, {"...yaml": CONFIGMAP_TEXT})
    out = tmp_path / "deep" / "out"
    result = run_cli("synth", "--layout", "flux", "-o", str(out), cwd=repo, env=world.env)
    assert result.returncode == 3, result.stderr
    assert "chart '..'" in result.stderr
    assert not out.exists() and not (tmp_path / "deep" / "configmap_web_a.yaml").exists()


def test_a_layout_git_would_partly_ignore_is_refused_before_the_push(world: GitWorld) -> None:
    # GIVEN a layout handed to publish_layout directly, one of its paths one git drops
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"web": [CONFIGMAP]})
    layout = {"web/ok.yaml": CONFIGMAP_TEXT, "web/.GIT/config": "[core]\n"}
    # WHEN it is published
    with pytest.raises(GitError) as raised:
        publish_layout(repo, layout, PublishOptions())
    # THEN the commit's tree is found not to hold the layout, and nothing is pushed
    assert "dist/web/.GIT/config" in str(raised.value)
    assert world.tip(remote) is None
