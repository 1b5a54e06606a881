"""Atomic writes: readers see the old content or the new one, never a half."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.layout import HEADER, KUSTOMIZATION
from cdk8s_flux.validation import path_problem, tree_problem


def write_file(path: Path, data: str | bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` through a rename in the same folder.

    mode: the file's permissions; the temporary file is 0600 from the start, so a
    secret written with ``mode=0o600`` is never readable by others, not even briefly.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The file that marks a folder cdk8s-flux wrote (and may replace), written with files that carry no mark of their own.
MARKER = ".cdk8s-flux-output"
MARKER_TEXT = (
    "# cdk8s-flux wrote this folder and replaces it whole on every run: do not edit it or keep other files in it.\n"
)
# Files that mark their folder themselves: the layout's top kustomization.yaml, which starts with
# cdk8s-flux's header, and the files cdk8s names <chart>.k8s.yaml, cdk8s's own output.
_HEADER = HEADER.partition("{")[0].encode()
_CDK8S_SUFFIX = ".k8s.yaml"


def _carry_their_mark(paths: Iterable[str], top_kustomization: bytes | None) -> bool:
    """Whether files at ``paths`` mark their folder as written by cdk8s-flux without ``MARKER``."""
    if top_kustomization is not None and top_kustomization.startswith(_HEADER):
        return True
    return all(path.endswith(_CDK8S_SUFFIX) for path in paths)


def _refuse(target: Path, problem: str, fix: str = "write to a folder of its own, such as dist") -> ValidationError:
    return ValidationError("output", str(target), problem, fix)


def _check_target(target: Path, real: Path, protect: Sequence[Path]) -> None:
    """Refuse ``real`` (``target`` resolved) unless cdk8s-flux may replace it: see ``replace_dir``."""
    home = os.path.expanduser("~")
    guarded = [(Path(p), "the app folder") for p in protect] + [(Path.cwd(), "the current folder")]
    guarded += [(Path(home), "HOME")] if os.path.isabs(home) else []
    for folder, what in guarded:
        kept = Path(os.path.realpath(folder))
        if real == kept:
            raise _refuse(target, f"it is {what}, which replacing would delete")
        if real in kept.parents:
            raise _refuse(target, f"it holds {what} ({kept}), which replacing would delete")
    if not os.path.lexists(real):
        return
    if not real.is_dir():
        raise _refuse(target, "not a folder; replacing it would delete that file")
    if os.path.lexists(real / ".git"):
        raise _refuse(target, "it is a git work tree (it holds .git), which replacing would delete")
    top = real / KUSTOMIZATION
    names = (Path(walked, name).relative_to(real).as_posix() for walked, _, files in os.walk(real) for name in files)
    marked = (real / MARKER).is_file() or _carry_their_mark(names, top.read_bytes()[:64] if top.is_file() else None)
    if not marked:
        raise _refuse(
            target,
            f"a folder cdk8s-flux did not write (no {MARKER} in it, nor only files cdk8s-flux or cdk8s write), "
            "and replacing it would delete what it holds",
            "remove it yourself if nothing in it is needed, or choose another output folder",
        )
    for walked, folders, files in os.walk(real):
        if ".git" in folders or ".git" in files:
            raise _refuse(target, f"it holds a git work tree ({Path(walked) / '.git'}), which replacing would delete")


def replace_dir(target: Path, files: Mapping[str, str | bytes], protect: Sequence[Path] = ()) -> None:
    """Make ``target`` hold exactly ``files`` (relative path to content), and mark it as cdk8s-flux's.

    Only a missing or empty folder, or one cdk8s-flux wrote, is replaced: it holds
    ``MARKER``, written with the files unless they mark the folder themselves (the
    layout, whose top ``kustomization.yaml`` starts with cdk8s-flux's header, or
    only ``*.k8s.yaml`` files, as cdk8s writes them). Refused, as a
    ``ValidationError`` on ``output`` before anything is written: a folder that
    is or holds one of ``protect`` (the app folder), the current folder or HOME,
    a git work tree, anything else. The new tree is built beside the target and
    swapped in with renames, so a failure leaves the previous folder as it was.
    """
    for relative in files:
        problem = path_problem(relative) if relative != MARKER else f"{MARKER} is the mark of cdk8s-flux's folders"
        if problem is not None:
            raise ValidationError("files", relative, problem, "give every file a relative path of plain names")
    problem = tree_problem(files)
    if problem is not None:
        raise ValidationError("files", sorted(files), problem, "rename one of them")
    real = Path(os.path.realpath(target))
    _check_target(target, real, protect)
    top = files.get(KUSTOMIZATION)
    if not _carry_their_mark(files, top.encode() if isinstance(top, str) else top):
        files = {**files, MARKER: MARKER_TEXT}
    target = real
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new.", dir=target.parent))
    try:
        for relative, content in sorted(files.items()):
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(content.encode() if isinstance(content, str) else content)
            destination.chmod(0o644)
        staging.chmod(0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(retired)
        os.replace(target, retired)
    try:
        os.replace(staging, target)
    except BaseException:
        if retired is not None:
            os.replace(retired, target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
