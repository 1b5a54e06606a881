"""hello-kubernetes and the Flux v2 that deploys it, in one synth.

Three charts, written in this order so a fresh cluster takes them in one go:
``flux-install`` (CRDs, namespace, controllers), ``flux-sync`` (the
GitRepository and Kustomization, which need those CRDs), then ``hello``.
CI runs ``cdk8s-flux publish``, which writes them to TARGET; Flux watches TARGET.

The Flux manifests come from upstream (see docs/flux-v2.md): vendored, cached,
or downloaded once and pinned in cdk8s-flux.lock.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cdk8s_flux  # noqa: F401  (import first: points jsii at a supported Node)
import cdk8s

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
from hello import HelloKubernetes  # noqa: E402

from cdk8s_flux.errors import CdkFluxError  # noqa: E402
from cdk8s_flux.target import GitTarget  # noqa: E402
from cdk8s_flux.v2 import ControllerCustomization, FluxInstall, FluxSync, Resources  # noqa: E402

FLUX_VERSION = "v2.9.4"
#: What Flux watches and where `cdk8s-flux publish` writes: one value for both.
TARGET = GitTarget(url="ssh://git@github.com/example-org/hello-flux-v2", branch="manifests", path="dist")


def build(app: cdk8s.App) -> None:
    """The Flux install, its sync, and the application, each in its own chart."""
    install = cdk8s.Chart(app, "flux-install")
    FluxInstall(
        install,
        "flux",
        version=FLUX_VERSION,
        controllers={
            # The upstream 1 CPU limit throttles kustomize-controller on big repositories.
            "kustomize-controller": ControllerCustomization(
                resources=Resources(cpu_limit="2"), extra_args=("--concurrent=10",)
            ),
        },
    )
    sync = cdk8s.Chart(app, "flux-sync")
    FluxSync(sync, "flux", target=TARGET)
    sync.add_dependency(install)
    hello = HelloKubernetes(app, "hello", namespace="hello")
    hello.add_dependency(sync)


def main() -> int:
    app = cdk8s.App()
    try:
        build(app)
    except CdkFluxError as exc:
        print(f"hello-flux-v2: error: {exc}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
