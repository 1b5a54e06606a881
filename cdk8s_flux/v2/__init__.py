"""Flux v2 (the GitOps Toolkit): ``flux install`` and ``flux bootstrap``'s sync as constructs."""

from cdk8s_flux.target import GitTarget, OciTarget
from cdk8s_flux.v2.controllers import ControllerCustomization, Resources
from cdk8s_flux.v2.install import FluxInstall, FluxInstallProps, generate
from cdk8s_flux.v2.sync import FluxSync, FluxSyncProps

__all__ = [
    "ControllerCustomization",
    "FluxInstall",
    "FluxInstallProps",
    "FluxSync",
    "FluxSyncProps",
    "GitTarget",
    "OciTarget",
    "Resources",
    "generate",
]
