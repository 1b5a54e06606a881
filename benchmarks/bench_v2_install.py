"""v2.FluxInstall of all seven components from the embedded release, against raw ApiObjects.

*Ours*: ``FluxInstall(version="v2.9.4", components_extra=<the three extras>)``, which
reads the embedded release (first use in a process only), applies the ``flux install``
options and adds one ``ApiObject`` per object (43), then ``App.synth_yaml()``.
*Baseline (the floor)*: the same 43 objects, already generated and parsed into dicts before
the clock starts, created as raw ``cdk8s.ApiObject``s with JSON patches for their fields
(the only way cdk8s takes fields beyond metadata), then ``App.synth_yaml()``. No library
can avoid creating the objects.

*First use* runs each side in a fresh process (best of 11), timing only the construct and the synth
(after cdk8s is imported and a chart exists, so Node's start-up is outside both). *Later
uses* repeat both sides in one process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cdk8s_flux  # noqa: F401  (Node selection before cdk8s)
import cdk8s

from benchmarks.harness import Comparison, interleaved
from cdk8s_flux.release import lookup
from cdk8s_flux.v2 import FluxInstall, FluxInstallProps, generate

VERSION = "v2.9.4"
EXTRAS = ("image-reflector-controller", "image-automation-controller", "source-watcher")
ROOT = Path(__file__).resolve().parent.parent

# One process's work, printed as seconds; "ours" or "raw" is the argument.
_CHILD = """
import json, sys, time
import cdk8s_flux
import cdk8s
from cdk8s_flux.v2 import FluxInstall, FluxInstallProps, generate
from benchmarks.bench_v2_install import EXTRAS, VERSION, raw_objects
side = sys.argv[1]
app = cdk8s.App()
chart = cdk8s.Chart(app, "flux")
cdk8s.ApiObject(chart, "warm", api_version="v1", kind="ConfigMap", metadata={"name": "warm"})
objects = None
if side == "raw":
    objects = json.loads(sys.stdin.read())
start = time.perf_counter()
if side == "ours":
    FluxInstall(chart, "flux", version=VERSION, components_extra=EXTRAS)
else:
    raw_objects(chart, objects)
app.synth_yaml()
print(time.perf_counter() - start)
"""


def raw_objects(chart: cdk8s.Chart, objects: list[dict]) -> None:
    """The floor: one raw ApiObject per dict, its fields added with JSON patches."""
    for index, obj in enumerate(objects):
        api = cdk8s.ApiObject(chart, f"o{index}", api_version=obj["apiVersion"], kind=obj["kind"], metadata=obj["metadata"])
        api.add_json_patch(*(cdk8s.JsonPatch.add(f"/{k}", v) for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")))


def _generated() -> list[dict]:
    props = FluxInstallProps(version=VERSION, components_extra=EXTRAS)
    return generate(props, lookup.load(VERSION).objects)


def ours() -> None:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "flux")
    FluxInstall(chart, "flux", version=VERSION, components_extra=EXTRAS)
    app.synth_yaml()


def baseline(objects: list[dict]) -> None:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "flux")
    raw_objects(chart, objects)
    app.synth_yaml()


def _fresh(side: str, stdin: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, side], input=stdin, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(result.stdout.strip().splitlines()[-1])


def run() -> list[Comparison]:
    objects = _generated()
    payload = json.dumps(objects)
    first_ours, first_raw = [], []
    for _ in range(11):
        first_raw.append(_fresh("raw", payload))
        first_ours.append(_fresh("ours", ""))
    ours()  # warm up jsii and Node on both paths before timing
    baseline(objects)
    later_ours, later_raw = interleaved(ours, lambda: baseline(objects), repeat=11)
    count = len(objects)
    return [
        Comparison(f"FluxInstall, 7 components ({count} objects), first use in a process", min(first_ours),
                   "raw ApiObjects from parsed dicts", min(first_raw), 1.10),
        Comparison(f"FluxInstall, 7 components ({count} objects), later uses", later_ours,
                   "raw ApiObjects from parsed dicts", later_raw, 1.10),
    ]
