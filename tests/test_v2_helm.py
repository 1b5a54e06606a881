"""``cdk8s_flux.v2.helm``: HelmRelease (Flux v2.9.4 CRDs)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from apidocs import API_DOCS, defaulted, spec_schema
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.v2 import (
    DriftDetection,
    HelmRelease,
    HelmReleaseDependsOn,
    HelmReleaseInstall,
    HelmReleaseProps,
    HelmReleaseTest,
    HelmReleaseUpgrade,
    HelmRepository,
    Image,
    InstallRemediation,
    InstallStrategy,
    KustomizePostRenderer,
    ObjectRef,
    Patch,
    PatchTarget,
    PostRenderer,
    TestFilter,
    UpgradeRemediation,
    UpgradeStrategy,
    ValuesReference,
    Verification,
    WaitStrategy,
)
from cdk8s_flux.v2.kustomize import HealthCheckExpr, IgnoreRule, KubeConfig
from cdk8s_flux.validate import validate_objects

REPO = ObjectRef(kind="HelmRepository", name="podinfo")


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def test_a_release_of_a_chart_in_another_namespace(crds: list[dict[str, Any]]) -> None:
    # GIVEN a HelmRepository in flux-system
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    repo = HelmRepository(scope, "podinfo", url="https://stefanprodan.github.io/podinfo")
    # WHEN a release in namespace apps uses it, with the options of flux create helmrelease
    release = HelmRelease(
        scope, "podinfo-release", namespace="apps", chart="podinfo", chart_source=repo, chart_version=">=6.0.0 <7.0.0",
        release_name="podinfo", target_namespace="web", create_target_namespace=True, crds="CreateReplace",
        depends_on=[ObjectRef(kind="HelmRelease", name="cert-manager", namespace="infra")],
        values={"replicaCount": 2, "ingress": {"enabled": True}},
        values_from=[ValuesReference(kind="Secret", name="podinfo-values", values_key="prod.yaml")],
        service_account_name="helm", install_retries=3, upgrade_retries=-1, drift_detection="enabled", max_history=5,
        timeout="5m",
    )  # fmt: skip
    # THEN the chart source carries its namespace, and --crds sets install Create and the upgrade policy
    assert release.manifest["spec"] == {
        "chart": {
            "spec": {
                "chart": "podinfo",
                "reconcileStrategy": "ChartVersion",
                "sourceRef": {"kind": "HelmRepository", "name": "podinfo", "namespace": "flux-system"},
                "version": ">=6.0.0 <7.0.0",
            }
        },
        "dependsOn": [{"name": "cert-manager", "namespace": "infra"}],
        "driftDetection": {"mode": "enabled"},
        "install": {"createNamespace": True, "crds": "Create", "remediation": {"retries": 3}},
        "interval": "1m0s",
        "maxHistory": 5,
        "releaseName": "podinfo",
        "serviceAccountName": "helm",
        "targetNamespace": "web",
        "timeout": "5m",
        "upgrade": {"crds": "CreateReplace", "remediation": {"retries": -1}},
        "values": {"ingress": {"enabled": True}, "replicaCount": 2},
        "valuesFrom": [{"kind": "Secret", "name": "podinfo-values", "valuesKey": "prod.yaml"}],
    }
    assert validate_objects([release.manifest], crds=crds) == [] and cel_problems([release.manifest], crds) == []


def test_chart_spec_options(crds: list[dict[str, Any]]) -> None:
    props = HelmReleaseProps(
        chart="podinfo", chart_source=REPO, chart_interval="1h", reconcile_strategy="Revision",
        values_files=["values.yaml", "values-prod.yaml"], verify=Verification(secret_ref="cosign-keys"),
    )  # fmt: skip
    obj = props.manifest("podinfo")
    assert obj["spec"]["chart"] == {
        "spec": {
            "chart": "podinfo",
            "interval": "1h",
            "reconcileStrategy": "Revision",
            "sourceRef": {"kind": "HelmRepository", "name": "podinfo"},
            "valuesFiles": ["values.yaml", "values-prod.yaml"],
            "verify": {"provider": "cosign", "secretRef": {"name": "cosign-keys"}},
        }
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({}, "chart", "chart_ref"),
        ({"chart": "podinfo"}, "chart_source", "required"),
        ({"chart_ref": ObjectRef(kind="OCIRepository", name="x"), "chart": "podinfo"}, "chart", "together with chart_ref"),
        ({"chart_ref": ObjectRef(kind="OCIRepository", name="x"), "reconcile_strategy": "Revision"}, "reconcile_strategy", "together with chart_ref"),
        ({"chart_ref": ObjectRef(kind="HelmRepository", name="x")}, "chart_ref", "cannot be referenced"),
        ({"chart": "p", "chart_source": REPO, "chart_version": "latest"}, "chart_version", "semver"),
        ({"chart": "p", "chart_source": REPO, "crds": "create"}, "crds", "CreateReplace"),
        ({"chart": "p", "chart_source": REPO, "create_target_namespace": True}, "create_target_namespace", "target_namespace"),
        ({"chart": "p", "chart_source": REPO, "release_name": "a" * 54}, "release_name", "53"),
        ({"chart": "p", "chart_source": REPO, "values": {"a": {1, 2}}}, "values.a", "YAML"),
        ({"chart": "p", "chart_source": REPO, "values_from": [ValuesReference(kind="Secret", name="v", target_path="a b")]}, "values_from[0].target_path", "values path"),
        ({"chart": "p", "chart_source": ObjectRef(kind="GitRepository", name="g"), "verify": Verification()}, "verify", "HelmRepository"),
        ({"chart": "p", "chart_source": REPO, "depends_on": [ObjectRef(kind="Kustomization", name="k")]}, "depends_on[0]", "cannot be referenced"),
        ({"chart": "p", "chart_source": REPO, "install_retries": 1.5}, "install_retries", "integer"),
    ],
)
def test_errors_name_the_field(options: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        HelmReleaseProps(**options)
    assert raised.value.field == field


# --- the HelmReleases of helm-controller's API docs, rebuilt -----------------------------------

HELM_DOCS = API_DOCS / "helm-controller" / "helmreleases.md"
HELM_REPO = ObjectRef(kind="HelmRepository", name="podinfo")


def _doc_blocks() -> list[str]:
    """The YAML examples of docs/spec/v2/helmreleases.md, in order (1-based in the test ids)."""
    return re.findall(r"^```yaml\n(.*?)^```", HELM_DOCS.read_text(), re.S | re.M)


def _doc_releases(block: int) -> list[dict[str, Any]]:
    """The HelmReleases (or bare ``spec:`` fragments) of one example."""
    docs = [d for d in yaml.safe_load_all(_doc_blocks()[block - 1]) if d]
    return [d for d in docs if d.get("kind", "HelmRelease") == "HelmRelease"]


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        return {leaf: item for key, sub in value.items() for leaf, item in _leaves(sub, f"{path}.{key}" if path else key).items()}
    if isinstance(value, list) and value:
        return {leaf: item for index, sub in enumerate(value) for leaf, item in _leaves(sub, f"{path}[{index}]").items()}
    return {path: value}


def _as_stored(obj: dict[str, Any], crds: list[dict[str, Any]]) -> dict[str, Any]:
    """The object as the API server keeps it, field by field: CRD defaults in, a reference's namespace
    left out where it is the object's own (Flux reads both alike)."""
    spec = defaulted(obj.get("spec") or {}, spec_schema(crds, "HelmRelease"))
    own = (obj.get("metadata") or {}).get("namespace")
    for ref in [spec.get("chartRef"), (spec.get("chart") or {}).get("spec", {}).get("sourceRef"), *(spec.get("dependsOn") or [])]:
        if isinstance(ref, dict) and "namespace" in ref and ref["namespace"] == own:
            del ref["namespace"]
    return _leaves({**obj, "spec": spec})


