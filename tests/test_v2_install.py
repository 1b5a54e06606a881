"""``cdk8s_flux.v2.FluxInstall``: parity with ``flux install`` v2.9.4 output.

Golden data: the three real ``flux install``/``flux bootstrap`` outputs of Flux
v2.9.4 in tests/data/flux/v2.9.4/ (provenance in tests/data/flux/README.md). Where an option is not
covered by those files, the expected values follow the rules of fluxcd/flux2
``pkg/manifestgen/install`` (templates.go, manifests.go), quoted in each test,
applied to the upstream file.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import cdk8s
import kubernetes_validate
import pytest
import yaml

from cdk8s_flux.errors import UpstreamError, ValidationError
from cdk8s_flux.release.lookup import ENV_MANIFESTS
from cdk8s_flux.testing import chart_objects, chart_yaml
from cdk8s_flux.v2 import FluxInstall, FluxInstallProps, generate

VERSION = "v2.9.4"
IMAGE_EXTRAS = ("image-reflector-controller", "image-automation-controller")
#: The upstream files: folder under tests/data/flux/v2.9.4 -> the --components-extra it was made with.
FILES = {
    "default-components": (),
    ".": IMAGE_EXTRAS,
    "with-source-watcher": ("source-watcher",),
}
DEFAULTS = ("source-controller", "kustomize-controller", "helm-controller", "notification-controller")
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}
RBAC_NAMES = {"critical-pods", "crd-controller", "flux-edit", "flux-view", "cluster-reconciler"}

_loaded: dict[Path, list[dict[str, Any]]] = {}


def upstream_file(flux_data: Path, name: str) -> Path:
    return flux_data / VERSION / name / "gotk-components.yaml"


def upstream_objects(flux_data: Path, name: str) -> list[dict[str, Any]]:
    """The objects of one shared file (parsed once per session; callers must not change them)."""
    path = upstream_file(flux_data, name)
    if path not in _loaded:
        _loaded[path] = [d for d in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader) if d]
    return _loaded[path]


def synth(**options: Any) -> list[dict[str, Any]]:
    """What a chart holding one FluxInstall synthesizes."""
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", version=VERSION, **options)
    return chart_objects(chart)


def by_id(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def deployments(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}


def args_of(deployment: dict[str, Any]) -> list[str]:
    return deployment["spec"]["template"]["spec"]["containers"][0]["args"]


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]


@pytest.fixture
def vendored(flux_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CDK8S_FLUX_MANIFESTS points at the test data, so v2.9.4 resolves to its 6-component file."""
    monkeypatch.setenv(ENV_MANIFESTS, str(flux_data))
    return flux_data


# --- parity with the three real outputs -------------------------------------------------------------

PAIRS = [(src, dst) for src in FILES for dst in FILES if set(FILES[dst]) <= set(FILES[src])]
MISSING = [(src, dst) for src in FILES for dst in FILES if not set(FILES[dst]) <= set(FILES[src])]


@pytest.mark.parametrize(("source", "wanted"), PAIRS, ids=[f"{s}->{w}" for s, w in PAIRS])
def test_synth_equals_upstream_output_for_its_component_set(flux_data: Path, source: str, wanted: str) -> None:
    """Parity with flux v2.9.4: tests/data/flux/v2.9.4/<wanted>/gotk-components.yaml, made from <source>."""
    # GIVEN one real flux install output as the upstream manifests
    # WHEN FluxInstall asks for another output's --components-extra
    objects = synth(manifests=upstream_file(flux_data, source), components_extra=FILES[wanted])
    # THEN the chart holds exactly that output's objects, in its order
    expected = upstream_objects(flux_data, wanted)
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        (o["kind"], o["metadata"]["name"]) for o in expected
    ]
    assert objects == expected


