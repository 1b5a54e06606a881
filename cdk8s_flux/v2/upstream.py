"""Find the upstream Flux v2 manifests of a release: vendored, cached, or downloaded once.

The CRDs and the controllers' own objects are Flux's, not ours: they come from
the release the user pins, looked up in this order:

1. the ``manifests`` argument: a vendored file (a ``gotk-components.yaml`` of
   ``flux bootstrap``, ``flux install --export`` output, or the release's ``install.yaml``);
2. ``$CDK8S_FLUX_MANIFESTS/<version>/gotk-components.yaml`` or ``.../install.yaml``;
3. the user cache, ``$XDG_CACHE_HOME/cdk8s-flux/flux/<version>/install.yaml``;
4. a download of the release's ``install.yaml`` into that cache.

Cached and downloaded files are pinned by sha256 in ``cdk8s-flux.lock`` at the
root of the user's git repository: recorded on first use, checked on every
later one. A mismatch is an error, never a silent change.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cdk8s_flux import __version__, atomic
from cdk8s_flux.errors import SynthError, UpstreamError, ValidationError
from cdk8s_flux.manifests import load_documents

#: Folder of vendored manifests, holding ``<version>/gotk-components.yaml`` or ``<version>/install.yaml``.
ENV_MANIFESTS = "CDK8S_FLUX_MANIFESTS"
#: Base URL of the Flux releases; the asset is ``<base>/download/<version>/install.yaml``.
ENV_RELEASES_URL = "CDK8S_FLUX_RELEASES_URL"
RELEASES_URL = "https://github.com/fluxcd/flux2/releases"
LOCK_FILE = "cdk8s-flux.lock"
#: File names looked for in a vendored folder, in order.
FILE_NAMES = ("gotk-components.yaml", "install.yaml")
RELEASE_ASSET = "install.yaml"
DOWNLOAD_TIMEOUT_SECONDS = 30
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024

_VERSION = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
_LOCK_HEADER = (
    "# sha256 of the upstream Flux manifests this repository builds with, written by cdk8s-flux.\n"
    "# Commit it: every synth checks the cached or downloaded file against it.\n"
)


@dataclass(frozen=True)
class UpstreamManifests:
    """The parsed upstream manifests of one Flux release, and where they came from."""

    version: str
    source: str
    sha256: str
    objects: tuple[dict[str, Any], ...]


def check_version(version: str) -> str:
    """A pinned Flux release such as ``v2.9.4``."""
    if not isinstance(version, str) or not _VERSION.match(version):
        if isinstance(version, str) and _VERSION.match(f"v{version}"):
            fix = f"write it with the 'v': 'v{version}'"
        else:
            fix = (
                "pin a release such as 'v2.9.4' (see https://github.com/fluxcd/flux2/releases); "
                "'latest' is refused because the output would change without a code change"
            )
        raise ValidationError("version", version, "not a pinned Flux release", fix)
    return version


def release_url(version: str) -> str:
    """Where the release's ``install.yaml`` is downloaded from."""
    base = os.environ.get(ENV_RELEASES_URL) or RELEASES_URL
    return f"{base.rstrip('/')}/download/{version}/{RELEASE_ASSET}"


