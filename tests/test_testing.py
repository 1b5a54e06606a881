"""`cdk8s_flux.testing`: snapshots hold exactly what `cdk8s synth` writes per chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest

from cdk8s_flux.kube import api_object
from cdk8s_flux.testing import app_yaml_files, assert_chart_snapshot, chart_yaml


def two_chart_app(outdir: Path) -> cdk8s.App:
    app = cdk8s.App(outdir=str(outdir))
    for name in ("api", "web"):
        chart = cdk8s.Chart(app, name, namespace=name)
        api_object(chart, "Config", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v: #"}})
    return app


def test_chart_yaml_equals_the_file_cdk8s_synth_writes(tmp_path: Path) -> None:
    app = two_chart_app(tmp_path)
    files = app_yaml_files(app)
    app.synth()
    for name, text in files.items():
        assert (tmp_path / name).read_text() == text


def test_empty_chart_is_an_empty_file() -> None:
    assert chart_yaml(cdk8s.Chart(cdk8s.Testing.app(), "empty")) == ""


def test_snapshot_mismatch_fails(snapshot: Any, tmp_path: Path) -> None:
    snapshot.snapshot_dir = tmp_path
    chart = cdk8s.Chart(cdk8s.Testing.app(), "c")
    (tmp_path / "c.k8s.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n")
    api_object(chart, "Config", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    with pytest.raises(AssertionError):
        assert_chart_snapshot(snapshot, chart)
