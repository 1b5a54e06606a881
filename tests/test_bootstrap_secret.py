"""The source Secret bootstrap makes for the sync: SSH key and host keys, token, registry credentials.

Host-key scanning runs the real ``ssh-keyscan`` against a real ``sshd`` on
127.0.0.1 (openssh-server, .ci/services), with a host key made for the test: a
scanned key is used only when pinned by fingerprint or confirmed, never silently.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from gitfixtures import GitWorld
from test_bootstrap import make_app

from cdk8s_flux.bootstrap.bundle import Sync, find_sync
from cdk8s_flux.bootstrap.secret import SecretOptions, make_source_secret, ssh_host
from cdk8s_flux.credentials import KeyOptions, fingerprints, scan_known_hosts
from cdk8s_flux.credentials.keys import public_key_fingerprint
from cdk8s_flux.credentials.known_hosts import HostKeyError
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.target import GitTarget, OciTarget, Target, targets_in
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import FluxSync

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)


def sync_of(target: Target, **options: Any) -> Sync:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "sync")
    FluxSync(chart, "sync", target=target, **options)
    objects = chart_objects(chart)
    return find_sync(objects, targets_in(objects))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sshd:
    """``sshd -D`` on 127.0.0.1 with a host key of its own; nobody can log in, it only shows its key."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.host_key = root / "ssh_host_ed25519_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.host_key)], check=True)
        config = root / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\nPidFile {root / 'sshd.pid'}\n"
            "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication no\n"
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
        self.process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("sshd did not start")

    @property
    def public_line(self) -> str:
        return Path(f"{self.host_key}.pub").read_text().strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    if SSHD is None or shutil.which("ssh-keyscan") is None:
        pytest.skip("openssh-server and openssh-client (.ci/services) are not installed")
    if not Path("/run/sshd").is_dir() and not os.access("/run", os.W_OK):
        pytest.skip("sshd needs its privilege separation folder /run/sshd, and /run is not writable here")
    server = Sshd(tmp_path / "sshd")
    yield server
    server.stop()


def test_ssh_keyscan_reads_the_host_key_of_a_real_sshd(sshd: Sshd) -> None:
    key_type, key = sshd.public_line.split()[:2]
    scanned = scan_known_hosts("127.0.0.1", sshd.port)
    assert scanned == f"[127.0.0.1]:{sshd.port} {key_type} {key}"
    assert fingerprints(scanned) == [f"{key_type} {public_key_fingerprint(key)}"]


def test_a_scanned_key_is_used_when_pinned_or_confirmed_and_never_silently(sshd: Sshd) -> None:
    # GIVEN a sync over ssh:// to the sshd, and the host key's published fingerprint
    sync = sync_of(GitTarget(url=f"ssh://git@127.0.0.1:{sshd.port}/team/app"))
    key_type, key = sshd.public_line.split()[:2]
    expected = f"[127.0.0.1]:{sshd.port} {key_type} {key}"
    pinned = SecretOptions(key=KeyOptions(algorithm="ed25519"), host_key_fingerprints=(public_key_fingerprint(key),))
    # WHEN the fingerprint is pinned THEN the scanned key goes into the Secret
    made = make_source_secret(sync, pinned)
    assert made.secret is not None and made.secret["stringData"]["known_hosts"] == expected
    assert made.origin == "generated" and made.public_key and made.public_key.startswith("ssh-ed25519 ")
    # WHEN another fingerprint is pinned THEN it is refused, listing what the host announced
    with pytest.raises(HostKeyError, match="none of the keys"):
        make_source_secret(sync, SecretOptions(host_key_fingerprints=("SHA256:" + "A" * 43,)))
    # WHEN nothing is pinned THEN the user is asked, and only a yes trusts the key
    asked: list[tuple[str, list[str]]] = []

    def say_no(host: str, shown: list[str]) -> bool:
        asked.append((host, shown))
        return False

    with pytest.raises(HostKeyError, match="not confirmed"):
        make_source_secret(sync, SecretOptions(), confirm=say_no)
    assert asked == [(f"[127.0.0.1]:{sshd.port}", [f"{key_type} {public_key_fingerprint(key)}"])]
    confirmed = make_source_secret(sync, SecretOptions(), confirm=lambda host, shown: True)
    assert confirmed.secret is not None and confirmed.secret["stringData"]["known_hosts"] == expected
    with pytest.raises(HostKeyError, match="not confirmed"):
        make_source_secret(sync, SecretOptions())


