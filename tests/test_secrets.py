"""``cdk8s_flux.secrets``: which Secrets would reach git in clear, as the API server, kubectl and kustomize read them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk8s_flux.errors import RefusedContentError
from cdk8s_flux.secrets import ALLOW_SECRET_ANNOTATION, clear_secrets, refuse_clear_secrets

SOPS = Path(__file__).resolve().parent / "data" / "sops"


def secret(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"}, **fields}


CLEAR = secret(stringData={"password": "hunter2"})


def sops_secret(name: str) -> dict[str, Any]:
    """A Secret SOPS encrypted (kustomize-controller's test data, unmodified)."""
    (obj,) = yaml.safe_load_all((SOPS / name).read_text())
    return obj


# --- what a Secret is -----------------------------------------------------------------


@pytest.mark.parametrize("obj", [
    CLEAR,
    secret(data={"password": "aHVudGVyMg=="}),
    {**CLEAR, "kind": "secret"},  # kind in another letter case
    {**CLEAR, "kind": "SECRET"},
    {**CLEAR, "apiVersion": "core/v1"},  # refused by the API server, but its values would be in git all the same
], ids=["stringData", "data", "lower-case kind", "upper-case kind", "core/v1"])
def test_a_secret_with_values_is_found(obj: dict[str, Any]) -> None:
    assert clear_secrets({"a.yaml": [obj]}) == ["Secret web/db (a.yaml)"]


@pytest.mark.parametrize("kind", ["List", "SecretList", "ConfigMapList"])
def test_a_secret_among_the_items_of_a_list_is_found(kind: str) -> None:
    # GIVEN a *List whose items kubectl and kustomize apply one by one, one of them a Secret in clear
    listed = {"apiVersion": "v1", "kind": kind, "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, CLEAR]}
    # THEN it is found, with where in the list it is
    assert clear_secrets({"a.yaml": [listed]}) == ["Secret web/db (a.yaml, items.1)"]


def test_a_secret_in_a_list_in_a_list_is_found() -> None:
    inner = {"apiVersion": "v1", "kind": "List", "items": [CLEAR]}
    outer = {"apiVersion": "v1", "kind": "List", "items": [inner]}
    assert clear_secrets({"a.yaml": [outer]}) == ["Secret web/db (a.yaml, items.0.items.0)"]


@pytest.mark.parametrize("obj", [
    secret(),
    secret(data={}, stringData={}),
    {**CLEAR, "apiVersion": "example.com/v1"},  # a Secret kind of another API group is not the core Secret
    {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "db"},
     "spec": {"encryptedData": {"password": "AgBy3i4OJSWK+PiTySYZZA=="}}},
    {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "db"},
     "spec": {"secretStoreRef": {"name": "vault", "kind": "ClusterSecretStore"},
              "data": [{"secretKey": "password", "remoteRef": {"key": "db/password"}}]}},
    {"apiVersion": "v1", "kind": "List", "items": []},
], ids=["no values", "empty values", "other group", "SealedSecret", "ExternalSecret", "empty List"])
def test_what_holds_no_value_in_clear_passes(obj: dict[str, Any]) -> None:
    assert clear_secrets({"a.yaml": [obj]}) == []


# --- SOPS ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["age.yaml", "pgp.yaml"])
def test_a_secret_sops_encrypted_passes(name: str) -> None:
    obj = sops_secret(name)
    assert clear_secrets({name: [obj]}) == []
    # AND the same values under data
    moved = {**obj, "data": obj["stringData"]}
    del moved["stringData"]
    assert clear_secrets({name: [moved]}) == []


def test_a_secret_with_a_sops_block_but_a_value_in_clear_is_found() -> None:
    # GIVEN the encrypted Secret with one value added in clear (edited after encryption)
    obj = copy.deepcopy(sops_secret("age.yaml"))
    obj["stringData"]["password"] = "hunter2"
    found = clear_secrets({"a.yaml": [obj]})
    # THEN it is found, naming the key (never the value)
    assert found == ["Secret age (a.yaml; not encrypted: stringData.password)"]
    assert "hunter2" not in found[0]


def test_encrypted_looking_values_without_a_sops_mac_are_not_encrypted() -> None:
    # kustomize-controller decrypts only objects whose top-level sops mapping has a mac
    obj = copy.deepcopy(sops_secret("age.yaml"))
    del obj["sops"]["mac"]
    assert clear_secrets({"a.yaml": [obj]}) == ["Secret age (a.yaml)"]
    del obj["sops"]
    assert clear_secrets({"a.yaml": [obj]}) == ["Secret age (a.yaml)"]


# --- the annotation --------------------------------------------------------------------


def test_the_annotation_lets_one_secret_through() -> None:
    # GIVEN two Secrets in clear, one annotated
    allowed = secret(metadata={"name": "public", "annotations": {ALLOW_SECRET_ANNOTATION: "true"}}, stringData={"a": "b"})
    # THEN only the other one is found
    assert ALLOW_SECRET_ANNOTATION == "cdk8s-flux.io/allow-secret"
    assert clear_secrets({"a.yaml": [allowed, CLEAR]}) == ["Secret web/db (a.yaml)"]
    # AND any other value of the annotation allows nothing
    other = secret(metadata={"name": "public", "annotations": {ALLOW_SECRET_ANNOTATION: "yes"}}, stringData={"a": "b"})
    assert clear_secrets({"a.yaml": [other]}) == ["Secret public (a.yaml)"]


def test_the_annotation_on_a_list_allows_none_of_its_items() -> None:
    listed = {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": {ALLOW_SECRET_ANNOTATION: "true"}}, "items": [CLEAR]}
    assert clear_secrets({"a.yaml": [listed]}) == ["Secret web/db (a.yaml, items.0)"]


# --- the refusal -----------------------------------------------------------------------


def test_the_refusal_names_the_secrets_and_the_ways_out_but_no_value() -> None:
    with pytest.raises(RefusedContentError) as error:
        refuse_clear_secrets({"a.yaml": [CLEAR, {**CLEAR, "kind": "secret", "metadata": {"name": "two"}}]})
    message = str(error.value)
    assert error.value.exit_code == 4
    assert "2 Secret(s)" in message and "Secret web/db (a.yaml), Secret two (a.yaml)" in message
    for words in ("SOPS", "SealedSecret", "ExternalSecret", "--allow-secrets", ALLOW_SECRET_ANNOTATION):
        assert words in message
    assert "hunter2" not in message


def test_the_check_runs_with_validation_off() -> None:
    # GIVEN the pipeline's checks with --no-validate, for a command that delivers
    from cdk8s_flux.manifests import ManifestFile
    from cdk8s_flux.pipeline import CheckPolicy, check

    listed = {"apiVersion": "v1", "kind": "List", "metadata": {"name": "all"}, "items": [CLEAR]}
    files = [ManifestFile("a.yaml", "", (listed,))]
    # THEN the Secret in clear is still refused
    with pytest.raises(RefusedContentError, match=r"Secret web/db \(a.yaml, items.0\)"):
        check(files, CheckPolicy(validate=False), deliver=True, start=None)
    # AND --allow-secrets lets it through; a command that does not deliver does not check
    check(files, CheckPolicy(validate=False, allow_secrets=True), deliver=True, start=None)
    check(files, CheckPolicy(validate=False), deliver=False, start=None)
