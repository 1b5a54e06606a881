"""The source Secret of the sync, made as ``flux bootstrap`` makes it, or kept when one exists.

For an ``ssh://`` GitTarget: a deploy key (generated with flux's defaults, or the
user's own key file) and the host's ``known_hosts``, from a file or scanned and
confirmed by fingerprint. For ``https://``: a token, as basic auth (user ``git``
by default, as ``flux bootstrap git``) or as a bearer token. For an OciTarget: the
registry credentials, as a ``kubernetes.io/dockerconfigjson`` Secret. A Secret that
already exists (in the cluster, or in the bundle written before) is kept, so the
deploy key the git host knows stays the one Flux uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cdk8s_flux.bootstrap.bundle import Sync
from cdk8s_flux.credentials.keys import KeyOptions, KeyPair, generate_key_pair, load_key_pair
from cdk8s_flux.credentials.known_hosts import (
    DEFAULT_PORT,
    HostKeyError,
    known_hosts_for,
    normalize_host,
    parse_known_hosts,
    scan_known_hosts,
)
from cdk8s_flux.credentials.secret import (
    git_basic_auth_secret,
    git_bearer_token_secret,
    git_ssh_secret,
    oci_secret,
    secret_value,
)
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.progress import Progress, silent
from cdk8s_flux.target import GitTarget

Secret = dict[str, Any]
#: Asked to trust scanned host keys: (host, one "<type> SHA256:..." line per key) -> trusted?
Confirm = Callable[[str, list[str]], bool]

#: ``flux bootstrap git --username`` default, the user of token (basic) auth over HTTPS.
DEFAULT_HTTPS_USERNAME = "git"


@dataclass(frozen=True)
class SecretOptions:
    """How the source Secret is made; the defaults are ``flux bootstrap``'s.

    key: the deploy key to generate (default ECDSA P-384). private_key_file: use this key
    instead. password: the key file's passphrase (SSH), or the password or token (HTTPS,
    OCI). known_hosts_file: trust the host keys it lists for the host; without it the host
    is scanned and its keys must be confirmed. ssh_hostname: the host to look up when it
    differs from the URL's. host_key_fingerprints: ``SHA256:...`` fingerprints of the host
    keys to trust from a scan, as the host publishes them. username: HTTPS (default
    ``git``) or registry user. bearer_token: send the token as a bearer token, not basic
    auth. ca_file: a CA for an HTTPS git host with its own certificate authority.
    """

    key: KeyOptions = field(default_factory=KeyOptions)
    private_key_file: Path | None = None
    password: str | None = field(default=None, repr=False)
    known_hosts_file: Path | None = None
    ssh_hostname: str | None = None
    host_key_fingerprints: tuple[str, ...] = ()
    username: str | None = None
    bearer_token: bool = False
    ca_file: Path | None = None


@dataclass(frozen=True)
class SourceSecret:
    """The Secret the sync reads (None: it names none) and how it came to be."""

    secret: Secret | None = field(default=None, repr=False)
    #: "generated", "from file", "kept" (it existed), or "none".
    origin: str = "none"
    #: The deploy key to give the git host (SSH only).
    public_key: str | None = None

    @property
    def fingerprint(self) -> str | None:
        from cdk8s_flux.credentials.keys import public_key_fingerprint

        return public_key_fingerprint(self.public_key) if self.public_key else None


def ssh_host(url: str, override: str | None = None) -> tuple[str, int]:
    """The host and port to trust for an ``ssh://`` URL (or ``override``, ``host[:port]``)."""
    if override:
        parts = urlsplit(f"ssh://{override}")
    else:
        parts = urlsplit(url)
    if not parts.hostname:
        raise ValidationError("ssh_hostname", override or url, "names no host", "give host or host:port")
    return parts.hostname, parts.port or DEFAULT_PORT


