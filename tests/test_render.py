"""`cdk8s-flux render`: every object of every chart in one YAML stream."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from cli import run_cli


def test_two_chart_app_renders_every_object(apps: Path) -> None:
    # GIVEN an app with two charts of three objects each
    # WHEN it is rendered from its folder
    result = run_cli("render", cwd=apps / "two-charts")
    # THEN stdout is one stream holding all six objects, in chart order
    assert result.returncode == 0, result.stderr
    objects = list(yaml.safe_load_all(result.stdout))
    names = [o["metadata"]["name"] for o in objects]
    assert names == [f"backend-{i}" for i in range(3)] + [f"frontend-{i}" for i in range(3)]
    assert all(o["data"]["note"] == "a # b: 'c\" d" for o in objects)
    # AND the progress line went to stderr only
    assert "rendered 6 objects in 2 files" in result.stderr


def test_naive_cat_generator_loses_objects_ours_does_not(apps: Path, tmp_path: Path) -> None:
    # GIVEN the files `cdk8s synth` writes for the two-chart app
    out = tmp_path / "dist"
    assert run_cli("synth", str(apps / "two-charts"), "--output", str(out)).returncode == 0
    # WHEN they are concatenated the way `cat dist/*` does
    naive = "".join(p.read_text() for p in sorted(out.iterdir()))
    # THEN the last object of one file merges into the first of the next
    assert len(list(yaml.safe_load_all(naive))) == 5
    # AND render keeps all six
    assert len(list(yaml.safe_load_all(run_cli("render", cwd=apps / "two-charts").stdout))) == 6


def test_app_command_override_and_folder_argument(apps: Path, tmp_path: Path) -> None:
    # GIVEN an app folder without cdk8s.yaml
    app = tmp_path / "app"
    shutil.copytree(apps / "two-charts", app)
    (app / "cdk8s.yaml").unlink()
    # WHEN render is told the command
    result = run_cli("render", str(app), "--app", "python main.py")
    # THEN it renders
    assert result.returncode == 0, result.stderr
    assert len(list(yaml.safe_load_all(result.stdout))) == 6


def test_missing_config_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("render", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no cdk8s.yaml" in result.stderr and "--app" in result.stderr


def test_failed_synth_prints_nothing_on_stdout_and_exits_3(apps: Path) -> None:
    # GIVEN an app that prints and then fails
    result = run_cli("render", cwd=apps / "failing")
    # THEN nothing reaches stdout (a generator must not emit half a stream)
    assert result.stdout == ""
    assert result.returncode == 3
    assert "about to fail" in result.stderr
    assert "exited with status 1" in result.stderr


def test_render_to_file_is_atomic_on_failure(apps: Path, tmp_path: Path) -> None:
    # GIVEN a previous good render
    target = tmp_path / "all.yaml"
    assert run_cli("render", str(apps / "two-charts"), "-o", str(target)).returncode == 0
    before = target.read_bytes()
    # WHEN a failing app renders to the same file
    assert run_cli("render", str(apps / "failing"), "-o", str(target)).returncode == 3
    # THEN the file is untouched
    assert target.read_bytes() == before


def test_synth_replaces_output_folder_and_keeps_it_on_failure(apps: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "stale.k8s.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stale}\n")
    assert run_cli("synth", str(apps / "two-charts"), "-o", str(out)).returncode == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == ["backend.k8s.yaml", "frontend.k8s.yaml"]
    assert run_cli("synth", str(apps / "failing"), "-o", str(out)).returncode == 3
    assert sorted(p.name for p in out.iterdir()) == files
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist")]


def test_render_is_byte_identical_across_runs(apps: Path) -> None:
    first = run_cli("render", cwd=apps / "two-charts").stdout
    second = run_cli("render", cwd=apps / "two-charts").stdout
    assert first == second and first
