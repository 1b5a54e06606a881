"""`v1.FluxInstall`: fluxctl install's objects, its flag rules, and the typed extras."""

from __future__ import annotations

from typing import Any

import cdk8s
import kubernetes_validate
import pytest
import yaml

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.testing import chart_objects, chart_yaml
from cdk8s_flux.v1 import FluxInstall, FluxInstallProps, fluxd_args

REQUIRED = {"git_url": "git@github.com:org/repo", "git_email": "flux@example.com", "namespace": "flux"}


def synth(**options: Any) -> list[dict[str, Any]]:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", **{**REQUIRED, **options})
    return chart_objects(chart)


def by_kind_name(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def fluxd_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return by_kind_name(objects)[("Deployment", "flux")]["spec"]["template"]["spec"]["containers"][0]


def test_defaults_give_fluxctls_seven_objects_plus_the_namespace() -> None:
    objects = synth()
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Namespace", "flux"),
        ("ServiceAccount", "flux"),
        ("ClusterRole", "flux"),
        ("ClusterRoleBinding", "flux"),
        ("Secret", "flux-git-deploy"),
        ("Deployment", "flux"),
        ("Deployment", "memcached"),
        ("Service", "memcached"),
    ]


def test_default_args_follow_the_flux_deployment_template_order() -> None:
    # pkg/install/templates/flux-deployment.yaml.tmpl with fluxctl's flag defaults
    # (cmd/fluxctl/install_cmd.go: branch master, label flux, user Flux).
    assert fluxd_container(synth())["args"] == [
        "--memcached-service=",
        "--ssh-keygen-dir=/var/fluxd/keygen",
        "--git-url=git@github.com:org/repo",
        "--git-branch=master",
        "--git-label=flux",
        "--git-user=Flux",
        "--git-email=flux@example.com",
        "--listen-metrics=:3031",
    ]


def test_readonly_two_paths_and_manifest_generation_args() -> None:
    # No real fluxctl output with these flags is public; the expectation follows the
    # template: paths joined with ',' after --git-branch, then --git-readonly and
    # --manifest-generation=true before --listen-metrics.
    args = fluxd_container(synth(git_readonly=True, git_path=["dist", "base"], manifest_generation=True))["args"]
    assert args == [
        "--memcached-service=",
        "--ssh-keygen-dir=/var/fluxd/keygen",
        "--git-url=git@github.com:org/repo",
        "--git-branch=master",
        "--git-path=dist,base",
        "--git-label=flux",
        "--git-user=Flux",
        "--git-email=flux@example.com",
        "--git-readonly",
        "--manifest-generation=true",
        "--listen-metrics=:3031",
    ]


def test_registry_disable_scanning_drops_memcached_but_keeps_the_memcached_service_flag() -> None:
    objects = synth(registry_disable_scanning=True)
    assert ("Deployment", "memcached") not in by_kind_name(objects)
    assert ("Service", "memcached") not in by_kind_name(objects)
    args = fluxd_container(objects)["args"]
    assert args[0] == "--memcached-service="
    assert args[-2:] == ["--listen-metrics=:3031", "--registry-disable-scanning"]


def test_add_security_context_only_touches_memcached() -> None:
    with_context = by_kind_name(synth())[("Deployment", "memcached")]
    without = by_kind_name(synth(add_security_context=False))[("Deployment", "memcached")]
    assert with_context["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "runAsUser": 11211,
        "runAsGroup": 11211,
        "allowPrivilegeEscalation": False,
    }
    assert "securityContext" not in without["spec"]["template"]["spec"]["containers"][0]
    assert "securityContext" not in fluxd_container(synth())


def test_key_mode_is_octal_0400() -> None:
    # fluxctl writes `defaultMode: 0400`, which YAML 1.1 (Kubernetes, PyYAML) reads as 256.
    deployment = by_kind_name(synth())[("Deployment", "flux")]
    assert deployment["spec"]["template"]["spec"]["volumes"][0]["secret"]["defaultMode"] == 256
    assert yaml.safe_load("defaultMode: 0400") == {"defaultMode": 256}


def test_namespace_reaches_every_namespaced_object_and_the_binding_subject() -> None:
    objects = synth(namespace="gitops")
    for obj in objects:
        if obj["kind"] in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert "namespace" not in obj["metadata"]
        else:
            assert obj["metadata"]["namespace"] == "gitops"
    binding = by_kind_name(objects)[("ClusterRoleBinding", "flux")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "flux", "namespace": "gitops"}]