def _trusted_scan(host: str, port: int, options: SecretOptions, confirm: Confirm | None, progress: Progress) -> str:
    """The host's scanned keys that the user trusts: pinned by fingerprint, or confirmed; never silently."""
    name = normalize_host(host, port)
    scanned = parse_known_hosts(scan_known_hosts(host, port), "ssh-keyscan")
    shown = [f"{key.key_type} {key.fingerprint}" for key in scanned]
    if options.host_key_fingerprints:
        wanted = set(options.host_key_fingerprints)
        kept = [key for key in scanned if key.fingerprint in wanted]
        if not kept:
            raise HostKeyError(
                f"none of the keys {name} announced has a fingerprint given ({'; '.join(shown)}). Fix: compare them "
                "with the fingerprints the git host publishes; if they differ, someone may stand between you and the host"
            )
        progress(f"trusting {len(kept)} of the keys {name} announced, by their fingerprint")
        return "\n".join(key.line for key in kept)
    if confirm is not None and confirm(name, shown):
        return "\n".join(key.line for key in scanned)
    raise HostKeyError(
        f"the keys of {name} were scanned but not confirmed ({'; '.join(shown)}). Fix: compare them with the "
        "fingerprints the git host publishes and pass the matching ones with --host-key-fingerprint, or give a "
        "known_hosts file with --known-hosts"
    )


def _key_pair(options: SecretOptions) -> tuple[KeyPair, str]:
    if options.private_key_file is not None:
        return load_key_pair(Path(options.private_key_file).read_bytes(), options.password), "from file"
    return generate_key_pair(options.key), "generated"


def make_source_secret(
    sync: Sync,
    options: SecretOptions,
    existing: Secret | None = None,
    confirm: Confirm | None = None,
    progress: Progress = silent,
) -> SourceSecret:
    """The Secret ``sync``'s source names, as ``flux bootstrap`` makes it; ``existing`` is kept as it is."""
    name = sync.secret_name
    if name is None:
        return SourceSecret()
    namespace = sync.namespace
    if existing is not None:
        return SourceSecret(existing, "kept", secret_value(existing, "identity.pub"))
    target = sync.target
    if isinstance(target, GitTarget):
        scheme = urlsplit(target.url).scheme
        if scheme == "ssh":
            pair, origin = _key_pair(options)
            host, port = ssh_host(target.url, options.ssh_hostname)
            if options.known_hosts_file is not None:
                path = Path(options.known_hosts_file)
                known_hosts = known_hosts_for(path.read_text(), host, port, source=str(path))
            else:
                known_hosts = _trusted_scan(host, port, options, confirm, progress)
            password = options.password if options.private_key_file is not None else None
            secret = git_ssh_secret(name, namespace, key_pair=pair, known_hosts=known_hosts, password=password)
            return SourceSecret(secret, origin, pair.public_key)
        if not options.password:
            raise ValidationError(
                "password", None, f"the app's FluxSync reads {target.url} with the Secret {namespace}/{name}, and no token was given",
                "set GIT_PASSWORD to a token that may read the repository (or drop secret_ref for a public one)",
            )
        ca = Path(options.ca_file).read_text() if options.ca_file else None
        if options.bearer_token:
            return SourceSecret(git_bearer_token_secret(name, namespace, bearer_token=options.password, ca_crt=ca), "generated")
        username = options.username or DEFAULT_HTTPS_USERNAME
        return SourceSecret(git_basic_auth_secret(name, namespace, username=username, password=options.password, ca_crt=ca), "generated")
    from cdk8s_flux.oci.reference import parse_reference

    registry = parse_reference(target.url, "url").registry
    if not options.username or not options.password:
        raise ValidationError(
            "username", options.username, f"the app's OciTarget pulls from {registry} with the Secret {namespace}/{name}, and no credentials were given",
            "give --username and set CDK8S_FLUX_SOURCE_PASSWORD to a token that may pull (read-only is enough)",
        )
    return SourceSecret(oci_secret(name, namespace, registry=registry, username=options.username, password=options.password), "generated")


def deploy_key_message(source: SourceSecret, url: str, image_automation: bool = False) -> str:
    """What to do with the public key: where to add it, and with which access."""
    if not source.public_key:
        return ""
    access = (
        "with write access: the app's image automation pushes to the repository"
        if image_automation else "read-only: Flux only reads the repository (give write access only if image automation pushes to it)"
    )
    parts = urlsplit(url)
    repo = parts.path.strip("/").removesuffix(".git")
    where = {
        "github.com": f"GitHub: https://github.com/{repo}/settings/keys, Add deploy key",
        "gitlab.com": f"GitLab: https://gitlab.com/{repo}/-/settings/repository, Deploy keys",
    }.get(parts.hostname or "", f"{parts.hostname}: the repository's deploy keys, or the authorized_keys of its git user")
    return (
        f"deploy key ({source.fingerprint}):\n{source.public_key.rstrip()}\n"
        f"Add it to {repo} as a deploy key, {access}.\n  {where}\n"
    )
