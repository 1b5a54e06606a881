"""Typed references between the Flux constructs (Flux v2.9.4 CRDs).

Each reference field has a type (a union of construct classes and ``ObjectRef``),
so mypy and an editor refuse a construct of the wrong kind; the run-time check
for users without mypy is read off the same type, and its kinds equal the CRD
enums of tests/data/flux/v2.9.4/gotk-components.yaml.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from fluxcrds import load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.v2 import (
    GitRepository,
    GitRepositoryRef,
    HelmRelease,
    Kustomization,
    KustomizationProps,
    ObjectRef,
    helm,
    image,
    kustomize,
    notification,
    sources,
)
from cdk8s_flux.v2.resource import Accepts

ROOT = Path(__file__).resolve().parent.parent

SNIPPET = """\
import cdk8s

from cdk8s_flux.v2 import GitRepository, GitRepositoryRef, HelmRelease, Kustomization, KustomizationProps, ObjectRef

chart = cdk8s.Chart(cdk8s.App(), "apps")
repo = GitRepository(chart, "repo", url="https://github.com/example/app", ref=GitRepositoryRef(branch="main"))
release = HelmRelease(chart, "web", chart_ref=ObjectRef(kind="OCIRepository", name="web"))
infra = Kustomization(chart, "infra", source=repo, path="./infra", prune=True)
Kustomization(chart, "apps", source=repo, depends_on=[infra], health_checks=[release], prune=True)
Kustomization(chart, "bootstrap", source=ObjectRef(kind="GitRepository", name="flux-system"))
Kustomization(chart, "props", KustomizationProps(source=repo))
"""
WRONG = {
    "keywords": 'Kustomization(chart, "wrong", source=release, prune=True)',
    "props": "KustomizationProps(source=release)",
    "depends_on": 'Kustomization(chart, "after", source=repo, depends_on=[release])',
}


def mypy(tmp_path: Path, source: str) -> list[tuple[int, str, str]]:
    """mypy's errors on ``source`` as (line, message, code), with the project's mypy settings."""
    path = tmp_path / "snippet.py"
    path.write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", "--show-error-codes", str(path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    errors = [re.match(r"^.*?:(\d+): error: (.*?)  \[([a-z-]+)\]$", line) for line in result.stdout.splitlines()]
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return [(int(m[1]), m[2], m[3]) for m in errors if m]


def test_mypy_accepts_references_of_the_right_kind_and_refuses_a_helm_release_as_source(tmp_path: Path) -> None:
    # GIVEN a snippet with correct references, then three of the wrong kind
    source = SNIPPET + "".join(line + "\n" for line in WRONG.values())
    first_wrong = SNIPPET.count("\n") + 1
    # WHEN mypy checks it
    errors = mypy(tmp_path, source)
    # THEN only the wrong ones are errors, each naming the HelmRelease it got
    assert sorted({line for line, _, _ in errors}) == [first_wrong, first_wrong + 1, first_wrong + 2], errors
    by_line = {line: (message, code) for line, message, code in errors}
    keywords, props, depends_on = (by_line[first_wrong + i] for i in range(3))
    # the props value: an arg-type error on source; the keyword form: no overload (props value or KustomizationProps' keywords) matches
    assert props == ('Argument "source" to "KustomizationProps" has incompatible type "HelmRelease"; '
                     'expected "GitRepository | OCIRepository | Bucket | ObjectRef"', "arg-type")  # fmt: skip
    assert keywords[1] in ("arg-type", "call-overload") and '"HelmRelease"' in keywords[0]
    assert depends_on == ('List item 0 has incompatible type "HelmRelease"; expected "Kustomization | ObjectRef"', "list-item")


def test_the_same_wrong_reference_is_refused_at_run_time_with_the_fix() -> None:
    # GIVEN a user without mypy
    chart = cdk8s.Chart(cdk8s.Testing.app(), "apps")
    release = HelmRelease(chart, "web", chart_ref=ObjectRef(kind="OCIRepository", name="web"))
    # WHEN a HelmRelease is passed as the source THEN the error names the field and the kinds it takes
    with pytest.raises(ValidationError, match="a HelmRelease cannot be referenced here") as raised:
        Kustomization(chart, "wrong", source=release)
    assert raised.value.field == "source"
    assert raised.value.fix == "reference a GitRepository, OCIRepository, Bucket or ExternalArtifact"
    # AND a construct of a kind the field takes is accepted
    repo = GitRepository(chart, "repo", url="https://github.com/example/app", ref=GitRepositoryRef(branch="main"))
    assert KustomizationProps(source=repo).spec["sourceRef"] == {"kind": "GitRepository", "name": "repo"}


@pytest.fixture
def crd_spec(flux_data: Path) -> Any:
    crds = {crd["spec"]["names"]["kind"]: crd for crd in load_crds(flux_data)}

    def spec(kind: str) -> dict[str, Any]:
        version = next(v for v in crds[kind]["spec"]["versions"] if v.get("served"))
        return version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]

    return spec


@pytest.mark.parametrize(
    ("accepted", "kind", "path"),
    [
        (kustomize._SOURCES, "Kustomization", ("sourceRef",)),
        (sources._HELM_CHART_SOURCES, "HelmChart", ("sourceRef",)),
        (helm._CHART_SOURCES, "HelmRelease", ("chart", "spec", "sourceRef")),
        (helm._CHART_REFS, "HelmRelease", ("chartRef",)),
        (image._GIT_REPOSITORIES, "ImageUpdateAutomation", ("sourceRef",)),
        (notification._EVENT_SOURCES, "Alert", ("eventSources", "items")),
        (notification._EVENT_SOURCES, "Receiver", ("resources", "items")),
    ],
    ids=lambda value: ".".join(value) if isinstance(value, tuple) else value if isinstance(value, str) else "",
)
def test_the_kinds_read_off_each_type_are_the_crd_enum(accepted: Accepts, kind: str, path: tuple[str, ...], crd_spec: Any) -> None:
    # GIVEN the schema of the reference field in the CRD
    node: dict[str, Any] = {"properties": crd_spec(kind)}
    for key in path:
        node = node["items"] if key == "items" else node["properties"][key]
    # THEN the constructs of the field's type and the kinds only an ObjectRef names are the kinds Flux takes there
    assert sorted(accepted.kinds) == sorted(node["properties"]["kind"]["enum"])


def test_the_snippet_mypy_accepts_runs() -> None:
    """The calls mypy accepts are accepted at run time too."""
    namespace: dict[str, Any] = {}
    exec(compile(SNIPPET, "snippet", "exec"), namespace)
    assert isinstance(namespace["infra"], Kustomization)
