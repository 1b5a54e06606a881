"""A platform repository in cdk8s: Flux, infrastructure, monitoring and apps for one cluster.

``python main.py staging`` (what cdk8s.yaml runs) or ``python main.py production``.
Each cluster is published to its own folder of the ``manifests`` branch
(``clusters/<name>``), one folder per chart below it:

* ``flux-system``: the Flux install and sync, and what Flux itself runs for the
  platform: one Kustomization per layer, the sources of the layers that are not
  charts of this app, chat alerts, the webhook receiver and (staging) image automation;
* ``infra-controllers``: cert-manager and Envoy Gateway, Helm charts from OCI registries;
* ``monitoring-controllers``: kube-prometheus-stack (OCI), Loki and Promtail (an HTTPS
  Helm repository);
* ``apps``: podinfo with this cluster's chart range, host name and image pin.

The layers wait for each other as in the upstream example: the configs (ClusterIssuer,
Gateway, PodMonitor, dashboards) after the controllers that define their kinds, the
apps after the configs.
"""

# ruff: noqa: I001  (cdk8s_flux is imported first, before cdk8s: it points jsii at a supported Node)
from __future__ import annotations

import sys
from pathlib import Path

import cdk8s_flux  # noqa: F401  (import first: points jsii at a supported Node)
import cdk8s
from apps import Apps
from clusters import CLUSTERS, MANIFESTS_BRANCH, REPOSITORY, SOURCE_BRANCH, Cluster
from constructs import Construct
from infrastructure import SRE_TENANT, InfraControllers
from monitoring import NAMESPACE as MONITORING
from monitoring import MonitoringControllers

from cdk8s_flux.errors import CdkFluxError
from cdk8s_flux.images import ImageAutomation, ImagePins, ImageUpdates
from cdk8s_flux.target import GitTarget
from cdk8s_flux.v2 import (
    Alert,
    Bucket,
    ControllerCustomization,
    FluxInstall,
    FluxSync,
    GitRepository,
    GitRepositoryRef,
    HealthCheck,
    HealthCheckExpr,
    HelmRelease,
    Kustomization,
    ObjectSelector,
    Patch,
    PatchTarget,
    PostBuild,
    Provider,
    Receiver,
    SemverPolicy,
)

FLUX_VERSION = "v2.9.4"
#: The images each cluster runs: a pins file, which Flux's image automation rewrites (entry podinfo-<cluster>).
PINS = Path(__file__).resolve().parent / "images.yaml"
#: The upstream examples whose configs the platform applies as they are, pinned to a commit.
KUSTOMIZE_HELM_EXAMPLE = ("https://github.com/fluxcd/flux2-kustomize-helm-example", "4f1a5b1051b469108d1bdf0ebec6c814427e3834")
MONITORING_EXAMPLE = ("https://github.com/fluxcd/flux2-monitoring-example", "7ab65dc8b90f7a6751d88f18bbb4e1bee33bf334")
#: A Gateway is ready once its controller has programmed it (it has no Ready condition for Flux to read).
GATEWAY_PROGRAMMED = HealthCheckExpr(
    api_version="gateway.networking.k8s.io/v1", kind="Gateway",
    current="has(status.conditions) && status.conditions.exists(e, e.type == 'Programmed' && e.status == 'True')",
    failed="has(status.conditions) && status.conditions.exists(e, e.type == 'Accepted' && e.status == 'False')",
)  # fmt: skip
#: What every layer's Kustomization shares (upstream's clusters/<name>/*.yaml).
LAYER = {"interval": "1h", "retry_interval": "2m", "timeout": "5m", "prune": True}


def flux_install(chart: Construct) -> FluxInstall:
    """Flux with the image automation controllers, and more concurrency for a repository of many objects."""
    busy = ControllerCustomization(extra_args=("--concurrent=20", "--requeue-dependency=5s"))
    return FluxInstall(
        chart, "install", version=FLUX_VERSION,
        components_extra=("image-reflector-controller", "image-automation-controller"),
        controllers=dict.fromkeys(("kustomize-controller", "helm-controller", "source-controller"), busy),
    )  # fmt: skip


def label(scope: Construct, labels: dict[str, str]) -> None:
    """Add labels to every object under ``scope`` (cdk8s's own metadata API: FluxInstall takes no labels)."""
    for child in scope.node.find_all():
        if isinstance(child, cdk8s.ApiObject):
            for key, value in labels.items():
                child.metadata.add_label(key, value)


def upstream_source(chart: Construct, id: str, url_commit: tuple[str, str]) -> GitRepository:
    """A public upstream repository at one commit."""
    url, commit = url_commit
    return GitRepository(chart, id, url=url, ref=GitRepositoryRef(commit=commit), interval="1h")


def image_automation(chart: Construct, source: GitRepository, pins: ImagePins, entry: str) -> None:
    """Flux scans podinfo's registry, picks the newest 6.x tag and commits it to the pins file on main."""
    ImageAutomation(chart, "podinfo", pins=pins, entry=entry, name="podinfo", policy=SemverPolicy(range="6.x"), interval="5m")
    ImageUpdates(
        chart, "platform-images", source=source, pins=[pins], interval="30m",
        # the platform repository holds this app at its root, the pins file with it
        update_path=".", checkout_branch=SOURCE_BRANCH,
        author_name="fluxcdbot", author_email="fluxcdbot@users.noreply.github.com",
        message_template="Update staging images\n\n{{ range .Changed.Changes }}{{ print .OldValue }} -> {{ println .NewValue }}{{ end }}",
    )  # fmt: skip


