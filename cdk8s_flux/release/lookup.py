"""Find the upstream manifests of a Flux v2 release: given, embedded, vendored, cached or downloaded.

The CRDs and the controllers' own objects are Flux's, not ours. They come
from the first of these places that has the release:

1. the ``manifests`` argument: a file the user keeps (a ``gotk-components.yaml``
   of ``flux bootstrap``, ``flux install --export`` output, or the release's ``install.yaml``);
2. ``$CDK8S_FLUX_MANIFESTS/<version>/gotk-components.yaml`` or ``.../install.yaml``;
3. the release embedded in this package (``embedded.EMBEDDED_VERSIONS``): no file, no network;
4. a release vendored into the repository by ``cdk8s-flux vendor``:
   ``flux-releases/<version>/`` beside ``cdk8s-flux.lock``;
5. the user cache, ``$XDG_CACHE_HOME/cdk8s-flux/flux/<version>/install.yaml``;
6. a download of the release's ``install.yaml`` into that cache.

Vendored, cached and downloaded files are pinned by sha256 in ``cdk8s-flux.lock``.
A file is parsed once per process, however often it is asked for.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdk8s_flux import __version__, atomic
from cdk8s_flux.errors import SynthError, UpstreamError, ValidationError
from cdk8s_flux.manifests import load_documents
from cdk8s_flux.release import embedded, lock

#: Folder of vendored manifests, holding ``<version>/gotk-components.yaml`` or ``<version>/install.yaml``.
ENV_MANIFESTS = "CDK8S_FLUX_MANIFESTS"
#: Base URL of the Flux releases; the asset is ``<base>/download/<version>/install.yaml``.
ENV_RELEASES_URL = "CDK8S_FLUX_RELEASES_URL"
RELEASES_URL = "https://github.com/fluxcd/flux2/releases"
#: Folder beside ``cdk8s-flux.lock`` that ``cdk8s-flux vendor`` writes releases into.
VENDOR_DIR = "flux-releases"
#: File names looked for in a vendored folder, in order.
FILE_NAMES = ("gotk-components.yaml", "install.yaml")
RELEASE_ASSET = "install.yaml"
DOWNLOAD_TIMEOUT_SECONDS = 30
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024

_VERSION = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
_PART_OF = "app.kubernetes.io/part-of"
_VERSION_LABEL = "app.kubernetes.io/version"


@dataclass(frozen=True)
class UpstreamManifests:
    """The parsed upstream manifests of one Flux release, and where they came from.

    The objects are shared by every user in the process: copy before changing one.
    """

    version: str
    source: str
    sha256: str
    objects: tuple[dict[str, Any], ...]
    embedded: bool = False


def check_version(version: str) -> str:
    """A pinned Flux release such as ``v2.9.4``."""
    if not isinstance(version, str) or not _VERSION.match(version):
        if isinstance(version, str) and _VERSION.match(f"v{version}"):
            fix = f"write it with the 'v': 'v{version}'"
        else:
            fix = (
                f"pin a release such as {embedded.EMBEDDED_VERSION!r} (see https://github.com/fluxcd/flux2/releases); "
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


def vendor_dir(version: str, start: Path | None = None) -> Path:
    """Where ``cdk8s-flux vendor`` keeps ``version``: beside the repository's lock file."""
    return lock.find_lock_file(start).parent / VENDOR_DIR / version


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def vendor_fix(version: str) -> str:
    """How to make a release available without network at synth time."""
    return (
        f"run `cdk8s-flux vendor {version}` on a machine with network (or `cdk8s-flux vendor {version} --from FILE` "
        f"with the release's install.yaml or a `flux install --version={version} --export` output) and commit "
        f"{VENDOR_DIR}/{version}/ and cdk8s-flux.lock; or pass FluxInstall(manifests=FILE), or set "
        f"{ENV_MANIFESTS} to a folder holding {version}/install.yaml"
    )


def flux_versions(objects: tuple[dict[str, Any], ...]) -> set[str]:
    """The Flux releases the objects of ``flux install`` say they belong to (their version label)."""
    found = set()
    for obj in objects:
        metadata = obj.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        if isinstance(labels, dict) and labels.get(_PART_OF) == "flux" and isinstance(labels.get(_VERSION_LABEL), str):
            found.add(labels[_VERSION_LABEL])
    return found


@functools.lru_cache(maxsize=16)
def _parse_once(data: bytes, sha256: str, source: str) -> tuple[dict[str, Any], ...]:
    return load_documents(data.decode("utf-8"), source)


