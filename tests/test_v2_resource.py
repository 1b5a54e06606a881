"""``cdk8s_flux.v2.resource``: naming, metadata, references and the escape hatch shared by every Flux construct.

The API versions are checked against the CRDs of Flux v2.9.4
(tests/data/flux/v2.9.4/gotk-components.yaml).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from fluxcrds import load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.substitution import Var
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import (
    Alert,
    AlertProps,
    BucketProps,
    GitRepository,
    GitRepositoryProps,
    GitRepositoryRef,
    HelmChartProps,
    HelmRelease,
    HelmReleaseProps,
    HelmRepository,
    HelmRepositoryProps,
    ImagePolicyProps,
    ImageRepositoryProps,
    ImageUpdateAutomationProps,
    Kustomization,
    KustomizationProps,
    ObjectRef,
    OCIRepositoryProps,
    Provider,
    ProviderProps,
    ReceiverProps,
)
from cdk8s_flux.v2.resource import API_VERSIONS, FluxObjectProps

ALL_PROPS = [
    GitRepositoryProps, OCIRepositoryProps, HelmRepositoryProps, HelmChartProps, BucketProps, KustomizationProps,
    HelmReleaseProps, ProviderProps, AlertProps, ReceiverProps, ImageRepositoryProps, ImagePolicyProps,
    ImageUpdateAutomationProps,
]  # fmt: skip
METADATA_FIELDS = {f.name for f in dataclasses.fields(FluxObjectProps)}
URL = "https://github.com/example/app"


def chart(namespace: str | None = None) -> cdk8s.Chart:
    return cdk8s.Chart(cdk8s.Testing.app(), "test", namespace=namespace)


def git(scope: cdk8s.Chart, id: str = "app", **options: Any) -> GitRepository:
    return GitRepository(scope, id, url=URL, ref=GitRepositoryRef(branch="main"), **options)


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def test_each_kind_is_emitted_in_the_one_version_flux_2_9_serves_and_stores(crds: list[dict[str, Any]]) -> None:
    """Each Flux v2.9.4 CRD serves exactly one version; objects in any other are refused by the cluster."""
    served = {}
    for crd in crds:
        versions = [v for v in crd["spec"]["versions"] if v.get("served")]
        assert len(versions) == 1 and versions[0].get("storage")
        served[crd["spec"]["names"]["kind"]] = f"{crd['spec']['group']}/{versions[0]['name']}"
    assert {kind: served[kind] for kind in API_VERSIONS} == API_VERSIONS
    assert {props.KIND for props in ALL_PROPS} == set(API_VERSIONS)


@pytest.mark.parametrize("props", ALL_PROPS, ids=lambda p: p.KIND)
def test_every_modelled_field_is_a_spec_field_of_the_crd(props: type[FluxObjectProps], crds: list[dict[str, Any]]) -> None:
    # GIVEN the CRD's spec properties
    crd = next(c for c in crds if c["spec"]["names"]["kind"] == props.KIND)
    properties = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    # THEN every spec key the props model, read off their fields, exists in the CRD
    assert set(props.spec_fields()) <= set(properties)
    # AND every argument sets some spec key (so extra_spec can point to it), the few renamed ones too
    arguments = {f.name for f in dataclasses.fields(props)} - METADATA_FIELDS
    assert {name for names in props.spec_fields().values() for name in names} == arguments
    assert set(props.SPEC_KEYS) <= arguments


def test_an_argument_that_is_set_only_with_another_still_guards_its_spec_field() -> None:
    """signing_key_type was missing from the hand-kept table; read off the fields, it cannot be."""
    assert "signing_key_type" in ImageUpdateAutomationProps.spec_fields()["git"]
    with pytest.raises(ValidationError, match="signing_key_type") as raised:
        ImageUpdateAutomationProps(source=ObjectRef(kind="GitRepository", name="x"), author_email="a@b.c", extra_spec={"git": {}})
    assert raised.value.field == "extra_spec['git']"


def test_name_defaults_to_the_construct_id_and_namespace_to_flux_system() -> None:
    # GIVEN a chart with a namespace of its own
    scope = chart(namespace="apps")
    # WHEN a GitRepository is added without name or namespace
    repo = git(scope, "podinfo")
    # THEN it is named after the id and lives in flux-system, as `flux create` puts it
    assert chart_objects(scope)[0]["metadata"] == {"name": "podinfo", "namespace": "flux-system"}
    assert (repo.name, repo.namespace, repo.kind, repo.api_version) == (
        "podinfo", "flux-system", "GitRepository", "source.toolkit.fluxcd.io/v1",
    )  # fmt: skip


def test_an_id_that_is_no_object_name_asks_for_a_name() -> None:
    with pytest.raises(ValidationError, match="name='podinfo'") as raised:
        git(chart(), "PodInfo_")
    assert raised.value.field == "name"
    assert git(chart(), "PodInfo_", name="pod-info").name == "pod-info"


@pytest.mark.parametrize("name", ["Podinfo", "a" * 64, "-x", "x_y", ""])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        GitRepositoryProps(name=name, url=URL, ref=GitRepositoryRef(branch="main"))
    assert raised.value.field == "name"


def test_labels_and_annotations_are_set_and_checked() -> None:
    scope = chart()
    git(scope, labels={"team": "web", "example.com/tier": "1"}, annotations={"example.com/note": "any text: ok"})
    assert chart_objects(scope)[0]["metadata"] == {
        "annotations": {"example.com/note": "any text: ok"},
        "labels": {"example.com/tier": "1", "team": "web"},
        "name": "app",
        "namespace": "flux-system",
    }
    with pytest.raises(ValidationError, match="label value"):
        GitRepositoryProps(url=URL, ref=GitRepositoryRef(branch="main"), labels={"team": "a b"})
    with pytest.raises(ValidationError, match="not a valid key"):
        GitRepositoryProps(url=URL, ref=GitRepositoryRef(branch="main"), annotations={"bad key": "x"})


def test_extra_spec_adds_a_field_that_is_not_modelled() -> None:
    scope = chart()
    git(scope, extra_spec={"futureField": {"on": True}})
    assert chart_objects(scope)[0]["spec"]["futureField"] == {"on": True}


def test_extra_spec_may_not_override_a_modelled_field_and_names_the_argument() -> None:
    with pytest.raises(ValidationError, match="set interval= instead") as raised:
        GitRepositoryProps(url=URL, ref=GitRepositoryRef(branch="main"), extra_spec={"interval": "5m"})
    assert raised.value.field == "extra_spec['interval']"
    with pytest.raises(ValidationError, match="set source= instead"):
        KustomizationProps(source=ObjectRef(kind="GitRepository", name="x"), extra_spec={"sourceRef": {}})
    with pytest.raises(ValidationError, match="cannot be written to YAML"):
        GitRepositoryProps(url=URL, ref=GitRepositoryRef(branch="main"), extra_spec={"x": object()})


def test_api_object_of_reaches_the_resource() -> None:
    repo = git(chart())
    assert cdk8s.ApiObject.of(repo) is repo.resource
    assert repo.resource.node.id == "Resource"


def test_ref_names_the_namespace_only_across_namespaces() -> None:
    repo = git(chart(), namespace="sources")
    assert repo.ref("sources") == {"kind": "GitRepository", "name": "app"}
    assert repo.ref("apps") == {"kind": "GitRepository", "name": "app", "namespace": "sources"}
    assert ObjectRef(kind="GitRepository", name="flux-system").ref("apps") == {"kind": "GitRepository", "name": "flux-system"}


def test_cross_namespace_source_and_depends_on() -> None:
    # GIVEN a source and a Kustomization in flux-system
    scope = chart()
    repo = git(scope)
    infra = Kustomization(scope, "infra", source=repo)
    # WHEN a Kustomization in another namespace uses both
    apps = Kustomization(scope, "apps", source=repo, depends_on=[infra], namespace="apps")
    # THEN its references carry the namespace
    assert apps.manifest["spec"]["sourceRef"] == {"kind": "GitRepository", "name": "app", "namespace": "flux-system"}
    assert apps.manifest["spec"]["dependsOn"] == [{"name": "infra", "namespace": "flux-system"}]


def test_a_provider_in_another_namespace_is_refused() -> None:
    """Alert.spec.providerRef is a LocalObjectReference: name only."""
    scope = chart()
    slack = Provider(scope, "slack", type="slack", namespace="monitoring")
    with pytest.raises(ValidationError, match="own namespace") as raised:
        Alert(scope, "alert", provider=slack, event_sources=[ObjectRef(kind="Kustomization", name="*")])
    assert raised.value.field == "provider"
    assert "namespace='monitoring'" in raised.value.fix


def test_a_reference_of_the_wrong_kind_or_type_is_refused() -> None:
    scope = chart()
    slack = Provider(scope, "slack", type="slack")
    with pytest.raises(ValidationError, match="a Provider cannot be referenced here"):
        KustomizationProps(source=slack)
    with pytest.raises(ValidationError, match="not a Flux object"):
        KustomizationProps(source="GitRepository/app")


def test_props_or_keywords() -> None:
    props = GitRepositoryProps(url=URL, ref=GitRepositoryRef(branch="main"))
    assert git(chart()).manifest == GitRepository(chart(), "app", props).manifest
    with pytest.raises(ValidationError, match="see GitRepositoryProps"):
        GitRepository(chart(), "app", url=URL, ref=GitRepositoryRef(branch="main"), branch="main")


# --- extra_spec merges into modelled objects; the final object is checked -------------

CHART = {"chart": "podinfo", "chart_source": ObjectRef(kind="HelmRepository", name="podinfo")}


def test_extra_spec_merges_into_an_object_the_props_write_into() -> None:
    # GIVEN a release whose props write spec.install.crds
    props = HelmReleaseProps(**CHART, crds="CreateReplace", extra_spec={"install": {"futureOption": True}, "upgrade": {"remediation": {"futureOption": 1}}})
    # THEN extra_spec adds its fields beside the modelled ones instead of being refused
    assert props.spec["install"] == {"crds": "Create", "futureOption": True}
    assert props.spec["upgrade"] == {"crds": "CreateReplace", "remediation": {"futureOption": 1}}


def test_extra_spec_refuses_only_a_field_the_props_write_and_names_the_argument() -> None:
    with pytest.raises(ValidationError, match=r"set crds= or install=HelmReleaseInstall\(crds=\.\.\.\) instead") as raised:
        HelmReleaseProps(**CHART, extra_spec={"install": {"crds": "Skip"}})
    assert raised.value.field == "extra_spec['install']['crds']"
    with pytest.raises(ValidationError, match=r"upgrade=HelmReleaseUpgrade\(strategy=UpgradeStrategy\(retry_interval=\.\.\.\)\)"):
        HelmReleaseProps(**CHART, extra_spec={"upgrade": {"strategy": {"retryInterval": "1m"}}})
    with pytest.raises(ValidationError, match="give a mapping") as raised:
        HelmReleaseProps(**CHART, extra_spec={"install": "yes"})
    assert raised.value.field == "extra_spec['install']"


def _synth_problems(scope: cdk8s.Chart) -> str:
    with pytest.raises(RuntimeError) as raised:
        cdk8s.Testing.synth(scope)
    return str(raised.value)


def test_a_json_patch_is_checked_against_the_crd_when_synthesized() -> None:
    # GIVEN a GitRepository patched through the cdk8s route, with an interval Flux refuses
    scope = chart()
    repo = git(scope)
    cdk8s.ApiObject.of(repo).add_json_patch(cdk8s.JsonPatch.replace("/spec/interval", "every minute"))
    # WHEN the chart is synthesized THEN the CRD's pattern refuses it, naming the object and the field
    message = _synth_problems(scope)
    assert "GitRepository 'app': spec.interval" in message and "every minute" in message


def test_the_final_check_leaves_placeholders_and_fields_of_a_newer_flux_alone() -> None:
    scope = chart()
    repo = git(scope, extra_spec={"fieldOfANewerFlux": {"on": True}})
    cdk8s.ApiObject.of(repo).add_json_patch(cdk8s.JsonPatch.replace("/spec/interval", "${sync_interval}"))
    assert chart_objects(scope)[0]["spec"]["interval"] == "${sync_interval}"
    assert repo.problems() == []


# --- namespace=None -------------------------------------------------------------------


def test_namespace_none_writes_no_namespace_even_in_a_chart_with_one() -> None:
    # GIVEN a chart with a namespace WHEN a GitRepository is made with namespace=None
    scope = chart(namespace="apps")
    repo = git(scope, namespace=None)
    # THEN its object has no namespace (the Kustomization that applies it decides)
    assert "namespace" not in chart_objects(scope)[0]["metadata"] and repo.namespace is None


def test_references_between_objects_without_namespace() -> None:
    scope = chart()
    repo = git(scope, namespace=None)
    # GIVEN objects that all leave the namespace out THEN their references name none
    apps = Kustomization(scope, "apps", source=repo, namespace=None)
    assert apps.manifest["spec"]["sourceRef"] == {"kind": "GitRepository", "name": "app"}
    # AND an object without namespace names the namespace of one that has it
    flux = git(scope, "flux", namespace="flux-system")
    assert Kustomization(scope, "infra", source=flux, namespace=None).manifest["spec"]["sourceRef"]["namespace"] == "flux-system"
    # BUT from an object in a namespace, where the other will be is unknown
    with pytest.raises(ValidationError, match="namespace=None") as raised:
        Kustomization(scope, "prod", source=repo, namespace="prod")
    assert raised.value.field == "source"


# --- post-build variables in names ------------------------------------------------------


def test_names_namespaces_and_references_take_post_build_variables() -> None:
    scope = chart()
    repo = git(scope, name=f"{Var('cluster')}-apps", namespace=Var("tenant"))
    apps = Kustomization(scope, "apps", source=repo, namespace=Var("tenant"), depends_on=[ObjectRef(kind="Kustomization", name=Var("infra", "infra"))])
    assert chart_objects(scope)[0]["metadata"] == {"name": "${cluster}-apps", "namespace": "${tenant}"}
    assert apps.manifest["spec"]["sourceRef"] == {"kind": "GitRepository", "name": "${cluster}-apps"}
    assert apps.manifest["spec"]["dependsOn"] == [{"name": "${infra:=infra}"}]
    with pytest.raises(ValidationError, match="RFC 1123"):
        git(chart(), namespace="${tenant} apps")


# --- ids -------------------------------------------------------------------------------


def test_a_source_and_a_release_may_share_an_id() -> None:
    # GIVEN the usual Flux naming: HelmRepository podinfo and HelmRelease podinfo
    scope = chart()
    repo = HelmRepository(scope, "podinfo", url="https://stefanprodan.github.io/podinfo")
    release = HelmRelease(scope, "podinfo", chart="podinfo", chart_source=repo)
    # THEN both are made, named as their id, each under a node id of its kind
    assert [(o["kind"], o["metadata"]["name"]) for o in chart_objects(scope)] == [("HelmRepository", "podinfo"), ("HelmRelease", "podinfo")]
    assert (repo.node.id, release.node.id) == ("HelmRepository:podinfo", "HelmRelease:podinfo")


def test_two_objects_of_one_kind_with_one_id_get_an_error_naming_both() -> None:
    scope = chart()
    HelmRelease(scope, "podinfo", **CHART)
    with pytest.raises(ValidationError) as raised:
        HelmRelease(scope, "podinfo", **CHART, namespace="staging")
    assert raised.value.field == "id"
    assert "HelmRelease 'podinfo' in namespace 'flux-system'" in raised.value.problem
    assert "HelmRelease 'podinfo' in namespace 'staging'" in raised.value.problem
    assert "name='podinfo'" in raised.value.fix


def test_a_var_is_written_as_a_plain_string() -> None:
    """So that the manifest dumps as YAML like any other (a str subclass would not)."""
    props = HelmReleaseProps(chart=Var("chart"), chart_source=ObjectRef(kind="HelmRepository", name="podinfo"), release_name=Var("release"))
    assert type(props.spec["releaseName"]) is str and type(props.spec["chart"]["spec"]["chart"]) is str
    assert "releaseName: ${release}" in yaml.safe_dump(props.manifest("podinfo"))