@pytest.mark.parametrize("wanted", list(FILES))
def test_the_embedded_release_gives_each_upstream_output(flux_data: Path, wanted: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parity of the default (embedded) release with each real v2.9.4 output, objects and order."""
    # GIVEN no manifests given, nothing vendored and no network
    monkeypatch.delenv(ENV_MANIFESTS, raising=False)
    monkeypatch.setenv("CDK8S_FLUX_RELEASES_URL", "http://127.0.0.1:9/releases")
    # WHEN FluxInstall asks for that output's components
    objects = synth(components_extra=FILES[wanted])
    # THEN the chart holds exactly that output's objects, in its order
    assert objects == upstream_objects(flux_data, wanted)


def test_all_seven_components_come_from_the_embedded_release(flux_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the embedded release and every extra component
    monkeypatch.delenv(ENV_MANIFESTS, raising=False)
    extras = (*IMAGE_EXTRAS, "source-watcher")
    objects = by_id(synth(components_extra=extras))
    # THEN every object of every upstream output is there, each as the output that has its component
    # set gives it (the source-watcher gate on kustomize- and helm-controller included)
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    for name in FILES:
        for obj in upstream_objects(flux_data, name):
            expected.setdefault((obj["kind"], obj["metadata"]["name"]), obj)
    for key in (("Deployment", "kustomize-controller"), ("Deployment", "helm-controller")):
        expected[key] = by_id(upstream_objects(flux_data, "with-source-watcher"))[key]
    assert len(objects) == 43 and objects == expected


@pytest.mark.parametrize(("source", "wanted"), MISSING, ids=[f"{s}->{w}" for s, w in MISSING])
def test_component_missing_from_the_input_is_an_error_naming_it(flux_data: Path, source: str, wanted: str) -> None:
    # GIVEN upstream manifests without a component that is asked for
    missing = sorted(set(FILES[wanted]) - set(FILES[source]))
    # WHEN FluxInstall is built
    with pytest.raises(UpstreamError) as raised:
        synth(manifests=upstream_file(flux_data, source), components_extra=FILES[wanted])
    # THEN the error names the component and how to get manifests holding it
    message = str(raised.value)
    assert all(name in message for name in missing)
    assert "install.yaml" in message and f"--components-extra={','.join(FILES[wanted])}" in message


def test_source_watcher_feature_gate_follows_the_component(flux_data: Path) -> None:
    """templates.go v2.9.4: with source-watcher, kustomize- and helm-controller get
    ``--feature-gates=ExternalArtifact=true`` appended; without it, they do not."""
    with_sw = deployments(upstream_objects(flux_data, "with-source-watcher"))
    without = deployments(upstream_objects(flux_data, "default-components"))
    gate = "--feature-gates=ExternalArtifact=true"
    # the shared files show exactly this difference
    for name in ("kustomize-controller", "helm-controller"):
        assert args_of(with_sw[name]) == [*args_of(without[name]), gate]
    # WHEN the source-watcher file is asked for the defaults, the gate goes
    dropped = deployments(synth(manifests=upstream_file(flux_data, "with-source-watcher")))
    assert all(gate not in args_of(d) for d in dropped.values())
    # AND WHEN source-watcher is asked for, the gate is appended to exactly those two
    kept = deployments(
        synth(manifests=upstream_file(flux_data, "with-source-watcher"), components_extra=("source-watcher",))
    )
    assert [n for n, d in kept.items() if gate in args_of(d)] == ["kustomize-controller", "helm-controller"]


def test_component_order_follows_the_components_list(flux_data: Path) -> None:
    """flux install lists the component bases as resources in the order of --components."""
    order = ("helm-controller", "source-controller", "kustomize-controller")
    objects = synth(manifests=upstream_file(flux_data, "default-components"), components=order)
    labels = [o["metadata"]["labels"] for o in objects]
    seen = [lab["app.kubernetes.io/component"] for lab in labels if "app.kubernetes.io/component" in lab]
    assert list(dict.fromkeys(seen)) == list(order)


def test_input_order_does_not_matter(flux_data: Path) -> None:
    """A globally sorted input (the release's install.yaml is built that way) gives the same output."""
    shuffled = list(upstream_objects(flux_data, "."))
    random.Random(4).shuffle(shuffled)
    props = FluxInstallProps(version=VERSION, components_extra=IMAGE_EXTRAS)
    assert generate(props, shuffled) == upstream_objects(flux_data, ".")


def test_generate_does_not_change_its_input(flux_data: Path) -> None:
    original = upstream_objects(flux_data, ".")
    before = json.dumps(original, sort_keys=True)
    generate(FluxInstallProps(version=VERSION, namespace="gitops", registry="", toleration_keys=("a",)), original)
    assert json.dumps(original, sort_keys=True) == before


def test_lookup_through_the_environment_folder(vendored: Path) -> None:
    """$CDK8S_FLUX_MANIFESTS/v2.9.4/gotk-components.yaml is the six-component file."""
    assert synth(components_extra=IMAGE_EXTRAS) == upstream_objects(vendored, ".")


# --- options checked field by field against the flux install rules ----------------------------------


def test_namespace_is_set_everywhere_it_appears(vendored: Path) -> None:
    """Rules (INSTALL_RULES §2 --namespace): kustomize ``namespace:`` on namespaced objects; the
    Namespace from namespace.yaml; RBAC ``nameSuffix: -<ns>`` with roleRef following; the
    ClusterRoleBinding subjects' ``flux-system`` replaced; label ``app.kubernetes.io/instance: <ns>``."""
    upstream = upstream_objects(vendored, ".")
    objects = synth(namespace="gitops", components_extra=IMAGE_EXTRAS)
    assert len(objects) == len(upstream)
    for ours, theirs in zip(objects, upstream, strict=True):
        expected = json.loads(json.dumps(theirs))
        metadata = expected["metadata"]
        if expected["kind"] == "Namespace":
            metadata["name"] = "gitops"
        if "namespace" in metadata:
            metadata["namespace"] = "gitops"
        base = metadata["name"].removesuffix("-flux-system")
        if base in RBAC_NAMES:
            metadata["name"] = f"{base}-gitops"
        if expected.get("roleRef", {}).get("name") == "crd-controller-flux-system":
            expected["roleRef"]["name"] = "crd-controller-gitops"
        for subject in expected.get("subjects", []):
            subject["namespace"] = "gitops"
        metadata["labels"]["app.kubernetes.io/instance"] = "gitops"
        if expected["kind"] == "Deployment":
            expected["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"] = "gitops"
        assert ours == expected, f"{ours['kind']} {ours['metadata']['name']}"
    # the RBAC keeps pointing at cluster-admin, which the suffix does not touch
    assert by_id(objects)[("ClusterRoleBinding", "cluster-reconciler-gitops")]["roleRef"]["name"] == "cluster-admin"
    # AND nothing names flux-system any more
    assert "flux-system" not in json.dumps(objects)


def test_namespaced_objects_keep_their_namespace_in_a_namespaced_chart(vendored: Path) -> None:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux", namespace="apps")
    FluxInstall(chart, "flux", version=VERSION, components_extra=IMAGE_EXTRAS)
    objects = chart_objects(chart)
    assert objects == upstream_objects(vendored, ".")


def test_network_policy_false_drops_only_the_policies(vendored: Path) -> None:
    """Rule: with --network-policy=false, policies.yaml is not a resource; nothing else changes."""
    upstream = upstream_objects(vendored, ".")
    objects = synth(network_policy=False, components_extra=IMAGE_EXTRAS)
    assert objects == [o for o in upstream if o["kind"] != "NetworkPolicy"]
    assert [o["metadata"]["name"] for o in upstream if o["kind"] == "NetworkPolicy"] == [
        "allow-egress",
        "allow-scraping",
        "allow-webhooks",
    ]


def _expected_args(upstream: dict[str, dict[str, Any]], name: str, index: int, value: str) -> list[str]:
    args = list(args_of(upstream[name]))
    args[index] = value
    return args


def test_watch_all_namespaces_false_and_log_level(vendored: Path) -> None:
    """templates.go: ``--watch-all-namespaces=<bool>`` replaces args/1 (args/0 on notification-controller),
    ``--log-level=<level>`` replaces args/2 (args/1 on notification-controller)."""
    upstream = deployments(upstream_objects(vendored, "."))
    ours = deployments(synth(watch_all_namespaces=False, log_level="debug", components_extra=IMAGE_EXTRAS))
    assert set(ours) == set(upstream)
    for name, deployment in ours.items():
        watch, level = (0, 1) if name == "notification-controller" else (1, 2)
        expected = _expected_args(upstream, name, watch, "--watch-all-namespaces=false")
        expected[level] = "--log-level=debug"
        assert args_of(deployment) == expected, name


def test_cluster_domain(vendored: Path) -> None:
    """manifests.go (v2.9): EventsAddr is ``http://notification-controller.$(RUNTIME_NAMESPACE).svc.<domain>./``
    at args/0 of every controller but notification-controller; source-controller's args/6 is
    ``--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.<domain>.``."""
    upstream = deployments(upstream_objects(vendored, "."))
    ours = deployments(synth(cluster_domain="k8s.example.org", components_extra=IMAGE_EXTRAS))
    for name, deployment in ours.items():
        if name == "notification-controller":
            assert args_of(deployment) == args_of(upstream[name])
            continue
        expected = _expected_args(
            upstream, name, 0, "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.k8s.example.org./"
        )
        if name == "source-controller":
            expected[6] = "--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.k8s.example.org."
        assert args_of(deployment) == expected, name


def test_source_watcher_advertises_its_own_storage_address(flux_data: Path) -> None:
    """PR #5574 (in v2.9): source-watcher's args/6 names source-watcher, not source-controller."""
    ours = deployments(
        synth(
            manifests=upstream_file(flux_data, "with-source-watcher"),
            components_extra=("source-watcher",),
            cluster_domain="cluster.example",
        )
    )
    assert args_of(ours["source-watcher"])[6] == "--storage-adv-addr=source-watcher.$(RUNTIME_NAMESPACE).svc.cluster.example."


def test_without_notification_controller_events_addr_is_empty(vendored: Path) -> None:
    """manifests.go: EventsAddr is set only if notification-controller is a component; else ``--events-addr=``."""
    ours = deployments(synth(components=("source-controller", "kustomize-controller")))
    assert set(ours) == {"source-controller", "kustomize-controller"}
    assert all(args_of(d)[0] == "--events-addr=" for d in ours.values())


def _image_parts(image: str) -> tuple[str, str]:
    name, _, tag = image.rpartition(":")
    return name, tag


MIRROR = "registry.example.com:5000/mirror/fluxcd"


@pytest.mark.parametrize(("registry", "prefix"), [(MIRROR, MIRROR), ("", "fluxcd")])
def test_registry(vendored: Path, registry: str, prefix: str) -> None:
    """templates.go ``images:``: ``fluxcd/<c>`` becomes ``<registry>/<c>``, tag kept; with
    ``--registry=""`` there is no images section, so the base ``fluxcd/<c>`` stays."""
    upstream = deployments(upstream_objects(vendored, "."))
    ours = deployments(synth(registry=registry, components_extra=IMAGE_EXTRAS))
    for name, deployment in ours.items():
        upstream_image = pod_spec(upstream[name])["containers"][0]["image"]
        assert _image_parts(upstream_image)[0] == f"ghcr.io/fluxcd/{name}"
        assert pod_spec(deployment)["containers"][0]["image"] == f"{prefix}/{name}:{_image_parts(upstream_image)[1]}"


def test_image_pull_secret_and_toleration_keys(vendored: Path) -> None:
    """node-selector.yaml template, patched into every Deployment: ``imagePullSecrets: [{name}]`` and
    ``tolerations: [{key, operator: Exists}]`` per key, in order; nothing else changes."""
    upstream = deployments(upstream_objects(vendored, "."))
    ours = deployments(
        synth(
            image_pull_secret="regcred",
            toleration_keys=("dedicated", "example.com/flux"),
            components_extra=IMAGE_EXTRAS,
        )
    )
    for name, deployment in ours.items():
        expected = json.loads(json.dumps(upstream[name]))
        spec = pod_spec(expected)
        assert "imagePullSecrets" not in spec and "tolerations" not in spec
        spec["imagePullSecrets"] = [{"name": "regcred"}]
        spec["tolerations"] = [
            {"key": "dedicated", "operator": "Exists"},
            {"key": "example.com/flux", "operator": "Exists"},
        ]
        assert deployment == expected, name


def test_labels_carry_instance_part_of_and_version(vendored: Path) -> None:
    """labels.yaml: instance, part-of and version on every object and on Deployment pod templates."""
    for obj in synth():
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/instance"] == "flux-system"
        assert labels["app.kubernetes.io/part-of"] == "flux"
        assert labels["app.kubernetes.io/version"] == VERSION
        if obj["kind"] == "Deployment":
            assert obj["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/version"] == VERSION


# --- errors ---------------------------------------------------------------------------------------


def test_version_of_the_file_must_match(flux_data: Path) -> None:
    with pytest.raises(UpstreamError, match=r"holds Flux v2\.9\.4, but version='v2\.9\.3'"):
        chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
        FluxInstall(chart, "flux", version="v2.9.3", manifests=upstream_file(flux_data, "."))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"version": "2.9.4"}, "version"),
        ({"version": "latest"}, "version"),
        ({"components_extra": ("image-policy-controller",)}, "components"),
        ({"components_extra": ("source-controller",)}, "components_extra"),
        ({"components": ()}, "components"),
        ({"namespace": "Flux_System"}, "namespace"),
        ({"log_level": "verbose"}, "log_level"),
        ({"registry": "https://ghcr.io/fluxcd"}, "registry"),
        ({"toleration_keys": "dedicated"}, "toleration_keys"),
        ({"cluster_domain": "-bad"}, "cluster_domain"),
    ],
)
def test_invalid_options_name_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        FluxInstallProps(**{"version": VERSION, **options})
    assert raised.value.field == field
    assert "Fix:" in str(raised.value)


