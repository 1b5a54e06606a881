"""``cdk8s_flux.v2.kustomize``: Kustomization and ``Kustomization.for_chart`` (Flux v2.9.4 CRDs)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from apidocs import assert_rebuilt
from fluxcrds import cel_problems, load_crds

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.kube import api_object
from cdk8s_flux.layout import chart_folder
from cdk8s_flux.substitution import Var
from cdk8s_flux.target import GitTarget, OciTarget
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import (
    CommonMetadata,
    Decryption,
    DependsOn,
    FluxSync,
    GitRepository,
    GitRepositoryProps,
    GitRepositoryRef,
    HealthCheck,
    HealthCheckExpr,
    HelmRelease,
    IgnoreRule,
    Image,
    KubeConfig,
    Kustomization,
    KustomizationProps,
    ObjectRef,
    Patch,
    PatchTarget,
    PostBuild,
    SubstituteReference,
)
from cdk8s_flux.validate import validate_objects

SOURCE = ObjectRef(kind="GitRepository", name="flux-system")


def made(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with each ``partial`` called: a nested value that refuses its arguments when it is made."""
    return {key: value() if isinstance(value, partial) else value for key, value in options.items()}


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    return load_crds(flux_data)


def test_defaults_are_those_of_flux_create_kustomization(crds: list[dict[str, Any]]) -> None:
    """cmd/flux/create_kustomization.go: --path ./, --prune false (always printed), --interval 1m0s."""
    obj = KustomizationProps(source=SOURCE).manifest("apps")
    assert obj["spec"] == {"interval": "1m0s", "path": "./", "prune": False, "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}
    assert validate_objects([obj], crds=crds) == []


def test_every_modelled_field(crds: list[dict[str, Any]]) -> None:
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    release = HelmRelease(scope, "web", chart_ref=ObjectRef(kind="OCIRepository", name="web"), namespace="apps")
    props = KustomizationProps(
        source=SOURCE, path="./apps/prod", prune=True, interval="10m", retry_interval="2m", timeout="3m", wait=True,
        health_checks=[HealthCheck(kind="Deployment", name="web", namespace="apps", api_version="apps/v1"), release],
        depends_on=[ObjectRef(kind="Kustomization", name="infra")], service_account_name="deployer",
        target_namespace="apps", decryption=Decryption(secret_ref="sops-age"), kube_config_secret_ref="remote",
        force=True, deletion_policy="Orphan", components=["../components/tls"], name_prefix="prod-", name_suffix="-v1",
        patches=[Patch(patch={"spec": {"replicas": 3}}, target=PatchTarget(kind="Deployment", name="web"))],
        images=[Image(name="web", new_tag="1.2.3")],
        post_build=PostBuild(substitute={"cluster": "prod"}, substitute_from=[SubstituteReference(kind="ConfigMap", name="vars", optional=True)]),
        common_metadata=CommonMetadata(labels={"team": "web"}), suspend=True,
    )  # fmt: skip
    obj = props.manifest("apps")
    assert obj["spec"] == {
        "commonMetadata": {"labels": {"team": "web"}},
        "components": ["../components/tls"],
        "decryption": {"provider": "sops", "secretRef": {"name": "sops-age"}},
        "deletionPolicy": "Orphan",
        "dependsOn": [{"name": "infra"}],
        "force": True,
        "healthChecks": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "apps"},
            {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "name": "web", "namespace": "apps"},
        ],
        "images": [{"name": "web", "newTag": "1.2.3"}],
        "interval": "10m",
        "kubeConfig": {"secretRef": {"name": "remote"}},
        "namePrefix": "prod-",
        "nameSuffix": "-v1",
        "patches": [{"patch": "spec:\n  replicas: 3\n", "target": {"kind": "Deployment", "name": "web"}}],
        "path": "./apps/prod",
        "postBuild": {"substitute": {"cluster": "prod"}, "substituteFrom": [{"kind": "ConfigMap", "name": "vars", "optional": True}]},
        "prune": True,
        "retryInterval": "2m",
        "serviceAccountName": "deployer",
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
        "suspend": True,
        "targetNamespace": "apps",
        "timeout": "3m",
        "wait": True,
    }
    assert validate_objects([obj], crds=crds) == [] and cel_problems([obj], crds) == []


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"path": "apps"}, "path", "'./apps'"),
        ({"path": "./../other"}, "path", "leaves the repository"),
        ({"source": ObjectRef(kind="HelmRepository", name="x")}, "source", "cannot be referenced"),
        ({"depends_on": [SOURCE]}, "depends_on[0]", "a GitRepository cannot be referenced"),
        ({"depends_on": ObjectRef(kind="Kustomization", name="x")}, "depends_on", "wrap it in a list"),
        ({"prune": None}, "prune", "boolean"),
        ({"target_namespace": "Apps"}, "target_namespace", "RFC 1123 label"),
        ({"decryption": partial(Decryption, provider="age")}, "decryption.provider", "sops"),
        ({"post_build": partial(PostBuild, substitute={"my-var": "x"})}, "post_build.substitute['my-var']", "variable name"),
        ({"images": [Image(name="web")]}, "images[0]", "changes nothing"),
        ({"deletion_policy": "delete"}, "deletion_policy", "Delete"),
    ],
)
def test_errors_name_the_field(options: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"source": SOURCE, **options}
    with pytest.raises(ValidationError, match=words) as raised:
        KustomizationProps(**made(arguments))
    assert raised.value.field == field


