"""`cdk8s-flux publish` against real git: a bare remote over file:// and a git daemon on 127.0.0.1."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from cli import run_cli
from gitfixtures import GitDaemon, GitWorld, git_daemon, world  # noqa: F401  (fixtures)

CONFIGMAP_A = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}, "data": {"k": "1"}}
CONFIGMAP_B = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "web"}, "data": {"k": "2"}}
ROLE = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": {"name": "system:reader"},
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
}
APP = {"web": [CONFIGMAP_A, CONFIGMAP_B], "rbac": [ROLE]}
EXPECTED_FILES = {
    "dist/kustomization.yaml",
    "dist/rbac/kustomization.yaml",
    "dist/rbac/clusterrole_system%3Areader.yaml",
    "dist/web/kustomization.yaml",
    "dist/web/configmap_web_a.yaml",
    "dist/web/configmap_web_b.yaml",
}


def publish(world: GitWorld, repo: Path, *args: str, env: dict[str, str] | None = None):
    return run_cli("publish", *args, cwd=repo, env={**world.env, **(env or {})})


def parents(world: GitWorld, remote: Path, ref: str = "manifests") -> list[str]:
    return world.git("rev-list", "--parents", "-n", "1", ref, cwd=remote).split()[1:]


def test_first_publish_creates_a_parentless_branch_holding_only_the_layout(world: GitWorld) -> None:
    # GIVEN an app in a clone whose remote has no manifests branch
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    head = world.git("rev-parse", "HEAD", cwd=repo).strip()
    # WHEN it is published, with the committer from a flag
    result = publish(world, repo, "--committer-name", "CI Bot", "--committer-email", "ci@example.com")
    # THEN the branch exists, without parent, holding the layout and no source file
    assert result.returncode == 0, result.stderr
    assert set(world.files(remote)) == EXPECTED_FILES
    assert parents(world, remote) == []
    # AND its commit names the source commit (sha, subject, trailer) and the chosen people
    message = world.git("log", "-1", "--format=%B", "manifests", cwd=remote)
    assert head[:12] in message.splitlines()[0] and "Add the app" in message.splitlines()[0]
    trailer = world.git("log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)", "manifests", cwd=remote)
    assert trailer.strip() == head
    people = world.git("log", "-1", "--format=%an <%ae>|%cn <%ce>", "manifests", cwd=remote).strip()
    assert people == "Test Author <author@example.com>|CI Bot <ci@example.com>"
    # AND the progress says what happened
    assert "committed" in result.stderr and "(6 added, 0 changed, 0 removed)" in result.stderr
    assert "pushed to origin manifests" in result.stderr
    # AND the object files hold the objects
    assert yaml.safe_load(world.files(remote)["dist/web/configmap_web_b.yaml"]) == CONFIGMAP_B


def test_nothing_changed_means_no_commit_and_up_to_date(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    assert publish(world, repo).returncode == 0
    tip = world.tip(remote)
    # GIVEN a new source commit that does not change the manifests
    (repo / "README.md").write_text("docs\n")
    world.git("add", "README.md", cwd=repo)
    world.git("commit", "-qm", "Docs only", cwd=repo)
    # WHEN published again
    result = publish(world, repo)
    # THEN nothing is committed or pushed, and it says so
    assert result.returncode == 0, result.stderr
    assert world.tip(remote) == tip
    assert "up to date" in result.stderr and "committed" not in result.stderr


def test_deleted_object_is_pruned_and_other_paths_of_the_branch_are_kept(world: GitWorld) -> None:
    # GIVEN a published app, and a README and .flux.yaml someone added to the branch
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    assert publish(world, repo).returncode == 0
    world.commit_files(remote, "manifests", {"README.md": "manifests\n", ".flux.yaml": "version: 1\n"}, "Add docs")
    # AND a stale file of an old layout under dist/
    world.commit_files(remote, "manifests", {"dist/old.k8s.yaml": "kind: ConfigMap\n"}, "Old layout")
    before = world.tip(remote)
    # WHEN an object is deleted from the code and the app published again
    world.commit_objects(repo, {"web": [CONFIGMAP_A], "rbac": [ROLE]}, "Drop b")
    result = publish(world, repo)
    # THEN its file and the stale file are gone, the rest of the branch is kept
    assert result.returncode == 0, result.stderr
    files = world.files(remote)
    assert "dist/web/configmap_web_b.yaml" not in files and "dist/old.k8s.yaml" not in files
    assert files["README.md"] == "manifests\n" and files[".flux.yaml"] == "version: 1\n"
    assert yaml.safe_load(files["dist/web/kustomization.yaml"])["resources"] == ["configmap_web_a.yaml"]
    # AND the new commit sits on top of what was there (no force push)
    assert parents(world, remote) == [before]
    assert "(0 added, 1 changed, 2 removed)" in result.stderr


def test_shallow_detached_clone_over_git_daemon(world: GitWorld, git_daemon: GitDaemon) -> None:
    # GIVEN a remote served by git daemon, whose manifests branch has some history
    remote = world.bare_remote()
    seed = world.source(git_daemon.url(remote), APP, name="seed")
    world.git("push", "-q", "origin", "HEAD:refs/heads/main", cwd=seed)
    assert publish(world, seed).returncode == 0
    world.commit_objects(seed, {"web": [CONFIGMAP_A], "rbac": [ROLE]}, "Drop b")
    world.git("push", "-q", "origin", "HEAD:refs/heads/main", cwd=seed)
    assert publish(world, seed).returncode == 0
    # AND a CI checkout: depth 1, detached HEAD, no manifests branch
    ci = world.root / "ci"
    world.git("clone", "-q", "--depth=1", "--branch=main", git_daemon.url(remote), str(ci))
    world.git("checkout", "-q", "--detach", cwd=ci)
    world.commit_objects(ci, {"web": [CONFIGMAP_A, CONFIGMAP_B], "rbac": [ROLE]}, "Bring b back")
    head = world.git("rev-parse", "HEAD", cwd=ci).strip()
    # WHEN it publishes
    result = publish(world, ci)
    # THEN the branch moved one commit forward with the new manifests
    assert result.returncode == 0, result.stderr
    assert set(world.files(remote)) == EXPECTED_FILES
    assert len(world.git("rev-list", "manifests", cwd=remote).split()) == 3
    # AND the CI clone is still shallow, detached at the same commit, with no new branch
    assert world.git("rev-parse", "--is-shallow-repository", cwd=ci).strip() == "true"
    assert world.git("rev-parse", "HEAD", cwd=ci).strip() == head
    assert world.git("symbolic-ref", "-q", "HEAD", cwd=ci, check=False) == ""
    assert "manifests" not in world.git("branch", "--list", cwd=ci)
    # AND publishing again from it is a no-op
    assert "up to date" in publish(world, ci).stderr


def test_synth_failure_leaves_the_branch_untouched(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    assert publish(world, repo).returncode == 0
    tip = world.tip(remote)
    # GIVEN a commit that breaks the app
    (repo / "objects.json").write_text("{not json")
    world.git("commit", "-qam", "Break it", cwd=repo)
    # WHEN published
    result = publish(world, repo)
    # THEN it fails as a synth failure and the branch is as it was
    assert result.returncode == 3, result.stderr
    assert world.tip(remote) == tip


def test_dirty_working_tree_index_and_head_are_untouched_even_with_leaked_git_variables(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    # GIVEN staged, modified and untracked changes
    (repo / "staged.txt").write_text("staged\n")
    world.git("add", "staged.txt", cwd=repo)
    (repo / "main.py").write_text((repo / "main.py").read_text() + "\n# local edit\n")
    (repo / "untracked.txt").write_text("mine\n")

    def state() -> tuple:
        return (
            world.git("status", "--porcelain=v2", "--branch", cwd=repo),
            world.git("ls-files", "-s", cwd=repo),
            world.git("rev-parse", "HEAD", cwd=repo),
            world.git("symbolic-ref", "HEAD", cwd=repo),
            hashlib.sha256((repo / "main.py").read_bytes()).hexdigest(),
            sorted(p.name for p in repo.iterdir()),
        )

    before = state()
    leaks = {"GIT_DIR": str(world.root / "nowhere"), "GIT_INDEX_FILE": str(world.root / "bogus-index"),
             "GIT_WORK_TREE": str(world.root)}
    # WHEN publishing, with variables a git hook would leak pointing elsewhere
    refused = publish(world, repo, env=leaks)
    # THEN it refuses, says how to proceed, and pushed nothing
    assert refused.returncode == 2, refused.stderr
    assert "uncommitted changes" in refused.stderr and "--allow-dirty" in refused.stderr
    assert world.git("ls-remote", "--heads", str(remote), cwd=repo) == ""
    # WHEN the user accepts publishing the dirty tree
    result = publish(world, repo, "--allow-dirty", env=leaks)
    # THEN it published, marked the commit, and left everything as it was
    assert result.returncode == 0, result.stderr
    assert "uncommitted changes" in result.stderr
    message = world.git("log", "-1", "--format=%B", "manifests", cwd=remote)
    assert "Source-Dirty: true" in message
    assert state() == before
    assert not (world.root / "bogus-index").exists()


def test_untracked_files_alone_do_not_block_publishing(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    (repo / "scratch.txt").write_text("local notes\n")
    result = publish(world, repo)
    assert result.returncode == 0, result.stderr
    assert "1 untracked file not part of source commit" in result.stderr
    assert "Source-Dirty" not in world.git("log", "-1", "--format=%B", "manifests", cwd=remote)


def test_missing_remote_and_unreachable_remote_say_what_to_fix(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    # WHEN publishing to a remote name the clone does not have
    result = publish(world, repo, "--remote", "upstream")
    # THEN it fails before running the app, naming the remotes and the fix
    assert result.returncode == 1
    assert "no git remote named 'upstream'" in result.stderr and "origin" in result.stderr
    assert "git remote add upstream" in result.stderr
    assert "synthesizing" not in result.stderr
    # WHEN origin points at nothing
    world.git("remote", "set-url", "origin", (world.root / "gone.git").as_uri(), cwd=repo)
    result = publish(world, repo)
    assert result.returncode == 1
    assert "no git repository at origin's URL" in result.stderr and "git remote get-url origin" in result.stderr


def test_push_refused_by_the_remote_is_explained_and_not_retried(world: GitWorld) -> None:
    # GIVEN a remote whose server hook refuses the manifests branch, as branch protection does
    remote = world.bare_remote()
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/manifests.' >&2\nexit 1\n")
    hook.chmod(0o755)
    repo = world.source(remote.as_uri(), APP)
    # WHEN publishing
    result = publish(world, repo)
    # THEN it fails once with a message that says why and what to do
    assert result.returncode == 1
    assert "protected" in result.stderr and "--branch" in result.stderr and "GH006" in result.stderr
    assert result.stderr.count("committed") == 1
    assert world.tip(remote) is None


def test_secret_with_data_is_refused_unless_allowed(world: GitWorld) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"},
              "stringData": {"password": "hunter2"}}
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"web": [CONFIGMAP_A, secret]})
    result = publish(world, repo)
    assert result.returncode == 4
    for word in ("Secret web/db", "SOPS", "SealedSecret", "ExternalSecret", "--allow-secrets"):
        assert word in result.stderr
    assert world.tip(remote) is None
    assert publish(world, repo, "--allow-secrets").returncode == 0
    assert "dist/web/secret_web_db.yaml" in world.files(remote)
    # AND a later run gets the same verdict as the first, though the branch already holds the Secret
    again = publish(world, repo)
    assert again.returncode == 4 and "Secret web/db" in again.stderr
    assert "hunter2" not in again.stderr


def test_invalid_core_object_and_unknown_kinds_are_refused_as_render_refuses_them(world: GitWorld) -> None:
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bad", "namespace": "web"}, "data": {"n": 1}}
    custom = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "web"},
              "spec": {"anything": True}}
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"web": [bad, custom]})
    result = publish(world, repo)
    assert result.returncode == 4
    # line 7 of the synthesized web.k8s.yaml is the field itself ("n": 1)
    assert "web.k8s.yaml:7: ConfigMap web/bad: data.n: 1 is not of type 'string'" in result.stderr
    assert "no CRD schema for Widget example.com/v1" in result.stderr and "--no-validate" in result.stderr
    assert world.tip(remote) is None
    # AND the Widget alone passes with --allow-unknown-kinds, the whole app with --no-validate
    assert "Widget" not in publish(world, repo, "--allow-unknown-kinds").stderr
    assert publish(world, repo, "--no-validate").returncode == 0


def test_a_flux_object_of_an_app_without_flux_install_is_checked_against_the_embedded_release(world: GitWorld) -> None:
    # GIVEN an app whose Kustomization has a typo, and no FluxInstall (Flux was installed by bootstrap)
    typo = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {"interval": "10m", "path": "./apps", "prune": True, "healthChecksExprs": [],
                     "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"flux": [typo]})
    # WHEN published
    result = publish(world, repo)
    # THEN it is refused before anything reaches git
    assert result.returncode == 4, result.stderr
    assert "'healthChecksExprs' was unexpected" in result.stderr
    assert world.tip(remote) is None


def test_dry_run_reports_files_and_objects_and_writes_nothing(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    assert publish(world, repo).returncode == 0
    tip = world.tip(remote)
    # GIVEN a change: a changed, b removed, c added
    changed_a = {**CONFIGMAP_A, "data": {"k": "changed"}}
    c = {**CONFIGMAP_B, "metadata": {"name": "c", "namespace": "web"}}
    world.commit_objects(repo, {"web": [changed_a, c], "rbac": [ROLE]}, "Change things")
    refs_before = world.git("for-each-ref", cwd=repo)
    # WHEN dry-run
    result = publish(world, repo, "--dry-run")
    # THEN it lists each file and each object, and writes nothing
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "origin/manifests:dist: 1 added, 2 changed, 1 removed (files)",
        "  changed  dist/web/configmap_web_a.yaml",
        "  removed  dist/web/configmap_web_b.yaml",
        "  added    dist/web/configmap_web_c.yaml",
        "  changed  dist/web/kustomization.yaml",
        "objects: 1 added, 1 changed, 1 removed",
        "  changed  ConfigMap web/a",
        "  removed  ConfigMap web/b",
        "  added    ConfigMap web/c",
    ]
    assert world.tip(remote) == tip
    assert world.git("for-each-ref", cwd=repo) == refs_before


def test_bad_path_is_a_usage_error(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    for path in (".", "../up", "/abs"):
        result = publish(world, repo, "--path", path)
        assert result.returncode == 2, (path, result.stderr)
        assert "--path" in result.stderr


def test_publish_refuses_a_branch_or_path_the_apps_flux_sync_does_not_watch(world: GitWorld) -> None:
    # GIVEN an app that also emits the GitRepository + Kustomization Flux watches (as FluxSync does)
    source = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
              "metadata": {"name": "flux-system", "namespace": "flux-system"},
              "spec": {"url": "ssh://git@example.com/org/app", "ref": {"branch": "deploy"}, "interval": "1m0s"}}
    kustomization = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                     "metadata": {"name": "flux-system", "namespace": "flux-system"},
                     "spec": {"path": "./out", "prune": True, "interval": "10m0s",
                              "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), {"web": [CONFIGMAP_A], "flux": [source, kustomization]})
    # WHEN published to the default manifests:dist
    result = publish(world, repo)
    # THEN it refuses, saying where Flux looks
    assert result.returncode == 2
    assert "publish to branch 'deploy' and path 'out'" in result.stderr and "--branch/--path=" in result.stderr
    assert world.tip(remote, "manifests") is None
    # AND publishing where Flux looks works
    assert publish(world, repo, "--branch", "deploy", "--path", "out").returncode == 0
    assert "out/web/configmap_web_a.yaml" in world.files(remote, "deploy")


def test_a_branch_name_taken_as_a_folder_on_the_remote_is_explained_not_retried(world: GitWorld) -> None:
    # GIVEN a remote that has manifests/staging, so a branch 'manifests' cannot exist beside it
    remote = world.bare_remote()
    world.commit_files(remote, "manifests/staging", {"x.txt": "x\n"}, "Another branch")
    repo = world.source(remote.as_uri(), APP)
    result = publish(world, repo)
    assert result.returncode == 1
    assert "has the branch 'manifests/staging'" in result.stderr and "moved meanwhile" not in result.stderr


def test_a_stale_lock_on_the_remote_is_explained_not_retried(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    assert publish(world, repo).returncode == 0
    (remote / "refs" / "heads" / "manifests.lock").write_text("")
    world.commit_objects(repo, {"web": [CONFIGMAP_A]}, "Change")
    result = publish(world, repo)
    assert result.returncode == 1
    assert "refs/heads/manifests.lock" in result.stderr and "moved meanwhile" not in result.stderr


def test_a_relative_remote_url_means_what_it_means_to_git_push(world: GitWorld) -> None:
    remote = world.bare_remote("relative.git")
    repo = world.source("../relative.git", APP)
    result = publish(world, repo)
    assert result.returncode == 0, result.stderr
    assert set(world.files(remote)) == EXPECTED_FILES


def test_untracked_files_inside_a_submodule_do_not_block_publishing(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = world.source(remote.as_uri(), APP)
    library = world.root / "library"
    world.git("init", "-q", str(library))
    (library / "README").write_text("lib\n")
    world.git("add", "README", cwd=library)
    world.git("commit", "-qm", "lib", cwd=library)
    world.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", library.as_uri(), "vendor/lib", cwd=repo)
    world.git("commit", "-qm", "Add a submodule", cwd=repo)
    (repo / "vendor" / "lib" / "scratch.txt").write_text("not committed anywhere\n")
    result = publish(world, repo)
    assert result.returncode == 0, result.stderr