def test_version_without_v_suggests_the_fix() -> None:
    with pytest.raises(ValidationError, match="'v2.9.4'"):
        FluxInstallProps(version="2.9.4")


def test_props_and_keywords_together_are_refused(vendored: Path) -> None:
    with pytest.raises(ValidationError, match="pass one or the other"):
        FluxInstall(cdk8s.Chart(cdk8s.Testing.app(), "c"), "flux", FluxInstallProps(version=VERSION), namespace="x")


# --- the output is valid and takes well -----------------------------------------------------------


def test_every_object_is_valid_kubernetes(vendored: Path) -> None:
    """Every object, CRDs included, against the Kubernetes 1.33 OpenAPI schema, unknown fields refused."""
    objects = synth(
        namespace="gitops", image_pull_secret="regcred", toleration_keys=("dedicated",), components_extra=IMAGE_EXTRAS
    )
    problems = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, "1.33.0", strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{obj['kind']} {obj['metadata']['name']}: {str(exc).splitlines()[0]}")
    assert problems == []


def test_synth_is_deterministic(vendored: Path) -> None:
    def once() -> str:
        chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
        FluxInstall(chart, "flux", version=VERSION, namespace="gitops")
        return chart_yaml(chart)

    assert once() == once()


def test_install_builds_with_kubectl_kustomize(vendored: Path, tmp_path: Path, kubectl: str) -> None:
    # GIVEN the synthesized install written as a file with a kustomization listing it
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", version=VERSION, components_extra=IMAGE_EXTRAS)
    (tmp_path / "gotk-components.yaml").write_text(chart_yaml(chart))
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- gotk-components.yaml\n"
    )
    # WHEN kubectl kustomize builds it
    result = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, check=False)
    # THEN it holds the same objects (kustomize sorts them its own way)
    assert result.returncode == 0, result.stderr
    built = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert len(built) == 39
    ours = chart_objects(chart)
    assert by_id(built) == by_id(ours)


def test_rbac_names_without_the_suffix_get_it(flux_data: Path) -> None:
    """roles/kustomization.yaml: ``nameSuffix: -<ns>`` on rbac.yaml, whose names have no suffix
    (as in a file built without flux install's templating); roleRef follows the ClusterRole."""
    unsuffixed = json.loads(json.dumps(upstream_objects(flux_data, "default-components")))
    for obj in unsuffixed:
        if obj["metadata"]["name"].removesuffix("-flux-system") in RBAC_NAMES:
            obj["metadata"]["name"] = obj["metadata"]["name"].removesuffix("-flux-system")
        if obj.get("roleRef", {}).get("name") == "crd-controller-flux-system":
            obj["roleRef"]["name"] = "crd-controller"
    assert generate(FluxInstallProps(version=VERSION), unsuffixed) == upstream_objects(flux_data, "default-components")