@pytest.mark.parametrize(("root", "expected"), [("dist", "./dist/web-app"), ("", "./web-app")])
def test_for_chart_applies_the_chart_folder_of_the_published_layout(root: str, expected: str, crds: list[dict[str, Any]]) -> None:
    # GIVEN an app with a chart and the FluxSync whose target publish writes to
    app = cdk8s.Testing.app()
    web = cdk8s.Chart(app, "web-app")
    flux = cdk8s.Chart(app, "flux")
    sync = FluxSync(flux, "sync", target=GitTarget(url="ssh://git@github.com/example/app", path=root), chart=flux)
    # WHEN the chart is deployed through Flux
    deployment = Kustomization.for_chart(flux, "web", chart=web, sync=sync, prune=True, depends_on=[sync.kustomization])
    # THEN the path is the target's folder plus the chart's layout folder, and the source is the sync's
    assert chart_folder(web) == "web-app"
    spec = chart_objects(flux)[-1]["spec"]
    assert spec == {
        "dependsOn": [{"name": "flux-system"}],
        "interval": "1m0s",
        "path": expected,
        "prune": True,
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
    }
    assert validate_objects([deployment.manifest], crds=crds) == []


def test_for_chart_with_an_oci_target_and_its_own_namespace() -> None:
    app = cdk8s.Testing.app()
    web = cdk8s.Chart(app, "web")
    flux = cdk8s.Chart(app, "flux")
    sync = FluxSync(flux, "sync", target=OciTarget(url="oci://ghcr.io/example/manifests", path="prod"), chart=flux)
    deployment = Kustomization.for_chart(cdk8s.Chart(app, "apps"), "web", chart=web, sync=sync, namespace="apps")
    assert deployment.manifest["spec"]["path"] == "./prod/web"
    assert deployment.manifest["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "flux-system", "namespace": "flux-system"}


@pytest.mark.parametrize(
    ("options", "field"),
    [({"path": "./x"}, "path"), ({"source": SOURCE}, "source")],
)
def test_for_chart_sets_path_and_source_itself(options: dict[str, Any], field: str) -> None:
    app = cdk8s.Testing.app()
    flux = cdk8s.Chart(app, "flux")
    sync = FluxSync(flux, "sync", target=GitTarget(url="ssh://git@github.com/example/app"), chart=flux)
    with pytest.raises(ValidationError, match=f"drop {field}=") as raised:
        Kustomization.for_chart(flux, "web", chart=cdk8s.Chart(app, "web"), sync=sync, **options)
    assert raised.value.field == field


def test_for_chart_refuses_a_sync_that_applies_the_whole_target_folder() -> None:
    # GIVEN a FluxSync whose Kustomization applies all of dist/, as flux bootstrap's does
    app = cdk8s.Testing.app()
    flux = cdk8s.Chart(app, "flux")
    sync = FluxSync(flux, "sync", target=GitTarget(url="ssh://git@github.com/example/app"))
    # WHEN a chart in dist/ gets its own Kustomization
    # THEN that would apply its objects twice: refused, with the fix
    with pytest.raises(ValidationError, match="two Kustomizations applying one object conflict") as raised:
        Kustomization.for_chart(flux, "web", chart=cdk8s.Chart(app, "web"), sync=sync)
    assert "chart=" in raised.value.fix
    # AND the sync's own chart cannot be deployed a second time either
    scoped = FluxSync(flux, "scoped", target=GitTarget(url="ssh://git@github.com/example/app"), chart=flux, name="scoped")
    with pytest.raises(ValidationError, match="itself applies this chart"):
        Kustomization.for_chart(flux, "again", chart=flux, sync=scoped)


def test_for_chart_needs_a_flux_sync() -> None:
    scope = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    repo = GitRepository(scope, "repo", url="https://github.com/example/app", ref=GitRepositoryRef(branch="main"))
    with pytest.raises(ValidationError, match="not a FluxSync"):
        Kustomization.for_chart(scope, "web", chart=scope, sync=repo)


# --- post-build variables, checked against the objects the Kustomization applies ----------------


def _cluster_app(**post_build: Any) -> tuple[cdk8s.App, cdk8s.Chart, Kustomization]:
    """An app whose chart ``web`` uses ``${cluster_name}`` and ``${region:=eu-west-1}``, deployed with ``post_build``."""
    app = cdk8s.Testing.app()
    web = cdk8s.Chart(app, "web")
    api_object(web, "config", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "apps"},
        "data": {"cluster": str(Var("cluster_name")), "region": str(Var("region", default="eu-west-1")), "script": "echo $HOME $${literal}"},
    })  # fmt: skip
    flux = cdk8s.Chart(app, "flux")
    sync = FluxSync(flux, "sync", target=GitTarget(url="ssh://git@github.com/example/app"), chart=flux)
    kustomization = Kustomization.for_chart(flux, "web", chart=web, sync=sync, post_build=PostBuild(**post_build))
    return app, flux, kustomization


