"""The applications: podinfo, a Helm chart from an HTTPS Helm repository, with each cluster's values."""

from __future__ import annotations

from typing import Any

import cdk8s
from clusters import Cluster
from constructs import Construct
from infrastructure import RETRY_INSTALL, RETRY_UPGRADE, namespace

from cdk8s_flux.substitution import Var
from cdk8s_flux.v2 import HelmRelease, HelmReleaseTest, HelmRepository

NAMESPACE = "podinfo"
#: What both clusters share (apps/base of the upstream example); the cluster adds the host name.
BASE_VALUES: dict[str, Any] = {
    "redis": {"enabled": True, "repository": "public.ecr.aws/docker/library/redis", "tag": "8.6.2"},
    "httpRoute": {
        "enabled": True,
        "parentRefs": [{"name": "envoy", "namespace": "envoy-gateway-system", "sectionName": "http"}],
        "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}],
    },
}


class Apps(cdk8s.Chart):
    """podinfo in its namespace, at the chart range, host name and image of one cluster.

    image: the podinfo image from the cluster's pins, ``repository:tag``.
    """

    def __init__(self, scope: Construct, id: str, *, cluster: Cluster, image: str) -> None:
        super().__init__(scope, id)
        namespace(self, NAMESPACE, {"toolkit.fluxcd.io/tenant": "dev-team"})
        repository = HelmRepository(self, "podinfo", namespace=NAMESPACE, interval="5m", url="https://stefanprodan.github.io/podinfo")
        image_repository, _, tag = image.rpartition(":")
        values = {
            **BASE_VALUES,
            "httpRoute": {**BASE_VALUES["httpRoute"], "hostnames": [cluster.podinfo_host]},
            "image": {"repository": image_repository, "tag": tag},
            # Filled in by Flux when it applies the folder (the apps Kustomization's postBuild).
            "ui": {"message": Var("cluster_name")},
        }
        self.podinfo = HelmRelease(
            self, "podinfo", namespace=NAMESPACE, interval="50m", release_name="podinfo",
            chart="podinfo", chart_source=repository, chart_version=cluster.podinfo_chart, values=values,
            install=RETRY_INSTALL, upgrade=RETRY_UPGRADE,
            test=None if cluster.podinfo_tests is None else HelmReleaseTest(enable=cluster.podinfo_tests),
        )  # fmt: skip
        self.releases = (self.podinfo,)
