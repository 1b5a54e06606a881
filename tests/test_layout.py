"""The publish layout: chart folders, collision-free object files, kustomization.yaml that kubectl builds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cdk8s_flux.app import collect, load_app_config, synthesize
from cdk8s_flux.layout import (
    KUSTOMIZATION,
    LayoutError,
    ObjectKey,
    build_layout,
    chart_folder,
    layout_objects,
    object_file_name,
)
from cdk8s_flux.manifests import ManifestFile, parse_file
from cdk8s_flux.validation import path_part_problem


def manifest(path: str, *objects: dict) -> ManifestFile:
    return parse_file(path, yaml.safe_dump_all(list(objects)))


def configmap(name: str, namespace: str | None = None, **data: str) -> dict:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def write(layout: dict[str, str], root: Path) -> Path:
    for path, text in layout.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def kustomize(kubectl: str, folder: Path) -> list[dict]:
    result = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def identities(objects: list[dict]) -> set[tuple]:
    return {(o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects}


# --- chart folders --------------------------------------------------------------


def test_chart_folder_is_the_folder_the_layout_makes(tmp_path: Path) -> None:
    # GIVEN an app with a chart whose id cdk8s must hash ("HelloFlux") and a plain one
    import cdk8s_flux  # noqa: F401
    import cdk8s

    app = cdk8s.App(outdir=str(tmp_path))
    charts = [cdk8s.Chart(app, "HelloFlux"), cdk8s.Chart(app, "web")]
    for index, chart in enumerate(charts):
        cdk8s.ApiObject(chart, "cm", api_version="v1", kind="ConfigMap", metadata=cdk8s.ApiObjectMetadata(name=f"x{index}"))
    # WHEN it is synthesized and laid out
    app.synth()
    layout = build_layout(collect(tmp_path))
    # THEN each chart's folder is chart_folder(chart): cdk8s's DNS label, hash included
    folders = {path.split("/")[0] for path in layout if "/" in path}
    assert [chart_folder(c) for c in charts][0].startswith("helloflux-")
    assert folders == {chart_folder(c) for c in charts}
    assert chart_folder(charts[1]) == "web"


def test_index_cdk8s_adds_for_dependent_charts_is_not_part_of_the_folder(tmp_path: Path) -> None:
    # GIVEN two charts where one depends on the other: cdk8s names the files 0000-..., 0001-...
    import cdk8s_flux  # noqa: F401
    import cdk8s

    app = cdk8s.App(outdir=str(tmp_path))
    base, web = cdk8s.Chart(app, "base"), cdk8s.Chart(app, "web")
    for chart in (base, web):
        cdk8s.ApiObject(chart, "cm", api_version="v1", kind="ConfigMap", metadata=cdk8s.ApiObjectMetadata(name=chart.node.id))
    web.add_dependency(base)
    app.synth()
    files = collect(tmp_path)
    assert [f.path for f in files] == ["0000-base.k8s.yaml", "0001-web.k8s.yaml"]
    # WHEN laid out
    layout = build_layout(files)
    # THEN the folders are the charts' names, listed in synth order
    assert {p.split("/")[0] for p in layout if "/" in p} == {chart_folder(base), chart_folder(web)} == {"base", "web"}
    assert yaml.safe_load(layout[KUSTOMIZATION])["resources"] == ["base", "web"]


def test_a_name_that_only_looks_indexed_keeps_its_digits() -> None:
    layout = build_layout([manifest("2024-report.k8s.yaml", configmap("a"))])
    assert "2024-report/configmap_a.yaml" in layout


# --- object files ---------------------------------------------------------------


def test_object_file_names() -> None:
    assert object_file_name(ObjectKey("", "ConfigMap", "blue", "settings")) == "configmap_blue_settings.yaml"
    assert object_file_name(ObjectKey("", "Namespace", "", "blue")) == "namespace_blue.yaml"
    # ':' (RBAC names) and capitals are percent-encoded: case-insensitive file systems stay safe
    assert (
        object_file_name(ObjectKey("rbac.authorization.k8s.io", "ClusterRole", "", "system:Reader"))
        == "clusterrole_system%3A%52eader.yaml"
    )
    assert object_file_name(ObjectKey("apps", "Deployment", "a", "b"), qualify_group=True) == "deployment.apps_a_b.yaml"
    # the core group has no name to add
    assert object_file_name(ObjectKey("", "Event", "a", "b"), qualify_group=True) == "event_a_b.yaml"


def test_same_name_in_two_namespaces_gives_two_files_where_cdk8s_gives_one() -> None:
    # GIVEN two ConfigMaps "settings" in namespaces blue and green (cdk8s's per-resource
    # layout writes both to ConfigMap.settings.k8s.yaml)
    files = [manifest("web.k8s.yaml", configmap("settings", "blue", c="b"), configmap("settings", "green", c="g"))]
    # WHEN laid out
    layout = build_layout(files)
    # THEN each has its own file
    assert sorted(layout) == [
        KUSTOMIZATION,
        "web/configmap_blue_settings.yaml",
        "web/configmap_green_settings.yaml",
        f"web/{KUSTOMIZATION}",
    ]
    assert yaml.safe_load(layout["web/configmap_green_settings.yaml"])["data"] == {"c": "g"}


def test_same_kind_and_name_from_two_groups_get_the_group_in_the_name() -> None:
    a = {"apiVersion": "a.example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "n"}}
    b = {"apiVersion": "b.example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "n"}}
    layout = build_layout([manifest("c.k8s.yaml", a, b)])
    assert "c/widget.a.example.com_n_w.yaml" in layout and "c/widget.b.example.com_n_w.yaml" in layout


def test_one_object_twice_in_a_chart_is_an_error_naming_both() -> None:
    files = [manifest("web.k8s.yaml", configmap("x", "n", v="1"), configmap("x", "n", v="2"))]
    with pytest.raises(LayoutError) as error:
        build_layout(files)
    assert "ConfigMap n/x" in str(error.value)
    assert "document 1" in str(error.value) and "document 2" in str(error.value)


def test_one_object_in_two_charts_is_an_error_kustomize_would_raise_later() -> None:
    files = [manifest("a.k8s.yaml", configmap("x", "n")), manifest("b.k8s.yaml", configmap("x", "n"))]
    with pytest.raises(LayoutError, match="chart 'a'.*chart 'b'"):
        build_layout(files)


def test_an_object_without_a_name_is_an_error() -> None:
    files = [manifest("a.k8s.yaml", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "x-"}})]
    with pytest.raises(LayoutError, match="no metadata.name"):
        build_layout(files)


_label = st.from_regex(r"[a-z0-9]([a-z0-9.:-]{0,20}[a-z0-9])?", fullmatch=True)
_keys = st.builds(
    ObjectKey,
    group=st.sampled_from(["", "apps", "a.example.com", "b.example.com"]),
    kind=st.sampled_from(["ConfigMap", "Widget", "Deployment"]),
    namespace=st.one_of(st.just(""), _label),
    name=st.one_of(_label, st.text(min_size=1, max_size=12)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_keys, min_size=2, max_size=12, unique=True))
def test_distinct_objects_never_share_a_file(keys: list[ObjectKey]) -> None:
    # The chart qualifies a kind with its group when the kind comes from several groups.
    groups: dict[str, set[str]] = {}
    for key in keys:
        groups.setdefault(key.kind.lower(), set()).add(key.group)
    names = [object_file_name(k, qualify_group=len(groups[k.kind.lower()]) > 1) for k in keys]
    assert len(set(names)) == len(names)
    assert all("/" not in n and n.count("_") in (1, 2) for n in names)


@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        ObjectKey,
        group=st.text(max_size=300),
        kind=st.text(min_size=1, max_size=300),
        namespace=st.text(max_size=300),
        name=st.text(min_size=1, max_size=300),
    ),
    st.booleans(),
)
def test_an_object_file_name_is_always_one_git_and_disks_take(key: ObjectKey, qualify: bool) -> None:
    # Percent-encoded parts, '_' between them, '.yaml' at the end, at most 255 bytes: never '..' or a '.git'.
    assert path_part_problem(object_file_name(key, qualify_group=qualify)) is None


@pytest.mark.parametrize(
    ("path", "chart"),
    [("...yaml", ".."), ("..k8s.yaml", "."), (".git.k8s.yaml", ".git"), (".GIT/a.yaml", ".GIT"), ("git~1.yaml", "git~1"),
     (".k8s.yaml", "")],
)
def test_a_chart_whose_folder_git_would_drop_or_that_leaves_the_layout_is_refused(path: str, chart: str) -> None:
    # GIVEN synthesized files whose chart name is no folder name git keeps
    files = [manifest(path, configmap("a", "web")), manifest("web.k8s.yaml", configmap("b", "web"))]
    # THEN the layout refuses them, naming the chart and the file, instead of writing ../ or a .git folder
    with pytest.raises(LayoutError) as raised:
        build_layout(files)
    assert f"chart {chart!r} (from {path})" in str(raised.value) and "Fix:" in str(raised.value)


# --- files and kustomize ----------------------------------------------------------


def test_object_files_are_deterministic_sorted_yaml_with_a_header() -> None:
    obj = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}, "data": {"z": "1", "a": "two\nlines\n"}}
    text = build_layout([manifest("web.k8s.yaml", obj)])["web/configmap_x.yaml"]
    assert text == (
        "# Generated by cdk8s-flux from chart web. Do not edit.\n"
        "apiVersion: v1\n"
        "data:\n"
        "  a: |\n"
        "    two\n"
        "    lines\n"
        "  z: '1'\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: x\n"
    )


def test_kustomization_files_list_what_is_beside_them() -> None:
    layout = build_layout([manifest("web.k8s.yaml", configmap("b"), configmap("a"))])
    assert yaml.safe_load(layout[f"web/{KUSTOMIZATION}"]) == {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["configmap_b.yaml", "configmap_a.yaml"],
    }
    assert build_layout([manifest("web.k8s.yaml", configmap("a"))], kustomization_files=False) == {
        "web/configmap_a.yaml": layout["web/configmap_a.yaml"]
    }


def test_layout_parses_back_to_the_synthesized_objects(apps: Path) -> None:
    files = synthesize(load_app_config(apps / "two-charts"))
    objects = [o for documents in layout_objects(build_layout(files)).values() for o in documents]
    canonical = lambda objs: sorted(json.dumps(o, sort_keys=True) for o in objs)  # noqa: E731
    assert canonical(objects) == canonical([o for f in files for o in f.objects])


@pytest.mark.parametrize("app", ["two-charts", "from-file"])
def test_kubectl_kustomize_builds_the_top_folder_and_each_chart_folder(
    apps: Path, tmp_path: Path, app: str, kubectl: str
) -> None:
    # GIVEN an app's layout written to a folder
    files = synthesize(load_app_config(apps / app))
    root = write(build_layout(files), tmp_path / "dist")
    synthesized = [o for f in files for o in f.objects]
    # WHEN kubectl kustomize builds the top folder
    built = kustomize(kubectl, root)
    # THEN it yields exactly the objects the app synthesized, unchanged
    assert identities(built) == identities(synthesized) and len(built) == len(synthesized)
    by_identity = {next(iter(identities([o]))): o for o in synthesized}
    assert all(by_identity[next(iter(identities([o])))] == o for o in built)
    # AND each chart folder builds on its own into that chart's objects
    for chart_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        chart_objects = [o for o in layout_objects({p.name: p.read_text() for p in chart_dir.glob("*.yaml")}).values()]
        expected = identities([o for documents in chart_objects for o in documents])
        assert identities(kustomize(kubectl, chart_dir)) == expected


def test_same_files_give_byte_identical_layouts(apps: Path) -> None:
    files = synthesize(load_app_config(apps / "from-file"))
    assert build_layout(files) == build_layout(list(files))
    assert all("Generated by cdk8s-flux" in text.splitlines()[0] for text in build_layout(files).values())


def test_synth_can_write_the_publish_layout(apps: Path, tmp_path: Path) -> None:
    from cli import run_cli

    out = tmp_path / "dist"
    result = run_cli("synth", str(apps / "from-file"), "-o", str(out), "--layout", "flux")
    assert result.returncode == 0, result.stderr
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == set(build_layout(synthesize(load_app_config(apps / "from-file"))))
