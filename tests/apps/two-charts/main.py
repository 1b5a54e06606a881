"""Two charts with several objects each: the case `cat dist/*` gets wrong."""

import cdk8s_flux  # noqa: F401  (points jsii at a supported Node)
import cdk8s

app = cdk8s.App()
for chart_name in ("backend", "frontend"):
    chart = cdk8s.Chart(app, chart_name, namespace=chart_name)
    for index in range(3):
        cdk8s.ApiObject(
            chart,
            f"config-{index}",
            api_version="v1",
            kind="ConfigMap",
            metadata={"name": f"{chart_name}-{index}"},
            # A value fluxctl-style string templating would break.
            data={"note": "a # b: 'c\" d"},
        )
app.synth()
