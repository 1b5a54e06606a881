"""``cdk8s_flux.validate``: custom resources against their CRD's openAPIV3Schema (the Flux v2.9.4 CRDs of tests/data/flux)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cdk8s_flux.validate import strict_schema, validate_objects

VERSION = "v2.9.4"


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    """Every CRD of Flux v2.9.4 (the source-watcher file also has ArtifactGenerator)."""
    path = flux_data / VERSION / "with-source-watcher" / "gotk-components.yaml"
    documents = yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader)
    return [o for o in documents if o and o["kind"] == "CustomResourceDefinition"]


def git_repository(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": "app", "namespace": "flux-system"},
        "spec": {"interval": "1m0s", "url": "https://github.com/example/app", **spec},
    }


def test_the_shared_gotk_sync_objects_are_valid(crds: list[dict[str, Any]], flux_data: Path) -> None:
    objects = list(yaml.safe_load_all((flux_data / VERSION / "gotk-sync.yaml").read_text()))
    assert validate_objects(objects, crds=crds) == []


def test_an_unknown_field_is_a_problem_where_the_server_would_prune_it(crds: list[dict[str, Any]]) -> None:
    problems = validate_objects([git_repository(ref={"brnach": "main"})], crds=crds)
    assert [(p.kind, p.name, p.path) for p in problems] == [("GitRepository", "app", "spec.ref")]
    assert "brnach" in problems[0].message


def test_types_patterns_and_enums(crds: list[dict[str, Any]]) -> None:
    bad = git_repository(url="git@github.com:example/app", interval=60, provider="bitbucket")
    paths = sorted(p.path for p in validate_objects([bad], crds=crds))
    assert paths == ["spec.interval", "spec.provider", "spec.url"]


def test_preserve_unknown_fields_allows_anything(crds: list[dict[str, Any]]) -> None:
    """HelmRelease spec.values has x-kubernetes-preserve-unknown-fields: true."""
    release = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {
            "interval": "10m",
            "chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}},
            "values": {"anything": {"nested": [1, "two"]}},
        },
    }
    assert validate_objects([release], crds=crds) == []


def test_int_or_string_and_nullable() -> None:
    schema = strict_schema(
        {
            "type": "object",
            "properties": {
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
            },
        }
    )
    validator = jsonschema.Draft4Validator(schema)
    assert validator.is_valid({"port": 80, "note": None})
    assert validator.is_valid({"port": "http", "note": "x"})
    assert not validator.is_valid({"port": 1.5})
    assert not validator.is_valid({"other": 1})


def test_unserved_version_or_kind_of_a_known_group(crds: list[dict[str, Any]]) -> None:
    old = git_repository()
    old["apiVersion"] = "source.toolkit.fluxcd.io/v1beta1"
    problems = validate_objects([old], crds=crds)
    assert [p.path for p in problems] == ["apiVersion"]
    assert problems[0].message.endswith(
        "does not serve source.toolkit.fluxcd.io/v1beta1; use source.toolkit.fluxcd.io/v1"
    )
    # A kind the group does not define at all
    unknown = dict(git_repository(), kind="GitMirror")
    (problem,) = validate_objects([unknown], crds=crds)
    assert "define no GitMirror in source.toolkit.fluxcd.io/v1" in problem.message


def test_core_kinds_beside_them_are_checked_against_the_kubernetes_api(crds: list[dict[str, Any]]) -> None:
    bogus = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "bogus": 1}
    assert [p.path for p in validate_objects([bogus], crds=crds)] == [""]
