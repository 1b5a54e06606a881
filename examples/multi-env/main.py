"""Staging and production from one app, sharing one infrastructure, deployed by Flux v2.

Four charts, each a folder of the layout ``cdk8s-flux publish`` writes to ``dist`` on the ``manifests`` branch:

* ``flux-system``: the Flux install, the GitRepository of the manifests branch, and
  one Flux Kustomization per chart below (what ``flux bootstrap`` puts in
  ``clusters/<name>/flux-system`` plus ``infrastructure.yaml`` and ``apps.yaml``);
* ``infrastructure``: what both environments share: the ingress-nginx controller,
  a HelmRelease of a HelmRepository;
* ``apps-staging`` and ``apps-production``: hello-kubernetes in its own namespace, with
  its own replicas and host name. Their Kustomizations ``depends_on`` the
  infrastructure one, so Flux applies them once the ingress controller is ready.

Flux's own Kustomization (``FluxSync(chart=...)``) applies the ``flux-system`` folder
only, and every other folder has exactly one Kustomization (``Kustomization.for_chart``):
no object is applied by two of them, and no path is typed by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cdk8s_flux  # noqa: F401  (import first: points jsii at a supported Node)
import cdk8s
from constructs import Construct

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
from hello import HelloKubernetes  # noqa: E402

from cdk8s_flux.errors import CdkFluxError  # noqa: E402
from cdk8s_flux.kube import api_object  # noqa: E402
from cdk8s_flux.target import GitTarget  # noqa: E402
from cdk8s_flux.v2 import FluxInstall, FluxSync, HelmRelease, HelmRepository, Kustomization  # noqa: E402

FLUX_VERSION = "v2.9.4"
REPOSITORY = "ssh://git@github.com/example-org/multi-env"
#: Where `cdk8s-flux publish` writes the layout, and where Flux reads it: one value for both.
TARGET = GitTarget(url=REPOSITORY, branch="manifests", path="dist")

#: Per environment: namespace, replicas, host name.
ENVIRONMENTS = {
    "staging": {"replicas": 1, "host": "hello.staging.example.com"},
    "production": {"replicas": 3, "host": "hello.example.com"},
}


class Infrastructure(cdk8s.Chart):
    """What every environment shares: the ingress-nginx controller, installed by Flux's helm-controller."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        api_object(self, "Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ingress-nginx"}})
        charts = HelmRepository(self, "ingress-nginx-charts", name="ingress-nginx", url="https://kubernetes.github.io/ingress-nginx", interval="1h")
        HelmRelease(
            self,
            "ingress-nginx",
            chart="ingress-nginx",
            chart_source=charts,
            chart_version="4.x",
            interval="30m",
            target_namespace="ingress-nginx",
            values={"controller": {"ingressClassResource": {"default": True}}},
        )


class App(HelloKubernetes):
    """hello-kubernetes in one environment, reachable through the shared ingress controller."""

    def __init__(self, scope: Construct, id: str, *, namespace: str, replicas: int, host: str) -> None:
        super().__init__(scope, id, namespace=namespace, replicas=replicas)
        backend = {"service": {"name": "hello-kubernetes", "port": {"number": 80}}}
        api_object(self, "Ingress", {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "hello-kubernetes"},
            "spec": {
                "ingressClassName": "nginx",
                "rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}],
            },
        })


def build(app: cdk8s.App) -> None:
    """Flux, the shared infrastructure and one chart per environment."""
    flux = cdk8s.Chart(app, "flux-system")
    FluxInstall(flux, "install", version=FLUX_VERSION)
    # Flux's own Kustomization applies only this chart's folder; the others get one each below.
    sync = FluxSync(flux, "sync", target=TARGET, chart=flux)

    infrastructure = Infrastructure(app, "infrastructure")
    infrastructure.add_dependency(flux)  # charts in the order a fresh cluster takes them
    # wait: the infrastructure is Ready only once everything in it is, the HelmRelease included.
    infra = Kustomization.for_chart(flux, "infrastructure", chart=infrastructure, sync=sync, prune=True, wait=True, interval="10m0s")
    for environment, settings in ENVIRONMENTS.items():
        chart = App(app, f"apps-{environment}", namespace=environment, **settings)
        chart.add_dependency(infrastructure)
        Kustomization.for_chart(
            flux, f"apps-{environment}", chart=chart, sync=sync, prune=True, interval="10m0s", depends_on=[infra]
        )


def main() -> int:
    app = cdk8s.App()
    try:
        build(app)
    except CdkFluxError as exc:
        print(f"multi-env: error: {exc}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
