"""Flux v1 (fluxd): the install as constructs and the ``.flux.yaml`` generator file."""

from cdk8s_flux.v1.generator import CommandUpdated, GeneratorConfig, PatchUpdated, ScanForFiles, Updater
from cdk8s_flux.v1.install import FluxInstall, FluxInstallProps, fluxd_args, generate

__all__ = [
    "CommandUpdated",
    "FluxInstall",
    "FluxInstallProps",
    "GeneratorConfig",
    "PatchUpdated",
    "ScanForFiles",
    "Updater",
    "fluxd_args",
    "generate",
]
