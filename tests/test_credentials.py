"""``cdk8s_flux.credentials``: the Secrets of ``flux create secret ... --export`` (Flux v2.9.4), byte for byte.

Golden data: tests/data/flux-create-secret/ (flux2 v2.9.4, cmd/flux/testdata/create_secret/,
with the command line of each case in its README). Generated keys are read back with the
real ``ssh-keygen -l`` (openssh-client).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk8s_flux.credentials import (
    KeyOptions,
    export_secret,
    fingerprints,
    generate_key_pair,
    git_basic_auth_secret,
    git_bearer_token_secret,
    git_ssh_secret,
    github_app_secret,
    helm_secret,
    known_hosts_for,
    load_key_pair,
    oci_secret,
    proxy_secret,
    tls_secret,
)
from cdk8s_flux.credentials.known_hosts import HostKeyError, normalize_host, scan_command
from cdk8s_flux.errors import ValidationError

DATA = Path(__file__).resolve().parent / "data" / "flux-create-secret"
NS = "my-namespace"


def golden(name: str) -> str:
    return (DATA / name).read_text()


def printed(secret: dict[str, object], newline: bool = True) -> str:
    """What ``flux create secret ... --export`` prints: the generated text, then Println's newline (tls: Print, none)."""
    return export_secret(secret) + ("\n" if newline else "")


def golden_known_hosts(name: str) -> str:
    """The known_hosts line flux scanned from github.com when it wrote the golden file."""
    return str(yaml.safe_load(golden(name))["stringData"]["known_hosts"])


def test_git_basic_auth() -> None:
    secret = git_basic_auth_secret("podinfo-auth", NS, username="my-username", password="my-password")
    assert printed(secret) == golden("git/secret-git-basic.yaml")


def test_git_basic_auth_with_ca() -> None:
    secret = git_basic_auth_secret("ca-crt", NS, username="my-username", password="my-password", ca_crt="ca-data")
    assert printed(secret) == golden("git/secret-ca-crt.yaml")


def test_git_bearer_token() -> None:
    secret = git_bearer_token_secret("bearer-token-auth", NS, bearer_token="ghp_baR2qnFF0O41WlucePL3udt2N9vVZS4R0hAS")
    assert printed(secret) == golden("git/git-bearer-token.yaml")


@pytest.mark.parametrize(
    ("key_file", "password", "expected"),
    [("git/ecdsa.private", None, "git/git-ssh-secret.yaml"), ("git/ecdsa-password.private", "password", "git/git-ssh-secret-password.yaml")],
)
def test_git_ssh_with_a_private_key_file(key_file: str, password: str | None, expected: str) -> None:
    # GIVEN the key file flux was given (and its password), and the host key flux scanned
    pair = load_key_pair((DATA / key_file).read_bytes(), password)
    known_hosts = golden_known_hosts(expected)
    # WHEN the Secret is built and exported
    secret = git_ssh_secret("podinfo-auth", NS, key_pair=pair, known_hosts=known_hosts, password=password)
    # THEN it is flux's, byte for byte: the key as given, the public key derived
    assert printed(secret) == golden(expected)


def test_an_encrypted_key_without_its_password_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        load_key_pair((DATA / "git/ecdsa-password.private").read_bytes())
    assert raised.value.field == "private_key_file" and "password" in raised.value.problem
    with pytest.raises(ValidationError):
        load_key_pair((DATA / "git/ecdsa-password.private").read_bytes(), "wrong")


def test_helm_basic_auth() -> None:
    secret = helm_secret("helm-secret", NS, username="my-username", password="my-password")
    assert printed(secret) == golden("helm/secret-helm.yaml")


def test_oci_registry() -> None:
    secret = oci_secret("ghcr", NS, registry="ghcr.io", username="stefanprodan", password="password")
    assert printed(secret) == golden("oci/create-secret.yaml")


def test_proxy() -> None:
    secret = proxy_secret("proxy-secret", NS, address="https://my-proxy.com", username="my-username", password="my-password")
    assert printed(secret) == golden("proxy/secret-proxy.yaml")


