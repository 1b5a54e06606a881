"""Flux v2 release data: the release embedded in the package, and the lookup of any other.

Nothing here imports cdk8s, so the checks of ``validate`` and the delivery
commands can use the release without starting Node.
"""

from cdk8s_flux.release.embedded import EMBEDDED_VERSION, EMBEDDED_VERSIONS
from cdk8s_flux.release.lookup import ENV_MANIFESTS, UpstreamManifests, check_version, load

__all__ = ["EMBEDDED_VERSION", "EMBEDDED_VERSIONS", "ENV_MANIFESTS", "UpstreamManifests", "check_version", "load"]
