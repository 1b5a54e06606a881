"""Folders validated as Flux applies them: built with the real ``kubectl kustomize``, post-build variables as placeholders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cdk8s_flux import kustomize_build
from cdk8s_flux.manifests import read_yaml
from cdk8s_flux.validate import read_paths, validate_files

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is installed by .ci/services")


def write(path: Path, *documents: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))


def flux_kustomization(path: str) -> dict:
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": {"interval": "10m", "path": path, "prune": True, "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                 "postBuild": {"substitute": {"cluster": "prod", "replicas": "3"}}},
    }


DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-${cluster}", "namespace": "apps"},
    "spec": {"replicas": "${replicas}", "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "imagePullPolicy": "${pull_policy:=IfNotPresent}"}]}}},
}


def repository(tmp_path: Path, name: str = "web-${cluster}") -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # the root Flux paths are relative to
    write(root / "clusters" / "prod" / "apps.yaml", flux_kustomization("./apps/prod"))
    write(root / "apps" / "base" / "deployment.yaml", {**DEPLOYMENT, "metadata": {"name": name, "namespace": "apps"}})
    write(root / "apps" / "base" / "kustomization.yaml", {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                                                          "resources": ["deployment.yaml"]})
    # a patch: a partial object, not one on its own
    write(root / "apps" / "prod" / "replicas.yaml", {"apiVersion": "apps/v1", "kind": "Deployment",
                                                     "metadata": {"name": name, "namespace": "apps"}, "spec": {"replicas": "${replicas}"}})
    write(root / "apps" / "prod" / "kustomization.yaml", {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                                                          "resources": ["../base"], "patches": [{"path": "replicas.yaml"}]})
    return root


def test_a_kustomization_is_built_and_its_placeholders_are_checked_as_flux_substitutes_them(tmp_path: Path) -> None:
    root = repository(tmp_path)
    # AND a file no post-build Kustomization applies, with a placeholder Flux will not replace
    write(root / "other" / "settings.yaml", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-${cluster}"}})
    read = read_paths([str(root)])
    assert read.problems == []
    assert read.built == [str(root / "apps" / "prod")]  # base is part of prod's build; the patch is no object
    built = f"{root / 'apps' / 'prod'} (kustomize build)"
    assert read.substituted == {built}
    assert [o["metadata"]["name"] for o in read.files[built]] == ["web-${cluster}"]
    problems = validate_files(read.files, lines=read.lines, substituted=read.substituted)
    # THEN only the unsubstituted placeholder is a problem, with its file and line
    assert [(p.file, p.line, p.path) for p in problems] == [(str(root / "other" / "settings.yaml"), 4, "metadata.name")]


def test_a_placeholder_no_value_could_make_valid_is_refused(tmp_path: Path) -> None:
    root = repository(tmp_path, name="${cluster} web")
    read = read_paths([str(root)])
    (problem,) = validate_files(read.files, lines=read.lines, substituted=read.substituted)
    # THEN the problem names the file the build took the object from, and its line there
    assert (problem.kind, problem.path, problem.file, problem.line) == (
        "Deployment", "metadata.name", str(root / "apps" / "base" / "deployment.yaml"), 4,
    )
    assert problem.build == str(root / "apps" / "prod")
    assert problem.message.startswith("'${cluster} web' is not a valid Deployment name")


def test_substitution_disabled_on_an_object_keeps_its_placeholders_literal(tmp_path: Path) -> None:
    root = repository(tmp_path)
    deployment = yaml.safe_load((root / "apps" / "base" / "deployment.yaml").read_text())
    deployment["metadata"]["annotations"] = {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}
    write(root / "apps" / "base" / "deployment.yaml", deployment)
    read = read_paths([str(root)])
    problems = validate_files(read.files, lines=read.lines, substituted=read.substituted)
    assert sorted(p.path for p in problems) == [
        "metadata.name", "spec.replicas", "spec.template.spec.containers.0.imagePullPolicy",
    ]


def test_a_folder_kustomize_cannot_build_is_one_problem_on_its_kustomization_file(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    write(folder / "kustomization.yaml", {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                                          "resources": ["missing.yaml"]})
    read = read_paths([str(folder)])
    (problem,) = read.problems
    assert problem.file == str(folder / "kustomization.yaml")
    assert problem.message.startswith("kubectl kustomize cannot build it: ")
    assert "missing.yaml" in problem.message and "E1" not in problem.message


REAL_REPOS = Path(__file__).parent / "data" / "real-repos"


@pytest.mark.parametrize("folder", sorted(
    str(k.parent.relative_to(REAL_REPOS)) for k in REAL_REPOS.rglob("kustomization.yaml")
    if not kustomize_build.is_component(k)
))
def test_a_build_with_origins_is_the_plain_build_once_they_are_taken_off(folder: str) -> None:
    # GIVEN a kustomization of a real repository, built as it is and wrapped to annotate origins
    plain = read_yaml(kustomize_build.build(REAL_REPOS / folder))
    built = kustomize_build.build_with_origins(REAL_REPOS / folder)
    wrapped = read_yaml(built.stream)
    origins = [kustomize_build.without_origin(obj) for obj in wrapped]
    # THEN the objects are the same, and each one written in a file names an existing file
    assert wrapped == plain
    assert built.base is not None
    assert all(kustomize_build.origin_file(built.base, o).is_file() for o in origins if o is not None)
    assert any(o is not None for o in origins)


# --- a Flux Kustomization's spec.components -----------------------------------------------------

PKG_COMPONENTS = Path(__file__).parent / "data" / "fluxcd-pkg-kustomize-components"


@pytest.mark.parametrize(("own", "flux", "expected"), [
    # fluxcd/pkg kustomize v1.35.4 kustomize_generator_test.go Test_Components, its three cases
    (True, [], ["componentA"]),
    (False, ["componentB", "componentC"], ["componentB", "componentC"]),
    (True, ["componentB", "componentC"], ["componentA", "componentB", "componentC"]),
])
def test_components_are_added_as_kustomize_controller_adds_them(tmp_path: Path, own: bool, flux: list[str], expected: list[str]) -> None:
    (content,) = read_yaml((PKG_COMPONENTS / "kustomization.yaml").read_text()) if own else ({"resources": []},)
    assert kustomize_build.with_components(content, tmp_path, flux).get("components") == expected


@pytest.mark.parametrize(("components", "ignore", "expected"), [
    # fluxcd/pkg kustomize v1.35.4 kustomize_generator_test.go Test_IgnoreMissingComponents, relative to an overlay folder
    (["existing-component", "missing-component"], True, ["existing-component"]),
    (["missing-component-1", "missing-component-2"], True, None),
    (["existing-component"], True, ["existing-component"]),
    (["existing-component", "missing-component"], False, ["existing-component", "missing-component"]),
])
def test_missing_components_are_left_out_only_when_ignored(tmp_path: Path, components: list[str], ignore: bool, expected: list[str] | None) -> None:
    (tmp_path / "existing-component").mkdir()
    (tmp_path / "overlay").mkdir()
    given = [f"../{c}" for c in components]
    found = kustomize_build.with_components({}, tmp_path / "overlay", given, ignore_missing=ignore).get("components")
    assert found == ([f"../{c}" for c in expected] if expected is not None else None)


@pytest.mark.parametrize(("path", "local"), [
    # fluxcd/pkg kustomize v1.35.4 kustomize_generator_test.go Test_IsLocalRelativePath, its nine cases
    ("foobar.yaml", True), ("./foobar.yaml", True), ("file://foobar.yaml", True), ("file:///foobar.yaml", False),
    ("/foobar.yaml", False), ("https://github.com/owner/repo", False), ("git@github.com:owner/repo", False),
    ("ssh://git@github.com/owner/repo", False), ("github.com/owner/repo", False),
    # and the other prefixes kustomize takes as remote
    ("../../components/zeroscaler", True), ("git::https://example.com/repo", False), ("gh:org/repo", False),
])
def test_only_local_relative_components(path: str, local: bool) -> None:
    assert kustomize_build._local_relative(path) is local


def test_an_empty_folder_gets_a_placeholder_namespace(tmp_path: Path) -> None:
    # fluxcd/pkg kustomize v1.35.4 TestGenerator_EmptyDir: the generated kustomization holds "_placeholder"
    assert kustomize_build.generated_kustomization(tmp_path)["namespace"] == "_placeholder"


def test_components_apply_inside_the_folders_kustomization_before_its_name_prefix(tmp_path: Path) -> None:
    # GIVEN a folder with a namePrefix and a Component whose patch targets the unprefixed name
    (tmp_path / ".git").mkdir()
    write(tmp_path / "apps/kustomization.yaml", {"resources": ["deployment.yaml"], "namePrefix": "prod-"})
    write(tmp_path / "apps/deployment.yaml", DEPLOYMENT | {"metadata": {"name": "web", "namespace": "apps"}})
    write(tmp_path / "components/pull/kustomization.yaml", {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
        "patches": [{"target": {"kind": "Deployment", "name": "web"},
                     "patch": '[{"op": "replace", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Sometimes"}]'}],
    })
    ks = flux_kustomization("./apps")
    ks["spec"]["components"] = ["../components/pull"]
    write(tmp_path / "clusters/apps.yaml", ks)
    read = read_paths([str(tmp_path)])
    found = read.problems + validate_files(read.files, lines=read.lines, substituted=read.substituted)
    # THEN the patch reached the Deployment (as in kustomize-controller, not as an overlay over the built folder)
    assert [(p.name, p.path, p.file) for p in found] == [
        ("prod-web", "spec.template.spec.containers.0.imagePullPolicy", f"{tmp_path}/apps/deployment.yaml"),
    ]
    assert (tmp_path / "apps/kustomization.yaml").read_text() == "resources:\n- deployment.yaml\nnamePrefix: prod-\n"


def test_components_of_a_folder_without_a_kustomization_file(tmp_path: Path) -> None:
    # GIVEN a folder of plain files (kustomize-controller generates its kustomization) and a Flux component that breaks one
    (tmp_path / ".git").mkdir()
    write(tmp_path / "apps/web/deployment.yaml", DEPLOYMENT | {"metadata": {"name": "web", "namespace": "apps"}})
    write(tmp_path / "components/pull/kustomization.yaml", {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
        "patches": [{"target": {"kind": "Deployment"},
                     "patch": '[{"op": "replace", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Sometimes"}]'}],
    })
    ks = flux_kustomization("./apps")
    ks["spec"]["components"] = ["../components/pull"]
    write(tmp_path / "clusters/apps.yaml", ks)
    assert kustomize_build.generated_kustomization(tmp_path / "apps")["resources"] == ["./web/deployment.yaml"]
    read = read_paths([str(tmp_path)])
    # THEN the file is checked once, as built with the component, not also as read on its own
    assert sorted(read.files) == [f"{tmp_path}/apps with the spec.components of Kustomization flux-system/apps (kustomize build)",
                                  f"{tmp_path}/clusters/apps.yaml"]
    found = validate_files(read.files, lines=read.lines, substituted=read.substituted)
    assert [(p.name, p.path, p.file, p.line) for p in found] == [
        ("web", "spec.template.spec.containers.0.imagePullPolicy", f"{tmp_path}/apps/web/deployment.yaml", 19),  # the line of imagePullPolicy in the file
    ]
    assert sorted(p.name for p in (tmp_path / "apps").rglob("*")) == ["deployment.yaml", "web"]
