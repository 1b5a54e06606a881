"""``cdk8s-flux.lock``: the sha256 of every Flux release file a repository builds with.

Recorded on first use, checked on every later one: a file that changes under
the same version is an error, never a silent change of what gets installed.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cdk8s_flux import atomic
from cdk8s_flux.errors import UpstreamError

LOCK_FILE = "cdk8s-flux.lock"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HEADER = (
    "# sha256 of the upstream Flux manifests this repository builds with, written by cdk8s-flux.\n"
    "# Commit it: every synth checks the cached, downloaded or vendored file against it.\n"
)


def find_lock_file(start: Path | None = None) -> Path:
    """``cdk8s-flux.lock``: the nearest one up from ``start``, else at the git repository's root.

    Outside a git repository it goes into ``start`` itself.
    """
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / LOCK_FILE).is_file():
            return folder / LOCK_FILE
        if (folder / ".git").exists():
            return folder / LOCK_FILE
    return start / LOCK_FILE


def read_lock(path: Path) -> dict[str, dict[str, str]]:
    """The locked releases: ``{version: {"file": ..., "sha256": ...}}``."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UpstreamError(f"{path}: not valid YAML ({exc}). Fix: restore it from git, or delete it to record anew") from exc
    releases = data.get("flux", {}) if isinstance(data, dict) else None
    if not isinstance(releases, dict):
        raise UpstreamError(f"{path}: no 'flux:' mapping. Fix: restore it from git, or delete it to record anew")
    return releases


def write_lock(path: Path, releases: dict[str, dict[str, str]]) -> None:
    """Write the lock file; the same content always gives the same bytes."""
    ordered = {version: dict(sorted(entry.items())) for version, entry in sorted(releases.items())}
    text = _HEADER + yaml.safe_dump({"flux": ordered}, sort_keys=True, default_flow_style=False)
    atomic.write_file(path, text)


def record(path: Path, version: str, file: str, sha256: str) -> None:
    """Pin ``version`` to ``sha256`` (replacing an earlier pin: the caller decided so)."""
    releases = read_lock(path)
    releases[version] = {"file": file, "sha256": sha256}
    write_lock(path, releases)


def check(path: Path, version: str, file: str, sha256: str, source: str, *, fix: str) -> None:
    """Record the sha256 on first use; refuse any later change, with ``fix`` as the advice."""
    entry = read_lock(path).get(version)
    if entry is None:
        record(path, version, file, sha256)
        return
    locked = entry.get("sha256") if isinstance(entry, dict) else None
    if not isinstance(locked, str) or not _SHA256.fullmatch(locked):
        raise UpstreamError(
            f"{path}: the entry of Flux {version} has no valid sha256. "
            "Fix: restore the file from git, or remove the entry to record it anew"
        )
    if locked != sha256:
        raise UpstreamError(
            f"{source} has sha256 {sha256}, but {path} pins Flux {version} to {locked}: the content "
            f"changed. Fix: {fix}, and review the change"
        )
