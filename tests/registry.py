"""A real OCI registry for the tests: Debian's ``docker-registry`` (distribution) on 127.0.0.1.

``registry`` serves anonymous plain HTTP; ``auth_registry`` the same with
htpasswd (bcrypt) basic authentication. Each test gets a fresh, empty storage
folder and a free port; the process is stopped at teardown. Without the
``docker-registry`` binary (``.ci/services`` installs it) the tests skip and
say how to get it.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

USER = "fluxci"
PASSWORD = "s3cret-Pa55word-for-tests"
_INSTALL = "install it with 'apt-get install docker-registry apache2-utils' (.ci/services does)"


def _binary(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if found is None:
        pytest.skip(f"{name} not found: {_INSTALL}")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Registry:
    """``docker-registry serve`` on 127.0.0.1 with its storage and log in ``root``."""

    def __init__(self, root: Path, htpasswd: Path | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.storage = root / "storage"
        self.log = root / "registry.log"
        self.config = root / "config.yml"
        auth = f"auth:\n  htpasswd:\n    realm: test-realm\n    path: {htpasswd}\n" if htpasswd else ""
        self.scheme = "https" if tls else "http"
        secure = f"  tls:\n    certificate: {tls[0]}\n    key: {tls[1]}\n" if tls else ""
        self.config.write_text(
            "version: 0.1\n"
            "log:\n  level: info\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.storage}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n"
            + secure
            + auth
        )
        self._log_handle = self.log.open("wb")
        self.process = subprocess.Popen(
            [_binary("docker-registry"), "serve", str(self.config)], stdout=self._log_handle, stderr=subprocess.STDOUT
        )
        self._wait()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ref(self, repository: str = "team/app", tag: str | None = "v1") -> str:
        return f"oci://{self.host}/{repository}" + (f":{tag}" if tag else "")

    def _wait(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.scheme}://{self.host}/v2/", timeout=1, context=ssl._create_unverified_context())
                return
            except urllib.error.HTTPError:
                return  # 401 from the auth registry: it is up
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("docker-registry did not answer /v2/ within 15 s")

    def requests(self) -> list[str]:
        """The requests the registry logged so far, as ``METHOD /v2/...`` (its access log)."""
        lines = []
        for line in self.log.read_text(errors="replace").splitlines():
            if '"' in line and " HTTP/1.1" in line and "/v2/" in line:
                request = line.split('"')[1]  # combined log format: "GET /v2/ HTTP/1.1"
                lines.append(request.rsplit(" ", 1)[0])
        return lines

    def writes(self) -> list[str]:
        """The requests that change the registry: POST, PUT, PATCH, DELETE."""
        return [r for r in self.requests() if r.split(" ", 1)[0] in ("POST", "PUT", "PATCH", "DELETE")]

    def tags(self, repository: str = "team/app") -> list[str]:
        """The tags of ``repository`` as stored on disk (no HTTP, so no credentials needed)."""
        folder = self.storage / "docker/registry/v2/repositories" / repository / "_manifests/tags"
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []

    def tag_digest(self, tag: str, repository: str = "team/app") -> str | None:
        link = self.storage / "docker/registry/v2/repositories" / repository / "_manifests/tags" / tag / "current/link"
        return link.read_text().strip() if link.is_file() else None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_handle.close()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    """An anonymous plain-HTTP registry on 127.0.0.1, empty, stopped after the test."""
    server = Registry(tmp_path / "registry")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def auth_registry(tmp_path: Path) -> Iterator[Registry]:
    """A registry that requires ``USER``/``PASSWORD`` (htpasswd, bcrypt) for every request."""
    root = tmp_path / "auth-registry"
    root.mkdir()
    htpasswd = root / "htpasswd"
    line = subprocess.run(
        [_binary("htpasswd"), "-Bbn", USER, PASSWORD], capture_output=True, text=True, check=True
    ).stdout.strip()
    htpasswd.write_text(line + "\n")
    server = Registry(root, htpasswd=htpasswd)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tls_registry(tmp_path: Path) -> Iterator[Registry]:
    """A registry that speaks HTTPS only, with a self-signed certificate made by openssl."""
    root = tmp_path / "tls-registry"
    root.mkdir()
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [_binary("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, check=True,
    )
    server = Registry(root, tls=(cert, key))
    try:
        yield server
    finally:
        server.stop()
