"""``cdk8s_flux.release.lookup``: given, vendored, cached and downloaded Flux manifests, pinned by a lock file.

The embedded release (v2.9.4) never reaches the network, so the download path is
tested with a release the package does not carry: the v2.9.4 upstream file of
tests/data/flux with its version label set to ``v2.9.3`` (the lookup checks that
label; nothing here is a parity claim). Downloads come from a real HTTP server on
127.0.0.1 serving it at the release asset path (``<base>/download/v2.9.3/install.yaml``).
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from releaseserver import EMBEDDED, OTHER_VERSION, ReleaseServer, other_release, serving

from cdk8s_flux.errors import UpstreamError, ValidationError
from cdk8s_flux.release import lookup as upstream

VERSION = OTHER_VERSION


@pytest.fixture
def release(flux_data: Path) -> bytes:
    return other_release(flux_data)


@pytest.fixture
def server(release: bytes) -> Iterator[ReleaseServer]:
    with serving({VERSION: release}) as httpd:
        yield httpd


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository (a folder with .git) with the app in a subfolder, the current folder."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    app = root / "apps" / "web"
    app.mkdir(parents=True)
    monkeypatch.chdir(app)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(upstream.ENV_MANIFESTS, raising=False)
    return root


def _serve_from(monkeypatch: pytest.MonkeyPatch, httpd: ReleaseServer) -> str:
    monkeypatch.setenv(upstream.ENV_RELEASES_URL, httpd.base)
    return httpd.base


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_release_url_is_the_github_asset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(upstream.ENV_RELEASES_URL, raising=False)
    assert upstream.release_url(VERSION) == "https://github.com/fluxcd/flux2/releases/download/v2.9.3/install.yaml"


def test_first_download_is_cached_and_locked(
    repo: Path, server: ReleaseServer, release: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN no vendored file and an empty cache
    _serve_from(monkeypatch, server)
    # WHEN the manifests are loaded
    found = upstream.load(VERSION)
    # THEN they were downloaded once, from the release asset path
    assert server.requests == [f"/releases/download/{VERSION}/install.yaml"]
    assert found.sha256 == hashlib.sha256(release).hexdigest()
    assert len(found.objects) == 39
    # AND cached in the user cache
    cached = tmp_path / "cache" / "cdk8s-flux" / "flux" / VERSION / "install.yaml"
    assert cached.read_bytes() == release
    # AND pinned in cdk8s-flux.lock at the root of the git repository
    lock = yaml.safe_load((repo / "cdk8s-flux.lock").read_text())
    assert lock == {"flux": {VERSION: {"file": "install.yaml", "sha256": hashlib.sha256(release).hexdigest()}}}
    assert not (repo / "apps" / "web" / "cdk8s-flux.lock").exists()


def test_later_uses_read_the_cache_without_network(repo: Path, server: ReleaseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _serve_from(monkeypatch, server)
    first = upstream.load(VERSION)
    lock_before = (repo / "cdk8s-flux.lock").read_bytes()
    # WHEN the network is gone
    monkeypatch.setenv(upstream.ENV_RELEASES_URL, f"http://127.0.0.1:{_closed_port()}/releases")
    second = upstream.load(VERSION)
    # THEN the cached copy serves, and the lock is unchanged byte for byte
    assert second.objects == first.objects and len(server.requests) == 1
    assert (repo / "cdk8s-flux.lock").read_bytes() == lock_before


def test_a_changed_cache_is_refused(repo: Path, server: ReleaseServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _serve_from(monkeypatch, server)
    upstream.load(VERSION)
    cached = tmp_path / "cache" / "cdk8s-flux" / "flux" / VERSION / "install.yaml"
    cached.write_bytes(cached.read_bytes().replace(b"memory: 1Gi", b"memory: 9Gi"))
    with pytest.raises(UpstreamError, match="pins Flux v2.9.3 to"):
        upstream.load(VERSION)


def test_a_download_that_differs_from_the_lock_is_refused(
    repo: Path, server: ReleaseServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN a lock file committed with another sha256 (the upstream asset was replaced)
    upstream.lock.write_lock(repo / "cdk8s-flux.lock", {VERSION: {"file": "install.yaml", "sha256": "0" * 64}})
    _serve_from(monkeypatch, server)
    # WHEN the file is downloaded
    with pytest.raises(UpstreamError) as raised:
        upstream.load(VERSION)
    # THEN it is refused, and not cached
    assert "0" * 64 in str(raised.value)
    assert not (tmp_path / "cache" / "cdk8s-flux" / "flux" / VERSION / "install.yaml").exists()


def test_offline_error_says_how_to_vendor(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(upstream.ENV_RELEASES_URL, f"http://127.0.0.1:{_closed_port()}/releases")
    with pytest.raises(UpstreamError) as raised:
        upstream.load(VERSION)
    message = str(raised.value)
    assert "download of" in message
    assert f"cdk8s-flux vendor {VERSION}" in message and upstream.ENV_MANIFESTS in message
    assert f"flux install --version={VERSION} --export" in message
    assert not (repo / "cdk8s-flux.lock").exists()


def test_unknown_release_is_a_404_error(repo: Path, server: ReleaseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _serve_from(monkeypatch, server)
    with pytest.raises(UpstreamError, match="HTTP 404"):
        upstream.load("v2.99.0")


def test_a_given_file_comes_first(repo: Path, flux_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(upstream.ENV_RELEASES_URL, f"http://127.0.0.1:{_closed_port()}/releases")
    path = flux_data / EMBEDDED / "default-components" / "gotk-components.yaml"
    found = upstream.load(EMBEDDED, path)
    assert found.source == str(path) and len(found.objects) == 32
    # a folder holding gotk-components.yaml works too
    assert upstream.load(EMBEDDED, path.parent).objects == found.objects
    # vendored files are the user's own: no lock entry is written for them
    assert not (repo / "cdk8s-flux.lock").exists()


def test_environment_folder(repo: Path, flux_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(upstream.ENV_MANIFESTS, str(flux_data))
    found = upstream.load(EMBEDDED)
    assert found.source == str(flux_data / EMBEDDED / "gotk-components.yaml")
    # install.yaml is found when there is no gotk-components.yaml
    folder = repo / "flux" / EMBEDDED
    folder.mkdir(parents=True)
    (folder / "install.yaml").write_bytes((flux_data / EMBEDDED / "gotk-components.yaml").read_bytes())
    monkeypatch.setenv(upstream.ENV_MANIFESTS, str(repo / "flux"))
    assert upstream.load(EMBEDDED).source == str(folder / "install.yaml")


def test_missing_vendored_file_is_an_error(repo: Path) -> None:
    with pytest.raises(UpstreamError, match="does not exist"):
        upstream.load(VERSION, repo / "nope.yaml")


def test_a_file_that_is_not_manifests_is_an_error(repo: Path) -> None:
    (repo / "bad.yaml").write_text("just: text\n")
    with pytest.raises(UpstreamError, match="not a Kubernetes YAML stream"):
        upstream.load(VERSION, repo / "bad.yaml")


def test_lock_file_is_deterministic(tmp_path: Path) -> None:
    lock = tmp_path / "cdk8s-flux.lock"
    releases = {"v2.9.4": {"sha256": "b" * 64, "file": "install.yaml"}, "v2.8.0": {"sha256": "0" * 64, "file": "x"}}
    upstream.lock.write_lock(lock, releases)
    first = lock.read_bytes()
    upstream.lock.write_lock(lock, dict(reversed(list(upstream.lock.read_lock(lock).items()))))
    assert lock.read_bytes() == first
    assert first.index(b"v2.8.0") < first.index(b"v2.9.4")
    # a digest of digits only stays a string
    assert upstream.lock.read_lock(lock) == releases


def test_a_hand_broken_lock_entry_is_an_error(repo: Path, server: ReleaseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "cdk8s-flux.lock").write_text(f"flux:\n  {VERSION}:\n    sha256: 0000\n")
    _serve_from(monkeypatch, server)
    with pytest.raises(UpstreamError, match="no valid sha256"):
        upstream.load(VERSION)


def test_lock_file_outside_git_is_in_the_current_folder(tmp_path: Path) -> None:
    assert upstream.lock.find_lock_file(tmp_path) == tmp_path.resolve() / "cdk8s-flux.lock"


def test_existing_lock_file_below_the_git_root_wins(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub" / "app").mkdir(parents=True)
    (tmp_path / "sub" / "cdk8s-flux.lock").write_text("flux: {}\n")
    assert upstream.lock.find_lock_file(tmp_path / "sub" / "app") == (tmp_path / "sub" / "cdk8s-flux.lock").resolve()


@pytest.mark.parametrize("version", ["latest", "2.9", "main"])
def test_versions_must_be_pinned(version: str) -> None:
    with pytest.raises(ValidationError):
        upstream.check_version(version)


def test_the_embedded_release_needs_no_file_cache_lock_or_network(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no network, no cache and no lock file
    monkeypatch.setenv(upstream.ENV_RELEASES_URL, f"http://127.0.0.1:{_closed_port()}/releases")
    # WHEN the embedded release is asked for
    found = upstream.load(EMBEDDED)
    # THEN it comes from the package, and nothing was written
    assert found.embedded and "embedded" in found.source and len(found.objects) == 43
    assert not (repo / "cdk8s-flux.lock").exists()
    assert not (repo.parent / "cache").exists()


def test_the_embedded_release_wins_over_a_vendored_copy_and_the_cache(
    repo: Path, flux_data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN a cached and a vendored file of the embedded version
    for folder in (tmp_path / "cache" / "cdk8s-flux" / "flux" / EMBEDDED, repo / upstream.VENDOR_DIR / EMBEDDED):
        folder.mkdir(parents=True)
        (folder / "install.yaml").write_text("not: flux\n")
    # THEN the package's own copy is used
    assert upstream.load(EMBEDDED).embedded


def test_a_vendored_release_in_the_repository_is_found_and_locked(
    repo: Path, release: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a release vendored beside the lock file, and no network
    monkeypatch.setenv(upstream.ENV_RELEASES_URL, f"http://127.0.0.1:{_closed_port()}/releases")
    folder = repo / upstream.VENDOR_DIR / VERSION
    folder.mkdir(parents=True)
    (folder / "install.yaml").write_bytes(release)
    # WHEN it is loaded from the app's folder deep in the repository
    found = upstream.load(VERSION)
    # THEN the vendored file serves, pinned in the lock file by its path
    assert found.source == str(folder / "install.yaml") and not found.embedded
    entry = upstream.lock.read_lock(repo / "cdk8s-flux.lock")[VERSION]
    assert entry == {"file": f"{upstream.VENDOR_DIR}/{VERSION}/install.yaml", "sha256": hashlib.sha256(release).hexdigest()}
    # AND a changed vendored file is refused
    (folder / "install.yaml").write_bytes(release.replace(b"memory: 1Gi", b"memory: 9Gi"))
    with pytest.raises(UpstreamError, match="pins Flux v2.9.3"):
        upstream.load(VERSION)


def test_the_same_file_is_parsed_once(repo: Path, flux_data: Path) -> None:
    path = flux_data / EMBEDDED / "gotk-components.yaml"
    first, second = upstream.load(EMBEDDED, path), upstream.load(EMBEDDED, path)
    assert first.objects is second.objects
    assert upstream.load(EMBEDDED).objects is upstream.load(EMBEDDED).objects
