"""Publish rendered manifests to a branch of a git remote, safely.

The naive CI script (``git checkout --orphan manifests``, ``git add dist``,
``git commit``, ``git push``) switches the user's checkout, drags the source
tree into the branch, keeps deleted objects forever, commits when nothing
changed and loses races. Here the new commit is built from git plumbing
alone: the remote branch is fetched into a private ref, the new tree is made
in a temporary index from that tip with ``path`` replaced, and the commit is
pushed without force. The user's working tree, index, HEAD and branches are
never touched; a push that loses a race is rebuilt on the new tip and retried.
"""

from __future__ import annotations

import posixpath
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cdk8s_flux import __version__
from cdk8s_flux import changes as diff
from cdk8s_flux.errors import GitError, ValidationError
from cdk8s_flux.git import Git, TreeEntry
from cdk8s_flux.pipeline import CheckPolicy, Rendered
from cdk8s_flux.progress import Progress, plural, silent
from cdk8s_flux.publish.branch import fetch_tip
from cdk8s_flux.source import SourceCommit, check_working_tree, open_repository, source_commit
from cdk8s_flux.validation import git_branch, relative_path, repository_path

#: The trailer every manifests commit carries: the commit it was rendered from.
SOURCE_TRAILER = "Source-Commit"
#: Added when the manifests came from uncommitted changes.
DIRTY_TRAILER = "Source-Dirty"

_FILE_MODE = "100644"
# Used when neither flags, environment nor git config name anyone.
_FALLBACK_NAME = "cdk8s-flux"
_FALLBACK_EMAIL = "cdk8s-flux@localhost"


@dataclass(frozen=True)
class PublishOptions:
    """Where and how ``publish`` writes; the defaults are the CLI's."""

    #: Git remote to publish to.
    remote: str = "origin"
    #: Branch of the remote Flux syncs (created without parent when missing).
    branch: str = "manifests"
    #: Folder of the branch that holds the manifests; publish owns it whole.
    path: str = "dist"
    #: Report what would change and write nothing.
    dry_run: bool = False
    #: Publish from a working tree with uncommitted changes (marked in the commit).
    allow_dirty: bool = False
    #: Write kustomization.yaml files (never for a Flux v1 target, which would apply them as objects).
    kustomization_files: bool = True
    author_name: str | None = None
    author_email: str | None = None
    committer_name: str | None = None
    committer_email: str | None = None
    #: Pushes tried before giving up when other jobs keep moving the branch.
    max_attempts: int = 10

    def __post_init__(self) -> None:
        relative_path("path", self.path)
        clean = posixpath.normpath(self.path)
        if clean in (".", ""):
            raise ValidationError(
                "path", self.path, "publish replaces everything under it, so it must be a folder of the branch",
                "give a sub-folder such as 'dist'",
            )
        # git would silently leave such a folder out of the commit (see validation.path_part_problem).
        repository_path("path", clean)
        object.__setattr__(self, "path", clean)
        if not self.remote or self.remote != self.remote.strip() or self.remote.startswith("-") or " " in self.remote:
            raise ValidationError("remote", self.remote, "not a usable git remote", "give a remote name such as 'origin', or a URL")
        object.__setattr__(self, "branch", branch_name(self.branch))
        if self.max_attempts < 1:
            raise ValidationError("max_attempts", self.max_attempts, "must be at least 1", "give a positive number")

    @property
    def private_ref(self) -> str:
        """Where the remote branch is fetched: a ref namespace no git command shows by default."""
        return f"refs/cdk8s-flux/{self.remote}/{self.branch}"


