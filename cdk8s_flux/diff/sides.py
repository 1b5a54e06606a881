"""The two sides a diff compares: what Flux reads now, and what the app renders.

"Before" is the folder of the branch the app's ``GitTarget`` names (read with git
plumbing, no checkout), an OCI artifact (pulled as source-controller reads it), or
the app rendered at another commit of its repository (``git archive`` into a
temporary folder: the user's checkout, index and HEAD are never touched).
"After" is the app rendered now, through the same pipeline and checks as publish.
"""

from __future__ import annotations

import functools
import io
import os
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdk8s_flux.errors import GitError, SynthError
from cdk8s_flux.git import Git
from cdk8s_flux.manifests import load_documents
from cdk8s_flux.pipeline import CheckPolicy, Rendered, render
from cdk8s_flux.progress import Progress, plural, silent

Object = dict[str, Any]
_KUSTOMIZATION = "kustomization.yaml"
_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Side:
    """The objects of one side, and a name for it a reviewer recognizes."""

    label: str
    objects: tuple[Object, ...]
    #: False when the branch or tag does not exist yet: everything is added.
    exists: bool = True


@functools.lru_cache(maxsize=8192)
def _parsed(text: str, name: str) -> tuple[Object, ...]:
    """The objects of one file; the same text on both sides (most files, in a diff) is parsed once. Read-only."""
    return load_documents(text, name)


def objects_of_files(files: Mapping[str, bytes | str], where: str) -> tuple[Object, ...]:
    """The Kubernetes objects of YAML files (``kustomization.yaml`` files are build instructions, not objects)."""
    objects: list[Object] = []
    for name in sorted(files):
        if not name.endswith(_SUFFIXES) or name.rsplit("/", 1)[-1] == _KUSTOMIZATION:
            continue
        content = files[name]
        text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
        try:
            objects.extend(_parsed(text, name))
        except SynthError as exc:
            raise SynthError(f"{where}: {exc}. Fix: the side read from {where} is not a folder of Kubernetes objects") from None
    return tuple(objects)


def rendered_side(rendered: Rendered, label: str, kustomization_files: bool = True) -> Side:
    """The app as publish and push would deliver it (its layout, parsed back)."""
    return Side(label, objects_of_files(rendered.layout(kustomization_files), label))


def branch_side(git: Git, remote: str, branch: str, path: str, progress: Progress = silent) -> Side:
    """The folder ``path`` of ``branch`` on ``remote``, as Flux reads it; no ref is written."""
    from cdk8s_flux.publish.branch import fetch_tip, read_files

    label = f"{remote}/{branch}:{path or '.'}"
    tip = fetch_tip(git, remote, branch, None, progress)
    if tip is None:
        progress(f"{remote} has no branch {branch!r}: every object is new")
        return Side(label, (), exists=False)
    files = read_files(git, tip, path)
    objects = objects_of_files(files, label)
    progress(f"read {plural(len(objects), 'object')} from {label} at {tip[:12]}")
    return Side(f"{label} ({tip[:12]})", objects)


def artifact_side(reference: str, creds: str | None, insecure: bool, progress: Progress = silent) -> Side:
    """The files of an OCI artifact, as source-controller extracts them; a missing tag is an empty side."""
    from cdk8s_flux.oci.pull import pull
    from cdk8s_flux.oci.reference import parse_reference
    from cdk8s_flux.oci.registry import RegistryClient, find_credentials

    parsed = parse_reference(reference, "reference")
    client = RegistryClient(parsed, find_credentials(parsed.registry, creds), insecure=insecure)
    ref = parsed.digest or parsed.tag or "latest"
    if parsed.digest is None and client.manifest_digest(ref) is None:
        progress(f"{parsed.url} has no tag {ref!r}: every object is new")
        return Side(f"{parsed.url}:{ref}", (), exists=False)
    pulled = pull(parsed, client, progress=progress)
    return Side(pulled.url, objects_of_files(dict(pulled.files), pulled.url))


def _export(git: Git, revision: str, into: Path) -> None:
    """The tree of ``revision`` written into ``into`` with ``git archive``: no worktree, no ref, no index."""
    resolved = git.run_raw("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if resolved.returncode != 0:
        raise GitError(f"no commit {revision!r} in this repository. Fix: fetch it first (git fetch origin), or name a commit that exists")
    archive = git.run_raw("archive", "--format=tar", resolved.stdout.decode().strip())
    if archive.returncode != 0:
        raise GitError(f"git archive {revision} failed: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def base_side(
    git: Git,
    revision: str,
    app_dir: Path,
    policy: CheckPolicy,
    *,
    command: str | None = None,
    verbose: bool = False,
    kustomization_files: bool = True,
    timeout: float | None = None,
    progress: Progress = silent,
) -> Side:
    """The app rendered at ``revision`` of its repository (the pull request's merge base, say)."""
    from cdk8s_flux.app import load_app_config

    root = git.work_tree
    if root is None:
        raise GitError("the app's repository has no work tree. Fix: run diff from a clone")
    relative = Path(os.path.relpath(Path(app_dir).resolve(), root.resolve()))
    with tempfile.TemporaryDirectory(prefix="cdk8s-flux-base-") as tmp:
        _export(git, revision, Path(tmp))
        folder = Path(tmp) / relative
        if not (folder / "cdk8s.yaml").is_file() and command is None:
            progress(f"the app does not exist at {revision}: every object is new")
            return Side(f"the app at {revision}", (), exists=False)
        progress(f"rendering the app at {revision}")
        rendered = render(load_app_config(folder, command, timeout), policy, verbose=verbose, progress=progress)
        return rendered_side(rendered, f"the app at {revision}", kustomization_files)


def short_revision(git: Git, revision: str) -> str:
    """``revision`` with its commit, for labels."""
    result = git.run_raw("rev-parse", "--short=12", revision)
    return result.stdout.decode().strip() if result.returncode == 0 else revision