def _release(scope: cdk8s.Chart, id: str, **options: Any) -> dict[str, Any]:
    return HelmRelease(scope, id, **options).manifest


def _example_1(scope: cdk8s.Chart) -> list[dict[str, Any]]:
    repo = HelmRepository(scope, "podinfo", namespace="default", interval="15m", url="https://stefanprodan.github.io/podinfo")
    return [
        _release(
            scope, "podinfo", namespace="default", interval="15m", timeout="5m", chart="podinfo", chart_version="6.5.*",
            chart_source=repo, chart_interval="5m", release_name="podinfo",
            install=HelmReleaseInstall(remediation=InstallRemediation(retries=3)),
            upgrade=HelmReleaseUpgrade(remediation=UpgradeRemediation(retries=3)), test=HelmReleaseTest(enable=True),
            drift_detection=DriftDetection(mode="enabled", ignore=[IgnoreRule(paths=["/spec/replicas"], target=PatchTarget(kind="Deployment"))]),
            values={"replicaCount": 2},
        )
    ]  # fmt: skip


def _chart_ref_example(kind: str) -> Any:
    def build(scope: cdk8s.Chart) -> list[dict[str, Any]]:
        source = ObjectRef(kind=kind, name="podinfo", namespace="default")
        return [_release(scope, "podinfo", namespace="default", interval="10m", chart_ref=source, values={"replicaCount": 2})]

    return build