@dataclass(frozen=True)
class PublishResult:
    """What a publish did."""

    #: "published", "up to date" or "dry run".
    status: str
    source: SourceCommit
    changes: diff.Changes
    #: The new commit on the branch, when one was pushed.
    commit: str | None = None
    #: Pushes tried (more than one when the branch moved meanwhile).
    attempts: int = 1
    target: str = field(default="")

    def as_json(self) -> dict[str, object]:
        """What ``--format json`` prints."""
        return {
            "status": self.status,
            "target": self.target,
            "source": self.source.sha,
            "commit": self.commit,
            "attempts": self.attempts,
            "files": [{"change": c.status, "path": c.what} for c in self.changes.files],
            "objects": [{"change": c.status, "object": c.what} for c in self.changes.objects],
        }


def branch_name(value: str) -> str:
    """The branch to publish to, checked before any work: ``refs/heads/prod`` is ``prod``; ``HEAD`` is no branch."""
    name = value.removeprefix("refs/heads/") if isinstance(value, str) else value
    if name in ("HEAD", "FETCH_HEAD", "ORIG_HEAD") or (isinstance(name, str) and name.startswith("refs/")):
        raise ValidationError("branch", value, "not a branch name", "give the branch itself, such as 'manifests'")
    return git_branch("branch", name)


def commit_message(source: SourceCommit, changes: diff.Changes, path: str) -> str:
    """The manifests commit's message: the source it came from, and a trailer to trace it by."""
    origin = (
        f"Rendered from the working tree of {source.sha}, with uncommitted changes,"
        if source.dirty
        else f"Rendered from {source.sha}"
    )
    return (
        f"Publish manifests of {source.sha[:12]}: {source.subject}\n\n"
        f"{origin} by cdk8s-flux {__version__}.\n"
        f"{changes.summary()} under {path}/.\n\n"
        f"{SOURCE_TRAILER}: {source.sha}\n" + (f"{DIRTY_TRAILER}: true\n" if source.dirty else "")
    )


