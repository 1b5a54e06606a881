"""Talk to an OCI registry through oras-py: blobs, manifests, tags, credentials, errors.

oras-py (``oras.provider.Registry``) is used at its low level: its session,
URL building, upload session handling and token (Bearer) authentication. Two
things are done here instead, on purpose:

- the manifest is PUT as the exact bytes built by ``artifact`` (oras-py's
  ``upload_manifest`` re-serialises it, which would change the digest);
- requests go through one ``_send`` without oras-py's retry decorator (it
  sleeps for minutes on a refused connection), with a timeout, and every
  failure becomes a ``RegistryError`` that names the registry and the fix.

Credentials come from ``--creds user:password`` (as ``flux push artifact``
names it), else ``CDK8S_FLUX_REGISTRY_USER``/``CDK8S_FLUX_REGISTRY_PASSWORD``,
else the docker config file (``$DOCKER_CONFIG/config.json`` or
``~/.docker/config.json``: an ``auths`` entry, a ``credHelpers`` entry or the
``credsStore``). A registry that challenges with ``Basic`` (distribution with
htpasswd) gets them as HTTP basic auth; one that challenges with ``Bearer``
(GHCR, Docker Hub, Harbor) gets a token for them from its realm. No message
ever holds a password or token.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdk8s_flux.errors import RegistryError, ValidationError
from cdk8s_flux.oci.artifact import DOCKER_MANIFEST_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, Blob, sha256_digest
from cdk8s_flux.oci.reference import Reference

ENV_USER = "CDK8S_FLUX_REGISTRY_USER"
ENV_PASSWORD = "CDK8S_FLUX_REGISTRY_PASSWORD"
#: Seconds to wait for the registry to connect or answer.
TIMEOUT = 60.0
# Image indexes are accepted too, so an index at a tag is reported as what it is, not as a missing artifact.
_INDEX_TYPES = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json"
_ACCEPT = f"{MANIFEST_MEDIA_TYPE}, {DOCKER_MANIFEST_MEDIA_TYPE}, {_INDEX_TYPES}"
_CREDS_FIX = (
    f"give credentials USER:PASSWORD (creds), set {ENV_USER} and {ENV_PASSWORD}, or log in with 'docker login' "
    "(read from $DOCKER_CONFIG/config.json or ~/.docker/config.json)"
)


@dataclass(frozen=True)
class Credentials:
    """A user name and password (or token) for a registry, and where they were found."""

    username: str
    password: str = field(repr=False)
    origin: str = "creds"

    def __str__(self) -> str:
        where = "the credentials given" if self.origin == "creds" else self.origin
        return f"user {self.username!r} from {where}"


def parse_creds(value: str, origin: str = "creds") -> Credentials:
    """``user:password``, as ``flux push artifact --creds`` takes it; the password may hold ':'."""
    username, sep, password = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not sep or not username or not password:
        # Never echo the value: it may be a password given without its user.
        raise ValidationError(origin, "(hidden)", "not in the form USER:PASSWORD", "write USER:PASSWORD")
    return Credentials(username, password, origin)


def docker_config_path(environ: Mapping[str, str]) -> Path:
    """The docker client's config file: ``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``."""
    folder = environ.get("DOCKER_CONFIG")
    if folder:
        return Path(folder) / "config.json"
    home = environ.get("HOME")
    return (Path(home) if home else Path.home()) / ".docker" / "config.json"


def _auths_key(key: str) -> str:
    """An ``auths`` key as a bare host[:port]: docker writes ``https://index.docker.io/v1/`` and plain hosts."""
    key = key.split("://", 1)[-1]
    return key.split("/", 1)[0]


def _credential_helper(helper: str, registry: str, path: Path, environ: Mapping[str, str]) -> Credentials | None:
    """Ask ``docker-credential-<helper> get``, as the docker client does; None when it has nothing."""
    try:
        result = subprocess.run(
            [f"docker-credential-{helper}", "get"], input=registry.encode(), capture_output=True, check=False, timeout=60,
            env=dict(environ),
        )
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise RegistryError(
            f"{path} names the credential helper {helper!r} for {registry}, but docker-credential-{helper} "
            f"could not run ({type(exc).__name__}). Fix: install it, or {_CREDS_FIX}"
        ) from None
    if result.returncode != 0:
        return None
    try:
        answer = json.loads(result.stdout)
        return Credentials(answer["Username"], answer["Secret"], f"docker-credential-{helper}")
    except (ValueError, KeyError, TypeError):
        raise RegistryError(f"docker-credential-{helper} gave an answer that is not its JSON. Fix: check the helper") from None


