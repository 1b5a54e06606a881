"""Publishing rendered manifests to a git branch that Flux syncs (``cdk8s-flux publish``).

``publisher`` holds the algorithm, ``git`` the wrapper around the system git,
``diff`` the change report, ``secrets`` and ``validate`` the content checks,
``ci`` the workflows ``cdk8s-flux init ci`` writes.
"""

from cdk8s_flux.publish.publisher import (
    PublishOptions,
    PublishResult,
    SourceCommit,
    check_layout,
    publish,
    publish_layout,
)

__all__ = ["PublishOptions", "PublishResult", "SourceCommit", "check_layout", "publish", "publish_layout"]
