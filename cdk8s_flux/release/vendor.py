"""``cdk8s-flux vendor``: put another Flux release into the repository, so synth needs no network.

The release is written where the lookup finds it (``flux-releases/<version>/install.yaml``
beside ``cdk8s-flux.lock``), after checking that its objects say they are that
Flux release, and its sha256 is recorded in the lock file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cdk8s_flux import atomic
from cdk8s_flux.errors import UpstreamError
from cdk8s_flux.release import lock, lookup

_CRD = "CustomResourceDefinition"
_COMPONENT_LABEL = "app.kubernetes.io/component"


@dataclass(frozen=True)
class VendorResult:
    """What ``vendor`` did: the file, its pin, and what the release holds."""

    version: str
    path: Path
    lock_path: Path
    sha256: str
    objects: int
    components: tuple[str, ...]
    #: False when the same file was vendored already.
    changed: bool


def _read(version: str, source: str | None) -> tuple[bytes, str]:
    """The release bytes and a name for them: the release asset, a URL, a file or a folder."""
    if source is None or source.startswith(("https://", "http://")):
        url = source or lookup.release_url(version)
        return lookup.download(url, version), url
    found = lookup.release_file(Path(source))
    if found is None:
        raise UpstreamError(
            f"--from {source!r}: no such file, or a folder without {' or '.join(lookup.FILE_NAMES)}. "
            "Fix: give the release's install.yaml, a `flux install --export` output, or a folder holding one"
        )
    return found.read_bytes(), str(found)


def _components(objects: tuple[dict, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for obj in objects:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        component = labels.get(_COMPONENT_LABEL)
        if obj.get("kind") == "Deployment" and component and component not in found:
            found.append(component)
    return tuple(found)


def vendor(version: str, source: str | None = None, *, start: Path | None = None, force: bool = False) -> VendorResult:
    """Vendor Flux ``version`` from ``source`` (default: the release's ``install.yaml`` download).

    A different file already vendored or pinned for the version is refused unless ``force``.
    """
    lookup.check_version(version)
    data, name = _read(version, source)
    manifests = lookup.parse(data, name, version)
    if lookup.flux_versions(manifests.objects) != {version}:
        raise UpstreamError(
            f"{name}: its objects do not say which Flux release they are (no app.kubernetes.io/version label). "
            "Fix: vendor the release's install.yaml or an unmodified `flux install --export` output"
        )
    if not any(o.get("kind") == _CRD for o in manifests.objects):
        raise UpstreamError(f"{name}: holds no CustomResourceDefinition. Fix: vendor a whole Flux install output")
    lock_path = lock.find_lock_file(start)
    folder = lock_path.parent / lookup.VENDOR_DIR / version
    target = folder / lookup.RELEASE_ASSET
    relative = target.relative_to(lock_path.parent).as_posix()
    others = [folder / n for n in lookup.FILE_NAMES if n != lookup.RELEASE_ASSET and (folder / n).exists()]
    if others:
        raise UpstreamError(
            f"{others[0]} exists and would be found before the vendored file. "
            f"Fix: remove it (cdk8s-flux did not write it), or keep using it and do not vendor {version}"
        )
    pinned = lock.read_lock(lock_path).get(version)
    pinned_sha = pinned.get("sha256") if isinstance(pinned, dict) else None
    existing = target.read_bytes() if target.is_file() else None
    if existing == data and pinned_sha == manifests.sha256:
        return VendorResult(version, target, lock_path, manifests.sha256, len(manifests.objects),
                            _components(manifests.objects), changed=False)
    for what, sha in (("vendored file", hashlib.sha256(existing).hexdigest() if existing is not None else None),
                      (f"pin in {lock_path.name}", pinned_sha)):
        if sha is not None and sha != manifests.sha256 and not force:
            raise UpstreamError(
                f"Flux {version} is vendored already with another content (the {what} has sha256 {sha}, "
                f"{name} has {manifests.sha256}). Fix: review where the new file comes from, then pass --force to replace it"
            )
    atomic.write_file(target, data)
    lock.record(lock_path, version, relative, manifests.sha256)
    return VendorResult(version, target, lock_path, manifests.sha256, len(manifests.objects),
                        _components(manifests.objects), changed=True)

