"""Shared validators: each accepts what Flux accepts and names the fix otherwise."""

from __future__ import annotations

import pytest

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError


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
