"""v2.FluxInstall synth against ``cdk8s.Include`` of the same upstream file.

Both sides start from the Flux v2.9.4 ``gotk-components.yaml`` on disk (39 objects,
about 320 KB, mostly CRDs) and end with ``App.synth_yaml()``. Ours parses the file,
applies the ``flux install`` options (see ``v2.install.generate``) and adds one
``ApiObject`` per object through ``kube.api_object``; the baseline lets cdk8s parse
and include the file as it is. The file is found in ``$CDK8S_FLUX_MANIFESTS`` or
in ../shared/flux beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import cdk8s_flux  # noqa: F401  (Node selection before cdk8s)
import cdk8s

from benchmarks.harness import Comparison, interleaved
from cdk8s_flux.v2 import ControllerCustomization, FluxInstall, Resources

VERSION = "v2.9.4"
EXTRAS = ("image-reflector-controller", "image-automation-controller")


def upstream_file() -> Path:
    folder = os.environ.get("CDK8S_FLUX_MANIFESTS") or Path(__file__).resolve().parent.parent.parent / "shared" / "flux"
    path = Path(folder) / VERSION / "gotk-components.yaml"
    if not path.is_file():
        raise SystemExit(f"bench_v2_install needs the Flux {VERSION} manifests at {path} (set CDK8S_FLUX_MANIFESTS)")
    return path


def ours(path: Path, **options: object) -> None:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "flux")
    FluxInstall(chart, "flux", version=VERSION, manifests=path, components_extra=EXTRAS, **options)
    app.synth_yaml()


def include(path: Path) -> None:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "flux")
    cdk8s.Include(chart, "flux", url=str(path))
    app.synth_yaml()


def run() -> list[Comparison]:
    path = upstream_file()
    size = path.stat().st_size // 1024
    customized = {
        "kustomize-controller": ControllerCustomization(
            resources=Resources(cpu_limit="2", memory_limit="2Gi"), extra_args=("--concurrent=20",)
        )
    }
    ours(path)  # warm up jsii and Node on both paths before timing
    include(path)
    results = []
    ours_time, base_time = interleaved(lambda: ours(path), lambda: include(path), repeat=9)
    results.append(Comparison(f"FluxInstall, 39 objects ({size} KB), synth", ours_time, "cdk8s.Include", base_time, 1.5))
    ours_time, base_time = interleaved(
        lambda: ours(path, namespace="gitops", controllers=customized), lambda: include(path), repeat=9
    )
    results.append(
        Comparison("FluxInstall, namespace + customization, synth", ours_time, "cdk8s.Include", base_time, 1.5)
    )
    return results
