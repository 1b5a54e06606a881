"""cdk8s-flux: synthesize a cdk8s app together with the Flux that deploys it.

Importing this package points jsii at a supported Node (see ``_node``), so
import it before ``cdk8s`` in an app. It does not import cdk8s itself: the
constructs live in ``cdk8s_flux.v1`` and ``cdk8s_flux.v2``.
"""

from cdk8s_flux import _node

__version__ = "0.1.0"

_node.configure()
