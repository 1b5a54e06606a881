"""Two charts with several objects each: the case `cat dist/*` gets wrong."""

import cdk8s_flux  # noqa: F401  (points jsii at a supported Node)
import cdk8s
import cdk8s_plus_27 as kplus

app = cdk8s.App()
for chart_name in ("backend", "frontend"):
    chart = cdk8s.Chart(app, chart_name, namespace=chart_name)
    for index in range(3):
        kplus.ConfigMap(
            chart,
            f"config-{index}",
            metadata=cdk8s.ApiObjectMetadata(name=f"{chart_name}-{index}"),
            # A value that string templating (as fluxctl does) would break.
            data={"note": "a # b: 'c\" d"},
        )
app.synth()