def _identity(git: Git, options: PublishOptions) -> dict[str, str]:
    """Author and committer: flags, then GIT_AUTHOR_*/GIT_COMMITTER_*, then git config."""
    env = git.env
    author_name = options.author_name or env.get("GIT_AUTHOR_NAME") or git.config("user.name") or _FALLBACK_NAME
    author_email = (
        options.author_email or env.get("GIT_AUTHOR_EMAIL") or git.config("user.email") or env.get("EMAIL")
        or _FALLBACK_EMAIL
    )
    return {
        "GIT_AUTHOR_NAME": author_name,
        "GIT_AUTHOR_EMAIL": author_email,
        "GIT_COMMITTER_NAME": options.committer_name or env.get("GIT_COMMITTER_NAME") or author_name,
        "GIT_COMMITTER_EMAIL": options.committer_email or env.get("GIT_COMMITTER_EMAIL") or author_email,
    }


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds to wait after losing push ``attempt``: exponential, capped, fully jittered."""
    return rng.uniform(0.05, min(4.0, 0.2 * 2**attempt))


class _Publisher:
    """One publish of one layout: fetch, compare, commit, push, retry."""

    def __init__(self, git: Git, layout: dict[str, str], options: PublishOptions, progress: Progress):
        self.git = git
        self.options = options
        self.progress = progress
        self.object_format = git.object_format()
        self.zero_id = "0" * (64 if self.object_format == "sha256" else 40)
        self.files = {f"{options.path}/{rel}": text.encode() for rel, text in layout.items()}
        self.ids = {p: git.blob_id(data, self.object_format) for p, data in self.files.items()}
        self.written: set[str] = set()

    def fetch_tip(self) -> str | None:
        """The remote branch's commit; a publish keeps it in the private ref (incremental fetches, safe from gc)."""
        options = self.options
        into = None if options.dry_run else options.private_ref
        return fetch_tip(self.git, options.remote, options.branch, into, self.progress)

    def changes(self, old: dict[str, TreeEntry]) -> diff.Changes:
        old_ids = {p: e.object_id if e.mode == _FILE_MODE else f"{e.mode}:{e.object_id}" for p, e in old.items()}
        return diff.Changes(files=diff.file_changes(old_ids, self.ids))

    def object_changes(self, old: dict[str, TreeEntry], changes: diff.Changes) -> diff.Changes:
        """``changes`` with the object-level comparison, for the dry-run report."""
        touched = {c.what for c in changes.files}
        old_texts = self.git.read_blobs([old[p].object_id for p in touched if p in old])
        before = {p: old_texts.get(old[p].object_id, b"") for p in touched if p in old}
        # Objects that moved between files count once: compare every file's objects.
        unchanged = {p: self.files[p] for p in self.files if p not in touched}
        before.update(unchanged)
        after = {p: self.files[p] for p in self.files}
        return diff.Changes(files=changes.files, objects=diff.object_changes(before, after))

    def write_blobs(self, paths: list[str]) -> None:
        """Store the files of ``paths`` in the object database as one pack.

        ``git fast-import`` takes them all on stdin and writes a single pack:
        no temporary files, and no thousands of loose objects.
        """
        wanted = list(dict.fromkeys(self.ids[p] for p in paths if self.ids[p] not in self.written))
        missing = self.git.missing_objects(wanted)
        if missing:
            stream = bytearray()
            for path in paths:
                if self.ids[path] in missing:
                    data = self.files[path]
                    stream += b"blob\ndata %d\n" % len(data) + data + b"\n"
                    missing.discard(self.ids[path])
            stream += b"done\n"
            self.git.run("fast-import", "--quiet", "--done", input=bytes(stream))
            lost = self.git.missing_objects(wanted)
            if lost:
                raise GitError(f"git fast-import did not store {len(lost)} of the files, such as {sorted(lost)[0]}")
        self.written.update(wanted)

    def build_commit(self, tip: str | None, old: dict[str, TreeEntry], changes: diff.Changes, source: SourceCommit) -> str:
        """A commit whose tree is ``tip``'s with ``path`` replaced by the layout."""
        with tempfile.TemporaryDirectory(prefix="cdk8s-flux-publish-") as tmp:
            scratch = Path(tmp)
            index = {"GIT_INDEX_FILE": str(scratch / "index")}
            if tip is not None:
                self.git.run("read-tree", tip, env=index)
            self.write_blobs([c.what for c in changes.files if c.status != diff.REMOVED])
            records = [f"0 {self.zero_id}\t{p}" for p in old if p not in self.ids or old[p].mode != _FILE_MODE]
            records += [f"{_FILE_MODE} {self.ids[c.what]}\t{c.what}" for c in changes.files if c.status != diff.REMOVED]
            if records:
                self.git.run("update-index", "-z", "--index-info", input="\0".join(records).encode() + b"\0", env=index)
            tree = self.git.run("write-tree", env=index).strip()
        parents = ["-p", tip] if tip is not None else []
        message = commit_message(source, changes, self.options.path)
        env = _identity(self.git, self.options)
        return self.git.run("commit-tree", tree, *parents, "-F", "-", input=message.encode(), env=env).strip()

    def check_tree(self, commit: str) -> None:
        """Refuse ``commit`` unless its ``path`` holds exactly the layout, byte for byte.

        ``git update-index`` skips a path it will not track ("Ignoring path") and
        succeeds, so what it wrote is read back rather than trusted.
        """
        entries = self.git.ls_tree(commit, self.options.path)
        written = {p: e.object_id if e.mode == _FILE_MODE else f"{e.mode}:{e.object_id}" for p, e in entries.items()}
        if written == self.ids:
            return
        missing = sorted(p for p in self.ids if written.get(p) != self.ids[p])
        extra = sorted(p for p in written if p not in self.ids)
        detail = "; ".join(
            part for part in (
                f"{plural(len(missing), 'file')} of the layout missing or different, such as {missing[0]}" if missing else "",
                f"{plural(len(extra), 'file')} not in the layout, such as {extra[0]}" if extra else "",
            ) if part
        )
        raise GitError(
            f"git built a commit whose {self.options.path}/ is not the layout ({detail}); nothing was pushed. "
            "Fix: give those files names git tracks as written (no '.git' or '..' parts)"
        )


