"""Publishing rendered manifests to a git branch that Flux syncs (``cdk8s-flux publish``).

``publisher`` holds the algorithm (git plumbing, races, retries) and ``ci`` the
workflows ``cdk8s-flux init ci`` writes. Rendering and checking is the pipeline's
(``cdk8s_flux.pipeline``), the source commit ``cdk8s_flux.source``'s.
"""

from cdk8s_flux.publish.publisher import PublishOptions, PublishResult, publish, publish_layout

__all__ = ["PublishOptions", "PublishResult", "publish", "publish_layout"]
