"""examples/hello-flux-v2: the seed app, Flux v2 v2.9.4 and its sync, rendered as a user would."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml
from cli import run_cli

from cdk8s_flux.target import targets_in
from cdk8s_flux.validate import validate_objects

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello-flux-v2"


def example_target() -> Any:
    spec = importlib.util.spec_from_file_location("hello_flux_v2_main", EXAMPLE / "main.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TARGET


def test_renders_install_then_sync_then_the_app(tmp_path: Path) -> None:
    # GIVEN the embedded Flux release and an empty cache
    env = {"CDK8S_FLUX_MANIFESTS": "", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    # WHEN the example is rendered
    result = run_cli("render", cwd=EXAMPLE, env=env)
    assert result.returncode == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    kinds = [o["kind"] for o in objects]
    # THEN the install comes first (namespace, then CRDs before any custom resource), the sync next, the app last
    assert kinds[0] == "Namespace" and objects[0]["metadata"]["name"] == "flux-system"
    last_crd = max(i for i, k in enumerate(kinds) if k == "CustomResourceDefinition")
    assert kinds.index("GitRepository") > last_crd
    assert kinds[-5:] == ["GitRepository", "Kustomization", "Namespace", "Deployment", "Service"]
    assert kinds.count("GitRepository") == 1
    (hello,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["namespace"] == "hello"]
    assert hello["spec"]["template"]["spec"]["containers"][0]["image"] == "paulbouwer/hello-kubernetes:1.7"
    # AND Flux watches exactly what the example declares as its publish target
    assert targets_in(objects) == (example_target(),)
    # AND the kustomize-controller customization is on top of upstream's args
    (kc,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "kustomize-controller"]
    container = kc["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][-1] == "--concurrent=10" and "--log-level=info" in container["args"]
    assert container["resources"]["limits"]["cpu"] == "2"
    # AND every object is valid: Flux kinds against the CRDs in the same output, the rest against Kubernetes
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
    assert validate_objects(objects, crds=crds) == []
    flux_kinds = {"GitRepository", "Kustomization"}
    for obj in objects:
        if obj["kind"] not in flux_kinds:
            kubernetes_validate.validate(obj, "1.33.0", strict=True)


def test_without_anything_vendored_or_network_it_renders_from_the_embedded_release(tmp_path: Path) -> None:
    # GIVEN nothing vendored, an empty cache and no network
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "CDK8S_FLUX_MANIFESTS": "",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "CDK8S_FLUX_RELEASES_URL": f"http://127.0.0.1:{port}/releases",
    }
    # WHEN the example is rendered
    result = run_cli("render", cwd=EXAMPLE, env=env)
    # THEN it renders Flux v2.9.4 from the package, and writes no lock file and no cache
    assert result.returncode == 0, result.stderr
    kinds = [o["kind"] for o in yaml.safe_load_all(result.stdout) if o]
    assert kinds.count("CustomResourceDefinition") == 11 and "GitRepository" in kinds
    assert not (EXAMPLE / "cdk8s-flux.lock").exists() and not (tmp_path / "cache").exists()
