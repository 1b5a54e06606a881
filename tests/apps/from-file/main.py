"""An app whose objects come from objects.json beside it, so tests can change its output.

objects.json: {"<chart id>": [<Kubernetes object>, ...], ...}; charts in file order.
"""

import json
from pathlib import Path

import cdk8s_flux  # noqa: F401  (points jsii at a supported Node)
import cdk8s

from cdk8s_flux.kube import api_object

spec = json.loads((Path(__file__).parent / "objects.json").read_text())
app = cdk8s.App()
for chart_id, objects in spec.items():
    chart = cdk8s.Chart(app, chart_id)
    for index, manifest in enumerate(objects):
        api_object(chart, f"object-{index}", manifest)
app.synth()
