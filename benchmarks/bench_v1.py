"""v1.FluxInstall plus N app objects against the same objects as raw ApiObjects; CLI start-up.

Both sides synthesize the same Kubernetes objects in the same process: ours through
FluxInstall and ``kube.api_object``, the baseline through ``cdk8s.ApiObject`` and JSON
patches written by hand, the only way cdk8s offers to set fields beyond metadata.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import cdk8s_flux  # noqa: F401  (Node selection before cdk8s)
import cdk8s

from benchmarks.harness import Comparison, best_of, interleaved
from cdk8s_flux.kube import api_object
from cdk8s_flux.v1 import FluxInstall
from cdk8s_flux.v1.install import FluxInstallProps, generate

PROPS = FluxInstallProps(git_url="git@github.com:org/repo", git_email="flux@example.com", namespace="flux")


def app_object(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"config-{index}", "namespace": "apps", "labels": {"app": "bench"}},
        "data": {"index": str(index), "note": "a value: with # characters"},
    }


def ours(count: int) -> None:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "bench")
    FluxInstall(chart, "flux", PROPS)
    for index in range(count):
        api_object(chart, f"config-{index}", app_object(index))
    app.synth_yaml()


def raw(count: int) -> None:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "bench")
    manifests = [manifest for _, manifest in generate(PROPS)] + [app_object(i) for i in range(count)]
    for index, manifest in enumerate(manifests):
        obj = cdk8s.ApiObject(
            chart, f"o{index}", api_version=manifest["apiVersion"], kind=manifest["kind"], metadata=manifest["metadata"]
        )
        patches = [cdk8s.JsonPatch.add(f"/{k}", v) for k, v in manifest.items() if k not in ("apiVersion", "kind", "metadata")]
        if patches:
            obj.add_json_patch(*patches)
    app.synth_yaml()


def cli_start(args: list[str]) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run() -> list[Comparison]:
    results = []
    for count in (10, 100, 1000):
        repeat = 15 if count < 1000 else 5
        ours_time, raw_time = interleaved(lambda: ours(count), lambda: raw(count), repeat=repeat)
        results.append(
            Comparison(f"FluxInstall + {count} objects, synth", ours_time, "raw ApiObjects", raw_time, target=1.1)
        )
    cli = str(Path(sys.executable).parent / "cdk8s-flux")
    bare = best_of(lambda: cli_start([sys.executable, "-c", "pass"]), repeat=20)
    for flag in ("--help", "--version"):
        ours_time = best_of(lambda: cli_start([cli, flag]), repeat=20)
        results.append(Comparison(f"cdk8s-flux {flag}", ours_time, "python -c pass", bare, target=4.0))
    return results
