"""The image checks hooked into cdk8s synth: once per app, over every pins file its constructs read.

``ImageAutomation``, ``ImageUpdates`` and every ``ImageUpdateAutomation`` add them with
cdk8s's ``Node.add_validation``, so ``cdk8s synth`` (``app.synth()``) refuses what
``cdk8s_flux.images.checks`` finds, and so does every cdk8s-flux command that runs the app.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Sequence
from pathlib import Path

import cdk8s
import jsii
from constructs import Construct, IValidation, Node

from cdk8s_flux.images.checks import problems
from cdk8s_flux.images.pins import COMMAND_ENVIRONMENT, ImagePins

#: The id of the construct, a child of the app's root, that holds the app's image checks.
_CHECKS_ID = "cdk8s-flux-image-checks"


class _Checks(Construct):
    """The image automation checks of the whole app: once per app, over every pins file its constructs read."""

    def __init__(self, root: Construct) -> None:
        super().__init__(root, _CHECKS_ID)
        self.pins: dict[Path, ImagePins] = {}
        Node.of(self).add_validation(_Validation(self))


@jsii.implements(IValidation)
class _Validation:
    def __init__(self, checks: _Checks) -> None:
        self.checks = checks

    def validate(self) -> list[str]:
        if os.environ.get(COMMAND_ENVIRONMENT):
            return []  # the command runs them itself, and prints them plainly
        root = Node.of(self.checks).root
        objects = [c.to_json() for c in Node.of(root).find_all() if isinstance(c, cdk8s.ApiObject)]
        return problems(objects, self.checks.pins.values())


def add_checks(scope: Construct, pins: Sequence[ImagePins] = ()) -> None:
    """Have the app's synth run the image checks, over ``pins`` too."""
    root = Node.of(scope).root
    checks = Node.of(root).try_find_child(_CHECKS_ID)
    if not isinstance(checks, _Checks):
        checks = _Checks(typing.cast(Construct, root))
    for one in pins:
        checks.pins.setdefault(one.path.resolve(), one)
