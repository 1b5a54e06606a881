"""examples/platform: a platform repository in cdk8s, rendered per cluster as `cdk8s-flux synth` writes it.

The oracle is the two upstream examples it follows, unmodified under tests/data/
(flux2-kustomize-helm-example, flux2-monitoring-example; see their README.md):
their folders are built with the real `kubectl kustomize` and every object is
compared field by field with ours, each allowed difference listed with its reason.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixtures)

from cdk8s_flux.images import ImagePins
from cdk8s_flux.images.checks import problems as image_problems
from cdk8s_flux.substitution import placeholders
from cdk8s_flux.validate import validate_objects

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "platform"
DATA = Path(__file__).resolve().parent / "data"
KUSTOMIZE_HELM = DATA / "flux2-kustomize-helm-example"
MONITORING = DATA / "flux2-monitoring-example"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "platform"
CLUSTERS = ("staging", "production")
FLUX_VERSION = "v2.9.4"
#: No network and nothing vendored: the example installs the Flux release embedded in the package.
ENV = {"CDK8S_FLUX_MANIFESTS": "", "CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases"}
KUBECTL = shutil.which("kubectl")

FLUX_KINDS = {
    "GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket", "Kustomization", "HelmRelease",
    "Provider", "Alert", "Receiver", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation",
}  # fmt: skip
IMAGE_KINDS = {"ImageRepository", "ImagePolicy", "ImageUpdateAutomation"}
#: Secrets the objects name that the app does not make: created on the cluster, never in git in clear.
OUT_OF_BAND_SECRETS = {
    ("flux-system", "flux-system"),  # the deploy key flux bootstrap creates
    ("flux-system", "slack-webhook"),  # the Slack webhook URL (key `address`)
    ("flux-system", "github-webhook-token"),  # the token GitHub signs its webhook calls with
}

Item = tuple[str, dict[str, Any]]  # (file relative to the output folder, object)


def synth(out: Path, cluster: str) -> subprocess.CompletedProcess[str]:
    """`cdk8s-flux synth --layout flux` of one cluster, as CI runs it before `publish`."""
    app = [] if cluster == "staging" else ["--app", f"python main.py {cluster}"]  # staging is cdk8s.yaml's app
    return run_cli("synth", str(EXAMPLE), *app, "--layout", "flux", "-o", str(out), env={**ENV, "XDG_CACHE_HOME": str(out.parent / "cache")})


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for cluster in CLUSTERS:
        dist = tmp_path_factory.mktemp(cluster) / "dist"
        result = synth(dist, cluster)
        assert result.returncode == 0, result.stderr
        out[cluster] = dist
    return out


def read(dist: Path) -> list[Item]:
    return [
        (str(path.relative_to(dist)), obj)
        for path in sorted(dist.rglob("*.yaml")) if path.name != "kustomization.yaml"
        for obj in yaml.safe_load_all(path.read_text()) if obj
    ]  # fmt: skip


def key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def is_flux(obj: dict[str, Any]) -> bool:
    return str(obj["apiVersion"]).split("/")[0].endswith(".toolkit.fluxcd.io")


def is_install(obj: dict[str, Any]) -> bool:
    """An object of the Flux install (upstream's manifests), labelled as `flux install` labels them."""
    return (obj["metadata"].get("labels") or {}).get("app.kubernetes.io/part-of") == "flux" and obj["metadata"].get("labels", {}).get(
        "app.kubernetes.io/version"
    ) == FLUX_VERSION


# --- what is in it ---------------------------------------------------------------------------------


def test_staging_uses_every_flux_kind_and_production_all_but_image_automation(dists: dict[str, Path]) -> None:
    # GIVEN both clusters rendered
    kinds = {cluster: {obj["kind"] for _, obj in read(dist) if is_flux(obj)} for cluster, dist in dists.items()}
    # THEN staging holds every one of the 13 Flux kinds
    assert kinds["staging"] == FLUX_KINDS
    # AND production the same, less image automation (its pins are promoted by pull request)
    assert kinds["production"] == FLUX_KINDS - IMAGE_KINDS
    # AND each cluster is laid out as one folder per layer
    for dist in dists.values():
        assert sorted(p.name for p in dist.iterdir() if p.is_dir()) == ["apps", "flux-system", "infra-controllers", "monitoring-controllers"]


def test_clusters_differ_where_the_upstream_clusters_differ(dists: dict[str, Path]) -> None:
    objects = {cluster: {key(obj): obj for _, obj in read(dist)} for cluster, dist in dists.items()}
    for cluster, settings in (("staging", ("acme-staging-v02", ">=1.0.0-alpha", "podinfo.staging")),
                              ("production", ("acme-v02", ">=1.0.0", "podinfo.production"))):  # fmt: skip
        acme, chart, host = settings
        configs = objects[cluster][("Kustomization", "flux-system", "infra-configs")]["spec"]
        assert yaml.safe_load(configs["patches"][0]["patch"])[0]["value"] == f"https://{acme}.api.letsencrypt.org/directory"
        podinfo = objects[cluster][("HelmRelease", "podinfo", "podinfo")]["spec"]
        assert podinfo["chart"]["spec"]["version"] == chart and podinfo["values"]["httpRoute"]["hostnames"] == [host]
        apps = objects[cluster][("Kustomization", "flux-system", "apps")]["spec"]
        assert apps["postBuild"]["substitute"] == {"cluster_name": cluster}
        assert apps["path"] == f"./clusters/{cluster}/apps"


def test_the_clusters_share_every_file_but_those_their_settings_change(dists: dict[str, Path]) -> None:
    # GIVEN both clusters' files
    files = {cluster: {str(p.relative_to(dist)): p.read_bytes() for p in dist.rglob("*") if p.is_file()} for cluster, dist in dists.items()}
    # THEN production lacks only image automation and its source
    assert set(files["staging"]) - set(files["production"]) == {
        "flux-system/gitrepository_flux-system_platform-source.yaml",
        "flux-system/imagepolicy_flux-system_podinfo.yaml",
        "flux-system/imagerepository_flux-system_podinfo.yaml",
        "flux-system/imageupdateautomation_flux-system_platform-images.yaml",
    } and set(files["production"]) <= set(files["staging"])
    # AND of the rest, only what a Cluster setting or the cluster's folder changes differs
    differ = {name for name in files["production"] if files["production"][name] != files["staging"][name]}
    assert differ == {
        "apps/helmrelease_podinfo_podinfo.yaml",  # chart range, host name, image pin, Helm tests
        "flux-system/alert_flux-system_platform.yaml",  # severity, cluster in the event metadata
        "flux-system/bucket_flux-system_team-dashboards.yaml",  # the cluster's prefix
        "flux-system/provider_flux-system_slack.yaml",  # the cluster's channel
        "flux-system/kustomization_flux-system_infra-configs.yaml",  # the ACME server
        "flux-system/kustomization.yaml",  # the image automation files are listed in staging's only
        # the cluster's folder, clusters/<name>/<chart>, and apps' ${cluster_name}
        *(f"flux-system/kustomization_flux-system_{name}.yaml" for name in ("flux-system", "infra-controllers", "monitoring-controllers", "apps")),
    }


# --- valid -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_every_object_is_valid_against_the_flux_crds_and_kubernetes(dists: dict[str, Path], cluster: str) -> None:
    # GIVEN the rendered objects and the CRDs of the Flux install among them
    objects = [obj for _, obj in read(dists[cluster])]
    crds = [obj for obj in objects if obj["kind"] == "CustomResourceDefinition"]
    assert {crd["metadata"]["labels"]["app.kubernetes.io/version"] for crd in crds} == {FLUX_VERSION}
    assert {crd["spec"]["names"]["kind"] for crd in crds} >= FLUX_KINDS
    # THEN the Flux objects pass those CRDs' schemas and CEL rules, with no kind left unchecked
    assert [str(p) for p in validate_objects(objects, crds=crds, allow_unknown_kinds=False)] == []
    # AND every other object passes the Kubernetes API schema, strictly
    for obj in objects:
        if not is_flux(obj):
            kubernetes_validate.validate(obj, "1.33.0", strict=True)
    # AND the written folder passes `cdk8s-flux validate` as it is
    check = run_cli("validate", str(dists[cluster]), env=ENV)
    assert check.returncode == 0, check.stdout + check.stderr


def references(obj: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(field, kind, namespace, name) of every object ``obj`` names, defaults filled in as Flux fills them."""
    kind, namespace, spec = obj["kind"], obj["metadata"]["namespace"], obj["spec"]

    def ref(field: str, value: dict[str, Any], default_kind: str | None = None) -> tuple[str, str, str, str]:
        return field, value.get("kind", default_kind or ""), value.get("namespace", namespace), value["name"]

    if kind in ("Kustomization", "HelmChart", "ImageUpdateAutomation"):
        yield ref("sourceRef", spec["sourceRef"])
    if kind in ("Kustomization", "HelmRelease"):
        for dependency in spec.get("dependsOn", ()):
            yield ref("dependsOn", dependency, kind)
    for check in spec.get("healthChecks", ()):
        # no namespace is no namespace: kustomize-controller v1.9.4 does not default it (internal/inventory/inventory.go)
        yield "healthChecks", check["kind"], check.get("namespace", ""), check["name"]
    if kind == "HelmRelease":
        if "chartRef" in spec:
            yield ref("chartRef", spec["chartRef"])
        if "chart" in spec:
            yield ref("chart.spec.sourceRef", spec["chart"]["spec"]["sourceRef"])
        for values in spec.get("valuesFrom", ()):
            yield ref("valuesFrom", values)
    if kind == "Alert":
        yield ref("providerRef", spec["providerRef"], "Provider")
    for selector in [*spec.get("eventSources", ()), *spec.get("resources", ())]:
        if selector["name"] != "*":
            yield ref("eventSources/resources", selector)
    if kind == "ImagePolicy":
        yield ref("imageRepositoryRef", spec["imageRepositoryRef"], "ImageRepository")


#: The upstream repositories the platform applies folders of, and their copies at the same commit in tests/data.
UPSTREAM_COPIES = {
    "https://github.com/fluxcd/flux2-kustomize-helm-example": (KUSTOMIZE_HELM, "4f1a5b1051b469108d1bdf0ebec6c814427e3834"),
    "https://github.com/fluxcd/flux2-monitoring-example": (MONITORING, "7ab65dc8b90f7a6751d88f18bbb4e1bee33bf334"),
}


def upstream_applied(flux: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects that the Kustomizations applying an upstream repository's folder create, where tests/data holds that folder."""
    sources = {key(obj): obj for obj in flux if obj["kind"] == "GitRepository"}
    out = []
    for obj in flux:
        if obj["kind"] != "Kustomization":
            continue
        ref = obj["spec"]["sourceRef"]
        source = sources.get((ref["kind"], ref.get("namespace", obj["metadata"]["namespace"]), ref["name"]))
        if source is None or source["spec"]["url"] not in UPSTREAM_COPIES:
            continue
        copy, commit = UPSTREAM_COPIES[source["spec"]["url"]]
        assert source["spec"]["ref"] == {"commit": commit} and commit in (copy / "README.md").read_text()
        folder = copy / obj["spec"]["path"]
        if folder.is_dir():
            out.extend(kustomize_build(folder))
    return out


def secret_refs(value: Any, namespace: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for field, item in value.items():
            if field == "secretRef" or field.endswith("SecretRef"):
                yield namespace, item["name"]
            else:
                yield from secret_refs(item, namespace)
    elif isinstance(value, list):
        for item in value:
            yield from secret_refs(item, namespace)


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
@pytest.mark.parametrize("cluster", CLUSTERS)
def test_every_reference_resolves_to_an_object_of_the_output(dists: dict[str, Path], cluster: str) -> None:
    # GIVEN every object of the cluster, by kind, namespace and name, and those of the upstream folders it applies
    items = read(dists[cluster])
    present = {key(obj) for _, obj in items}
    flux = [obj for _, obj in items if is_flux(obj)]
    present |= {key(obj) for obj in upstream_applied(flux)}
    # THEN every sourceRef, dependsOn, healthCheck, chartRef, valuesFrom, providerRef, event source,
    # receiver resource and imageRepositoryRef names an object the output (or an upstream folder it applies) holds
    named = [(obj["kind"], obj["metadata"]["name"], *ref) for obj in flux for ref in references(obj)]
    assert len(named) >= 25
    assert [n for n in named if (n[3], n[4], n[5]) not in present] == []
    # AND the only Secrets named are the three made on the cluster (README), none of them in the output
    secrets = {ref for obj in flux for ref in secret_refs(obj["spec"], obj["metadata"]["namespace"])}
    assert secrets == OUT_OF_BAND_SECRETS
    assert not any(obj["kind"] == "Secret" for _, obj in items)
    # AND every Kustomization of the manifests branch applies a folder of this cluster's layout
    for obj in flux:
        if obj["kind"] == "Kustomization" and obj["spec"]["sourceRef"]["name"] == "flux-system":
            folder = obj["spec"]["path"].removeprefix(f"./clusters/{cluster}/")
            assert (dists[cluster] / folder / "kustomization.yaml").is_file(), obj["spec"]["path"]


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_post_build_variables_appear_only_where_flux_substitutes_them(dists: dict[str, Path], cluster: str) -> None:
    # GIVEN each chart folder and the Kustomization that applies it
    kustomizations = {
        obj["spec"]["path"].removeprefix(f"./clusters/{cluster}/"): obj["spec"]
        for _, obj in read(dists[cluster])
        if obj["kind"] == "Kustomization" and obj["spec"]["sourceRef"]["name"] == "flux-system"
    }
    used: dict[str, set[str]] = {}
    for file, obj in read(dists[cluster]):
        variables = {var.name for value in strings(obj) for var in placeholders(value)}
        if variables and not is_install(obj):  # the install's CRDs opt out of substitution by annotation
            used.setdefault(file.split("/")[0], set()).update(variables)
    # THEN only the apps folder uses variables, and its Kustomization sets each of them
    assert used == {"apps": {"cluster_name"}}
    assert set(kustomizations["apps"]["postBuild"]["substitute"]) == used["apps"]
    assert all("postBuild" not in spec for folder, spec in kustomizations.items() if folder != "apps")


def test_the_image_pins_file_is_what_image_automation_updates(dists: dict[str, Path]) -> None:
    # GIVEN the pins file and the staging objects
    pins = ImagePins.load(EXAMPLE / "images.yaml")
    objects = {key(obj): obj for _, obj in read(dists["staging"])}
    # THEN the image automation checks find nothing: each marker names a policy of the output, of the pinned repository
    assert image_problems(list(objects.values()), [pins]) == []
    (setter,) = pins.pin("podinfo-staging").setters.values()
    policy = objects[("ImagePolicy", *setter.policy)]
    repository = objects[("ImageRepository", "flux-system", policy["spec"]["imageRepositoryRef"]["name"])]
    assert repository["spec"]["image"] == pins.pin("podinfo-staging").ref.name
    # AND production's entry carries no marker: Flux never rewrites it
    assert not pins.pin("podinfo-production").setters
    # AND the automation commits to the source branch, in the folder that holds the file, not to the manifests branch
    (automation,) = [obj for obj in objects.values() if obj["kind"] == "ImageUpdateAutomation"]
    source = objects[("GitRepository", "flux-system", automation["spec"]["sourceRef"]["name"])]
    assert source["spec"]["ref"] == {"branch": "main"} and automation["spec"]["git"]["checkout"] == {"ref": {"branch": "main"}}
    assert "push" not in automation["spec"]["git"]
    assert automation["spec"]["update"] == {"path": "./", "strategy": "Setters"}
    # AND each cluster runs the image of its entry
    for cluster, dist in dists.items():
        podinfo = {key(obj): obj for _, obj in read(dist)}[("HelmRelease", "podinfo", "podinfo")]
        image = podinfo["spec"]["values"]["image"]
        assert f"{image['repository']}:{image['tag']}" == pins[f"podinfo-{cluster}"]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
@pytest.mark.parametrize("cluster", CLUSTERS)
def test_kubectl_kustomize_builds_every_folder(dists: dict[str, Path], cluster: str) -> None:
    # GIVEN the layout: the root and one folder per chart, each with its kustomization.yaml
    dist = dists[cluster]
    folders = [dist, *sorted(p for p in dist.iterdir() if p.is_dir())]
    for folder in folders:
        # WHEN kustomize builds it, as kustomize-controller does
        result = subprocess.run([str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, check=False, timeout=120)
        # THEN it builds, to exactly the objects of its files
        assert result.returncode == 0, result.stderr
        built = sorted(key(o) for o in yaml.safe_load_all(result.stdout) if o)
        assert built == sorted(key(obj) for _, obj in read(folder))


# --- the upstream examples it follows ---------------------------------------------------------------


def kustomize_build(folder: Path) -> list[dict[str, Any]]:
    assert KUBECTL is not None
    result = subprocess.run([str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, check=True, timeout=120)
    return [o for o in yaml.safe_load_all(result.stdout) if o]


def upstream_objects(cluster: str) -> list[dict[str, Any]]:
    """The upstream objects the example rebuilds for ``cluster``: the folders built, the Flux Kustomizations as written."""
    objects = [
        *kustomize_build(KUSTOMIZE_HELM / "infrastructure" / "controllers"),
        *kustomize_build(KUSTOMIZE_HELM / "apps" / cluster),
        *kustomize_build(MONITORING / "monitoring" / "controllers" / "kube-prometheus-stack"),
        *kustomize_build(MONITORING / "monitoring" / "controllers" / "loki-stack"),
    ]
    for path in (KUSTOMIZE_HELM / "clusters" / cluster / "infrastructure.yaml", KUSTOMIZE_HELM / "clusters" / cluster / "apps.yaml",
                 MONITORING / "clusters" / "test" / "monitoring.yaml"):  # fmt: skip
        objects.extend(o for o in yaml.safe_load_all(path.read_text()) if o)
    # configMapGenerator appends a hash of the content to the ConfigMap's name; ours has the plain name.
    hashed = re.compile(r"^(flux-kube-state-metrics-config)-[a-z0-9]{10}$")
    for obj in objects:
        obj["metadata"]["name"] = hashed.sub(r"\1", obj["metadata"]["name"])
        for values in (obj.get("spec") or {}).get("valuesFrom", ()):
            values["name"] = hashed.sub(r"\1", values["name"])
    return objects


def differences(upstream: Any, ours: Any, path: str = "") -> Iterator[str]:
    """The paths at which ``ours`` differs from ``upstream`` (a key only one side has, or another value)."""
    if isinstance(upstream, dict) and isinstance(ours, dict):
        for field in sorted(set(upstream) | set(ours)):
            if field not in ours or field not in upstream:
                yield f"{path}.{field}"
            else:
                yield from differences(upstream[field], ours[field], f"{path}.{field}")
    elif isinstance(upstream, str) and isinstance(ours, str) and path.endswith(".patch"):
        if yaml.safe_load(upstream) != yaml.safe_load(ours):  # the same JSON patch, written as YAML either way
            yield path
    elif upstream != ours:
        yield path


#: Where the example differs from the upstream objects, and why. Keys: "Kind namespace/name", value: {path: reason}.
OURS_DIFFER: dict[str, dict[str, str]] = {
    **{
        f"OCIRepository {ns}/{name}": {".spec.provider": "the constructs write Flux's default provider: generic"}
        for ns, name in (("cert-manager", "cert-manager"), ("envoy-gateway-system", "gateway-helm"), ("monitoring", "kube-prometheus-stack"))
    },
    "ConfigMap monitoring/flux-kube-state-metrics-config": {
        ".metadata.labels.reconcile.fluxcd.io/watch": "a fixed name instead of the generator's content hash, so helm-controller watches it",
    },
    "HelmRelease monitoring/loki": {
        ".spec.chart": "the chart is its own HelmChart object, referenced by chartRef, so that the platform uses the kind",
        ".spec.chartRef": "as .spec.chart",
    },
    "HelmRelease monitoring/promtail": {".spec.chart.spec.reconcileStrategy": "the constructs write Flux's default, ChartVersion"},
    "HelmRelease podinfo/podinfo": {
        ".spec.chart.spec.reconcileStrategy": "the constructs write Flux's default, ChartVersion",
        ".spec.values.image": "the image comes from the cluster's pins (images.yaml), which image automation updates",
        ".spec.values.ui": "the cluster's name, substituted by the apps Kustomization's postBuild",
    },
    # upstream's layers are folders of ExternalArtifacts that an ArtifactGenerator cuts out of one repository
    **{
        f"Kustomization flux-system/{name}": {
            ".spec.sourceRef": "a folder of the manifests branch (the flux-system GitRepository), not an ExternalArtifact",
            ".spec.path": "the chart's folder of this cluster's layout",
        }
        for name in ("infra-controllers", "apps")
    },
    "Kustomization flux-system/infra-configs": {
        ".spec.sourceRef": "the upstream repository itself, at the commit tests/data holds, not an ExternalArtifact",
        ".spec.path": "its folder in the upstream repository",
        ".spec.healthChecks": "the apps wait for the ClusterIssuer and the Gateway to be ready",
        ".spec.healthCheckExprs": "how a Gateway tells it is ready (it has no Ready condition)",
    },
    "Kustomization flux-system/monitoring-controllers": {".spec.path": "the chart's folder of this cluster's layout"},
    "Kustomization flux-system/monitoring-configs": {".spec.sourceRef": "the upstream repository itself, at the commit tests/data holds"},
}
#: Where one cluster's objects differ besides.
CLUSTER_DIFFERS = {
    "staging": {"HelmRelease podinfo/podinfo": {".spec.test": "test.enable false is Flux's default, which the constructs leave out"}},
    "production": {},
}
OURS_DIFFER["Kustomization flux-system/apps"][".spec.postBuild"] = "the cluster's name for ${cluster_name}"


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
@pytest.mark.parametrize("cluster", CLUSTERS)
def test_rebuilds_the_upstream_objects_field_by_field(dists: dict[str, Path], cluster: str) -> None:
    # GIVEN the upstream objects of this cluster (built by kustomize as Flux builds them) and ours
    ours = {key(obj): obj for _, obj in read(dists[cluster])}
    expected = {label: {**paths, **CLUSTER_DIFFERS[cluster].get(label, {})} for label, paths in OURS_DIFFER.items()}
    found: dict[str, dict[str, str]] = {}
    for upstream in upstream_objects(cluster):
        kind, namespace, name = key(upstream)
        label = f"{kind} {namespace}/{name}"
        # THEN each is in the output, under the same kind, namespace and name
        assert (kind, namespace, name) in ours, label
        # AND differs only where OURS_DIFFER says, for the reason it gives
        allowed = expected.get(label, {})
        changed = {}
        for path in differences(upstream, ours[key(upstream)]):
            listed = [a for a in allowed if path == a or path.startswith(a + ".")]
            changed[listed[0] if listed else path] = allowed[listed[0]] if listed else "NOT EXPECTED"
        if changed:
            found[label] = changed
    assert found == expected


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
@pytest.mark.parametrize("cluster", CLUSTERS)
def test_the_flux_install_is_customized_as_upstreams_flux_system_kustomization_does(
    dists: dict[str, Path], cluster: str, tmp_path: Path
) -> None:
    # GIVEN the plain Flux install and sync of the same release, components and target
    import cdk8s

    from cdk8s_flux.target import GitTarget
    from cdk8s_flux.v2 import FluxInstall, FluxSync

    chart = cdk8s.Chart(cdk8s.App(), "flux-system")
    install = FluxInstall(chart, "install", version=FLUX_VERSION, components_extra=("image-reflector-controller", "image-automation-controller"))
    target = GitTarget(url="ssh://git@github.com/example-org/platform", branch="manifests", path=f"clusters/{cluster}")
    sync = FluxSync(chart, "sync", target=target, chart=chart)
    plain = {"gotk-components.yaml": install, "gotk-sync.yaml": sync}
    for name, construct in plain.items():
        objects = [c.to_json() for c in construct.node.find_all() if isinstance(c, cdk8s.ApiObject)]
        (tmp_path / name).write_text(yaml.safe_dump_all(objects))
    # WHEN upstream's flux-system kustomization (labels, controller flags) is applied to them by kustomize
    shutil.copy(KUSTOMIZE_HELM / "clusters" / cluster / "flux-system" / "kustomization.yaml", tmp_path / "kustomization.yaml")
    expected = {key(o): o for o in kustomize_build(tmp_path)}
    # THEN the example's install and sync are exactly that
    ours = {key(obj): obj for file, obj in read(dists[cluster]) if file.startswith("flux-system/") and key(obj) in expected}
    assert sorted(ours) == sorted(expected)
    assert [k for k in expected if ours[k] != expected[k]] == []


def test_the_kube_state_metrics_config_is_upstreams_file_unmodified() -> None:
    ours = EXAMPLE / "monitoring" / "kube-state-metrics-config.yaml"
    upstream = MONITORING / "monitoring" / "controllers" / "kube-prometheus-stack" / "kube-state-metrics-config.yaml"
    assert ours.read_bytes() == upstream.read_bytes()


# --- stable output -----------------------------------------------------------------------------------


def snapshot_files(dist: Path) -> dict[str, Any]:
    """The layout's files as text, folder by folder; the Flux install's (upstream's manifests) as one list of digests."""
    files: dict[str, Any] = {}
    digests = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        name, text = str(path.relative_to(dist)), path.read_text()
        objects = [] if path.name == "kustomization.yaml" else [o for o in yaml.safe_load_all(text) if o]
        if objects and all(is_install(o) for o in objects):
            digests.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n")
        else:
            folder = files
            for part in path.relative_to(dist).parts[:-1]:
                folder = folder.setdefault(part, {})
            folder[path.name] = text
    files["flux-install.sha256"] = "".join(digests)
    return files


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_output_matches_the_reviewed_snapshot(dists: dict[str, Path], cluster: str, snapshot: Any) -> None:
    snapshot.snapshot_dir = SNAPSHOTS
    snapshot.assert_match_dir(snapshot_files(dists[cluster]), cluster)


def test_synthesizing_twice_gives_the_same_bytes(dists: dict[str, Path], tmp_path: Path) -> None:
    # GIVEN staging synthesized once more, into another folder
    again = tmp_path / "dist"
    result = synth(again, "staging")
    assert result.returncode == 0, result.stderr
    # THEN every file is byte-identical
    first = {str(p.relative_to(dists["staging"])): p.read_bytes() for p in dists["staging"].rglob("*") if p.is_file()}
    second = {str(p.relative_to(again)): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second and len(first) > 50


# --- delivered -------------------------------------------------------------------------------------


def test_both_clusters_publish_to_one_branch_and_a_new_staging_pin_changes_only_staging(world: GitWorld) -> None:  # noqa: F811
    # GIVEN the example as the root of its own repository, pushed to a bare remote
    remote = world.bare_remote()
    repo = world.root / "platform"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", "dist"))
    (repo / ".gitignore").write_text("__pycache__/\n")
    world.git("init", "--quiet", "--initial-branch", "main", str(repo))
    world.git("add", "-A", cwd=repo)
    world.git("commit", "--quiet", "-m", "The platform", cwd=repo)
    world.git("remote", "add", "origin", remote.as_uri(), cwd=repo)
    world.git("push", "--quiet", "origin", "main", cwd=repo)
    env = {**world.env, **ENV, "XDG_CACHE_HOME": str(world.root / "cache")}
    app = {"staging": [], "production": ["--app", "python main.py production"]}
    # WHEN each cluster is published to its folder of the manifests branch
    for cluster in CLUSTERS:
        result = run_cli("publish", *app[cluster], "--branch", "manifests", "--path", f"clusters/{cluster}", cwd=repo, env=env)
        assert result.returncode == 0, result.stderr
    # THEN the branch holds both clusters, one folder per chart, and Flux's sync of each applies its own folder
    files = world.files(remote)
    for cluster in CLUSTERS:
        charts = {name.split("/")[2] for name in files if name.startswith(f"clusters/{cluster}/") and name.count("/") == 3}
        assert charts == {"apps", "flux-system", "infra-controllers", "monitoring-controllers"}
        sync = yaml.safe_load(files[f"clusters/{cluster}/flux-system/kustomization_flux-system_flux-system.yaml"])
        assert sync["spec"]["path"] == f"./clusters/{cluster}/flux-system"
    before = dict(files)
    # WHEN Flux's image automation commits a newer podinfo to staging's pin (as the controller writes it), and CI publishes
    result = run_cli("images", "set", "podinfo-staging", "ghcr.io/stefanprodan/podinfo:6.14.2", cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    world.git("commit", "--quiet", "-am", "Update staging images", cwd=repo)
    for cluster in CLUSTERS:
        result = run_cli("publish", *app[cluster], "--branch", "manifests", "--path", f"clusters/{cluster}", cwd=repo, env=env)
        assert result.returncode == 0, result.stderr
    # THEN the one file that changed is staging's podinfo HelmRelease, at its image tag
    after = world.files(remote)
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert changed == {"clusters/staging/apps/helmrelease_podinfo_podinfo.yaml"}
    release = yaml.safe_load(after["clusters/staging/apps/helmrelease_podinfo_podinfo.yaml"])
    assert release["spec"]["values"]["image"] == {"repository": "ghcr.io/stefanprodan/podinfo", "tag": "6.14.2"}