def test_ssh_hostname_overrides_the_urls_host() -> None:
    assert ssh_host("ssh://git@github.com/team/app") == ("github.com", 22)
    assert ssh_host("ssh://git@github.com/team/app", "ssh.github.com:443") == ("ssh.github.com", 443)


def test_an_existing_secret_is_kept_with_its_key() -> None:
    sync = sync_of(GitTarget(url="ssh://git@github.com/team/app"))
    existing = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "flux-system", "namespace": "flux-system"},
                "data": {"identity.pub": "c3NoLWVkMjU1MTkgQUFBQQo="}}
    made = make_source_secret(sync, SecretOptions(), existing)
    assert made.origin == "kept" and made.secret is existing and made.public_key == "ssh-ed25519 AAAA\n"


def test_https_bearer_token_and_ca(tmp_path: Path) -> None:
    sync = sync_of(GitTarget(url="https://git.example.com/team/app"))
    ca = tmp_path / "ca.crt"
    ca.write_text("ca-data")
    made = make_source_secret(sync, SecretOptions(password="tok", bearer_token=True, ca_file=ca))
    assert made.secret is not None and made.secret["stringData"] == {"bearerToken": "tok", "ca.crt": "ca-data"}
    assert made.public_key is None


def test_no_secret_when_the_sync_names_none() -> None:
    assert make_source_secret(sync_of(GitTarget(url="https://github.com/team/app"), secret_ref=""), SecretOptions()).secret is None
    assert make_source_secret(sync_of(OciTarget(url="oci://ghcr.io/team/app")), SecretOptions()).secret is None


def test_oci_needs_the_registry_credentials() -> None:
    sync = sync_of(OciTarget(url="oci://ghcr.io/team/app", secret_ref="pull"))
    with pytest.raises(ValidationError) as raised:
        make_source_secret(sync, SecretOptions(username="me"))
    assert raised.value.field == "username" and "CDK8S_FLUX_SOURCE_PASSWORD" in raised.value.fix
    made = make_source_secret(sync, SecretOptions(username="me", password="pw"))
    assert made.secret is not None and made.secret["metadata"] == {"name": "pull", "namespace": "flux-system"}
    assert '"ghcr.io"' in made.secret["stringData"][".dockerconfigjson"]


def test_on_a_terminal_the_user_confirms_the_scanned_keys(sshd: Sshd, tmp_path: Path) -> None:
    """The whole command on a pseudo-terminal: the fingerprints are shown, and only a typed yes trusts them."""
    world = GitWorld(tmp_path / "world")
    remote = world.bare_remote()
    repo = make_app(world, remote.as_uri(), "GitTarget", f'GitTarget(url="ssh://git@127.0.0.1:{sshd.port}/team/app", path="dist")')
    key_type, key = sshd.public_line.split()[:2]

    def run(answer: str) -> tuple[int, str, str]:
        primary, secondary = pty.openpty()
        env = {**os.environ, **world.env}
        stdout = tmp_path / f"stdout-{answer}.yaml"  # a file, not a pipe: the bundle is larger than a pipe holds
        with stdout.open("w") as handle:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "cdk8s-flux"), "bootstrap", str(repo), "--export"],
                stdin=secondary, stderr=secondary, stdout=handle, env=env, cwd=tmp_path,
            )
        os.close(secondary)
        shown, answered = b"", False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(primary, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
                if not answered and b"Trust them? [y/N]" in shown:
                    os.write(primary, answer.encode() + b"\n")
                    answered = True
            elif process.poll() is not None:
                break
        process.wait(timeout=60)
        os.close(primary)
        return process.returncode, stdout.read_text(), shown.decode(errors="replace")

    # WHEN the user answers no THEN nothing is trusted, and nothing is published
    code, out, shown = run("n")
    assert code == 1 and f"{key_type} {public_key_fingerprint(key)}" in shown and "not confirmed" in shown
    assert world.tip(remote, "manifests") is None and out == ""
    # WHEN the user answers yes THEN the scanned key is the Secret's known_hosts
    code, out, shown = run("y")
    assert code == 0, shown
    (secret,) = [d for d in yaml.safe_load_all(out) if d and d["kind"] == "Secret"]
    assert secret["stringData"]["known_hosts"] == f"[127.0.0.1]:{sshd.port} {key_type} {key}"
