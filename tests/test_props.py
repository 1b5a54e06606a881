"""``cdk8s_flux.props.resolve_props``: one props value or keyword options, never both."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.props import resolve_props


@dataclass(frozen=True)
class ThingProps:
    url: str
    interval: str = "1m0s"


def test_keywords_make_the_props() -> None:
    assert resolve_props("Thing", ThingProps, None, {"url": "u"}) == ThingProps(url="u")


def test_a_props_value_is_taken_as_is() -> None:
    props = ThingProps(url="u", interval="5m")
    assert resolve_props("Thing", ThingProps, props, {}) is props


def test_both_forms_at_once_are_refused() -> None:
    with pytest.raises(ValidationError, match="pass one or the other") as raised:
        resolve_props("Thing", ThingProps, ThingProps(url="u"), {"interval": "5m"})
    assert raised.value.field == "props"


@pytest.mark.parametrize("options", [{"url": "u", "intervall": "5m"}, {}])
def test_an_unknown_or_missing_option_names_the_construct_and_its_props(options: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="see ThingProps") as raised:
        resolve_props("Thing", ThingProps, None, options)
    assert raised.value.field == "Thing"


def test_props_of_another_type_are_refused() -> None:
    with pytest.raises(ValidationError, match="not a ThingProps"):
        resolve_props("Thing", ThingProps, {"url": "u"}, {})
