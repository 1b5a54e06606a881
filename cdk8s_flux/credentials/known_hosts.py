"""The SSH host keys a git source trusts (``known_hosts``): read from a file or scanned, never trusted blindly.

Flux refuses to clone over SSH from a host whose key is not in the Secret's
``known_hosts``. ``known_hosts_for`` takes the host's lines from a file the user
trusts (``~/.ssh/known_hosts``, the host's published keys); ``scan_known_hosts``
asks the host itself with ``ssh-keyscan``, which anyone between here and the
host could answer, so its keys are shown by ``fingerprints`` for the user to
compare with the ones the host publishes before they go into a Secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import shutil
import subprocess
from dataclasses import dataclass

from cdk8s_flux.credentials.keys import public_key_fingerprint
from cdk8s_flux.errors import CdkFluxError, ValidationError

DEFAULT_PORT = 22
#: Seconds ssh-keyscan waits for the host, as flux waits for its own scan.
SCAN_TIMEOUT = 30


class HostKeyError(CdkFluxError):
    """The host's keys could not be had: no ssh-keyscan, no answer, or none in the file."""

    exit_code = 1


def normalize_host(host: str, port: int = DEFAULT_PORT) -> str:
    """The host as known_hosts names it: ``host`` on port 22, else ``[host]:port``."""
    host = host.strip("[]")
    return host if port == DEFAULT_PORT else f"[{host}]:{port}"


@dataclass(frozen=True)
class HostKey:
    """One line of a known_hosts file: who it is for, the key type and the key."""

    hosts: str
    key_type: str
    key: str

    @property
    def line(self) -> str:
        return f"{self.hosts} {self.key_type} {self.key}"

    @property
    def fingerprint(self) -> str:
        return public_key_fingerprint(self.key)


def parse_known_hosts(text: str, source: str = "known_hosts") -> list[HostKey]:
    """Every key line of ``text``; comments and blank lines skipped, a malformed line refused."""
    keys = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if parts[0].startswith("@"):
            parts = parts[1:] if parts[0] == "@cert-authority" else []
            if not parts:
                continue  # @revoked and unknown markers trust nothing
        if len(parts) < 3 or not _is_base64(parts[2]):
            raise ValidationError(
                "known_hosts", f"{source} line {number}", "not a known_hosts line (hosts, key type, base64 key)",
                "give lines as ssh-keyscan writes them, such as 'github.com ssh-ed25519 AAAA...'",
            )
        keys.append(HostKey(parts[0], parts[1], parts[2]))
    return keys


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _glob(pattern: str) -> re.Pattern[str]:
    """A known_hosts pattern: ``*`` and ``?`` are wildcards, everything else (brackets of ``[host]:port`` too) is literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _matches(pattern_list: str, name: str) -> bool:
    """Whether a known_hosts host field names ``name``: a hashed entry, a name, or a wildcard pattern."""
    if pattern_list.startswith("|1|"):
        try:
            _, _, salt, digest = pattern_list.split("|")
            mac = hmac.new(base64.b64decode(salt), name.encode(), hashlib.sha1).digest()
        except (ValueError, binascii.Error):
            return False
        return hmac.compare_digest(mac, base64.b64decode(digest))
    matched = False
    for pattern in pattern_list.split(","):
        negated = pattern.startswith("!")
        if _glob(pattern.removeprefix("!")).fullmatch(name):
            if negated:
                return False
            matched = True
    return matched


def known_hosts_for(text: str, host: str, port: int = DEFAULT_PORT, source: str = "known_hosts") -> str:
    """The lines of a known_hosts file for ``host`` (and ``port``), joined as Flux reads them.

    Refused when the file holds no key for the host: Flux would refuse to connect.
    """
    name = normalize_host(host, port)
    lines = [key.line for key in parse_known_hosts(text, source) if _matches(key.hosts, name)]
    if not lines:
        raise HostKeyError(
            f"{source} holds no key for {name}. Fix: add the host's published keys to it, or scan them "
            f"with ssh-keyscan{'' if port == DEFAULT_PORT else f' -p {port}'} {host.strip('[]')} and compare their fingerprints"
        )
    return "\n".join(lines)


def scan_command(host: str, port: int = DEFAULT_PORT, timeout: int = SCAN_TIMEOUT) -> list[str]:
    """The ``ssh-keyscan`` command line that asks ``host`` for its keys."""
    return ["ssh-keyscan", "-T", str(timeout), "-p", str(port), "--", host.strip("[]")]


def scan_known_hosts(host: str, port: int = DEFAULT_PORT, timeout: int = SCAN_TIMEOUT) -> str:
    """The host's keys as it announces them (``ssh-keyscan``), one known_hosts line each, sorted.

    Unverified: show ``fingerprints`` of the result to the user before trusting it.
    """
    command = scan_command(host, port, timeout)
    if shutil.which(command[0]) is None:
        raise HostKeyError("ssh-keyscan is not installed. Fix: install openssh-client, or give the host's keys in a known_hosts file")
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 10, check=False)
    except subprocess.TimeoutExpired:
        raise HostKeyError(f"ssh-keyscan got no answer from {host} within {timeout}s. Fix: check the host and port, or give a known_hosts file") from None
    keys = sorted({key.line for key in parse_known_hosts(result.stdout, "ssh-keyscan")})
    if not keys:
        detail = result.stderr.strip().splitlines()[-1:] or ["no answer"]
        raise HostKeyError(f"ssh-keyscan found no key on {normalize_host(host, port)} ({detail[0]}). Fix: check the host and port, or give a known_hosts file")
    return "\n".join(keys)


def fingerprints(known_hosts: str) -> list[str]:
    """One line per key, ``<type> SHA256:...``, to compare with the fingerprints the host publishes."""
    return [f"{key.key_type} {key.fingerprint}" for key in parse_known_hosts(known_hosts)]
