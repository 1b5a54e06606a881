"""The GitLab publish job that `init ci` writes, run end to end by gitlab-ci-local (npm) with its shell executor.

A real repository with the app, a bare remote as the manifests remote (through the job's
`CDK8S_FLUX_PUSH_URL` override), the job run twice in the same clone: the second run meets the
remote the first one added (GitLab's fetch strategy reuses clones) and must say "up to date".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdk8s_flux._node import bundled_node
from cdk8s_flux.publish.ci import CiOptions, render_workflow
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)

APP = Path(__file__).resolve().parent / "apps" / "from-file"
OBJECTS = '{"web": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}, "data": {"k": "1"}}]}\n'


@pytest.fixture(scope="session")
def gitlab_ci_local() -> list[str]:
    """The command that runs gitlab-ci-local (it needs Node 22 or newer: the one bundled with cdk8s-flux)."""
    npm = shutil.which("npm")
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False).stdout.strip() if npm else ""
    script = Path(root) / "gitlab-ci-local" / "dist" / "index.js"
    node = bundled_node()
    if not script.is_file() or node is None or shutil.which("rsync") is None:
        pytest.skip("gitlab-ci-local (npm install -g gitlab-ci-local), rsync or the bundled Node is missing; .ci/services installs them")
    return [str(node), str(script)]


def test_the_generated_gitlab_publish_job_runs_twice_in_one_clone(world: GitWorld, gitlab_ci_local: list[str]) -> None:
    # GIVEN the app in a repository on branch main, pinning cdk8s-fluxcd, with the generated .gitlab-ci.yml
    remote = world.bare_remote()
    repo = world.root / "app"
    world.git("init", "-q", "-b", "main", str(repo))
    for name in ("cdk8s.yaml", "main.py"):
        shutil.copy(APP / name, repo / name)
    (repo / "objects.json").write_text(OBJECTS)
    (repo / "requirements.txt").write_text("cdk8s-fluxcd==0.1.0\n")
    (repo / ".gitignore").write_text(".gitlab-ci-local/\n__pycache__/\n")
    (repo / ".gitlab-ci.yml").write_text(render_workflow(CiOptions(provider="gitlab", preview=False)))
    world.git("add", "-A", cwd=repo)
    world.git("commit", "-qm", "The app and its pipeline", cwd=repo)
    world.git("remote", "add", "origin", "https://gitlab.example.com/group/app.git", cwd=repo)
    env = {**os.environ, **world.env, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    command = [*gitlab_ci_local, "cdk8s-flux-publish", "--force-shell-executor", "--variable", f"CDK8S_FLUX_PUSH_URL={remote.as_uri()}"]
    # WHEN the job runs, and runs again in the same clone
    first = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False)
    second = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False)
    # THEN the first publishes the layout to the manifests branch, the second finds it up to date
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "pushed to cdk8s-flux manifests" in first.stdout + first.stderr
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "up to date" in second.stdout + second.stderr
    assert set(world.files(remote)) == {"dist/kustomization.yaml", "dist/web/kustomization.yaml", "dist/web/configmap_web_a.yaml"}