def test_a_variable_the_kustomization_defines_passes() -> None:
    # GIVEN a Kustomization that defines cluster_name; region has a default, $HOME and $${literal} are not placeholders
    app, flux, kustomization = _cluster_app(substitute={"cluster_name": "prod-eu"})
    # WHEN the app is synthesized THEN nothing is refused, and the chart is what the Kustomization applies
    assert kustomization.applies == (app.node.find_child("web"),)
    assert chart_objects(flux)[-1]["spec"]["postBuild"] == {"substitute": {"cluster_name": "prod-eu"}}


def test_an_undefined_variable_without_a_default_is_an_error_naming_it_and_the_kustomization() -> None:
    # GIVEN a Kustomization that defines only region
    _, flux, _ = _cluster_app(substitute={"region": "us-east-1"})
    # WHEN the app is synthesized THEN cluster_name is named, with the Kustomization and the object using it
    with pytest.raises(RuntimeError) as raised:
        chart_objects(flux)
    message = str(raised.value)
    assert "'cluster_name'" in message and "Kustomization 'web'" in message and "ConfigMap/web of chart 'web'" in message
    assert "region" not in message.split("Fix:")[0].split("uses the variable")[1]


def test_variables_from_a_configmap_of_the_app_count_and_an_unknown_one_decides_nothing() -> None:
    # GIVEN cluster_name defined in a ConfigMap the app itself builds, in the Kustomization's namespace
    app, flux, _ = _cluster_app(substitute_from=[SubstituteReference(kind="ConfigMap", name="cluster-vars")])
    api_object(app.node.find_child("flux"), "vars", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-vars", "namespace": "flux-system"}, "data": {"cluster_name": "prod-eu"},
    })  # fmt: skip
    # THEN it passes
    chart_objects(flux)
    # AND a Secret this app does not build may define anything: not refused either
    _, other, _ = _cluster_app(substitute_from=[SubstituteReference(kind="Secret", name="cluster-secrets")])
    chart_objects(other)


