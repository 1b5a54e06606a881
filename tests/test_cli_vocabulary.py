"""One vocabulary for every command: APP_DIR, -o/--output, --format, the shared check options, and
errors in the user's app shown plainly. The old spellings still work, with a note."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli import run_cli

from cdk8s_flux.cli import build_parser

#: Every command that checks objects, and the check options each must accept.
CHECK_OPTIONS = ("--no-validate", "--kubernetes-version", "--flux-version", "--crds", "--allow-unknown-kinds", "--allow-secrets")
CHECKING = {"render": CHECK_OPTIONS, "synth": CHECK_OPTIONS, "publish": CHECK_OPTIONS, "push": CHECK_OPTIONS,
            "pull": CHECK_OPTIONS, "diff": CHECK_OPTIONS, "bootstrap": CHECK_OPTIONS, "validate": CHECK_OPTIONS[1:]}
RUNS_THE_APP = ("render", "synth", "publish", "push", "pull", "diff")
OFFLINE = {"CDK8S_FLUX_MANIFESTS": "", "CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases"}


def _options(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    return {flag for action in sub._actions for flag in action.option_strings}


@pytest.mark.parametrize("command", list(CHECKING))
def test_every_checking_command_accepts_the_shared_check_options(command: str) -> None:
    assert set(CHECKING[command]) <= _options(command)
    help_text = run_cli(command, "--help").stdout
    assert "checks (the same on every command)" in help_text and "exit codes:" in help_text


@pytest.mark.parametrize("args", [("render",), ("synth", "-o", "out"), ("publish", "--dry-run"), ("push", "oci://127.0.0.1:9/a:v1", "--dry-run"),
                                  ("pull", "oci://127.0.0.1:9/a:v1", "--verify"), ("diff",), ("validate", "x.yaml")])
def test_a_missing_crds_path_is_the_same_usage_error_on_every_checking_command(args: tuple[str, ...], apps: Path, tmp_path: Path) -> None:
    shutil.copytree(apps / "from-file", tmp_path / "app")
    (tmp_path / "app" / "x.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    crd = Path(__file__).parent / "data" / "third-party-crds" / "cert-manager.io_clusterissuers.yaml"
    result = run_cli(*args, "--crds", str(crd), "--crds", "missing", cwd=tmp_path / "app", env=OFFLINE)
    assert result.returncode == 2, result.stderr
    assert "--crds='missing': no such file or folder. Fix: give a CustomResourceDefinition file or a folder of them" in result.stderr


@pytest.mark.parametrize("command", RUNS_THE_APP)
def test_every_command_that_runs_the_app_takes_app_dir_and_verbose(command: str) -> None:
    assert "APP_DIR" in run_cli(command, "--help").stdout
    assert {"--app", "--verbose"} <= _options(command)


def test_format_always_means_how_and_output_where() -> None:
    for command in ("validate", "publish", "push", "pull", "diff"):
        assert "--format" in _options(command), command
    for command in ("render", "synth", "pull", "diff"):
        assert "-o" in _options(command) and "--output" in _options(command)


def test_cdk8s_yaml_list_command_and_output_folder_are_honoured(apps: Path, tmp_path: Path) -> None:
    # GIVEN an app whose cdk8s.yaml gives app: as a list and its own output folder
    app = tmp_path / "app"
    shutil.copytree(apps / "two-charts", app)
    (app / "cdk8s.yaml").write_text("app: [python, main.py]\noutput: manifests\n")
    # WHEN synthesized without -o THEN the files land in output:
    result = run_cli("synth", str(app), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (app / "manifests").iterdir()) and not (app / "dist").exists()


def test_an_error_of_ours_in_the_app_is_shown_as_one_plain_line(tmp_path: Path) -> None:
    # GIVEN an app that passes a bad value to one of our constructs
    app = tmp_path / "app"
    app.mkdir()
    (app / "cdk8s.yaml").write_text("app: python main.py\n")
    (app / "main.py").write_text(
        "import cdk8s_flux\nimport cdk8s\nfrom cdk8s_flux.v2 import FluxInstall\n"
        "app = cdk8s.App()\nFluxInstall(cdk8s.Chart(app, 'c'), 'flux', version='latest')\n"
        "app.synth()\n"
    )
    # WHEN rendered
    result = run_cli("render", str(app), env=OFFLINE)
    # THEN the one line says what and how to fix, with no traceback before it
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and "jsii" not in result.stderr
    assert "version='latest': not a pinned Flux release" in result.stderr and "Fix:" in result.stderr
    assert "--verbose" in result.stderr
    # AND --verbose shows the app's whole output
    verbose = run_cli("render", str(app), "--verbose", env=OFFLINE)
    assert verbose.returncode == 3 and "Traceback" in verbose.stderr


def test_a_check_refused_on_synthesis_is_shown_as_its_problems(tmp_path: Path) -> None:
    # GIVEN an app whose JSON patch breaks a HelmRelease, which the construct's check refuses when cdk8s synthesizes
    app = tmp_path / "app"
    app.mkdir()
    (app / "cdk8s.yaml").write_text("app: python main.py\n")
    (app / "main.py").write_text(
        "import cdk8s\nfrom cdk8s_flux.v2 import HelmRelease, HelmRepository\n"
        "app = cdk8s.App()\nc = cdk8s.Chart(app, 'c')\n"
        "repo = HelmRepository(c, 'podinfo', url='https://stefanprodan.github.io/podinfo')\n"
        "release = HelmRelease(c, 'podinfo', chart='podinfo', chart_source=repo)\n"
        "cdk8s.ApiObject.of(release).add_json_patch(cdk8s.JsonPatch.add('/spec/interval', 'soon'))\n"
        "app.synth()\n"
    )
    # WHEN rendered
    result = run_cli("render", str(app), env=OFFLINE)
    # THEN each problem is shown on its own line, with no traceback
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and "jsii" not in result.stderr
    assert "cdk8s validation failed:\n  [c/HelmRelease:podinfo] HelmRelease 'podinfo': spec.interval: 'soon'" in result.stderr


def test_any_other_error_in_the_app_shows_its_output(apps: Path) -> None:
    result = run_cli("render", str(apps / "failing"))
    assert result.returncode == 3
    assert "about to fail" in result.stderr and "boom: the app raised" in result.stderr


def test_the_old_spellings_work_with_a_note(tmp_path: Path) -> None:
    # validate --output json is --format json
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = run_cli("validate", "cm.yaml", "--output", "json", cwd=tmp_path, env=OFFLINE)
    assert result.returncode == 0 and json.loads(result.stdout)["valid"] is True
    assert "--output json is deprecated" in result.stderr and "--format json" in result.stderr
    # init ci --app-dir is APP_DIR
    (tmp_path / "apps" / "web").mkdir(parents=True)
    (tmp_path / "apps" / "web" / "cdk8s.yaml").write_text("app: python main.py\n")
    (tmp_path / "apps" / "web" / "requirements.txt").write_text("cdk8s-fluxcd==0.1.0\n")
    old = run_cli("init", "ci", "--provider", "github", "--app-dir", "apps/web", "--dry-run", cwd=tmp_path)
    new = run_cli("init", "ci", "apps/web", "--provider", "github", "--dry-run", cwd=tmp_path)
    assert old.returncode == new.returncode == 0 and old.stdout == new.stdout
    assert "--app-dir DIR is deprecated" in old.stderr


def test_library_errors_are_shown_with_flags(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = run_cli("validate", "x.yaml", "--kubernetes-version", "1.2", cwd=tmp_path, env=OFFLINE)
    assert result.returncode == 2
    assert "--kubernetes-version='1.2'" in result.stderr and "(--no-validate)" in result.stderr
    assert "kubernetes_version" not in result.stderr and "no_validate" not in result.stderr


@pytest.mark.parametrize(
    ("args", "flag", "field"),
    [
        (("--ssh-key-algorithm", "rsa", "--ssh-rsa-bits", "1001"), "--ssh-rsa-bits=1001", "ssh_rsa_bits"),
        (("--wait-timeout", "5x"), "--wait-timeout='5x'", "wait_timeout"),
    ],
)
def test_bootstrap_errors_are_shown_with_its_flags(args: tuple[str, ...], flag: str, field: str, tmp_path: Path) -> None:
    result = run_cli("bootstrap", str(tmp_path), "--export", *args, cwd=tmp_path, env=OFFLINE)
    assert result.returncode == 2, result.stderr
    assert flag in result.stderr and field not in result.stderr
