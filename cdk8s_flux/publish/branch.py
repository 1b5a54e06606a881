"""The read side of a manifests branch: its tip on the remote, and the files under a folder of it.

``publish`` reads the branch before it writes; ``diff`` reads it to show what Flux applies now.
Neither changes a ref the user sees: the tip is fetched into a private ref, or into none at all.
"""

from __future__ import annotations

from cdk8s_flux.errors import GitError
from cdk8s_flux.git import Git
from cdk8s_flux.progress import Progress, silent

_FILE_MODE = "100644"


def fetch_tip(git: Git, remote: str, branch: str, into: str | None, progress: Progress = silent) -> str | None:
    """The commit ``branch`` points to on ``remote``, fetched so its objects are here; None when there is no such branch.

    ``into`` is the private ref that keeps the tip (None: no ref is written, for read-only callers).
    """
    progress(f"fetching {remote}/{branch} ...")
    tip = git.ls_remote_branch(remote, branch)
    if tip is None:
        return None
    if not git.has_commit(tip):
        git.fetch(remote, branch, into, shallow=git.is_shallow())
        fetched = git.rev_parse(into) if into else None
        tip = fetched or tip
        if not git.has_commit(tip):
            raise GitError(f"fetching {remote}/{branch} did not bring commit {tip}; try again")
    elif into:
        git.run("update-ref", into, tip)
    return tip


def read_files(git: Git, commit: str, path: str) -> dict[str, bytes]:
    """The regular files under ``path`` of ``commit``, by their path relative to it."""
    entries = git.ls_tree(commit, path)
    files = {name: entry for name, entry in entries.items() if entry.mode == _FILE_MODE}
    blobs = git.read_blobs([entry.object_id for entry in files.values()])
    prefix = path.rstrip("/") + "/" if path else ""
    return {name.removeprefix(prefix): blobs[entry.object_id] for name, entry in files.items() if entry.object_id in blobs}