def notifications(chart: Construct, cluster: Cluster, sync: FluxSync, releases: list[HelmRelease]) -> None:
    """Alerts to Slack for every Kustomization and HelmRelease, and the GitHub webhook that makes Flux fetch at once."""
    slack = Provider(chart, "slack", type="slack", channel=f"platform-{cluster.name}", secret_ref="slack-webhook")
    Alert(
        chart, "platform", provider=slack, event_severity=cluster.alert_severity,
        event_sources=[ObjectSelector(kind="Kustomization"), *releases],
        event_metadata={"cluster": cluster.name},
    )  # fmt: skip
    # CI pushes the manifests branch; GitHub tells Flux at once, instead of Flux finding it at its next poll.
    Receiver(chart, "github", type="github", events=["ping", "push"], secret_ref="github-webhook-token", resources=[sync.source])


def build(app: cdk8s.App, cluster: Cluster) -> None:
    """The charts of one cluster, in the order a fresh cluster takes them, and the Kustomizations that apply them."""
    flux = cdk8s.Chart(app, "flux-system")
    install = flux_install(flux)
    target = GitTarget(url=REPOSITORY, branch=MANIFESTS_BRANCH, path=cluster.manifests_path)
    sync = FluxSync(flux, "sync", target=target, chart=flux)
    # Flux itself belongs to the platform team, as every namespace of the infrastructure
    for construct in (install, sync):
        label(construct, SRE_TENANT)

    controllers = InfraControllers(app, "infra-controllers")
    monitoring = MonitoringControllers(app, "monitoring-controllers")
    pins = ImagePins.load(PINS)
    podinfo = f"podinfo-{cluster.name}"
    apps = Apps(app, "apps", cluster=cluster, image=pins[podinfo])
    for chart in (controllers, monitoring, apps):
        chart.add_dependency(flux)
    apps.add_dependency(controllers)

    infra_controllers = Kustomization.for_chart(flux, "infra-controllers", chart=controllers, sync=sync, wait=True, **LAYER)
    infra_configs = Kustomization(
        flux, "infra-configs", source=upstream_source(flux, "flux2-kustomize-helm-example", KUSTOMIZE_HELM_EXAMPLE),
        path="./infrastructure/configs", depends_on=[infra_controllers], **LAYER,
        # The apps wait for what they need: an ACME account with Let's Encrypt, and a Gateway that routes.
        health_checks=[
            HealthCheck(api_version="cert-manager.io/v1", kind="ClusterIssuer", name="letsencrypt"),
            HealthCheck(api_version="gateway.networking.k8s.io/v1", kind="Gateway", name="envoy", namespace="envoy-gateway-system"),
        ],
        health_check_exprs=[GATEWAY_PROGRAMMED],
        # The ClusterIssuer of the configs asks this cluster's ACME server.
        patches=[Patch(
            patch=[{"op": "replace", "path": "/spec/acme/server", "value": cluster.acme_server}],
            target=PatchTarget(kind="ClusterIssuer", name="letsencrypt"),
        )],
    )  # fmt: skip
    monitoring_controllers = Kustomization.for_chart(
        flux, "monitoring-controllers", chart=monitoring, sync=sync, wait=True, **{**LAYER, "timeout": "10m"}
    )
    monitoring_configs = Kustomization(
        flux, "monitoring-configs", source=upstream_source(flux, "flux2-monitoring-example", MONITORING_EXAMPLE),
        path="./monitoring/configs", depends_on=[monitoring_controllers], wait=True, **LAYER,
    )  # fmt: skip
    # Grafana dashboards other teams upload to a bucket, picked up by Grafana's sidecar.
    dashboards = Bucket(
        flux, "team-dashboards", provider="aws", bucket_name="example-org-grafana-dashboards",
        endpoint="s3.amazonaws.com", region="eu-west-1", prefix=f"{cluster.name}/", interval="10m",
    )  # fmt: skip
    Kustomization(
        flux, "team-dashboards", source=dashboards, target_namespace=MONITORING, depends_on=[monitoring_configs], **LAYER
    )
    Kustomization.for_chart(
        flux, "apps", chart=apps, sync=sync, depends_on=[infra_configs], wait=True,
        post_build=PostBuild(substitute={"cluster_name": cluster.name}), **LAYER,
    )  # fmt: skip

    notifications(flux, cluster, sync, [*controllers.releases, *monitoring.releases, *apps.releases])
    if cluster.image_automation:
        source = GitRepository(flux, "platform-source", url=REPOSITORY, ref=GitRepositoryRef(branch=SOURCE_BRANCH), secret_ref="flux-system")
        image_automation(flux, source, pins, podinfo)


def main(argv: list[str]) -> int:
    names = argv[1:] or ["staging"]
    if len(names) != 1 or names[0] not in CLUSTERS:
        print(f"usage: python main.py [{'|'.join(CLUSTERS)}]", file=sys.stderr)
        return 2
    app = cdk8s.App()
    try:
        build(app, CLUSTERS[names[0]])
    except CdkFluxError as exc:
        print(f"platform: error: {exc}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