def test_tls() -> None:
    files = {name: (DATA / "tls" / f"test-{name}.pem").read_text() for name in ("cert", "key", "ca")}
    secret = tls_secret("certs", NS, tls_crt=files["cert"], tls_key=files["key"], ca_crt=files["ca"])
    assert printed(secret, newline=False) == golden("tls/secret-tls.yaml")


def test_tls_refuses_a_key_of_another_certificate() -> None:
    other = generate_key_pair(KeyOptions(algorithm="rsa")).private_key
    with pytest.raises(ValidationError) as raised:
        tls_secret("certs", NS, tls_crt=(DATA / "tls/test-cert.pem").read_text(), tls_key=other)
    assert raised.value.field == "tls_key"
    with pytest.raises(ValidationError) as raised:
        tls_secret("certs", NS, tls_crt=(DATA / "tls/test-cert.pem").read_text())
    assert raised.value.field == "tls_key"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"installation_owner": "my-org"}, "githubapp/secret.yaml"),
        ({"installation_id": "2", "base_url": "www.example.com/api/v3"}, "githubapp/secret-with-baseurl.yaml"),
    ],
)
def test_github_app(options: dict[str, Any], expected: str) -> None:
    key = (DATA / "githubapp/test-private-key.pem").read_text()
    secret = github_app_secret("appinfo", NS, app_id="1", private_key=key, **options)
    assert printed(secret) == golden(expected)


def test_github_app_needs_exactly_one_installation() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        github_app_secret("appinfo", NS, app_id="1", private_key="k", installation_owner="o", installation_id="2")
    with pytest.raises(ValidationError, match="exactly one"):
        github_app_secret("appinfo", NS, app_id="1", private_key="k")


def test_the_docker_config_escapes_as_go_does() -> None:
    # Go's encoding/json escapes <, > and & in strings; a password holding them must read back the same
    secret = oci_secret("r", NS, registry="ghcr.io", username="me", password="a<b>&c")
    text = secret["stringData"][".dockerconfigjson"]
    assert "\\u003c" in text and "\\u0026" in text and "<" not in text
    import json

    assert json.loads(text)["auths"]["ghcr.io"]["password"] == "a<b>&c"


# --- generated keys --------------------------------------------------------------------