def parse(data: bytes, source: str, version: str) -> UpstreamManifests:
    """Parse a release file and check that it is Flux ``version``; the same bytes are parsed once."""
    sha256 = _sha256(data)
    try:
        objects = _parse_once(data, sha256, source)
    except (UnicodeDecodeError, SynthError) as exc:
        raise UpstreamError(f"{source}: not a Kubernetes YAML stream ({exc}). Fix: {vendor_fix(version)}") from exc
    if not objects:
        raise UpstreamError(f"{source}: holds no Kubernetes objects. Fix: {vendor_fix(version)}")
    found = flux_versions(objects)
    if found and found != {version}:
        raise UpstreamError(
            f"{source}: holds Flux {', '.join(sorted(found))}, but version={version!r} was asked for. "
            f"Fix: set version to {sorted(found)[0]!r}, or use the {version} manifests"
        )
    return UpstreamManifests(version=version, source=source, sha256=sha256, objects=objects)


def release_file(path: Path) -> Path | None:
    """The release file in ``path`` (itself, or the first of ``FILE_NAMES`` in a folder); None when absent."""
    if path.is_dir():
        return next((path / name for name in FILE_NAMES if (path / name).is_file()), None)
    return path if path.is_file() else None


def _given_file(path: Path, version: str) -> UpstreamManifests:
    found = release_file(path)
    if found is None:
        wanted = f"a folder without {' or '.join(FILE_NAMES)}" if path.is_dir() else "does not exist"
        raise UpstreamError(f"manifests={str(path)!r} {wanted}. Fix: give the path of the Flux manifests file")
    return parse(found.read_bytes(), str(found), version)


def from_embedded(version: str) -> UpstreamManifests:
    """An embedded release, read once per process."""
    release = embedded.load(version)
    source = f"the Flux {version} release embedded in cdk8s-flux {__version__}"
    return UpstreamManifests(version, source, release.sha256, release.objects, embedded=True)


def download(url: str, version: str) -> bytes:
    """The bytes at ``url``, with errors that say how to do without the network."""
    request = urllib.request.Request(url, headers={"User-Agent": f"cdk8s-flux/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise UpstreamError(
                f"Flux release {version} has no {RELEASE_ASSET} at {url} (HTTP 404). "
                "Fix: check the version at https://github.com/fluxcd/flux2/releases, or " + vendor_fix(version)
            ) from exc
        raise UpstreamError(f"cannot download {url}: HTTP {exc.code}. Fix: retry later, or {vendor_fix(version)}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UpstreamError(
            f"cannot get the Flux {version} manifests: not embedded, not vendored, nothing cached, and the "
            f"download of {url} failed ({reason}). Fix: {vendor_fix(version)}"
        ) from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise UpstreamError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes, not a Flux install manifest")
    return data


def load(version: str, manifests: str | os.PathLike[str] | None = None, *, start: Path | None = None) -> UpstreamManifests:
    """The upstream manifests of Flux ``version``, from the first place that has them (see the module).

    ``start`` is where the search for the lock file begins (default: the current folder).
    """
    check_version(version)
    if manifests is not None:
        return _given_file(Path(manifests), version)
    folder = os.environ.get(ENV_MANIFESTS)
    if folder:
        found = release_file(Path(folder) / version)
        if found is not None:
            return parse(found.read_bytes(), str(found), version)
    if embedded.is_embedded(version):
        return from_embedded(version)
    lock_path = lock.find_lock_file(start)
    vendored = release_file(lock_path.parent / VENDOR_DIR / version)
    if vendored is not None:
        data = vendored.read_bytes()
        relative = vendored.relative_to(lock_path.parent).as_posix()
        lock.check(lock_path, version, relative, _sha256(data), str(vendored),
                   fix=f"if the new file is intended, run `cdk8s-flux vendor {version} --from {relative} --force`")
        return parse(data, str(vendored), version)
    cached = cache_dir() / version / RELEASE_ASSET
    if cached.is_file():
        data = cached.read_bytes()
        lock.check(lock_path, version, RELEASE_ASSET, _sha256(data), str(cached),
                   fix="delete the cached file to download it again")
        return parse(data, str(cached), version)
    url = release_url(version)
    data = download(url, version)
    found_manifests = parse(data, url, version)
    lock.check(lock_path, version, RELEASE_ASSET, found_manifests.sha256, url,
               fix="check where the file comes from; if the new content is intended, remove the entry from the lock file")
    atomic.write_file(cached, data)
    return found_manifests
