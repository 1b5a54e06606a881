"""Props or keyword options: how every construct of cdk8s-flux takes its arguments.

``FluxInstall(chart, "flux", version="v2.9.4")`` and
``FluxInstall(chart, "flux", FluxInstallProps(version="v2.9.4"))`` mean the
same; this is the one place that turns either form into the props value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from cdk8s_flux.errors import ValidationError

P = TypeVar("P")
_Options = ParamSpec("_Options")
_Self = TypeVar("_Self")
_Scope = TypeVar("_Scope")
_Stub = Callable[Concatenate[_Self, _Scope, str, ...], None]


def resolve_props(construct: str, props_type: type[P], props: P | None, options: Mapping[str, Any]) -> P:
    """``props`` itself, or a ``props_type`` made from the keyword ``options``.

    Both at once, a props value of another type, or an unknown option is a
    ``ValidationError`` that names ``construct`` and its props type.
    """
    if props is not None and options:
        raise ValidationError(
            "props", props, "given together with keyword options", f"pass one or the other ({props_type.__name__} or keywords)"
        )
    if props is None:
        try:
            return props_type(**options)
        except TypeError as exc:
            # An unknown or missing argument; a wrong value is a ValidationError from the props itself.
            raise ValidationError(construct, sorted(options), str(exc), f"see {props_type.__name__} for the arguments") from exc
    if not isinstance(props, props_type):
        raise ValidationError(
            "props", props, f"not a {props_type.__name__}", f"pass {props_type.__name__}(...) or keyword options"
        )
    return props


def keyword_options(
    props_type: Callable[_Options, object],
) -> Callable[[_Stub[_Self, _Scope]], Callable[Concatenate[_Self, _Scope, str, _Options], None]]:
    """Type an ``__init__`` overload as taking the arguments of ``props_type`` as keywords.

    So that an editor and mypy check ``Kustomization(chart, "apps", source=...)``
    against ``KustomizationProps``; at run time the overload stub is returned as is.
    """

    def typed(stub: _Stub[_Self, _Scope]) -> Callable[Concatenate[_Self, _Scope, str, _Options], None]:
        return cast(Callable[Concatenate[_Self, _Scope, str, _Options], None], stub)

    return typed