def cache_dir() -> Path:
    """The user cache of downloaded releases."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cdk8s-flux" / "flux"


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
    text = _LOCK_HEADER + yaml.safe_dump({"flux": ordered}, sort_keys=True, default_flow_style=False)
    atomic.write_file(path, text)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _vendor_fix(version: str) -> str:
    url = release_url(version)
    return (
        "vendor the file: on a machine with network run "
        f"`curl -fsSL -o flux/{version}/install.yaml {url}` "
        f"(or `flux install --version={version} --export > flux/{version}/gotk-components.yaml`, "
        "or copy the gotk-components.yaml of an existing `flux bootstrap`), commit it, and pass "
        f"FluxInstall(manifests='flux/{version}/install.yaml') or set {ENV_MANIFESTS}=flux "
        f"(a folder holding {version}/install.yaml)"
    )


def _parse(data: bytes, source: str, version: str, sha256: str) -> UpstreamManifests:
    try:
        text = data.decode("utf-8")
        objects = load_documents(text, source)
    except (UnicodeDecodeError, SynthError) as exc:
        raise UpstreamError(f"{source}: not a Kubernetes YAML stream ({exc}). Fix: {_vendor_fix(version)}") from exc
    if not objects:
        raise UpstreamError(f"{source}: holds no Kubernetes objects. Fix: {_vendor_fix(version)}")
    found = {
        o.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/version")
        for o in objects
        if o.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/part-of") == "flux"
    } - {None}
    if found and found != {version}:
        raise UpstreamError(
            f"{source}: holds Flux {', '.join(sorted(found))}, but version={version!r} was asked for. "
            f"Fix: set version to {sorted(found)[0]!r}, or vendor the {version} manifests"
        )
    return UpstreamManifests(version=version, source=source, sha256=sha256, objects=objects)


def _vendored_file(path: Path) -> Path:
    if path.is_dir():
        for name in FILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise UpstreamError(
            f"manifests={str(path)!r} is a folder without {' or '.join(FILE_NAMES)}. Fix: point it at the vendored file"
        )
    if not path.is_file():
        raise UpstreamError(f"manifests={str(path)!r} does not exist. Fix: give the path of the vendored Flux manifests file")
    return path


def _from_file(path: Path, version: str) -> UpstreamManifests:
    data = path.read_bytes()
    return _parse(data, str(path), version, _sha256(data))


def _download(url: str, version: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": f"cdk8s-flux/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise UpstreamError(
                f"Flux release {version} has no {RELEASE_ASSET} at {url} (HTTP 404). "
                "Fix: check the version at https://github.com/fluxcd/flux2/releases, or "
                + _vendor_fix(version)
            ) from exc
        raise UpstreamError(f"cannot download {url}: HTTP {exc.code}. Fix: retry later, or {_vendor_fix(version)}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UpstreamError(
            f"cannot get the Flux {version} manifests: no vendored file, nothing cached, and the "
            f"download of {url} failed ({reason}). Fix: {_vendor_fix(version)}"
        ) from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise UpstreamError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes, not a Flux install manifest")
    return data


def _check_lock(lock_path: Path, version: str, sha256: str, source: str, *, cached: bool) -> None:
    """Record the sha256 on first use, refuse any later change."""
    releases = read_lock(lock_path)
    entry = releases.get(version)
    if entry is None:
        releases[version] = {"file": RELEASE_ASSET, "sha256": sha256}
        write_lock(lock_path, releases)
        return
    locked = entry.get("sha256") if isinstance(entry, dict) else None
    if not isinstance(locked, str) or not re.fullmatch(r"[0-9a-f]{64}", locked):
        raise UpstreamError(
            f"{lock_path}: the entry of Flux {version} has no valid sha256. "
            "Fix: restore the file from git, or remove the entry to record it anew"
        )
    if locked != sha256:
        fix = (
            "delete the cached file to download it again"
            if cached
            else "check where the file comes from; if the new content is intended, remove the entry from the lock file"
        )
        raise UpstreamError(
            f"{source} has sha256 {sha256}, but {lock_path} pins Flux {version} to {locked}: the content "
            f"changed. Fix: {fix}, and review the change"
        )


def load(version: str, manifests: str | os.PathLike[str] | None = None, *, start: Path | None = None) -> UpstreamManifests:
    """The upstream manifests of Flux ``version``, from the first place that has them.

    ``start`` is where the search for the lock file begins (default: the current folder).
    """
    check_version(version)
    if manifests is not None:
        return _from_file(_vendored_file(Path(manifests)), version)
    looked = []
    folder = os.environ.get(ENV_MANIFESTS)
    if folder:
        for name in FILE_NAMES:
            candidate = Path(folder) / version / name
            if candidate.is_file():
                return _from_file(candidate, version)
        looked.append(f"${ENV_MANIFESTS}/{version}/{{{','.join(FILE_NAMES)}}}")
    cached = cache_dir() / version / RELEASE_ASSET
    lock_path = find_lock_file(start)
    if cached.is_file():
        data = cached.read_bytes()
        sha256 = _sha256(data)
        _check_lock(lock_path, version, sha256, str(cached), cached=True)
        return _parse(data, str(cached), version, sha256)
    url = release_url(version)
    data = _download(url, version)
    sha256 = _sha256(data)
    _check_lock(lock_path, version, sha256, url, cached=False)
    manifests_found = _parse(data, url, version, sha256)
    atomic.write_file(cached, data)
    return manifests_found