def test_objects_with_substitution_disabled_are_not_checked() -> None:
    app, flux, _ = _cluster_app(substitute={"region": "us-east-1"})
    config = app.node.find_child("web").node.find_child("config")
    assert isinstance(config, cdk8s.ApiObject)
    config.metadata.add_annotation("kustomize.toolkit.fluxcd.io/substitute", "disabled")
    chart_objects(flux)


def test_a_kustomization_of_a_folder_the_app_does_not_build_is_not_checked() -> None:
    scope = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    api_object(scope, "config", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "${undefined}"}})
    kustomization = Kustomization(scope, "apps", source=SOURCE, path="./apps", post_build=PostBuild(substitute={"a": "b"}))
    assert kustomization.applies == ()
    chart_objects(scope)


# --- the objects of kustomize-controller's API docs, rebuilt ------------------------------------

WEBAPP = ObjectRef(kind="GitRepository", name="webapp")
FLUX_SYSTEM = ObjectRef(kind="GitRepository", name="flux-system")
DOC_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: not-used
spec:
  template:
    metadata:
      annotations:
        cluster-autoscaler.kubernetes.io/safe-to-evict: "true\""""
DOC_JSON_PATCH = """\
- op: add
  path: /spec/template/spec/securityContext
  value:
    runAsUser: 10000
    fsGroup: 1337
- op: add
  path: /spec/template/spec/containers/0/securityContext
  value:
    readOnlyRootFilesystem: true
    allowPrivilegeEscalation: false
    runAsNonRoot: true
    capabilities:
      drop:
        - ALL
"""
READY_EXPR = (
    "dep.metadata.labels['app/version'] == self.metadata.labels['app/version'] && "
    "dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True') && "
    "dep.metadata.generation == dep.status.observedGeneration\n"
)
SYNCED = "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == '{}')"


def _ks(name: str, **options: Any) -> dict[str, Any]:
    return KustomizationProps(**options).manifest(name)


