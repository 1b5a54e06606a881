"""The Secrets Flux's sources read their credentials from, as ``flux create secret`` builds them.

Each builder takes what the matching ``flux create secret <kind>`` takes and returns the
Secret as a dict, with the same keys (``identity``, ``known_hosts``, ``bearerToken``,
``.dockerconfigjson`` ...), the same ``type`` and nothing else, so ``export.export_secret``
prints what flux prints. Values live in ``stringData``, as flux writes them: the API server
encodes them on apply. Keep the result out of git unless it is encrypted.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from cdk8s_flux import validation
from cdk8s_flux.credentials.keys import KeyPair
from cdk8s_flux.errors import ValidationError

Secret = dict[str, Any]

#: The Secret ``flux bootstrap`` and ``flux create secret`` make when not told otherwise.
DEFAULT_NAME = "flux-system"
DEFAULT_NAMESPACE = "flux-system"

TYPE_OPAQUE = "Opaque"
TYPE_BASIC_AUTH = "kubernetes.io/basic-auth"
TYPE_TLS = "kubernetes.io/tls"
TYPE_DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"


def _secret(name: str, namespace: str, data: Mapping[str, str], secret_type: str | None, labels: Mapping[str, str] | None) -> Secret:
    """A Secret as Go writes a ``corev1.Secret``: empty labels, data and type are left out."""
    validation.dns1123_subdomain("name", name)
    validation.dns1123_label("namespace", namespace)
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    secret: Secret = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata}
    if data:
        secret["stringData"] = dict(data)
    if secret_type:
        secret["type"] = secret_type
    return secret


def secret_value(secret: Secret, key: str) -> str | None:
    """The value of ``key`` in a Secret, from ``stringData`` as flux writes it or ``data`` as the API server returns it."""
    if key in (secret.get("stringData") or {}):
        return str(secret["stringData"][key])
    encoded = (secret.get("data") or {}).get(key)
    return None if encoded is None else base64.b64decode(encoded).decode()


def _required(field: str, value: str | None, fix: str) -> str:
    if not value:
        raise ValidationError(field, value, "required", fix)
    return value


def git_ssh_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    key_pair: KeyPair,
    known_hosts: str,
    password: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """Git over SSH (``flux create secret git --url=ssh://...``): ``identity``, ``identity.pub``, ``known_hosts``.

    password: the private key's passphrase, when it has one (``password`` key).
    """
    if not isinstance(key_pair, KeyPair):
        raise ValidationError("key_pair", key_pair, "not a KeyPair", "make one with generate_key_pair() or load_key_pair()")
    _required("known_hosts", known_hosts.strip(), "give the host's keys: known_hosts_for(file, host) or scan_known_hosts(host)")
    data = {"identity": key_pair.private_key, "identity.pub": key_pair.public_key, "known_hosts": known_hosts}
    if password:
        data["password"] = password
    return _secret(name, namespace, data, None, labels)


def git_basic_auth_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    username: str,
    password: str,
    ca_crt: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """Git over HTTPS with basic auth (``flux create secret git --username --password``); a token is the password."""
    data = {"username": _required("username", username, "give the user name, such as git")}
    data["password"] = _required("password", password, "give the password or access token")
    if ca_crt:
        data["ca.crt"] = ca_crt
    return _secret(name, namespace, data, None, labels)


def git_bearer_token_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    bearer_token: str,
    ca_crt: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """Git over HTTPS with a bearer token (``flux create secret git --bearer-token``)."""
    data = {"bearerToken": _required("bearer_token", bearer_token, "give the token")}
    if ca_crt:
        data["ca.crt"] = ca_crt
    return _secret(name, namespace, data, None, labels)


def _tls_data(tls_crt: str | None, tls_key: str | None, ca_crt: str | None) -> tuple[dict[str, str], str]:
    """The TLS keys and type: a certificate and key pair (checked to match), a CA, or both."""
    if bool(tls_crt) != bool(tls_key):
        missing = "tls_key" if tls_crt else "tls_crt"
        raise ValidationError(missing, None, "a client certificate needs both the certificate and its key", f"give {missing} too")
    if not tls_crt and not ca_crt:
        raise ValidationError("tls_crt", None, "no certificate and key pair and no CA", "give tls_crt and tls_key, or ca_crt")
    data: dict[str, str] = {}
    if tls_crt and tls_key:
        _check_pair(tls_crt, tls_key)
        data = {"tls.crt": tls_crt, "tls.key": tls_key}
    if ca_crt:
        data["ca.crt"] = ca_crt
    return data, TYPE_TLS if tls_crt else TYPE_OPAQUE


def _check_pair(tls_crt: str, tls_key: str) -> None:
    """Refuse a certificate whose public key is not the key's, as flux does before writing the Secret."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    try:
        certificate = x509.load_pem_x509_certificate(tls_crt.encode())
    except ValueError:
        raise ValidationError("tls_crt", "<certificate>", "not a PEM certificate", "give the PEM file of the client certificate") from None
    try:
        key = load_pem_private_key(tls_key.encode(), password=None)
    except (ValueError, TypeError):
        raise ValidationError("tls_key", "<private key>", "not an unencrypted PEM private key", "give the PEM file of the key") from None
    def raw(public: Any) -> bytes:
        return bytes(public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))

    if raw(certificate.public_key()) != raw(key.public_key()):
        raise ValidationError("tls_key", "<private key>", "is not the key of tls_crt", "give the key the certificate was issued for")