def _dependencies(ready_expr: str | None, values: dict[str, Any] | None) -> Any:
    def build(scope: cdk8s.Chart) -> list[dict[str, Any]]:
        common: dict[str, Any] = {"namespace": "default", "chart": "podinfo", "chart_source": HELM_REPO, "values": values or {}}
        backend = HelmRelease(scope, "backend", **common)
        dependency = backend if ready_expr is None else HelmReleaseDependsOn.of(backend, ready_expr=ready_expr)
        return [backend.manifest, _release(scope, "frontend", **common, depends_on=[dependency])]

    return build


def _fragment(**options: Any) -> Any:
    def build(scope: cdk8s.Chart) -> list[dict[str, Any]]:
        return [_release(scope, "app", chart="podinfo", chart_source=HELM_REPO, **options)]

    return build


READY_EXPR = (
    "dep.spec.values.app.version == self.spec.values.app.version && "
    "dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True') && "
    "dep.metadata.generation == dep.status.observedGeneration\n"
)
DRIFT_PATCH = "- op: add\n  path: /metadata/annotations/helm.toolkit.fluxcd.io~1driftDetection\n  value: disabled\n"
LABEL_PATCH = "- op: add\n  path: /metadata/labels/environment\n  value: production\n"

#: Example number -> (rebuild, whether the example is a whole object or shows only some fields).
EXAMPLES: dict[int, tuple[Any, bool]] = {
    1: (_example_1, True),
    2: (_chart_ref_example("OCIRepository"), True),
    3: (_chart_ref_example("HelmChart"), True),
    4: (_dependencies(None, None), False),
    5: (_dependencies(READY_EXPR, {"app": {"version": "v1.2.3"}}), False),
    6: (_fragment(values_from=[
        ValuesReference(kind="ConfigMap", name="prod-env-values", values_key="values-prod.yaml"),
        ValuesReference(kind="Secret", name="prod-tls-values", values_key="crt", target_path="tls.crt", optional=True),
        ValuesReference(kind="ConfigMap", name="app-config-source", values_key="application.yml", target_path="externalConfig.application\\.yml.content", literal=True),
    ]), False),
    7: (_fragment(values={"replicaCount": 2}), False),
    8: (_fragment(post_render_strategy="combined"), False),
    9: (_fragment(test=HelmReleaseTest(enable=True, ignore_failures=True)), False),
    10: (_fragment(test=HelmReleaseTest(enable=True, filters=[
        TestFilter(name="my-release-test-connection", exclude=False), TestFilter(name="my-release-test-migration", exclude=True),
    ])), False),
    11: (_fragment(drift_detection=DriftDetection(mode="enabled", ignore=[IgnoreRule(paths=["/spec/replicas"])])), False),
    12: (_fragment(drift_detection=DriftDetection(ignore=[IgnoreRule(paths=["/spec/replicas"], target=PatchTarget(kind="Deployment"))])), False),
    13: (_fragment(post_renderers=[PostRenderer(kustomize=KustomizePostRenderer(patches=[
        Patch(patch=DRIFT_PATCH, target=PatchTarget(version="v1", kind="Deployment", name="my-app")),
    ]))]), False),
    14: (_fragment(post_renderers=[PostRenderer(kustomize=KustomizePostRenderer(
        patches=[Patch(patch=LABEL_PATCH, target=PatchTarget(version="v1", kind="Deployment", name="metrics-server"))],
        images=[Image(name="docker.io/bitnami/metrics-server", new_name="docker.io/bitnami/metrics-server", new_tag="0.4.1-debian-10-r54")],
    ))]), False),
    15: (_fragment(wait_strategy=WaitStrategy(name="poller")), False),
    16: (lambda scope: [_release(
        scope, "sealed-secrets", namespace=None, interval="10m", chart_ref=ObjectRef(kind="OCIRepository", name="sealed-secrets-chart"),
        values={"replicaCount": 2}, health_check_exprs=[HealthCheckExpr(
            api_version="bitnami.com/v1alpha1", kind="SealedSecret",
            failed="status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
            current="status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
        )],
    )], True),
    19: (lambda scope: [_release(
        scope, "webapp", namespace="apps", release_name="webapp", chart_ref=ObjectRef(kind="OCIRepository", name="webapp-chart"),
        interval="30m", drift_detection="enabled",
        install=HelmReleaseInstall(strategy=InstallStrategy(name="RetryOnFailure", retry_interval="5m")),
        upgrade=HelmReleaseUpgrade(crds="CreateReplace", strategy=UpgradeStrategy(name="RetryOnFailure", retry_interval="5m")),
        values_from=[ValuesReference(kind="ConfigMap", name="webapp-values"), ValuesReference(kind="Secret", name="webapp-secret-values")],
    )], True),
    20: (lambda scope: [_release(
        scope, "my-operator", namespace="default", interval="15m", chart="my-operator", chart_version="1.0.1",
        chart_source=ObjectRef(kind="HelmRepository", name="my-operator-repo"), chart_interval="5m",
        install=HelmReleaseInstall(crds="CreateReplace"), upgrade=HelmReleaseUpgrade(crds="CreateReplace"),
    )], True),
    22: (lambda scope: [_release(
        scope, "podinfo", namespace="webapp", service_account_name="webapp-reconciler", interval="15m", chart="podinfo", chart_source=HELM_REPO,
    )], True),
    # the example leaves out the required interval, so only the fields it shows are compared
    23: (lambda scope: [_release(
        scope, "kube-prometheus-stack", namespace="capi-stage", kube_config=KubeConfig(secret_ref="stage-kubeconfig"), chart="prometheus",
        chart_version=">=4.0.0 <5.0.0", chart_source=ObjectRef(kind="HelmRepository", name="prometheus-community"),
        install=HelmReleaseInstall(remediation=InstallRemediation(retries=-1)),
    )], False),
    25: (_fragment(suspend=True), False),
}  # fmt: skip
#: Examples with no HelmRelease spec to rebuild, and why.
NOT_REBUILT = {
    17: "a Secret", 18: "not YAML (an ellipsis stands for fields)", 21: "RBAC objects", 24: "not YAML (an ellipsis stands for fields)",
    26: "its only field is commented out", 27: "labels of a ConfigMap or Secret", 28: "an Event", 29: "status only", 30: "status only",
}  # fmt: skip


