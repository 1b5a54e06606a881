"""``cdk8s_flux.target``: the one value both Flux (FluxSync) and publish read."""

from __future__ import annotations

import pytest

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.target import GitTarget, OciTarget, targets_in
from cdk8s_flux.validation import flux_git_url, git_branch


def test_git_target_defaults() -> None:
    target = GitTarget(url="ssh://git@github.com/example/app")
    assert (target.branch, target.path, target.kustomization_path) == ("manifests", "dist", "./dist")


@pytest.mark.parametrize(
    "url",
    [
        "ssh://git@github.com/example/app",
        "ssh://git@gitlab.example.com:2222/group/app.git",
        "https://github.com/example/app.git",
        "http://gitea.local/example/app",
    ],
)
def test_urls_flux_v2_accepts(url: str) -> None:
    assert GitTarget(url=url).url == url


def test_scp_like_url_is_refused_with_the_ssh_form_as_fix() -> None:
    """A Flux v2 GitRepository's url must match ^(http|https|ssh)://.*$ (the v2.9.4 CRD)."""
    with pytest.raises(ValidationError) as raised:
        GitTarget(url="git@github.com:example/app.git")
    assert raised.value.field == "url"
    assert raised.value.fix == "write it as ssh://git@github.com/example/app.git"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("git://github.com/example/app", "does not accept git://"),
        ("https://user:token@github.com/example/app", "password or token"),
        ("ftp://example.com/app", "unsupported scheme"),
        ("", "empty"),
    ],
)
def test_urls_flux_v2_refuses(url: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        flux_git_url("url", url)


@pytest.mark.parametrize("branch", ["main", "release/v1", "env-prod_2"])
def test_valid_branches(branch: str) -> None:
    assert git_branch("branch", branch) == branch


@pytest.mark.parametrize("branch", ["", "a..b", "a b", "-x", "x/", "x.lock", "a:b", "feature/.hidden", "@"])
def test_invalid_branches(branch: str) -> None:
    with pytest.raises(ValidationError):
        GitTarget(url="https://github.com/example/app", branch=branch)


@pytest.mark.parametrize(("given", "stored", "spec_path"), [("./dist/", "dist", "./dist"), ("", "", "./"), (".", "", "./")])
def test_paths_are_normalised(given: str, stored: str, spec_path: str) -> None:
    target = GitTarget(url="https://github.com/example/app", path=given)
    assert (target.path, target.kustomization_path) == (stored, spec_path)


@pytest.mark.parametrize("path", ["/abs", "../up", "a,b"])
def test_invalid_paths(path: str) -> None:
    with pytest.raises(ValidationError):
        GitTarget(url="https://github.com/example/app", path=path)


def test_targets_compare_by_value() -> None:
    assert GitTarget(url="https://h/r", path="./dist") == GitTarget(url="https://h/r", path="dist")
    assert GitTarget(url="https://h/r", branch="a") != GitTarget(url="https://h/r", branch="b")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"url": "https://ghcr.io/example/app"}, "url"),
        ({"url": "oci://ghcr.io"}, "url"),
        ({"url": "oci://ghcr.io/example/app", "tag": "-bad"}, "tag"),
        ({"url": "oci://ghcr.io/example/app", "provider": "docker"}, "provider"),
    ],
)
def test_invalid_oci_targets(options: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        OciTarget(**options)
    assert raised.value.field == field


def _pair(kind: str, name: str, spec: dict, path: str) -> list[dict]:
    return [
        {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": kind, "metadata": {"name": name, "namespace": "ns"}, "spec": spec},
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "ns"},
            "spec": {"path": path, "sourceRef": {"kind": kind, "name": name}},
        },
    ]


def test_targets_in_reads_the_pair_back() -> None:
    objects = _pair("GitRepository", "a", {"url": "https://h/r", "ref": {"branch": "b"}}, "./out")
    assert targets_in(objects) == (GitTarget(url="https://h/r", branch="b", path="out"),)


def test_targets_in_reports_none_one_or_several_and_never_chooses() -> None:
    objects = _pair("GitRepository", "a", {"url": "https://h/a", "ref": {"branch": "x"}}, "./") + _pair(
        "GitRepository", "b", {"url": "https://h/b", "ref": {"branch": "y"}}, "./"
    )
    assert targets_in(objects) == (GitTarget(url="https://h/a", branch="x", path=""), GitTarget(url="https://h/b", branch="y", path=""))
    assert targets_in([]) == ()


def test_sync_target_of_a_flux_sync_that_applies_one_chart_among_per_chart_kustomizations() -> None:
    # GIVEN a FluxSync applying only its own chart, and Kustomizations of other charts on the same source
    import cdk8s

    from cdk8s_flux.testing import chart_objects
    from cdk8s_flux.v2 import FluxSync, Kustomization

    app = cdk8s.Testing.app()
    flux = cdk8s.Chart(app, "flux-system")
    target = GitTarget(url="ssh://git@github.com/example/app", branch="manifests", path="dist")
    sync = FluxSync(flux, "sync", target=target, chart=flux)
    Kustomization.for_chart(flux, "web", chart=cdk8s.Chart(app, "web"), sync=sync)
    objects = chart_objects(flux)
    # THEN the sync applies ./dist/flux-system and records its target folder
    (own,) = [o for o in objects if o["kind"] == "Kustomization" and o["metadata"]["name"] == "flux-system"]
    assert own["spec"]["path"] == "./dist/flux-system"
    assert own["metadata"]["annotations"] == {"cdk8s-flux.io/target-path": "dist"}
    # AND the target read back from the manifests is the one publish writes to
    assert targets_in(objects) == (target,)
