"""Source credentials as Flux reads them: the Secrets of ``flux create secret``, SSH keys, known_hosts.

``secret`` builds the Secret objects (git over SSH or HTTPS, Helm, OCI registry,
TLS, proxy, GitHub App) and ``export`` writes them byte for byte as
``flux create secret ... --export`` prints them; ``keys`` makes and reads SSH
key pairs with flux's key types and defaults; ``known_hosts`` reads, scans and
fingerprints host keys. None of it needs cdk8s or a cluster, so a user can build
a Secret here and encrypt it in their own flow.
"""

from cdk8s_flux.credentials.export import export_secret
from cdk8s_flux.credentials.keys import KeyOptions, KeyPair, generate_key_pair, load_key_pair
from cdk8s_flux.credentials.known_hosts import fingerprints, known_hosts_for, scan_known_hosts
from cdk8s_flux.credentials.secret import (
    git_basic_auth_secret,
    git_bearer_token_secret,
    git_ssh_secret,
    github_app_secret,
    helm_secret,
    oci_secret,
    proxy_secret,
    tls_secret,
)

__all__ = [
    "KeyOptions",
    "KeyPair",
    "export_secret",
    "fingerprints",
    "generate_key_pair",
    "git_basic_auth_secret",
    "git_bearer_token_secret",
    "git_ssh_secret",
    "github_app_secret",
    "helm_secret",
    "known_hosts_for",
    "load_key_pair",
    "oci_secret",
    "proxy_secret",
    "scan_known_hosts",
    "tls_secret",
]