def _keygen_list(path: Path) -> str:
    result = subprocess.run(["ssh-keygen", "-l", "-f", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="openssh-client (.ci/services) is not installed")
@pytest.mark.parametrize(
    ("options", "bits", "kind"),
    [
        (KeyOptions(), "384", "ECDSA"),
        (KeyOptions(ecdsa_curve="p256"), "256", "ECDSA"),
        (KeyOptions(ecdsa_curve="p521"), "521", "ECDSA"),
        (KeyOptions(algorithm="rsa"), "2048", "RSA"),
        (KeyOptions(algorithm="rsa", rsa_bits=3072), "3072", "RSA"),
        (KeyOptions(algorithm="ed25519"), "256", "ED25519"),
    ],
)
def test_generated_keys_read_back_with_ssh_keygen(tmp_path: Path, options: KeyOptions, bits: str, kind: str) -> None:
    # GIVEN a key pair made as flux bootstrap makes it (default: ECDSA P-384)
    pair = generate_key_pair(options)
    # THEN the private key is PKCS#8 PEM and the public key one authorized_keys line, as flux writes them
    assert pair.private_key.startswith("-----BEGIN PRIVATE KEY-----\n") and pair.public_key.endswith("\n")
    assert pair.public_key.count("\n") == 1 and len(pair.public_key.split()) == 2
    # AND ssh-keygen reads both, with the size and type asked for and one fingerprint
    private, public = tmp_path / "identity", tmp_path / "identity.pub"
    private.write_text(pair.private_key)
    private.chmod(0o600)
    public.write_text(pair.public_key)
    listed_public = _keygen_list(public)
    assert listed_public.split()[0] == bits and listed_public.split()[1] == pair.fingerprint
    assert listed_public.rstrip().endswith(f"({kind})")
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(private)], capture_output=True, text=True, check=False)
    if kind == "ED25519":
        # OpenSSH reads no PKCS#8 Ed25519 key (flux writes it so, and Flux's Go SSH client reads it):
        # the private key is checked by deriving its public key with cryptography instead.
        assert load_key_pair(pair.private_key).public_key == pair.public_key
    else:
        assert derived.returncode == 0, derived.stderr
        assert derived.stdout.split()[:2] == pair.public_key.split()[:2]
    # AND the Secret carries exactly the fields flux writes for SSH
    secret = git_ssh_secret(key_pair=pair, known_hosts="example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
    assert sorted(secret["stringData"]) == ["identity", "identity.pub", "known_hosts"]
    assert secret["metadata"] == {"name": "flux-system", "namespace": "flux-system"}


def test_key_pair_repr_hides_the_private_key() -> None:
    pair = generate_key_pair(KeyOptions(algorithm="ed25519"))
    assert "PRIVATE" not in repr(pair) and pair.public_key.strip() in repr(pair)


@pytest.mark.parametrize(
    ("options", "field"),
    [({"algorithm": "dsa"}, "ssh_key_algorithm"), ({"ecdsa_curve": "p224"}, "ssh_ecdsa_curve"), ({"rsa_bits": 1020}, "ssh_rsa_bits"), ({"rsa_bits": 2050}, "ssh_rsa_bits")],
)
def test_key_options_refuse_what_flux_refuses(options: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        KeyOptions(**options)  # type: ignore[arg-type]
    assert raised.value.field == field


# --- known_hosts ------------------------------------------------------------------------

ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
# github.com's published Ed25519 host key has this fingerprint (GitHub's documentation lists it)
ED25519_FINGERPRINT = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"


def test_known_hosts_from_a_file() -> None:
    text = (
        "# my hosts\n"
        f"gitlab.com ssh-ed25519 {ED25519}\n"
        f"github.com,140.82.121.4 ssh-ed25519 {ED25519}\n"
        f"[git.example.com]:2222 ssh-ed25519 {ED25519}\n"
        f"@revoked github.com ssh-rsa {ED25519}\n"
    )
    assert known_hosts_for(text, "github.com") == f"github.com,140.82.121.4 ssh-ed25519 {ED25519}"
    assert known_hosts_for(text, "git.example.com", 2222) == f"[git.example.com]:2222 ssh-ed25519 {ED25519}"
    with pytest.raises(HostKeyError, match="no key for git.example.com"):
        known_hosts_for(text, "git.example.com")
    assert fingerprints(f"github.com ssh-ed25519 {ED25519}") == [f"ssh-ed25519 {ED25519_FINGERPRINT}"]


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="openssh-client (.ci/services) is not installed")
def test_hashed_known_hosts_entries_match(tmp_path: Path) -> None:
    # GIVEN a known_hosts file hashed by ssh-keygen -H, as many distributions write it
    path = tmp_path / "known_hosts"
    path.write_text(f"github.com ssh-ed25519 {ED25519}\n[git.example.com]:2222 ssh-ed25519 {ED25519}\n")
    subprocess.run(["ssh-keygen", "-H", "-f", str(path)], capture_output=True, check=True)
    hashed = path.read_text()
    assert "github.com" not in hashed
    # THEN the host's line is found by its hash
    assert known_hosts_for(hashed, "github.com").startswith("|1|")
    assert known_hosts_for(hashed, "git.example.com", 2222).startswith("|1|")


def test_a_malformed_known_hosts_line_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        known_hosts_for("github.com ssh-ed25519\n", "github.com", source="hosts.txt")
    assert raised.value.value == "hosts.txt line 1"


def test_hosts_are_named_as_ssh_names_them() -> None:
    assert normalize_host("github.com") == "github.com"
    assert normalize_host("git.example.com", 2222) == "[git.example.com]:2222"
    assert scan_command("git.example.com", 2222) == ["ssh-keyscan", "-T", "30", "-p", "2222", "--", "git.example.com"]
