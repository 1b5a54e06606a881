"""The monitoring controllers: kube-prometheus-stack from an OCI registry, Loki and Promtail from Grafana's HTTPS Helm repository."""

from __future__ import annotations

from pathlib import Path

import cdk8s
from constructs import Construct
from infrastructure import HELM_CHART_LAYER, namespace

from cdk8s_flux.kube import api_object
from cdk8s_flux.v2 import (
    DriftDetection,
    HelmChart,
    HelmRelease,
    HelmRepository,
    IgnoreRule,
    OCIRepository,
    OCIRepositoryRef,
    PatchTarget,
    ValuesReference,
)

NAMESPACE = "monitoring"
#: What marks the monitoring objects of Flux, and what Prometheus selects its PodMonitors by.
FLUX_MONITORING = {"app.kubernetes.io/part-of": "flux", "app.kubernetes.io/component": "monitoring"}
#: On a ConfigMap a HelmRelease reads values from: helm-controller (v1.6.3, Flux v2.9.4) upgrades the release when it changes.
WATCHED = {"reconcile.fluxcd.io/watch": "Enabled"}
#: kube-state-metrics' custom resource metrics for every Flux kind (upstream's file, as it is).
KUBE_STATE_METRICS_CONFIG = Path(__file__).resolve().parent / "monitoring" / "kube-state-metrics-config.yaml"

PROMETHEUS_VALUES = {
    "alertmanager": {"enabled": False},
    "prometheus": {
        "prometheusSpec": {
            "retention": "24h",
            "resources": {"requests": {"cpu": "200m", "memory": "200Mi"}},
            "podMonitorNamespaceSelector": {},
            "podMonitorSelector": {"matchLabels": {"app.kubernetes.io/component": "monitoring"}},
        }
    },
    "grafana": {"defaultDashboardsEnabled": False, "adminPassword": "flux"},
}

#: Loki as one binary, its datasource registered with Grafana through an extra ConfigMap.
LOKI_DATASOURCE = """apiVersion: 1
datasources:
- name: Loki
  type: loki
  access: proxy
  url: http://loki:{{ .Values.loki.server.http_listen_port }}
  version: 1
  isDefault: false"""
LOKI_VALUES = {
    "chunksCache": {"enabled": False},
    "resultsCache": {"enabled": False},
    "test": {"enabled": False},
    "extraObjects": [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "loki-datasource",
                "labels": {
                    "app": "loki", "chart": "loki", "release": "loki", "grafana_datasource": "1",
                    "app.kubernetes.io/part-of": "kube-prometheus-stack",
                },
            },
            "data": {"loki-datasource.yaml": LOKI_DATASOURCE},
        }
    ],
    "loki": {
        "auth_enabled": False,
        "serviceMonitor": {"enabled": True, "labels": {"app.kubernetes.io/part-of": "kube-prometheus-stack"}},
        "limits_config": {"allow_structured_metadata": True, "retention_period": "24h", "volume_enabled": True},
        "commonConfig": {"replication_factor": 1},
        "schemaConfig": {
            "configs": [
                {"from": "2024-04-01", "store": "tsdb", "object_store": "s3", "schema": "v13", "index": {"prefix": "loki_index_", "period": "24h"}}
            ]
        },
        "pattern_ingester": {"enabled": True},
        "ruler": {"enable_api": True},
    },
    "minio": {"enabled": True},
    "lokiCanary": {"enabled": False},
    "deploymentMode": "SingleBinary",
    "singleBinary": {"replicas": 1},
    # the other deployment modes run nothing
    **{
        component: {"replicas": 0}
        for component in (
            "backend", "read", "write", "ingester", "querier", "queryFrontend", "queryScheduler", "distributor",
            "compactor", "indexGateway", "bloomCompactor", "bloomGateway",
        )
    },
}  # fmt: skip
PROMTAIL_VALUES = {"config": {"clients": [{"url": "http://loki-gateway/loki/api/v1/push", "tenant_id": 1}]}}


class MonitoringControllers(cdk8s.Chart):
    """Prometheus and Grafana with Flux's custom resource metrics, and Loki with Promtail shipping the logs."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        namespace(self, NAMESPACE, {"app.kubernetes.io/component": "monitoring", "pod-security.kubernetes.io/enforce": "privileged"})
        prometheus_chart = OCIRepository(
            self, "kube-prometheus-stack", namespace=NAMESPACE, interval="1h",
            url="oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack", ref=OCIRepositoryRef(semver="69.x"),
            layer_selector=HELM_CHART_LAYER,
        )  # fmt: skip
        # Upstream's configMapGenerator renames the ConfigMap when its content changes, which upgrades the
        # release; under a fixed name, the watch label makes helm-controller upgrade on a change instead.
        metrics_config = api_object(self, "kube-state-metrics-config", {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "flux-kube-state-metrics-config", "namespace": NAMESPACE, "labels": {**FLUX_MONITORING, **WATCHED}},
            "data": {"kube-state-metrics-config.yaml": KUBE_STATE_METRICS_CONFIG.read_text()},
        })  # fmt: skip
        self.prometheus = HelmRelease(
            self, "kube-prometheus-stack", namespace=NAMESPACE, interval="1h", chart_ref=prometheus_chart,
            crds="CreateReplace",  # created on install, replaced on upgrade
            # the operator adds this annotation after install: not drift
            drift_detection=DriftDetection(mode="enabled", ignore=[
                IgnoreRule(paths=["/metadata/annotations/prometheus-operator-validated"], target=PatchTarget(kind="PrometheusRule"))
            ]),
            values_from=[ValuesReference(kind="ConfigMap", name=metrics_config.name, values_key="kube-state-metrics-config.yaml")],
            values=PROMETHEUS_VALUES,
        )  # fmt: skip

        grafana_charts = HelmRepository(self, "grafana-charts", namespace=NAMESPACE, interval="120m0s", url="https://grafana.github.io/helm-charts")
        # Loki's chart as its own HelmChart object, which the HelmRelease references (chartRef).
        loki_chart = HelmChart(
            self, "loki", namespace=NAMESPACE, chart="loki", version="6.x", source=grafana_charts, interval="60m"
        )
        self.loki = HelmRelease(
            self, "loki", namespace=NAMESPACE, interval="5m", depends_on=[self.prometheus], chart_ref=loki_chart, values=LOKI_VALUES
        )
        self.promtail = HelmRelease(
            self, "promtail", namespace=NAMESPACE, interval="5m", timeout="1m", depends_on=[self.prometheus],
            chart="promtail", chart_version="6.x", chart_source=grafana_charts, chart_interval="60m", values=PROMTAIL_VALUES,
        )  # fmt: skip
        self.releases = (self.prometheus, self.loki, self.promtail)
