"""Exception types raised by cdk8s-flux.

Every error a user can cause is one of these, so callers can catch
``CdkFluxError`` and the CLI can turn it into a message and an exit code.
"""

from __future__ import annotations


class CdkFluxError(Exception):
    """Base class of every error cdk8s-flux raises on purpose."""

    #: Exit code the CLI uses for this kind of failure.
    exit_code = 1


class ValidationError(CdkFluxError, ValueError):
    """An argument has a value Flux or Kubernetes would reject.

    The message names the argument, the bad value and how to fix it.
    """

    exit_code = 2

    def __init__(self, field: str, value: object, problem: str, fix: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}={value!r}: {problem}. Fix: {fix}")


class AppConfigError(CdkFluxError):
    """The cdk8s app cannot be found or its cdk8s.yaml is unusable."""

    exit_code = 2


class SynthError(CdkFluxError):
    """The cdk8s app failed to synthesize, or produced unusable output."""

    exit_code = 3


# --- publish (cdk8s-flux publish) ---------------------------------------------


class GitError(CdkFluxError):
    """git failed: no remote, no access, a refused push. The message says what to fix."""

    exit_code = 1


class RefusedContentError(CdkFluxError):
    """The manifests must not be published as they are: a Secret in clear, an invalid object."""

    exit_code = 4


# --- Flux v2 (cdk8s_flux.v2) ----------------------------------------------------


class UpstreamError(CdkFluxError):
    """The upstream Flux manifests cannot be had, or differ from what was locked.

    The message says where cdk8s-flux looked and how to vendor the file.
    """

    exit_code = 1


# --- OCI artifacts (cdk8s-flux push / pull) -------------------------------------


class RegistryError(CdkFluxError):
    """An OCI registry could not be reached, refused the credentials or the request.

    The message names the registry and what to fix; it never holds a secret.
    """

    exit_code = 1


class ArtifactError(CdkFluxError):
    """An artifact in the registry is not one Flux could use (media types, digests, unsafe paths)."""

    exit_code = 1