def test_cluster_scoped_objects_get_no_namespace_from_a_namespaced_chart() -> None:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux", namespace="apps")
    FluxInstall(chart, "flux", **REQUIRED)
    for obj in chart_objects(chart):
        if obj["kind"] in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert "namespace" not in obj["metadata"], obj["kind"]
        else:
            assert obj["metadata"]["namespace"] == "flux"


def test_create_namespace_false_leaves_exactly_fluxctls_objects() -> None:
    kinds = [o["kind"] for o in synth(create_namespace=False)]
    assert "Namespace" not in kinds and len(kinds) == 7


def test_typed_extras_come_after_fluxctls_args_in_a_fixed_order() -> None:
    args = fluxd_container(
        synth(
            sync_garbage_collection=True,
            git_poll_interval="1m",
            sync_interval="2m30s",
            k8s_allow_namespace=["apps", "flux"],
            extra_args=["--registry-poll-interval=10m"],
            image="registry.example.com/fluxcd/flux:1.25.4",
        )
    )["args"]
    assert args[args.index("--listen-metrics=:3031") + 1 :] == [
        "--sync-garbage-collection",
        "--git-poll-interval=1m",
        "--sync-interval=2m30s",
        "--k8s-allow-namespace=apps,flux",
        "--registry-poll-interval=10m",
    ]


def test_image_override() -> None:
    assert fluxd_container(synth(image="registry.example.com/flux@sha256:" + "a" * 64))["image"].endswith("a" * 64)


@pytest.mark.parametrize(
    "value",
    ['Flux # bot', "Flux: the bot", "it's \"quoted\"", "- dash", "{curly}", "yes"],
)
def test_values_that_break_fluxctls_templates_come_out_as_valid_yaml(value: str) -> None:
    # fluxctl pastes values into YAML text; ` #` starts a comment and `: ` a mapping there.
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", **REQUIRED, git_user=value)
    parsed = list(yaml.safe_load_all(chart_yaml(chart)))
    args = by_kind_name(parsed)[("Deployment", "flux")]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert f"--git-user={value}" in args


def test_every_object_passes_kubernetes_schema_validation_strictly() -> None:
    for options in ({}, {"registry_disable_scanning": True, "git_readonly": True, "git_path": ["a", "b"]}):
        for obj in synth(**options):
            kubernetes_validate.validate(obj, "1.33.0", strict=True)


def test_props_object_and_keywords_are_equivalent() -> None:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", FluxInstallProps(**REQUIRED, git_branch="manifests", git_path=("dist",)))
    assert chart_objects(chart) == synth(git_branch="manifests", git_path="dist")


def test_fluxd_args_is_usable_without_cdk8s() -> None:
    assert fluxd_args(FluxInstallProps(**REQUIRED))[2] == "--git-url=git@github.com:org/repo"


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"git_url": "https://me:token@github.com/org/repo"}, "git_url", "password or token"),
        ({"git_url": "github.com/org/repo"}, "git_url", "not a git URL"),
        ({"git_email": ""}, "git_email", "requires an email"),
        ({"namespace": "Flux_System"}, "namespace", "RFC 1123"),
        ({"git_path": ["/dist"]}, "git_path[0]", "absolute"),
        ({"git_path": ["dist", "../up"]}, "git_path[1]", "leaves the repository"),
        ({"git_branch": "feature branch"}, "git_branch", "git branch"),
        ({"git_branch": "-rf"}, "git_branch", "git branch"),
        ({"git_label": "a..b"}, "git_label", "git branch or tag"),
        ({"git_poll_interval": "5"}, "git_poll_interval", "Go duration"),
        ({"sync_interval": "1 day"}, "sync_interval", "Go duration"),
        ({"k8s_allow_namespace": ["ok", "Not_OK"]}, "k8s_allow_namespace[1]", "RFC 1123"),
        ({"extra_args": ["--git-branch=main"]}, "extra_args[0]", "use the argument git_branch"),
        ({"extra_args": ["verbose"]}, "extra_args[0]", "not a fluxd flag"),
        ({"image": "flux 1.25"}, "image", "not an image reference"),
        ({"git_user": "a\nb"}, "git_user", "line break"),
    ],
)
def test_bad_input_names_the_argument_and_the_fix(options: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        synth(**options)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert "Fix:" in str(caught.value)


def test_unknown_keyword_is_our_error() -> None:
    with pytest.raises(ValidationError, match="git_urls"):
        synth(git_urls="x")


def test_missing_required_argument_is_our_error() -> None:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    with pytest.raises(ValidationError, match="git_email"):
        FluxInstall(chart, "flux", git_url="git@github.com:org/repo", namespace="flux")
