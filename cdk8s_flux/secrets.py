"""Refuse to put Secret values into git in clear.

A Secret's ``data`` is only base64: anyone who can read the manifests branch
(and every clone and fork of it, forever) can read the values.

A Secret is what Kubernetes would make one of: ``kind: Secret`` in any letter
case, in the core group however it is written (``v1``; ``core/v1`` too, which
the API server refuses and ``validate`` reports, but whose values would be in
git all the same), on its own or among the ``items`` of a ``List``,
``SecretList`` or any other ``*List`` (kubectl and kustomize apply the items one
by one, lists in lists too).

A Secret passes when it has no values, or when SOPS encrypted it: a top-level
``sops`` mapping with a ``mac`` (what kustomize-controller looks for before it
decrypts) and every value of ``data`` and ``stringData`` an ``ENC[...]``
string. A SealedSecret or an ExternalSecret is another kind, and passes.

One object is let through on purpose with the annotation
``cdk8s-flux.io/allow-secret: "true"`` in its ``metadata.annotations`` (for
values that are not sensitive); it allows that object only, not the items of a
list it is set on. ``allow_secrets`` (``--allow-secrets``) lets every Secret through.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cdk8s_flux.errors import RefusedContentError

#: The annotation that lets one object through the check.
ALLOW_SECRET_ANNOTATION = "cdk8s-flux.io/allow-secret"

#: The fields of a Secret that hold its values.
VALUE_FIELDS = ("data", "stringData")

_ALTERNATIVES = (
    "encrypt it with SOPS (Flux v2 decrypts it: Kustomization spec.decryption), "
    "commit a SealedSecret (Bitnami sealed-secrets) instead, "
    "or fetch the values in the cluster with an ExternalSecret (external-secrets operator)"
)

# How SOPS writes an encrypted value (sops aes/cipher.go): base64 data, iv and tag, and the value's type.
_ENCRYPTED = re.compile(r"ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]")

#: Where a field is in an object: its keys and list indexes.
FieldPath = tuple[str | int, ...]


def is_secret(obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` claims to be a core Secret: kind ``Secret`` in any case, group none or ``core``."""
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return str(obj.get("kind") or "").lower() == "secret" and group in ("", "core")


def is_sops_encrypted(obj: Mapping[str, Any]) -> bool:
    """Whether SOPS encrypted ``obj``, as kustomize-controller decides it: a ``sops`` mapping with a ``mac``."""
    sops = obj.get("sops")
    return isinstance(sops, Mapping) and bool(sops.get("mac"))


def is_encrypted_value(value: Any) -> bool:
    """Whether ``value`` is a value SOPS encrypted (``ENC[AES256_GCM,...]``)."""
    return isinstance(value, str) and _ENCRYPTED.fullmatch(value) is not None


def objects_in(obj: Mapping[str, Any]) -> Iterator[tuple[FieldPath, Mapping[str, Any]]]:
    """``obj`` and, when it is a ``*List``, every object among its ``items`` (lists in lists too), with their paths."""
    todo: deque[tuple[FieldPath, Mapping[str, Any]]] = deque([((), obj)])
    while todo:
        at, found = todo.popleft()
        yield at, found
        items = found.get("items")
        if str(found.get("kind") or "").endswith("List") and isinstance(items, list):
            todo.extend(((*at, "items", i), item) for i, item in enumerate(items) if isinstance(item, Mapping))


def value_fields(obj: Mapping[str, Any]) -> list[FieldPath]:
    """The paths of the ``data`` and ``stringData`` fields of every Secret in ``obj`` (itself or a list's items)."""
    return [(*at, name) for at, found in objects_in(obj) if is_secret(found) for name in VALUE_FIELDS]


def _allowed(obj: Mapping[str, Any]) -> bool:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return isinstance(annotations, Mapping) and annotations.get(ALLOW_SECRET_ANNOTATION) == "true"


def _in_clear(secret: Mapping[str, Any]) -> list[str] | None:
    """The fields of a Secret that hold values in clear: None when none does, [] when all of them do."""
    if not any(secret.get(name) for name in VALUE_FIELDS):
        return None
    if not is_sops_encrypted(secret):
        return []
    clear = []
    for name in VALUE_FIELDS:
        values = secret.get(name)
        if not values:
            continue
        if not isinstance(values, Mapping):
            clear.append(name)
            continue
        clear.extend(f"{name}.{key}" for key, value in values.items() if not is_encrypted_value(value))
    return clear or None


def _join(at: FieldPath) -> str:
    return ".".join(str(part) for part in at)


def clear_secrets(objects: Mapping[str, Sequence[dict[str, Any]]]) -> list[str]:
    """Where the files (path to objects) hold a core ``Secret`` with values in clear, naming keys, never values."""
    found = []
    for path, documents in objects.items():
        for document in documents:
            for at, obj in objects_in(document):
                if not is_secret(obj) or _allowed(obj):
                    continue
                clear = _in_clear(obj)
                if clear is None:
                    continue
                metadata = obj.get("metadata")
                names = metadata if isinstance(metadata, Mapping) else {}
                where = "/".join(str(p) for p in (names.get("namespace"), names.get("name")) if p)
                inside = f", {_join(at)}" if at else ""
                fields = f"; not encrypted: {', '.join(clear)}" if clear else ""
                found.append(f"Secret {where} ({path}{inside}{fields})")
    return found


def refuse_clear_secrets(objects: Mapping[str, Sequence[dict[str, Any]]]) -> None:
    """Raise ``RefusedContentError`` naming every Secret that would be published in clear."""
    found = clear_secrets(objects)
    if found:
        raise RefusedContentError(
            f"refusing to publish {len(found)} Secret(s) with data into git, where anyone who can read the "
            f"repository can read the values: {', '.join(found)}. Fix: {_ALTERNATIVES}; "
            f'or, if the values are not sensitive, annotate the object {ALLOW_SECRET_ANNOTATION}: "true", '
            "or allow every Secret in clear (--allow-secrets)"
        )
