"""The parts of publish that need no app: environment, error messages, checks, commit message, retries, targets."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from cdk8s_flux.changes import ADDED, CHANGED, REMOVED, Change, Changes, file_changes, object_changes
from cdk8s_flux.errors import RefusedContentError, ValidationError
from cdk8s_flux.git import Git, clean_environment, translate
from cdk8s_flux.pipeline import git_destination
from cdk8s_flux.publish import PublishOptions
from cdk8s_flux.publish.publisher import backoff, commit_message, publish_layout
from cdk8s_flux.secrets import clear_secrets, refuse_clear_secrets
from cdk8s_flux.source import SourceCommit
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)


def test_clean_environment_keeps_credentials_and_drops_repository_pointers() -> None:
    environ = {
        "PATH": "/bin", "HOME": "/home/u", "SSH_AUTH_SOCK": "/s", "GIT_SSH_COMMAND": "ssh -i k",
        "GIT_ASKPASS": "/a", "GITHUB_TOKEN": "t", "CI_JOB_TOKEN": "j", "GIT_CONFIG_KEY_0": "k", "GIT_CONFIG_VALUE_0": "v",
        "GIT_DIR": "/elsewhere", "GIT_WORK_TREE": "/w", "GIT_INDEX_FILE": "/i", "GIT_OBJECT_DIRECTORY": "/o",
        "GIT_NAMESPACE": "n", "PYTHONPATH": "/p", "LANG": "de_DE.UTF-8",
    }
    env = clean_environment(environ)
    assert env == {
        "PATH": "/bin", "HOME": "/home/u", "SSH_AUTH_SOCK": "/s", "GIT_SSH_COMMAND": "ssh -i k",
        "GIT_ASKPASS": "/a", "GITHUB_TOKEN": "t", "CI_JOB_TOKEN": "j", "GIT_CONFIG_KEY_0": "k", "GIT_CONFIG_VALUE_0": "v",
        "LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0",
    }


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        ("remote: error: GH006: Protected branch update failed for refs/heads/manifests.", "protected"),
        ("remote: GitLab: You are not allowed to push code to protected branches on this project.", "protected"),
        ("fatal: Authentication failed for 'https://github.com/o/r.git/'", "authentication to origin failed"),
        ("fatal: could not read Username for 'https://github.com': terminal prompts disabled", "contents: write"),
        ("git@github.com: Permission denied (publickey).", "deploy key"),
        ("fatal: '/x.git' does not appear to be a git repository", "no git repository at origin's URL"),
        ("fatal: unable to access 'https://x/': Could not resolve host: x", "cannot reach origin"),
    ],
)
def test_git_failures_become_messages_that_say_what_to_fix(stderr: str, expected: str) -> None:
    message = str(translate("push to branch 'manifests'", "origin", stderr))
    assert expected in message and "Fix:" in message


def test_blob_ids_are_gits(world: GitWorld) -> None:
    repo = world.root / "r"
    world.git("init", "-q", str(repo))
    data = b"apiVersion: v1\nkind: ConfigMap\n"
    expected = subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True).stdout
    assert Git.discover(repo).blob_id(data) == expected.decode().strip()


def test_commit_message_names_the_source_and_git_reads_the_trailer(world: GitWorld) -> None:
    source = SourceCommit(sha="a" * 40, subject="Scale web to 3 replicas")
    message = commit_message(source, Changes(files=(Change(ADDED, "dist/x.yaml"),)), "dist")
    assert message.splitlines()[0] == f"Publish manifests of {'a' * 12}: Scale web to 3 replicas"
    parsed = subprocess.run(
        ["git", "interpret-trailers", "--parse"], input=message, capture_output=True, text=True, check=True
    ).stdout
    assert parsed == f"Source-Commit: {'a' * 40}\n"


def test_backoff_is_jittered_and_bounded() -> None:
    rng = random.Random(7)
    waits = [backoff(attempt, rng) for attempt in range(1, 11) for _ in range(50)]
    assert min(waits) >= 0.05 and max(waits) <= 4.0
    assert len({round(w, 3) for w in waits}) > 100


def test_options_reject_a_path_that_would_own_the_whole_branch() -> None:
    for path in (".", "./", "a/../", ".git/x"):
        with pytest.raises(ValidationError):
            PublishOptions(path=path)
    assert PublishOptions(path="deploy/./dist/").path == "deploy/dist"
    with pytest.raises(ValidationError):
        PublishOptions(max_attempts=0)


def test_publish_layout_outside_a_repository_says_so(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="not inside a git repository"):
        publish_layout(tmp_path, {"a/x.yaml": "kind: x\n"}, PublishOptions())


# --- diff -----------------------------------------------------------------------


def test_file_changes_by_object_id() -> None:
    assert file_changes({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "9", "d": "4"}) == (
        Change(CHANGED, "b"), Change(REMOVED, "c"), Change(ADDED, "d"),
    )


def test_an_object_moved_between_files_is_not_a_change() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: n}\n"
    old = {"dist/app.k8s.yaml": text + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone}\n"}
    new = {"dist/web/configmap_n_a.yaml": "# header\n" + text, "dist/kustomization.yaml": "resources: [web]\n"}
    assert object_changes(old, new) == (Change(REMOVED, "ConfigMap gone"),)


# --- content checks ---------------------------------------------------------------


def test_only_secrets_with_values_are_refused() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}}
    objects = {
        "a.yaml": ({**secret, "data": {"k": "dg=="}},),
        "b.yaml": ({**secret, "metadata": {"name": "empty"}},),
        "c.yaml": ({**secret, "metadata": {"name": "string"}, "stringData": {"k": "v"}},),
        "d.yaml": ({"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "x"},
                    "spec": {"encryptedData": {"k": "AgB..."}}},),
    }
    assert clear_secrets(objects) == ["Secret n/s (a.yaml)", "Secret string (c.yaml)"]
    with pytest.raises(RefusedContentError) as error:
        refuse_clear_secrets(objects)
    assert error.value.exit_code == 4


def test_sync_target_check_with_a_flux_sync_applying_one_chart() -> None:
    # GIVEN an app whose FluxSync applies only its own chart of dist/, and another chart via for_chart
    import cdk8s

    from cdk8s_flux.pipeline import find_targets
    from cdk8s_flux.target import GitTarget
    from cdk8s_flux.testing import chart_objects
    from cdk8s_flux.v2 import FluxSync, Kustomization

    app = cdk8s.Testing.app()
    flux = cdk8s.Chart(app, "flux-system")
    sync = FluxSync(flux, "sync", target=GitTarget(url="ssh://git@github.com/example/app", path="dist"), chart=flux)
    Kustomization.for_chart(flux, "web", chart=cdk8s.Chart(app, "web"), sync=sync)
    targets = find_targets(chart_objects(flux))
    # THEN it is one target, and publishing to its branch and folder passes
    assert len(targets) == 1
    assert git_destination(targets, "manifests", "dist").target == targets[0]
    # AND another folder or branch is refused, naming what Flux watches
    for branch, path in (("manifests", "dist/flux-system"), ("main", "dist")):
        with pytest.raises(ValidationError, match="FluxSync makes Flux watch branch 'manifests', path 'dist'"):
            git_destination(targets, branch, path)


@pytest.mark.parametrize(("given", "branch"), [("manifests", "manifests"), ("refs/heads/prod", "prod"), ("env/prod", "env/prod")])
def test_a_branch_is_normalized_before_any_work(given: str, branch: str) -> None:
    assert PublishOptions(branch=given).branch == branch


@pytest.mark.parametrize("given", ["HEAD", "@", "refs/tags/v1", "refs/heads/refs/heads/x", "a..b", "-x", "a b", ""])
def test_a_name_that_is_no_branch_is_refused_before_any_work(given: str) -> None:
    with pytest.raises(ValidationError) as raised:
        PublishOptions(branch=given)
    assert raised.value.field == "branch"


def test_a_remote_whose_object_checks_refuse_a_push_is_not_called_protected(world: GitWorld) -> None:
    # GIVEN a remote with receive.fsckObjects, and a commit with a '.git' folder made with git's plumbing
    remote = world.bare_remote()
    world.git("config", "receive.fsckObjects", "true", cwd=remote)
    repo = world.root / "plumbing"
    world.git("init", "-q", str(repo))
    (repo / "f").write_text("x\n")
    blob = world.git("hash-object", "-w", "f", cwd=repo).strip()
    inner = subprocess.run(["git", "mktree"], cwd=repo, input=f"100644 blob {blob}\tconfig\n", capture_output=True,
                           text=True, check=True, env={**world.env, "PATH": os.environ["PATH"]}).stdout.strip()
    tree = subprocess.run(["git", "mktree"], cwd=repo, input=f"040000 tree {inner}\t.git\n", capture_output=True,
                          text=True, check=True, env={**world.env, "PATH": os.environ["PATH"]}).stdout.strip()
    commit = world.git("commit-tree", tree, "-m", "bad", cwd=repo).strip()
    pushed = subprocess.run(["git", "push", remote.as_uri(), f"{commit}:refs/heads/manifests"], cwd=repo,
                            capture_output=True, text=True, env={**os.environ, **world.env}, check=False)
    assert pushed.returncode != 0
    # WHEN git's own message is translated THEN it names the remote's checks, not branch protection
    message = str(translate("push to branch 'manifests'", "origin", pushed.stderr))
    assert "receive.fsckObjects" in message and "protected" not in message
