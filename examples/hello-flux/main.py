"""hello-kubernetes and the Flux v1 that deploys it, in one synth.

Two ways to get the manifests to fluxd:

* ``python main.py`` (the default, ``app:`` of cdk8s.yaml): CI renders and
  publishes ``dist/`` to the ``manifests`` branch; fluxd syncs that branch.
* ``python main.py --generator``: fluxd renders the app itself. The
  ``.flux.yaml`` beside this file runs ``cdk8s-flux render`` with this flag.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cdk8s_flux  # noqa: F401  (import first: points jsii at a supported Node)
import cdk8s

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
from hello import HelloKubernetes  # noqa: E402

from cdk8s_flux.v1 import FluxInstall, GeneratorConfig  # noqa: E402

REPOSITORY = "git@github.com:example-org/hello-flux"
#: Where this app lives in the repository, for fluxd's --git-path in generator mode.
APP_PATH = "examples/hello-flux"
#: The generator fluxd runs in generator mode.
GENERATOR = GeneratorConfig.for_app("python main.py --generator")


def build(app: cdk8s.App, generator_mode: bool) -> None:
    """The application chart and the Flux chart, for one of the two modes."""
    HelloKubernetes(app, "hello", namespace="hello")
    flux = cdk8s.Chart(app, "flux")
    if generator_mode:
        # fluxd clones the source branch and runs .flux.yaml's generator in APP_PATH.
        FluxInstall(
            flux, "flux", git_url=REPOSITORY, git_email="flux@example.com", namespace="flux",
            git_branch="main", git_path=[APP_PATH], manifest_generation=True,
        )
    else:
        # CI publishes the rendered manifests to the `manifests` branch under dist/.
        FluxInstall(
            flux, "flux", git_url=REPOSITORY, git_email="flux@example.com", namespace="flux",
            git_branch="manifests", git_path=["dist"], git_readonly=True,
        )


if __name__ == "__main__":
    app = cdk8s.App()
    build(app, generator_mode="--generator" in sys.argv[1:])
    app.synth()