def tls_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    tls_crt: str | None = None,
    tls_key: str | None = None,
    ca_crt: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """TLS client certificate and/or CA (``flux create secret tls``): ``kubernetes.io/tls`` with a pair, else Opaque."""
    data, secret_type = _tls_data(tls_crt, tls_key, ca_crt)
    return _secret(name, namespace, data, secret_type, labels)


def helm_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    username: str | None = None,
    password: str | None = None,
    tls_crt: str | None = None,
    tls_key: str | None = None,
    ca_crt: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """A Helm repository's credentials (``flux create secret helm``), in flux's order of precedence.

    A client certificate wins (``kubernetes.io/tls``), then basic auth (``kubernetes.io/basic-auth``,
    with the CA beside it), then a CA alone; with nothing, an empty Secret.
    """
    if tls_crt or tls_key:
        data, secret_type = _tls_data(tls_crt, tls_key, ca_crt)
    elif username or password:
        data = {"username": _required("username", username, "give the user name with the password")}
        data["password"] = _required("password", password, "give the password with the user name")
        if ca_crt:
            data["ca.crt"] = ca_crt
        secret_type = TYPE_BASIC_AUTH
    elif ca_crt:
        data, secret_type = _tls_data(None, None, ca_crt)
    else:
        data, secret_type = {}, ""
    return _secret(name, namespace, data, secret_type, labels)


def _go_json(value: Any) -> str:
    """JSON as Go's ``json.MarshalIndent(v, "", "  ")`` writes it: HTML characters escaped, the rest as is."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def docker_config_json(registry: str, username: str, password: str) -> str:
    """The ``.dockerconfigjson`` of one registry, as flux writes it (username, password, their base64 ``auth``)."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return _go_json({"auths": {registry: {"username": username, "password": password, "auth": auth}}})


def oci_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    registry: str,
    username: str,
    password: str,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """An OCI registry's credentials (``flux create secret oci --url``): ``kubernetes.io/dockerconfigjson``.

    registry: the host (and port) the OCIRepository pulls from, such as ``ghcr.io``.
    """
    _required("registry", registry, "give the registry host, such as ghcr.io")
    _required("username", username, "give the registry user")
    _required("password", password, "give the registry password or token")
    return _secret(name, namespace, {".dockerconfigjson": docker_config_json(registry, username, password)}, TYPE_DOCKER_CONFIG_JSON, labels)


def proxy_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    address: str,
    username: str | None = None,
    password: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """A proxy for a source (``flux create secret proxy``): ``address`` and, when given, the user and password."""
    data = {"address": _required("address", address, "give the proxy URL, such as https://proxy.example.com")}
    if username:
        data["username"] = username
    if password:
        data["password"] = password
    return _secret(name, namespace, data, TYPE_OPAQUE, labels)


def github_app_secret(
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    app_id: str,
    private_key: str,
    installation_owner: str | None = None,
    installation_id: str | None = None,
    base_url: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Secret:
    """A GitHub App's credentials (``flux create secret githubapp``): the app, its key, one installation.

    Give exactly one of installation_owner (user or organization) and installation_id;
    base_url for GitHub Enterprise Server.
    """
    data = {"githubAppID": _required("app_id", app_id, "give the app's ID"), "githubAppPrivateKey": _required(
        "private_key", private_key, "give the app's private key (the PEM file's text)")}
    if bool(installation_owner) == bool(installation_id):
        raise ValidationError(
            "installation_owner", installation_owner, "exactly one of installation_owner and installation_id is needed",
            "give the owner (user or organization) or the installation ID, not both",
        )
    if installation_owner:
        data["githubAppInstallationOwner"] = installation_owner
    if installation_id:
        data["githubAppInstallationID"] = installation_id
    if base_url:
        data["githubAppBaseURL"] = base_url
    return _secret(name, namespace, data, TYPE_OPAQUE, labels)