def docker_config_credentials(registry: str, environ: Mapping[str, str]) -> Credentials | None:
    """The credentials the docker config file holds for ``registry`` (host[:port]), if any."""
    path = docker_config_path(environ)
    if not path.is_file():
        return None
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RegistryError(f"cannot read the docker config {path}: {type(exc).__name__}. Fix: repair or remove it") from None
    if not isinstance(config, dict):
        return None
    helper = (config.get("credHelpers") or {}).get(registry)
    if helper:
        return _credential_helper(helper, registry, path, environ)
    origin = f"the docker config {path}"
    for key, entry in (config.get("auths") or {}).items():
        if _auths_key(key) != registry or not isinstance(entry, dict):
            continue
        if entry.get("auth"):
            try:
                decoded = base64.b64decode(entry["auth"], validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                raise RegistryError(
                    f"the 'auth' of {registry} in {path} is not base64 of USER:PASSWORD. Fix: log in again with 'docker login {registry}'"
                ) from None
            return parse_creds(decoded, origin)
        if entry.get("username") and entry.get("password"):
            return Credentials(entry["username"], entry["password"], origin)
    if config.get("credsStore"):
        return _credential_helper(config["credsStore"], registry, path, environ)
    return None


def find_credentials(registry: str, creds: str | None, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """Credentials for ``registry``: ``--creds``, else the environment, else the docker config; None for anonymous."""
    environ = os.environ if environ is None else environ
    if creds:
        return parse_creds(creds)
    user, password = environ.get(ENV_USER), environ.get(ENV_PASSWORD)
    if user or password:
        if not (user and password):
            missing = ENV_PASSWORD if user else ENV_USER
            raise ValidationError(missing, "(unset)", f"set together with {ENV_USER if user else ENV_PASSWORD}", f"set both {ENV_USER} and {ENV_PASSWORD}, or neither")
        return Credentials(user, password, "the environment")
    return docker_config_credentials(registry, environ)


def _registry_errors(response: Any) -> str:
    """The registry's own error codes and messages (distribution's JSON body), for a message."""
    try:
        errors = response.json().get("errors") or []
        said = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict))
    except Exception:  # noqa: BLE001 - a body that is not JSON says nothing useful
        said = ""
    return said


def _error_codes(response: Any) -> set[str]:
    try:
        return {str(e.get("code")) for e in response.json().get("errors") or [] if isinstance(e, dict)}
    except Exception:  # noqa: BLE001
        return set()


def _transport_class() -> type:
    """oras-py's ``Registry`` with our request loop (imported late: it pulls in requests)."""
    import oras.provider

    logging.getLogger("oras.logger").setLevel(logging.CRITICAL)  # our own messages say what went wrong

    class Transport(oras.provider.Registry):
        """oras-py's registry client whose every request goes through ``RegistryClient._send``."""

        client: RegistryClient

        def do_request(self, url, method="GET", data=None, headers=None, json=None, stream=False):
            return self.client._send(method, url, data=data, headers=headers, stream=stream)

    return Transport


