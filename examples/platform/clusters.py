"""What differs between the two clusters of the platform, in one place."""

from __future__ import annotations

from dataclasses import dataclass

#: The platform repository: the cdk8s app on ``main``, the manifests Flux applies on ``manifests``.
REPOSITORY = "ssh://git@github.com/example-org/platform"
SOURCE_BRANCH = "main"
MANIFESTS_BRANCH = "manifests"


@dataclass(frozen=True)
class Cluster:
    """One cluster: its name, the ACME server its certificates come from, and how podinfo runs there.

    podinfo_chart: the semver range of the podinfo chart Flux upgrades within.
    podinfo_tests: whether Flux runs the chart's Helm tests (None: Flux's default).
    alert_severity: the lowest severity the chat alerts report.
    image_automation: whether Flux commits new podinfo tags to this cluster's image pins.
    """

    name: str
    acme_server: str
    podinfo_chart: str
    podinfo_host: str
    podinfo_tests: bool | None
    alert_severity: str
    image_automation: bool

    @property
    def manifests_path(self) -> str:
        """Where ``cdk8s-flux publish`` writes this cluster's manifests on the manifests branch."""
        return f"clusters/{self.name}"


CLUSTERS = {
    "staging": Cluster(
        name="staging",
        acme_server="https://acme-staging-v02.api.letsencrypt.org/directory",
        podinfo_chart=">=1.0.0-alpha",  # pre-releases included
        podinfo_host="podinfo.staging",
        podinfo_tests=False,
        alert_severity="info",
        image_automation=True,
    ),
    "production": Cluster(
        name="production",
        acme_server="https://acme-v02.api.letsencrypt.org/directory",
        podinfo_chart=">=1.0.0",
        podinfo_host="podinfo.production",
        podinfo_tests=None,
        alert_severity="error",
        image_automation=False,  # promoted from staging by a pull request on images.yaml
    ),
}
