"""Flux image automation for apps whose manifests are generated: the pins file, its setter markers, the checks.

``pins``: the committed image pins file and ``ImagePins.load``. ``setters``: the
image-automation-controller's markers, read and applied as it applies them.
``checks``: what synth and ``cdk8s-flux images check`` refuse; ``synth``: their hook into
cdk8s synth. ``automation``:
the constructs (``ImageAutomation``, ``ImageUpdates``), loaded on first use, so that
reading and setting pins needs no cdk8s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cdk8s_flux.images.pins import ImagePins, Pin
from cdk8s_flux.images.setters import ImageRef, Setter

if TYPE_CHECKING:
    from cdk8s_flux.images.automation import ImageAutomation, ImageAutomationProps, ImageUpdates, ImageUpdatesProps

_CONSTRUCTS = ("ImageAutomation", "ImageAutomationProps", "ImageUpdates", "ImageUpdatesProps")


def __getattr__(name: str) -> Any:
    if name in _CONSTRUCTS:
        from cdk8s_flux.images import automation

        return getattr(automation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ImageAutomation", "ImageAutomationProps", "ImagePins", "ImageRef", "ImageUpdates", "ImageUpdatesProps", "Pin", "Setter"]