class RegistryClient:
    """One repository of one registry, as the commands need it."""

    def __init__(
        self, reference: Reference, credentials: Credentials | None = None, insecure: bool = False, timeout: float = TIMEOUT
    ) -> None:
        import oras.auth
        import oras.container

        self.reference = reference
        self.credentials = credentials
        self.insecure = insecure
        self.timeout = timeout
        self.transport = _transport_class()(hostname=reference.registry, insecure=insecure, auth_backend="basic")
        self.transport.client = self
        self.container = oras.container.Container(f"{reference.registry}/{reference.repository}")
        self._basic: str | None = None
        self._bearer: Any = None
        self.requests: list[str] = []
        self._oras_auth = oras.auth

    # --- requests ------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.transport.prefix}://{path}"

    def _raw(self, method: str, url: str, data: Any, headers: dict[str, str], stream: bool) -> Any:
        import requests

        self.requests.append(f"{method} {url.split('/v2/', 1)[-1].split('?', 1)[0]}")
        where = self.reference.registry
        try:
            return self.transport.session.request(
                method, url, data=data, headers=headers, stream=stream, timeout=self.timeout, verify=True, allow_redirects=True
            )
        except requests.exceptions.SSLError:
            raise RegistryError(
                f"TLS with registry {where} failed. Fix: if it is a plain HTTP registry (a local one), pass "
                "(insecure_registry); otherwise check its certificate (REQUESTS_CA_BUNDLE points at extra CAs)"
            ) from None
        except requests.exceptions.Timeout:
            raise RegistryError(f"registry {where} did not answer within {self.timeout:g}s. Fix: check the network and the host") from None
        except requests.exceptions.ConnectionError as exc:
            reason = "connection refused" if "refused" in str(exc).lower() else "no connection"
            if "Name or service not known" in str(exc) or "getaddrinfo" in str(exc) or "resolve" in str(exc).lower():
                reason = "unknown host"
            raise RegistryError(
                f"cannot reach registry {where} ({reason}). Fix: check the host and port of the reference, and that the registry runs"
            ) from None

    def _authenticate(self, response: Any, headers: dict[str, str]) -> bool:
        """Answer the challenge of a 401: basic credentials, or a Bearer token for them. True to retry."""
        challenge = response.headers.get("WWW-Authenticate", "")
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            if self.credentials is None:
                return False
            self._basic = self._oras_auth.utils.get_basic_auth(self.credentials.username, self.credentials.password)
            headers["Authorization"] = f"Basic {self._basic}"
            return True
        if scheme == "bearer":
            bearer = self._bearer
            if bearer is None:
                bearer = self._bearer = self._oras_auth.get_auth_backend(
                    "token", self.transport.session, self.insecure, tls_verify=True
                )
                if self.credentials is not None:
                    bearer.set_basic_auth(self.credentials.username, self.credentials.password)
            # A new token for every challenge: a push needs the push scope a first pull token lacks.
            try:
                headers, changed = bearer.authenticate_request(response, headers, refresh=True)
            except Exception:  # noqa: BLE001 - a failing token endpoint is an authentication failure
                return False
            if changed:
                headers["Authorization"] = f"Bearer {bearer.token}"
            return bool(changed)
        return False

    def _send(self, method: str, url: str, data: Any = None, headers: dict[str, str] | None = None, stream: bool = False) -> Any:
        headers = dict(headers or {})
        if self._basic:
            headers["Authorization"] = f"Basic {self._basic}"
        elif self._bearer is not None and self._bearer.token:
            headers["Authorization"] = f"Bearer {self._bearer.token}"
        response = self._raw(method, url, data, headers, stream)
        if response.status_code == 401 and self._authenticate(response, headers):
            response = self._raw(method, url, data, headers, stream)
        if response.status_code == 400 and self.insecure and self._speaks_https(url):
            raise RegistryError(
                f"registry {self.reference.registry} speaks HTTPS, and plain HTTP was asked for. "
                "Fix: drop the plain-HTTP option (insecure_registry)"
            )
        if response.status_code == 401:
            raise self._auth_error(response)
        if response.status_code == 403:
            raise RegistryError(
                f"registry {self.reference.registry} denied {method} on {self.reference.repository} "
                f"({self.credentials or 'anonymous'}){self._said(response)}. Fix: give that user access to the repository"
            )
        if response.status_code >= 500:
            raise RegistryError(
                f"registry {self.reference.registry} failed with HTTP {response.status_code}{self._said(response)}. Fix: try again later"
            )
        return response

    def _speaks_https(self, url: str) -> bool:
        """Whether a 400 is a TLS server's answer to plain HTTP (Go's net/http and nginx say so in the body)."""
        probe = self._raw("GET", url.split("/v2/", 1)[0] + "/v2/", None, {}, False)
        return probe.status_code == 400 and "HTTPS" in probe.text[:500]

    @staticmethod
    def _said(response: Any) -> str:
        said = _registry_errors(response)
        return f" (the registry said: {said})" if said else ""

    def _auth_error(self, response: Any) -> RegistryError:
        where = self.reference.registry
        if self.credentials is None:
            return RegistryError(f"registry {where} requires authentication and no credentials were found. Fix: {_CREDS_FIX}")
        return RegistryError(
            f"authentication to registry {where} failed ({self.credentials}){self._said(response)}. "
            f"Fix: check the credentials (creds), {ENV_USER}/{ENV_PASSWORD} or the docker config's entry for {where}"
        )

    def _unexpected(self, what: str, response: Any) -> RegistryError:
        return RegistryError(
            f"registry {self.reference.registry} refused to {what}: HTTP {response.status_code}{self._said(response)}"
        )

    # --- operations ----------------------------------------------------------------

    def manifest_digest(self, ref: str) -> str | None:
        """The digest of the manifest ``ref`` (a tag or digest) names; None when there is none."""
        response = self._send("HEAD", self._url(self.container.manifest_url(ref)), headers={"Accept": _ACCEPT})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._unexpected(f"look up {self.reference.repository}:{ref}", response)
        digest = response.headers.get("Docker-Content-Digest")
        if digest:
            return digest
        data, _ = self.get_manifest(ref)
        return sha256_digest(data)

    def blob_exists(self, blob: Blob) -> bool:
        response = self._send("HEAD", self._url(self.container.get_blob_url(blob.digest)))
        if response.status_code in (200, 404):
            return response.status_code == 200
        raise self._unexpected(f"look up blob {blob.digest}", response)

    def upload_blob(self, blob: Blob) -> None:
        """Upload ``blob`` (one POST, one PUT: oras-py's monolithic upload)."""
        with tempfile.TemporaryDirectory(prefix="cdk8s-flux-blob-") as tmp:
            path = Path(tmp) / "blob"
            path.write_bytes(blob.data)
            try:
                response = self.transport.put_upload(str(path), self.container, blob.descriptor())
            except ValueError:  # oras-py: the registry gave no upload location
                raise RegistryError(
                    f"registry {self.reference.registry} did not open an upload for {self.reference.repository}. "
                    "Fix: check that the repository name is allowed there"
                ) from None
        if response.status_code not in (200, 201, 202):
            raise self._unexpected(f"store blob {blob.digest}", response)

    def put_manifest(self, ref: str, data: bytes, media_type: str = MANIFEST_MEDIA_TYPE) -> str:
        """PUT the exact manifest bytes under ``ref`` (a tag); returns the digest, checked against the registry's."""
        response = self._send(
            "PUT", self._url(self.container.manifest_url(ref)), data=data, headers={"Content-Type": media_type}
        )
        if response.status_code not in (200, 201, 202):
            raise self._unexpected(f"store the manifest as {self.reference.repository}:{ref}", response)
        digest = sha256_digest(data)
        answered = response.headers.get("Docker-Content-Digest")
        if answered and answered != digest:
            raise RegistryError(
                f"registry {self.reference.registry} stored the manifest as {answered}, not {digest}: it rewrote the bytes. "
                "Fix: use a registry that stores manifests as sent (any OCI distribution registry does)"
            )
        return digest

    def get_manifest(self, ref: str) -> tuple[bytes, str]:
        """The manifest bytes ``ref`` (a tag or digest) names, and its media type."""
        response = self._send("GET", self._url(self.container.manifest_url(ref)), headers={"Accept": _ACCEPT})
        if response.status_code == 404:
            codes = _error_codes(response)
            what = f"{self.reference.url}:{ref}" if not ref.startswith("sha256:") else f"{self.reference.url}@{ref}"
            if "NAME_UNKNOWN" in codes:
                raise RegistryError(
                    f"no repository {self.reference.repository} in registry {self.reference.registry}. "
                    "Fix: check the reference, or push an artifact there first"
                )
            raise RegistryError(f"no artifact {what} in the registry. Fix: check the tag or digest, or push it first")
        if response.status_code != 200:
            raise self._unexpected(f"send the manifest {ref}", response)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        return response.content, media_type

    def get_blob(self, digest: str) -> bytes:
        response = self.transport.get_blob(self.container, digest)
        if response.status_code == 404:
            raise RegistryError(
                f"registry {self.reference.registry} has no blob {digest} that the manifest names. Fix: push the artifact again"
            )
        if response.status_code != 200:
            raise self._unexpected(f"send blob {digest}", response)
        return response.content