def publish_layout(
    repo: Path,
    layout: dict[str, str],
    options: PublishOptions,
    progress: Progress = silent,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> PublishResult:
    """Publish ``layout`` (relative path to text, already checked) under ``options.path`` of the branch.

    ``repo`` is any folder of the app's clone; its HEAD is the source commit.
    """
    git = Git.discover(repo)
    source = source_commit(git)
    git.remote_url(options.remote)
    return _publish(git, source, layout, options, progress, sleep, rng or random.Random())


def _publish(
    git: Git,
    source: SourceCommit,
    layout: dict[str, str],
    options: PublishOptions,
    progress: Progress,
    sleep: Callable[[float], None],
    rng: random.Random,
) -> PublishResult:
    target = f"{options.remote}/{options.branch}:{options.path}"
    publisher = _Publisher(git, layout, options, progress)
    for attempt in range(1, options.max_attempts + 1):
        tip = publisher.fetch_tip()
        old = git.ls_tree(tip, options.path) if tip is not None else {}
        changes = publisher.changes(old)
        if not changes:
            progress(f"up to date: {target} already holds the manifests of {source.sha[:12]}")
            return PublishResult("up to date", source, changes, attempts=attempt, target=target)
        if options.dry_run:
            changes = publisher.object_changes(old, changes)
            return PublishResult("dry run", source, changes, attempts=attempt, target=target)
        commit = publisher.build_commit(tip, old, changes, source)
        publisher.check_tree(commit)
        progress(f"committed {commit[:12]} ({changes.summary()})")
        if git.push(options.remote, commit, options.branch):
            progress(f"pushed to {options.remote} {options.branch}")
            return PublishResult("published", source, changes, commit=commit, attempts=attempt, target=target)
        if attempt < options.max_attempts:
            wait = backoff(attempt, rng)
            progress(f"{options.remote}/{options.branch} moved meanwhile; rebuilding on the new tip in {wait:.1f}s")
            sleep(wait)
    raise GitError(
        f"gave up after {options.max_attempts} pushes: {options.remote}/{options.branch} kept moving. Fix: run fewer "
        "publishes at once (a CI concurrency group), or raise --max-attempts"
    )


def publish(
    app_dir: Path,
    options: PublishOptions,
    policy: CheckPolicy,
    command: str | None = None,
    repo: Path | None = None,
    progress: Progress = silent,
    verbose: bool = False,
    timeout: float | None = None,
    rendered: Rendered | None = None,
) -> PublishResult:
    """Render the cdk8s app in ``app_dir`` and publish it: the whole ``cdk8s-flux publish``.

    Git is asked for the source commit and the remote before the app runs, so
    a misconfigured job fails fast; the branch is touched only after the app
    synthesized, passed the checks of ``policy`` and matched its own delivery target.
    ``rendered``: the app already rendered with ``deliver=True`` (``bootstrap`` renders once for
    the delivery and its apply bundle); it is not run again.
    """
    from cdk8s_flux.app import load_app_config
    from cdk8s_flux.pipeline import git_destination, render

    config = rendered.config if rendered is not None else load_app_config(Path(app_dir), command, timeout)
    git = open_repository(Path(repo) if repo else config.directory)
    source = source_commit(git)
    git.remote_url(options.remote)
    source = check_working_tree(git, source, options.allow_dirty, progress, f"marked with a '{DIRTY_TRAILER}: true' trailer")
    if rendered is None:
        rendered = render(config, policy, deliver=True, verbose=verbose, progress=progress)
    destination = git_destination(rendered.targets, options.branch, options.path, options.kustomization_files)
    if options.kustomization_files and not destination.kustomization_files:
        progress("no kustomization.yaml files: the app's Flux v1 fluxd would apply them as objects")
    layout = rendered.layout(destination.kustomization_files)
    progress(f"laid out {plural(len(layout), 'file')} from {rendered.summary()}")
    return _publish(git, source, layout, options, progress, time.sleep, random.Random())