KUSTOMIZATION_DOCS: list[Any] = [
    lambda: GitRepositoryProps(namespace="default", url="https://github.com/stefanprodan/podinfo", ref=GitRepositoryRef(branch="master"), interval="5m").manifest("podinfo"),
    lambda: _ks("podinfo", namespace="default", interval="10m", target_namespace="default", source=ObjectRef(kind="GitRepository", name="podinfo"), path="./kustomize", prune=True, timeout="1m"),
    lambda: _ks("webapp", namespace="apps", interval="5m", path="./deploy", source=ObjectRef(kind="GitRepository", name="webapp", namespace="shared")),
    lambda: _ks("app", namespace="default", source=SOURCE, target_namespace="app-namespace", prune=True, deletion_policy="Orphan"),
    lambda: _ks("backend", namespace="default", interval="5m", prune=True, source=WEBAPP, path=None, health_checks=[HealthCheck(api_version="apps/v1", kind="Deployment", name="backend", namespace="dev")]),
    lambda: _ks(
        "webapp", namespace="default", interval="15m", path="./releases/", prune=True, source=WEBAPP, timeout="5m",
        health_checks=[HealthCheck(api_version="helm.toolkit.fluxcd.io/v2", kind="HelmRelease", name=name, namespace="dev") for name in ("frontend", "backend")],
    ),  # fmt: skip
    lambda: _ks(
        "sealed-secrets", interval="5m", path="./path/to/sealed/secrets", prune=True, source=FLUX_SYSTEM, timeout="1m", wait=True,
        health_check_exprs=[HealthCheckExpr(api_version="bitnami.com/v1alpha1", kind="SealedSecret", failed=SYNCED.format("False"), current=SYNCED.format("True"))],
    ),  # fmt: skip
    lambda: _ks(
        "cert-manager", interval="5m", path="./cert-manager/controller", prune=True, source=FLUX_SYSTEM,
        health_checks=[HealthCheck(api_version="apps/v1", kind="Deployment", name="cert-manager", namespace="cert-manager")],
    ),  # fmt: skip
    lambda: _ks("certs", depends_on=[ObjectRef(kind="Kustomization", name="cert-manager")], interval="5m", path="./cert-manager/certs", prune=True, source=FLUX_SYSTEM),
    lambda: _ks("app-frontend", namespace="apps", source=SOURCE, depends_on=[DependsOn(name="app-backend", ready_expr=READY_EXPR)]),
    lambda: _ks("app", source=SOURCE, name_prefix="prefix-", name_suffix="-suffix"),
    lambda: _ks(
        "podinfo", source=SOURCE,
        patches=[
            Patch(patch=DOC_PATCH, target=PatchTarget(kind="Deployment", label_selector="app.kubernetes.io/part-of=my-app")),
            Patch(patch=DOC_JSON_PATCH, target=PatchTarget(kind="Deployment", name="podinfo", namespace="apps")),
        ],
    ),  # fmt: skip
    lambda: _ks(
        "podinfo", source=SOURCE,
        images=[
            Image(name="podinfo", new_name="my-registry/podinfo", new_tag="v1"), Image(name="podinfo", new_tag="1.8.0"), Image(name="podinfo", new_name="my-podinfo"),
            Image(name="podinfo", digest="sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"),
        ],
    ),  # fmt: skip
    lambda: _ks("podinfo", source=SOURCE, build_metadata=["originAnnotations"]),
    lambda: _ks("podinfo", source=SOURCE, components=["../ingress", "../tls"], ignore_missing_components=False),
    lambda: _ks(
        "apps", source=SOURCE,
        post_build=PostBuild(
            substitute={"cluster_env": "prod", "cluster_region": "eu-central-1"},
            substitute_from=[SubstituteReference(kind="ConfigMap", name="cluster-vars", optional=True), SubstituteReference(kind="Secret", name="cluster-secret-vars")],
        ),
    ),  # fmt: skip
    lambda: _ks("apps", source=SOURCE, post_build=PostBuild(substitute_strategy="Always")),
    lambda: _ks(
        "app", source=SOURCE,
        ignore=[
            IgnoreRule(paths=["/spec/replicas"], target=PatchTarget(kind="Deployment")),
            IgnoreRule(paths=["/metadata/annotations/external-dns.alpha.kubernetes.io~1hostname"], target=PatchTarget(kind="Service", name="my-service")),
            IgnoreRule(paths=["/spec/template/spec/containers/0/resources"], target=PatchTarget(kind="Deployment", name="my-app")),
        ],
    ),  # fmt: skip
    lambda: _ks(
        "sops-encrypted", namespace="default", interval="5m", path="./", source=ObjectRef(kind="GitRepository", name="repository-with-secrets"),
        decryption=Decryption(provider="sops", service_account_name="sops-identity", secret_ref="sops-keys-and-credentials"),
    ),  # fmt: skip
    lambda: GitRepositoryProps(
        namespace="apps", interval="1m0s", url="https://github.com/org/webapp", secret_ref="webapp-git-token", ref=GitRepositoryRef(branch="main"),
        ignore="# exclude all\n/*\n# include deploy dir\n!/deploy\n",
    ).manifest("webapp"),  # fmt: skip
    lambda: _ks(
        "webapp", namespace="apps", interval="60m0s", wait=True, timeout="3m0s", retry_interval="2m0s", prune=True, force=False,
        target_namespace="apps", source=ObjectRef(kind="GitRepository", name="webapp", namespace="apps"), path="./deploy/production",
    ),  # fmt: skip
    lambda: GitRepositoryProps(namespace="default", interval="5m", url="https://github.com/stefanprodan/podinfo", ignore=".github/\n.sops.yaml\n.gitlab-ci.yml\n").manifest("podinfo"),
    lambda: _ks(
        "backend", namespace="webapp", service_account_name="flux", depends_on=[ObjectRef(kind="Kustomization", name="rbac")], interval="5m",
        path="./webapp/backend/", prune=True, source=WEBAPP,
    ),  # fmt: skip
    lambda: _ks("cluster-addons", namespace="capi-stage", interval="5m", path="./config/addons/", prune=True, source=ObjectRef(kind="GitRepository", name="cluster-addons"), kube_config_secret_ref="stage-kubeconfig"),
    lambda: _ks("app", source=SOURCE, post_build=PostBuild(substitute={"quote": '"', "id": "123", "enabled": "true"})),
]


