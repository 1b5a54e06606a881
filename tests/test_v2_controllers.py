"""``ControllerCustomization``: typed per-controller changes on top of the upstream Deployments.

Expected values are the upstream v2.9.4 Deployments (tests/data/flux/v2.9.4/gotk-components.yaml)
with exactly the asked change applied; flag names follow Flux's multi-tenancy lockdown guide.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cdk8s
import kubernetes_validate
import pytest
import yaml

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.release.lookup import ENV_MANIFESTS
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import ControllerCustomization, FluxInstall, FluxInstallProps, Resources

VERSION = "v2.9.4"


@pytest.fixture
def upstream(flux_data: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """The upstream Deployments of the default components, by name."""
    monkeypatch.setenv(ENV_MANIFESTS, str(flux_data))
    text = (flux_data / VERSION / "default-components" / "gotk-components.yaml").read_text()
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(text) if d and d["kind"] == "Deployment"}


def synth_deployments(controllers: dict[str, ControllerCustomization]) -> dict[str, dict[str, Any]]:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", version=VERSION, manifests=None, controllers=controllers)
    return {o["metadata"]["name"]: o for o in chart_objects(chart) if o["kind"] == "Deployment"}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_extra_args_are_appended_after_the_upstream_args(upstream: dict[str, dict[str, Any]]) -> None:
    # GIVEN extra args for kustomize-controller (what a strategic-merge patch of args would replace)
    options = ControllerCustomization(extra_args=("--concurrent=20", "--requeue-dependency=5s"))
    # WHEN installed
    ours = synth_deployments({"kustomize-controller": options})
    # THEN the upstream args are all kept, in order, and the extra ones follow
    assert container(ours["kustomize-controller"])["args"] == [
        *container(upstream["kustomize-controller"])["args"],
        "--concurrent=20",
        "--requeue-dependency=5s",
    ]
    # AND the other controllers are untouched
    assert ours["helm-controller"] == upstream["helm-controller"]


def test_lockdown_flags(upstream: dict[str, dict[str, Any]]) -> None:
    """Flux multi-tenancy lockdown: --no-cross-namespace-refs=true, --default-service-account=<sa>
    on kustomize- and helm-controller, --no-remote-bases=true on kustomize-controller."""
    ours = synth_deployments(
        {
            "kustomize-controller": ControllerCustomization(
                no_cross_namespace_refs=True, default_service_account="default", no_remote_bases=True
            ),
            "helm-controller": ControllerCustomization(no_cross_namespace_refs=True, default_service_account="default"),
            "notification-controller": ControllerCustomization(no_cross_namespace_refs=True),
        }
    )
    assert container(ours["kustomize-controller"])["args"][-3:] == [
        "--no-cross-namespace-refs=true",
        "--default-service-account=default",
        "--no-remote-bases=true",
    ]
    assert container(ours["helm-controller"])["args"][-2:] == [
        "--no-cross-namespace-refs=true",
        "--default-service-account=default",
    ]
    assert container(ours["notification-controller"])["args"] == [
        *container(upstream["notification-controller"])["args"],
        "--no-cross-namespace-refs=true",
    ]


def test_resources_env_annotations_and_scheduling(upstream: dict[str, dict[str, Any]]) -> None:
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "role", "operator": "In", "values": ["infra"]}]}]
            }
        }
    }
    options = ControllerCustomization(
        resources=Resources(cpu_limit="4", memory_limit="2Gi"),
        env={"HTTPS_PROXY": "http://proxy:3128", "TUF_ROOT": "/tmp/tuf"},
        annotations={"sidecar.istio.io/inject": "false"},
        affinity=affinity,
        node_selector={"role": "infra"},
        priority_class_name="flux-critical",
    )
    ours = synth_deployments({"source-controller": options})["source-controller"]
    # expected: the upstream Deployment with exactly these changes
    expected = json.loads(json.dumps(upstream["source-controller"]))
    manager = container(expected)
    assert manager["resources"]["limits"] == {"cpu": "1000m", "memory": "1Gi"}
    manager["resources"]["limits"] = {"cpu": "4", "memory": "2Gi"}  # requests stay upstream's
    assert [e["name"] for e in manager["env"]] == ["RUNTIME_NAMESPACE", "TUF_ROOT", "GOMEMLIMIT"]
    manager["env"][1] = {"name": "TUF_ROOT", "value": "/tmp/tuf"}  # replaced in place
    manager["env"].append({"name": "HTTPS_PROXY", "value": "http://proxy:3128"})
    template = expected["spec"]["template"]
    template["metadata"]["annotations"]["sidecar.istio.io/inject"] = "false"
    template["spec"]["affinity"] = affinity
    template["spec"]["nodeSelector"] = {"kubernetes.io/os": "linux", "role": "infra"}
    template["spec"]["priorityClassName"] = "flux-critical"
    assert ours == expected
    kubernetes_validate.validate(ours, "1.33.0", strict=True)


@pytest.mark.parametrize(
    ("component", "options", "flag"),
    [
        ("source-controller", ControllerCustomization(no_cross_namespace_refs=True), "--no-cross-namespace-refs"),
        ("notification-controller", ControllerCustomization(default_service_account="x"), "--default-service-account"),
        ("helm-controller", ControllerCustomization(no_remote_bases=True), "--no-remote-bases"),
    ],
)
def test_lockdown_flag_on_a_controller_without_it_is_refused(
    component: str, options: ControllerCustomization, flag: str
) -> None:
    with pytest.raises(ValidationError, match=f"{component} has no {flag}"):
        FluxInstallProps(version=VERSION, controllers={component: options})


@pytest.mark.parametrize(
    ("arg", "fix"),
    [
        ("--log-level=debug", "log_level"),
        ("--watch-all-namespaces=false", "watch_all_namespaces"),
        ("--no-cross-namespace-refs=true", "no_cross_namespace_refs"),
        ("concurrent=4", "--name=value"),
    ],
)
def test_extra_args_that_flux_install_manages_are_refused(arg: str, fix: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ControllerCustomization(extra_args=(arg,))
    assert fix in raised.value.fix


def test_customizing_a_component_that_is_not_installed_is_refused() -> None:
    with pytest.raises(ValidationError, match="not an installed component"):
        FluxInstallProps(version=VERSION, controllers={"image-reflector-controller": ControllerCustomization()})


@pytest.mark.parametrize("value", ["1 CPU", "2GB", "-1", ""])
def test_resources_must_be_quantities(value: str) -> None:
    with pytest.raises(ValidationError, match="quantity"):
        Resources(cpu_limit=value)
