"""``cdk8s_flux.semver``: the constraints Masterminds semver v3 (so Flux) parses, and no others.

Expected values follow the grammar documented by github.com/Masterminds/semver
(README "Checking Version Constraints": comparisons, ``,`` and space as AND,
``||``, hyphen ranges, ``x``/``X``/``*`` wildcards, ``~``, ``~>`` and ``^``).
"""

from __future__ import annotations

import pytest

from cdk8s_flux.semver import ConstraintError, is_constraint, parse_constraints

ACCEPTED = [
    "1.2.3", "v1.2.3", "v1.01", "6.3.5", "*", "x", "1.x", "1.2.X", "1.*",
    ">=1.0.0 <2.0.0", ">=1.0.0, <2.0.0", ">= 1.2", ">=1.0 ,<2", "=<2", "=>1", "!=1.2.3", "=1.0.0",
    "~1.2", "~>1.2", "^1.2", "^0.0.1", "1.2 - 1.4.5", "1 - 2 || 3 - 4", ">0 1 - 2",
    "^1.2.3 || ~2.0", ">=1.0.0-0", "1.0.0-rc.1+build.5", "1.0.0-alpha-1", " 1.0 ", "1.2.3 < 2",
]  # fmt: skip
REFUSED = [
    "", " ", "latest", "main", "a", "1.2.3.4", "1.0..0", ">=", ">>1", "v 1", "1x", "1|2", "||", "1.0 ||",
    ">=1.0.0,", ",1.0", ">=1.0,,<2", "1.0>2.0", "1 -2", ">=1 - 2", "1.0.0-01", "1.0.0-", "1.0.0+",
    "99999999999999999999", "~=1.2", "==1.0",
]  # fmt: skip


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted(text: str) -> None:
    assert is_constraint(text)


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text: str) -> None:
    assert not is_constraint(text)


def test_groups_are_split_on_or() -> None:
    assert parse_constraints(">=1.0 <2 || ^3") == [">=1.0 <2", "^3"]


def test_the_error_says_where() -> None:
    with pytest.raises(ConstraintError, match="'latest'"):
        parse_constraints(">=1.0 latest")