def test_the_api_docs_objects_rebuilt(crds: list[dict[str, Any]]) -> None:
    # GIVEN every named object in kustomize-controller v1.9.4's page WHEN each is rebuilt with the constructs THEN they are the same
    # (the page writes ``ignoreMissingComponents: false``, which the constructs leave out: the controller reads both as false)
    assert_rebuilt("kustomize-controller/kustomizations.md", ("Kustomization", "GitRepository"), KUSTOMIZATION_DOCS, crds, false_is_absent=True)




def test_placeholders_where_flux_substitutes(crds: list[dict[str, Any]]) -> None:
    # GIVEN a multi-cluster Kustomization whose path, namespace and name prefix come from post-build variables
    props = KustomizationProps(
        source=SOURCE, path="./clusters/${cluster_name}", target_namespace=Var("tenant"), name_prefix=Var("cluster_name", default="dev"),
    )
    # THEN they are written as placeholders, and a whole-path Var is taken as the path
    assert (props.spec["path"], props.spec["targetNamespace"], props.spec["namePrefix"]) == ("./clusters/${cluster_name}", "${tenant}", "${cluster_name:=dev}")
    assert KustomizationProps(source=SOURCE, path=Var("apps_path")).spec["path"] == "${apps_path}"
    # AND a path that cannot become a ./ path is still refused
    with pytest.raises(ValidationError, match="begin with './'"):
        KustomizationProps(source=SOURCE, path="${base}/apps")


def test_extra_spec_merges_into_the_nested_objects_and_refuses_a_modelled_leaf() -> None:
    # GIVEN a field a newer Flux might add under kubeConfig.secretRef, beside the modelled name and key
    props = KustomizationProps(source=SOURCE, kube_config=KubeConfig(secret_ref="edge"), extra_spec={"kubeConfig": {"secretRef": {"optional": True}}})
    # THEN it is merged in, not refused
    assert props.spec["kubeConfig"] == {"secretRef": {"name": "edge", "optional": True}}
    # AND a leaf the props write names the argument that writes it
    with pytest.raises(ValidationError, match=r"post_build=PostBuild\(substitute_strategy=\.\.\.\)"):
        KustomizationProps(source=SOURCE, extra_spec={"postBuild": {"substituteStrategy": "Always"}})
    with pytest.raises(ValidationError, match="kube_config_secret_ref="):
        KustomizationProps(source=SOURCE, extra_spec={"kubeConfig": {"secretRef": {"name": "edge"}}})


def test_a_health_check_names_the_namespace_even_when_it_is_the_kustomizations_own() -> None:
    # kustomize-controller v1.9.4 (internal/inventory/inventory.go ReferenceToObjMetadataSet) looks a health
    # check up with the namespace it names and fills in none, so an omitted namespace never becomes ready
    scope = cdk8s.Chart(cdk8s.Testing.app(), "c")
    release = HelmRelease(scope, "web", chart_ref=ObjectRef(kind="OCIRepository", name="web"))
    obj = KustomizationProps(source=SOURCE, path="./apps", health_checks=[release]).manifest("apps")
    assert obj["metadata"]["namespace"] == "flux-system"
    assert obj["spec"]["healthChecks"] == [
        {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "name": "web", "namespace": "flux-system"}
    ]
