"""The source commit a delivery names, and the working-tree state it was rendered from.

``publish`` and ``push`` both say which commit of the app's repository their
manifests come from: one reads it here, in the same way, and refuses the same
uncommitted changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cdk8s_flux.errors import GitError, ValidationError
from cdk8s_flux.git import Git
from cdk8s_flux.progress import Progress, plural

#: CI variables naming the branch or tag of a detached HEAD, with the variable holding its commit.
CI_REF_VARIABLES = (("GITHUB_REF_NAME", "GITHUB_SHA"), ("CI_COMMIT_REF_NAME", "CI_COMMIT_SHA"))


@dataclass(frozen=True)
class SourceCommit:
    """The commit of the app the manifests were rendered from."""

    sha: str
    subject: str
    #: Rendered from a working tree with uncommitted changes (``allow_dirty``).
    dirty: bool = False


def open_repository(start: Path) -> Git:
    """The git repository holding ``start``, with an error that says what to do outside one."""
    try:
        return Git.discover(start)
    except GitError:
        raise GitError(
            f"{str(start)!r} is not inside a git repository, and the manifests name their source commit. "
            "Fix: run from a clone of the app's repository, or name the clone (repo)"
        ) from None


def source_commit(git: Git) -> SourceCommit:
    """HEAD of the app's repository: a branch or a detached HEAD, in a full or shallow clone."""
    result = git.run_raw("log", "-1", "--format=%H%n%s", "HEAD")
    if result.returncode != 0:
        raise GitError(
            "the app's repository has no commit yet. Fix: commit the app first, so the manifests can name their source"
        )
    sha, _, subject = result.stdout.decode(errors="replace").partition("\n")
    return SourceCommit(sha=sha.strip(), subject=subject.strip())


def check_working_tree(git: Git, source: SourceCommit, allow_dirty: bool, progress: Progress, marking: str) -> SourceCommit:
    """``source``, marked dirty when tracked files have uncommitted changes; refused then unless ``allow_dirty``.

    What is delivered must be what the commit it names renders. Untracked files
    (a ``__pycache__``, a virtualenv) only get a note.
    """
    tracked, untracked = git.uncommitted_changes()
    if tracked and not allow_dirty:
        shown = ", ".join(tracked[:5]) + (f" and {len(tracked) - 5} more" if len(tracked) > 5 else "")
        raise ValidationError(
            "working tree", shown, "these files have uncommitted changes, so the manifests would not be "
            f"what the commit {source.sha[:12]} they name renders",
            f"commit or stash the changes, or allow uncommitted changes (allow_dirty) to deliver them {marking}",
        )
    if tracked:
        progress(f"warning: the manifests are rendered from uncommitted changes and {marking}")
    elif untracked:
        progress(f"note: {plural(len(untracked), 'untracked file')} not part of source commit {source.sha[:12]}")
    return SourceCommit(source.sha, source.subject, dirty=bool(tracked))


def commit_time(git: Git, sha: str) -> str:
    """The commit's committer time in UTC (RFC 3339): a timestamp that does not depend on when CI runs."""
    timestamp = int(git.run("log", "-1", "--format=%ct", sha).strip())
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def branch_of(git: Git, sha: str, environ: Mapping[str, str]) -> str | None:
    """The branch HEAD is on; on a detached HEAD, the branch or tag CI names for that very commit."""
    result = git.run_raw("symbolic-ref", "--quiet", "--short", "HEAD")
    if result.returncode == 0 and result.stdout.strip():
        return result.stdout.decode().strip()
    for name_variable, sha_variable in CI_REF_VARIABLES:
        if environ.get(name_variable) and environ.get(sha_variable) == sha:
            return environ[name_variable]
    return None

