"""Refuse to put Secret values into git in clear.

A Secret's ``data`` is only base64: anyone who can read the manifests branch
(and every clone and fork of it, forever) can read the values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdk8s_flux.errors import RefusedContentError

_ALTERNATIVES = (
    "encrypt it with SOPS (Flux v2 decrypts it: Kustomization spec.decryption), "
    "commit a SealedSecret (Bitnami sealed-secrets) instead, "
    "or fetch the values in the cluster with an ExternalSecret (external-secrets operator)"
)


def clear_secrets(objects: Mapping[str, Sequence[dict[str, Any]]]) -> list[str]:
    """Where the files (path to objects) hold a core ``Secret`` with ``data`` or ``stringData``."""
    found = []
    for path, documents in objects.items():
        for obj in documents:
            if obj.get("kind") != "Secret" or obj.get("apiVersion") != "v1":
                continue
            if obj.get("data") or obj.get("stringData"):
                metadata = obj.get("metadata") or {}
                where = "/".join(p for p in (metadata.get("namespace"), metadata.get("name")) if p)
                found.append(f"Secret {where} ({path})")
    return found


def refuse_clear_secrets(objects: Mapping[str, Sequence[dict[str, Any]]]) -> None:
    """Raise ``RefusedContentError`` naming every Secret that would be published in clear."""
    found = clear_secrets(objects)
    if found:
        raise RefusedContentError(
            f"refusing to publish {len(found)} Secret(s) with data into git, where anyone who can read the "
            f"repository can read the values: {', '.join(found)}. Fix: {_ALTERNATIVES}; "
            "or allow Secrets in clear (--allow-secrets) if the values are not sensitive"
        )
