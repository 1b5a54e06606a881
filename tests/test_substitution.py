"""``cdk8s_flux.substitution``: the ``${var}`` grammar of Flux post-build substitution (fluxcd/pkg envsubst v1.7.0)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.substitution import Var, admits, has_placeholders, placeholders, text

EVAL_TEST = Path(__file__).parent / "data" / "fluxcd-pkg-envsubst" / "eval_test.go"
_GO_STRING = r'("(?:[^"\\]|\\.)*"|`[^`]*`)'
_CASE = re.compile(
    r"params:\s*map\[string\]string\{(?P<params>[^}]*)\},\s*input:\s*" + _GO_STRING + r"(?:,\s*output:\s*" + _GO_STRING + r")?(?:,\s*wantErr:\s*(?P<err>\w+))?",
    re.S,
)


def _go(literal: str) -> str:
    return literal[1:-1] if literal.startswith("`") else str(ast.literal_eval(literal))


def _cases(function: str) -> list[tuple[set[str], str, bool]]:
    source = EVAL_TEST.read_text()
    start = source.index(f"func {function}(")
    end = source.find("\nfunc ", start + 1)
    body = source[start : end if end != -1 else len(source)]
    cases = []
    for match in _CASE.finditer(body):
        params = {_go(key) for key in re.findall(_GO_STRING + r"\s*:", match["params"])}
        cases.append((params, _go(match.group(2)), match["err"] not in (None, "nil")))
    return cases


EXPAND = _cases("TestExpand")
STRICT = _cases("TestExpandStrict")


def test_the_upstream_tables_are_read() -> None:
    # the oracle must not silently shrink to nothing
    assert len(EXPAND) == 34 and len(STRICT) == 23 and any(err for _, _, err in STRICT)


@pytest.mark.parametrize(("params", "value", "_"), EXPAND, ids=[c[1] for c in EXPAND])
def test_every_expression_envsubst_expands_is_parsed(params: set[str], value: str, _: bool) -> None:
    # GIVEN an input envsubst expands WHEN we read its placeholders THEN each is a variable the case gives or has a default
    for var in placeholders(value):
        assert var.name in params or var.default is not None, var


@pytest.mark.parametrize(("params", "value", "refused"), STRICT, ids=[c[1] for c in STRICT])
def test_placeholders_without_default_are_the_ones_strict_mode_refuses(params: set[str], value: str, refused: bool) -> None:
    missing = [var for var in placeholders(value) if var.default is None and var.name not in params]
    assert bool(missing) == refused


def test_escapes_nesting_and_defaults() -> None:
    assert placeholders("$${literal} ${a}") == (Var("a"),)
    assert placeholders("${a:=${b}-x}") == (Var("a", "${b}-x"), Var("b"))
    assert placeholders("${a:-fallback}") == (Var("a", "fallback"),)
    assert str(Var("cluster_name")) == "${cluster_name}" and str(Var("env", "staging")) == "${env:=staging}"
    assert text(Var("a")) == "${a}" and text("plain") == "plain"
    assert has_placeholders("x-${a}") and has_placeholders(Var("a")) and not has_placeholders("$${a}") and not has_placeholders("a")


@pytest.mark.parametrize("value", ["${", "${}", "${a", "${a b}", "${1st}", "${a-b}"])
def test_what_envsubst_cannot_parse_is_an_error(value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        placeholders(value, "spec.path")
    assert raised.value.field == "spec.path"


@pytest.mark.parametrize(("name", "default"), [("1st", None), ("a-b", None), ("", None), ("a", "x}y"), ("a", "two\nlines")])
def test_var_refuses_what_flux_cannot_substitute(name: str, default: str | None) -> None:
    with pytest.raises(ValidationError):
        Var(name, default)


@pytest.mark.parametrize(
    ("value", "admitted"),
    [("${cluster}", True), ("${cluster}-apps", True), ("apps-${cluster}", True), ("${cluster} apps", False), ("-${cluster}", False), ("$${cluster}", False), ("apps", True), ("Apps", False)],
)
def test_admits_a_name_that_can_be_valid_once_substituted(value: str, admitted: bool) -> None:
    assert admits(validation.is_dns1123_label, value) is admitted


def test_name_checks_take_placeholders_and_return_the_written_text() -> None:
    assert validation.flux_name("name", Var("app")) == "${app}"
    assert validation.dns1123_label("namespace", "${tenant}-apps") == "${tenant}-apps"
    assert validation.dns1123_subdomain("name", "podinfo.${cluster_domain}") == "podinfo.${cluster_domain}"
    assert validation.string("chart", Var("chart")) == "${chart}"
    with pytest.raises(ValidationError, match="63"):
        validation.flux_name("name", "${c}-" + "a" * 63)
    with pytest.raises(ValidationError, match="RFC 1123"):
        validation.dns1123_label("namespace", "${tenant} apps")


@pytest.mark.parametrize("tag", [Var("version"), "v${version}", "${app}-${version}"])
def test_an_oci_repository_tag_may_be_a_placeholder(tag: str) -> None:
    from cdk8s_flux.v2 import OCIRepositoryRef

    assert OCIRepositoryRef(tag=tag).to_spec() == {"tag": str(tag)}


@pytest.mark.parametrize(("options", "field"), [({"tag": "${version} x"}, "ref.tag"), ({"digest": "sha256:${d}"}, "ref.digest")])
def test_an_oci_repository_ref_that_no_substitution_makes_valid_is_refused(options: dict[str, str], field: str) -> None:
    from cdk8s_flux.v2 import OCIRepositoryRef

    with pytest.raises(ValidationError) as refused:
        OCIRepositoryRef(**options)
    assert refused.value.field == field
