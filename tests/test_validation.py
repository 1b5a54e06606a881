"""Shared validators: each accepts what Flux accepts and names the fix otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.substitution import Var


@pytest.mark.parametrize(
    "url",
    [
        "git@github.com:org/repo",
        "git@github.com:org/repo.git",
        "ssh://git@github.com/org/repo.git",
        "ssh://git@gitlab.example.com:2222/group/sub/repo.git",
        "https://github.com/org/repo.git",
        "https://$(GIT_AUTHUSER):$(GIT_AUTHKEY)@github.com/org/repo.git",
        "git://127.0.0.1:9418/repo.git",
    ],
)
def test_git_url_accepts_the_forms_fluxd_clones(url: str) -> None:
    assert validation.git_url("git_url", url) == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://user:s3cret@github.com/org/repo.git", "password or token"),
        ("https://ghp_token@github.com/org/repo.git", "user name or token"),
        ("ssh://git:hunter2@host/repo", "password or token"),
        ("ftp://host/repo", "unsupported scheme 'ftp'"),
        ("github.com/org/repo", "not a git URL"),
        ("", "empty"),
        (" git@github.com:org/repo", "whitespace"),
        ("https:///repo", "no host"),
    ],
)
def test_git_url_rejections_name_field_and_fix(url: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.git_url("git_url", url)
    message = str(caught.value)
    assert message.startswith("git_url=")
    assert words in message
    assert "Fix:" in message
    # A secret in a URL never reaches the message.
    assert "s3cret" not in message and "hunter2" not in message and "ghp_token" not in message


@pytest.mark.parametrize("value", ["5m", "1m30s", "10s", "1h", "0", "1.5h", "300ms", "2h45m"])
def test_go_duration_accepts_go_syntax(value: str) -> None:
    assert validation.go_duration("sync_interval", value) == value


@pytest.mark.parametrize("value", ["5", "5 m", "1d", "m", "five minutes", "", "1m30"])
def test_go_duration_rejects_other_forms(value: str) -> None:
    with pytest.raises(ValidationError, match=r"sync_interval=.*not a Go duration.*Fix: write a number with a unit"):
        validation.go_duration("sync_interval", value)


@pytest.mark.parametrize("value", ["flux", "flux-system", "a", "a1-b2", "x" * 63])
def test_dns1123_label_accepts(value: str) -> None:
    assert validation.dns1123_label("namespace", value) == value


@pytest.mark.parametrize("value", ["Flux", "flux_system", "-flux", "flux-", "flux.system", "", "x" * 64])
def test_dns1123_label_rejects(value: str) -> None:
    with pytest.raises(ValidationError, match="namespace=.*RFC 1123 label"):
        validation.dns1123_label("namespace", value)


def test_dns1123_subdomain_allows_dots_but_not_uppercase() -> None:
    assert validation.dns1123_subdomain("name", "web.example") == "web.example"
    with pytest.raises(ValidationError):
        validation.dns1123_subdomain("name", "Web")


@pytest.mark.parametrize("value", ["dist", "clusters/prod", "./dist"])
def test_relative_path_accepts(value: str) -> None:
    assert validation.relative_path("git_path", value) == value


@pytest.mark.parametrize(
    ("value", "words"),
    [("/dist", "absolute"), ("../other", "leaves the repository"), ("a,b", "',' separates"), ("", "empty")],
)
def test_relative_path_rejects(value: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        validation.relative_path("git_path", value)


def test_validation_error_is_a_value_error_with_fields() -> None:
    with pytest.raises(ValueError) as caught:
        validation.dns1123_label("namespace", "Bad")
    error = caught.value
    assert isinstance(error, ValidationError)
    assert (error.field, error.value) == ("namespace", "Bad")


# --- Flux v2 custom resources ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1m0s", "10m", "1h30m", "500ms", "0s", "1.5h"])
def test_flux_duration_accepts_the_crd_pattern(value: str) -> None:
    assert validation.flux_duration("interval", value) == value


@pytest.mark.parametrize("value", ["1 minute", "1d", "5", "-1m", "1us", "", "1m ", 60])
def test_flux_duration_refuses_what_the_crd_pattern_refuses(value: object) -> None:
    with pytest.raises(ValidationError, match="Flux duration"):
        validation.flux_duration("interval", value)  # type: ignore[arg-type]


def test_source_timeouts_take_no_hours() -> None:
    assert validation.flux_duration("timeout", "90m", hours=False) == "90m"
    with pytest.raises(ValidationError, match="no hours"):
        validation.flux_duration("timeout", "1h", hours=False)


def test_flux_name_is_a_subdomain_of_at_most_63_characters() -> None:
    assert validation.flux_name("name", "podinfo.v1") == "podinfo.v1"
    with pytest.raises(ValidationError, match="63"):
        validation.flux_name("name", "a" * 64)


def test_semver_range_names_the_fix() -> None:
    with pytest.raises(ValidationError, match="'>=1.0.0 <2.0.0'") as raised:
        validation.semver_range("version", "latest")
    assert raised.value.field == "version"


@pytest.mark.parametrize("value", ["^v[0-9]+$", "(?P<ts>[0-9]+)", "(?<ts>[0-9]+)", ".*"])
def test_go_regexp_accepts_re2(value: str) -> None:
    assert validation.go_regexp("pattern", value) == value


@pytest.mark.parametrize("value", ["(?=x)", "(?<!x)y", "(a)\\1", "(unclosed", "(?P=name)"])
def test_go_regexp_refuses_what_go_cannot_compile(value: str) -> None:
    with pytest.raises(ValidationError):
        validation.go_regexp("pattern", value)


def test_url_scheme_and_host() -> None:
    assert validation.url("url", "oci://ghcr.io/a", ("oci",), "oci://x/y") == "oci://ghcr.io/a"
    with pytest.raises(ValidationError, match="oci://"):
        validation.url("url", "https://ghcr.io/a", ("oci",), "oci://x/y")
    with pytest.raises(ValidationError, match="no host"):
        validation.url("url", "oci:///a", ("oci",), "oci://x/y")


def test_labels_and_plain_values() -> None:
    assert validation.labels("labels", {"example.com/team": "web", "tier": ""}) == {"example.com/team": "web", "tier": ""}
    with pytest.raises(ValidationError):
        validation.labels("labels", {"Example.com/team": "web"})
    with pytest.raises(ValidationError, match="boolean"):
        validation.boolean("prune", 1)
    with pytest.raises(ValidationError, match="integer"):
        validation.integer("retries", True)
    with pytest.raises(ValidationError, match="integer"):
        validation.integer("retries", 2**31)
    with pytest.raises(ValidationError, match="wrap it"):
        validation.items("depends_on", "infra")
    with pytest.raises(ValidationError, match="finite"):
        validation.json_value("values", {"a": float("nan")})


def test_json_values_are_what_kubernetes_stores() -> None:
    assert validation.json_value("values", {"replicas": 2**63 - 1, "ratio": 0.5}) == {"replicas": 2**63 - 1, "ratio": 0.5}
    with pytest.raises(ValidationError, match="64-bit") as raised:
        validation.json_value("values", {"big": 2**63})
    assert raised.value.field == "values.big"


# --- post-build placeholders, where Flux substitutes ---------------------------------------------


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (validation.dns1123_label, "${tenant}"),
        (validation.dns1123_label, "${tenant}-apps"),
        (validation.dns1123_subdomain, "podinfo.${cluster_domain}"),
        (validation.flux_name, "${cluster_name}-infra"),
        (validation.flux_duration, "${sync_interval}"),
        (validation.flux_duration, "${minutes}m"),
        (validation.semver_range, "${podinfo_version:=6.x}"),
    ],
)
def test_checks_take_a_placeholder_that_could_be_valid_once_substituted(check: Any, value: str) -> None:
    assert check("field", value) == value
    name = value.split("${")[1].split("}")[0].split(":=")[0]
    assert check("field", Var(name)) == f"${{{name}}}"


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (validation.dns1123_label, "${tenant} apps"),  # a space stays a space
        (validation.dns1123_label, "Apps-${tenant}"),  # uppercase text outside the placeholder
        (validation.flux_name, "${x}-" + "a" * 63),  # too long whatever is substituted
        (validation.flux_duration, "${minutes} minutes"),
        (validation.semver_range, ">=${major} latest"),
        (validation.dns1123_label, "${1st}"),  # no variable Flux can be given
        (validation.dns1123_label, "${unclosed"),
    ],
)
def test_checks_refuse_a_placeholder_that_cannot_be_valid(check: Any, value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        check("field", value)
    assert raised.value.field == "field"


def test_json_values_may_hold_a_var() -> None:
    assert validation.json_value("values", {"host": Var("cluster_domain")}) == {"host": "${cluster_domain}"}


def test_label_values_take_placeholders() -> None:
    assert validation.labels("labels", {"cluster": Var("cluster_name"), "env": "${env}-eu"}) == {"cluster": "${cluster_name}", "env": "${env}-eu"}
    with pytest.raises(ValidationError, match="label value"):
        validation.labels("labels", {"env": "${env} eu"})


@pytest.mark.parametrize(
    ("check", "value"),
    [(validation.dns1123_label, "apps\n"), (validation.dns1123_subdomain, "web.apps\n"), (validation.label_key, "app\n")],
)
def test_a_trailing_newline_is_not_part_of_a_valid_name(check: Any, value: str) -> None:
    # Kubernetes' patterns are anchored at the very end; Python's "$" alone would also match before a final newline
    with pytest.raises(ValidationError):
        check("field", value)


def test_annotation_keys_are_checked_lower_cased_as_kubernetes_checks_them() -> None:
    # apimachinery ValidateAnnotations: IsQualifiedName(strings.ToLower(k)) (tests/data/kubernetes-validation/)
    assert validation.annotation_key("annotations", "Example.com/Team") == "Example.com/Team"
    with pytest.raises(ValidationError):
        validation.label_key("labels", "Example.com/team")  # label keys are not lower-cased: the prefix must be a DNS subdomain
    with pytest.raises(ValidationError):
        validation.annotation_key("annotations", "example.com/")