def test_every_example_of_the_api_docs_is_rebuilt_or_said_why_not() -> None:
    assert len(_doc_blocks()) == 30
    assert sorted({*EXAMPLES, *NOT_REBUILT}) == list(range(1, 31))


@pytest.mark.parametrize("block", sorted(EXAMPLES))
def test_the_api_docs_example_is_rebuilt_field_by_field(block: int, crds: list[dict[str, Any]]) -> None:
    # GIVEN the HelmReleases of one example of helm-controller's API docs
    build, whole = EXAMPLES[block]
    documented = _doc_releases(block)
    # WHEN the constructs rebuild them
    scope = cdk8s.Chart(cdk8s.Testing.app(), "docs")
    built = build(scope)
    assert len(built) == len(documented)
    for ours, theirs in zip(built, documented, strict=True):
        ours_fields, their_fields = _as_stored(ours, crds), _as_stored(theirs, crds)
        # THEN every field the docs show is ours, with the same value; a whole object has no field more
        if whole:
            assert ours_fields == their_fields
        else:
            assert {path: ours_fields.get(path, "<missing>") for path in their_fields if path.startswith("spec.")} == {
                path: value for path, value in their_fields.items() if path.startswith("spec.")
            }
    # AND what we emit passes the CRD schema and CEL rules
    assert validate_objects(built, crds=crds) == [] and cel_problems(built, crds) == []


