"""The infrastructure controllers: cert-manager and Envoy Gateway, Helm charts from OCI registries."""

from __future__ import annotations

import cdk8s
from constructs import Construct

from cdk8s_flux.kube import api_object
from cdk8s_flux.v2 import (
    HelmRelease,
    HelmReleaseInstall,
    HelmReleaseUpgrade,
    InstallStrategy,
    LayerSelector,
    OCIRepository,
    OCIRepositoryRef,
    UpgradeStrategy,
)

#: Flux takes the chart's tarball out of the OCI artifact, the layer Helm pushes.
HELM_CHART_LAYER = LayerSelector(media_type="application/vnd.cncf.helm.chart.content.v1.tar+gzip", operation="copy")
#: A failed install or upgrade is tried again later, without uninstalling or rolling back first.
RETRY_INSTALL = HelmReleaseInstall(strategy=InstallStrategy(name="RetryOnFailure"))
RETRY_UPGRADE = HelmReleaseUpgrade(strategy=UpgradeStrategy(name="RetryOnFailure"))
#: The label the platform team's namespaces carry.
SRE_TENANT = {"toolkit.fluxcd.io/tenant": "sre-team"}


def namespace(scope: Construct, name: str, labels: dict[str, str]) -> None:
    """A Namespace, labelled."""
    api_object(scope, f"namespace-{name}", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})


class InfraControllers(cdk8s.Chart):
    """cert-manager (with Gateway API support) and Envoy Gateway, each in its own namespace."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        namespace(self, "cert-manager", SRE_TENANT)
        cert_manager_chart = OCIRepository(
            self, "cert-manager", namespace="cert-manager", interval="24h",
            url="oci://quay.io/jetstack/charts/cert-manager", ref=OCIRepositoryRef(semver="1.x"), layer_selector=HELM_CHART_LAYER,
        )  # fmt: skip
        self.cert_manager = HelmRelease(
            self, "cert-manager", namespace="cert-manager", interval="12h", chart_ref=cert_manager_chart,
            values={"crds": {"enabled": True, "keep": False}, "config": {"enableGatewayAPI": True}},
            install=RETRY_INSTALL, upgrade=RETRY_UPGRADE,
        )  # fmt: skip

        namespace(self, "envoy-gateway-system", SRE_TENANT)
        gateway_chart = OCIRepository(
            self, "gateway-helm", namespace="envoy-gateway-system", interval="24h",
            url="oci://docker.io/envoyproxy/gateway-helm", ref=OCIRepositoryRef(semver=">= 1.8.0-rc.0"), layer_selector=HELM_CHART_LAYER,
        )  # fmt: skip
        self.envoy_gateway = HelmRelease(
            self, "envoy-gateway", namespace="envoy-gateway-system", release_name="envoy-gateway", interval="12h", chart_ref=gateway_chart,
            install=RETRY_INSTALL, upgrade=RETRY_UPGRADE,
        )  # fmt: skip
        self.releases = (self.cert_manager, self.envoy_gateway)
