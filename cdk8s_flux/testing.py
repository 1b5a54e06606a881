"""Snapshot-test what cdk8s charts synthesize, with pytest-snapshot.

Each chart becomes one YAML file, written by cdk8s's own serializer, so a
snapshot holds the same bytes ``cdk8s synth`` would write for that chart::

    def test_app(snapshot):
        app = cdk8s.Testing.app()
        MyChart(app, "web")
        assert_app_snapshot(snapshot, app)

Run ``pytest --snapshot-update`` once to record, then review the files.
"""

from __future__ import annotations

from typing import Any

import cdk8s


def chart_objects(chart: cdk8s.Chart) -> list[dict[str, Any]]:
    """The Kubernetes objects a chart synthesizes, in synth order."""
    return list(cdk8s.Testing.synth(chart))


def chart_yaml(chart: cdk8s.Chart) -> str:
    """A chart's objects as the YAML stream ``cdk8s synth`` writes for it."""
    objects = chart_objects(chart)
    return cdk8s.Yaml.stringify(*objects) if objects else ""


def app_yaml_files(app: cdk8s.App) -> dict[str, str]:
    """One ``<chart id>.k8s.yaml`` per chart of the app."""
    return {f"{chart.node.id}.k8s.yaml": chart_yaml(chart) for chart in app.charts}


def assert_chart_snapshot(snapshot: Any, chart: cdk8s.Chart, name: str | None = None) -> None:
    """Compare one chart's YAML with the snapshot file ``name`` (default: ``<chart id>.k8s.yaml``)."""
    snapshot.assert_match(chart_yaml(chart), name or f"{chart.node.id}.k8s.yaml")


def assert_app_snapshot(snapshot: Any, app: cdk8s.App, name: str = "app") -> None:
    """Compare every chart of the app with a snapshot folder, one file per chart."""
    snapshot.assert_match_dir(app_yaml_files(app), name)