# --- the nested fields: their rules, and the shorthands beside them ------------------------------------


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"install": HelmReleaseInstall(strategy=InstallStrategy(name="RemediateOnFailure", retry_interval="1m"))}, "install.strategy.retry_interval", "RetryOnFailure"),
        ({"upgrade": HelmReleaseUpgrade(strategy=UpgradeStrategy(name="Retry"))}, "upgrade.strategy.name", "RetryOnFailure"),
        ({"upgrade": HelmReleaseUpgrade(remediation=UpgradeRemediation(strategy="rollforward"))}, "upgrade.remediation.strategy", "uninstall"),
        ({"upgrade": HelmReleaseUpgrade(server_side_apply="true")}, "upgrade.server_side_apply", "auto"),
        ({"install": HelmReleaseInstall(timeout="ten minutes")}, "install.timeout", "duration"),
        ({"install": HelmReleaseInstall(crds="Skip"), "crds": "Create"}, "crds", "install.crds"),
        ({"install": HelmReleaseInstall(remediation=InstallRemediation(retries=1)), "install_retries": 2}, "install_retries", "install.remediation.retries"),
        ({"upgrade": HelmReleaseUpgrade(remediation=UpgradeRemediation(retries=1)), "upgrade_retries": 2}, "upgrade_retries", "upgrade.remediation.retries"),
        ({"kube_config": KubeConfig(secret_ref="a"), "kube_config_secret_ref": "b"}, "kube_config_secret_ref", "kube_config"),
        ({"drift_detection": DriftDetection(mode="on")}, "drift_detection.mode", "enabled"),
        ({"drift_detection": DriftDetection(ignore=["/spec/replicas"])}, "drift_detection.ignore[0]", "IgnoreRule"),
        ({"post_renderers": [PostRenderer()]}, "post_renderers[0].kustomize", "does nothing"),
        ({"post_renderers": [{"kustomize": {}}]}, "post_renderers[0]", "PostRenderer"),
        ({"test": HelmReleaseTest(filters=[TestFilter(name="")])}, "test.filters[0].name", "string"),
        ({"wait_strategy": WaitStrategy(name="helm")}, "wait_strategy.name", "poller"),
        ({"post_render_strategy": "all"}, "post_render_strategy", "combined"),
        ({"install": {"timeout": "5m"}}, "install", "HelmReleaseInstall"),
        ({"chart_ref": ObjectRef(kind="OCIRepository", name="x"), "ignore_missing_values_files": True, "chart": None, "chart_source": None}, "ignore_missing_values_files", "chart_ref"),
    ],
)
def test_nested_fields_refuse_what_flux_refuses(options: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        HelmReleaseProps(**{"chart": "podinfo", "chart_source": REPO, **options})
    assert raised.value.field == field


def test_a_ready_expr_that_does_not_parse_is_refused_when_made() -> None:
    with pytest.raises(ValidationError, match="CEL") as raised:
        HelmReleaseDependsOn(name="backend", ready_expr="dep.status ==")
    assert raised.value.field == "depends_on.ready_expr"


def test_shorthands_and_nested_fields_write_one_object() -> None:
    # GIVEN the CLI's shorthands beside nested fields that do not overlap
    props = HelmReleaseProps(
        chart="podinfo", chart_source=REPO, crds="CreateReplace", install_retries=3, upgrade_retries=-1,
        install=HelmReleaseInstall(timeout="10m"), upgrade=HelmReleaseUpgrade(remediation=UpgradeRemediation(strategy="uninstall")),
    )  # fmt: skip
    # THEN both land in one install and one upgrade
    assert props.spec["install"] == {"crds": "Create", "remediation": {"retries": 3}, "timeout": "10m"}
    assert props.spec["upgrade"] == {"crds": "CreateReplace", "remediation": {"retries": -1, "strategy": "uninstall"}}


def test_create_namespace_nested_needs_no_target_namespace() -> None:
    """Helm creates the release namespace; only the CLI shorthand speaks of the target namespace."""
    props = HelmReleaseProps(chart="podinfo", chart_source=REPO, install=HelmReleaseInstall(create_namespace=True))
    assert props.spec["install"] == {"createNamespace": True}




def _spec_classes() -> list[type]:
    from cdk8s_flux.v2 import helm

    return [
        helm.HelmReleaseProps,
        *(item for item in vars(helm).values() if isinstance(item, type) and issubclass(item, helm.SpecObject) and item.__module__ == helm.__name__),
    ]


@pytest.mark.parametrize("cls", _spec_classes(), ids=lambda c: c.__name__)
def test_every_prop_is_described_in_its_docstring(cls: type) -> None:
    import dataclasses

    metadata = {"name", "namespace", "labels", "annotations", "extra_spec"} if cls is HelmReleaseProps else set()
    own = {f.name for f in dataclasses.fields(cls) if f.init} - metadata
    missing = sorted(name for name in own if not re.search(rf"\b{name}\b", cls.__doc__ or ""))
    assert missing == [], f"{cls.__name__} does not describe {missing}"


def test_the_guide_shows_every_field_group() -> None:
    """docs/v2-helm.md: each argument of HelmReleaseProps is used in a snippet that tests/test_docs.py runs."""
    import dataclasses

    guide = (Path(__file__).parent.parent / "docs" / "v2-helm.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", guide, re.S))
    arguments = [f.name for f in dataclasses.fields(HelmReleaseProps) if f.init and f.name not in ("labels", "annotations")]
    assert [name for name in arguments if not re.search(rf"\b{name}=", code)] == []
