"""An app that synthesizes an invalid object: a Deployment with `replica` for `replicas`."""

import cdk8s_flux  # noqa: F401  (points jsii at a supported Node)
import cdk8s

from cdk8s_flux.kube import api_object

app = cdk8s.App()
chart = cdk8s.Chart(app, "web", namespace="web")
api_object(chart, "settings", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1"}})
api_object(chart, "web", {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replica": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}},
    },
})
app.synth()
