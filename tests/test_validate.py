"""``cdk8s_flux.validate``: core kinds against Kubernetes, custom resources against their CRDs (Flux v2.9.4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk8s_flux import validate
from cdk8s_flux.errors import RefusedContentError, UpstreamError, ValidationError
from cdk8s_flux.validate import Problem, check, validate_files, validate_objects

FLUX = "v2.9.4"


@pytest.fixture(autouse=True)
def fresh_upstream_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test finds upstream manifests anew, in an empty user cache, with no network."""
    validate._upstream_crds.cache_clear()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CDK8S_FLUX_RELEASES_URL", "http://127.0.0.1:9/releases")  # refused at once
    monkeypatch.delenv("CDK8S_FLUX_MANIFESTS", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def flux_crds(flux_data: Path) -> list[dict[str, Any]]:
    """The CRDs of Flux v2.9.4 as ``flux install`` writes them (upstream file, unmodified)."""
    text = (flux_data / FLUX / "gotk-components.yaml").read_text()
    return [o for o in yaml.load_all(text, Loader=yaml.CSafeLoader) if o and o["kind"] == "CustomResourceDefinition"]


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}},
            **spec,
        },
    }


def kustomization(api_version: str = "kustomize.toolkit.fluxcd.io/v1", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": {"interval": "10m0s", "path": "./apps", "prune": True,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}, **spec},
    }


WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
        "scope": "Namespaced",
        "versions": [
            {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                               "metadata": {"type": "object"},
                               "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
            }}},
            {"name": "v1alpha1", "served": False, "storage": False, "schema": {"openAPIV3Schema": {"type": "object"}}},
        ],
    },
}


def widget(api_version: str = "example.com/v1", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": "Widget", "metadata": {"name": "w", "namespace": "apps"}, "spec": spec}


# --- core kinds ---------------------------------------------------------------------


def test_a_valid_core_object_has_no_problem() -> None:
    assert validate_objects([deployment(replicas=2)]) == []


def test_an_unknown_core_field_is_a_problem_naming_object_and_field() -> None:
    # GIVEN a Deployment with `replica` for `replicas` (kubectl apply would refuse it; a server-side prune would hide it)
    problems = validate_files({"dist/web.yaml": [deployment(replica=2)]})
    # THEN one problem names the file, the object, the field and the unexpected key
    core = "Kubernetes 1.37.0 OpenAPI schema (kubernetes-validate 1.37.0)"
    assert problems == [Problem(
        file="dist/web.yaml", api_version="apps/v1", kind="Deployment", namespace="apps", name="web",
        path="spec", message="Additional properties are not allowed ('replica' was unexpected)",
        rule="schema: additionalProperties", schema=core,
    )]
    # AND its line says which rule of which schema refused it (objects not read from a file have no line)
    assert str(problems[0]) == (
        "dist/web.yaml: Deployment apps/web: spec: Additional properties are not allowed ('replica' was unexpected)"
        f" [rule: schema: additionalProperties; {core}]"
    )


def test_a_wrong_type_deep_in_a_core_object() -> None:
    bad = deployment()
    bad["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": "http"}]
    (problem,) = validate_objects([bad])
    assert problem.path == "spec.template.spec.containers.0.ports.0.containerPort"
    assert "'http' is not of type 'integer'" in problem.message


def test_a_core_kind_in_an_api_version_kubernetes_no_longer_serves() -> None:
    # Ingress left extensions/v1beta1 in Kubernetes 1.22; networking.k8s.io/v1 is its group-version since 1.19.
    ingress = {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "web"}}
    (problem,) = validate_objects([ingress], kubernetes_version="1.30")
    assert problem.path == "apiVersion"
    assert problem.message == (
        "Kubernetes 1.30 does not serve Ingress in extensions/v1beta1; it serves Ingress as networking.k8s.io/v1"
    )


def test_kubernetes_version_outside_the_known_schemas_is_a_usage_error() -> None:
    with pytest.raises(ValidationError, match="kubernetes_version") as error:
        validate_objects([], kubernetes_version="1.2")
    assert error.value.exit_code == 2


# --- custom resources, CRDs in the validated objects themselves ---------------------


def test_custom_resources_against_a_crd_among_the_objects() -> None:
    # GIVEN a CRD and three Widgets: valid, with a string size, with an unknown field
    objects = [WIDGET_CRD, widget(size=3), widget(size="big"), widget(colour="red")]
    # THEN the second and third are problems, in input order, and the CRD itself is valid
    assert [(p.path, p.message) for p in validate_objects(objects)] == [
        ("spec.size", "'big' is not of type 'integer'"),
        ("spec", "Additional properties are not allowed ('colour' was unexpected)"),
    ]


def test_an_api_version_the_crd_does_not_serve_names_the_served_one() -> None:
    (problem,) = validate_objects([WIDGET_CRD, widget("example.com/v1alpha1")])
    assert problem.path == "apiVersion"
    assert "does not serve example.com/v1alpha1; use example.com/v1" in problem.message


def test_flux_objects_against_the_crds_of_flux_install_in_the_output(flux_crds: list[dict[str, Any]]) -> None:
    # GIVEN the upstream v2.9.4 CRDs and a Kustomization with a typo, in one output
    objects = [*flux_crds, kustomization(), kustomization(targetNamespace=3, brnach="main")]
    problems = validate_objects(objects)
    # THEN the typo and the wrong type are problems, both under spec
    assert [(p.kind, p.path) for p in problems] == [("Kustomization", "spec"), ("Kustomization", "spec.targetNamespace")]
    assert "'brnach' was unexpected" in problems[0].message


def test_a_flux_api_version_the_crd_no_longer_serves(flux_crds: list[dict[str, Any]]) -> None:
    # The v2.9.4 Kustomization CRD serves v1 only (older manifests often still say v1beta2).
    (problem,) = validate_objects([kustomization("kustomize.toolkit.fluxcd.io/v1beta2")], crds=flux_crds)
    assert problem.path == "apiVersion"
    assert problem.message.endswith("does not serve kustomize.toolkit.fluxcd.io/v1beta2; use kustomize.toolkit.fluxcd.io/v1")


def test_the_upstream_sync_objects_are_valid(flux_data: Path) -> None:
    files = {}
    for name in ("gotk-components.yaml", "gotk-sync.yaml"):
        files[name] = [o for o in yaml.safe_load_all((flux_data / FLUX / name).read_text()) if o]
    assert validate_files(files) == []


# --- unknown kinds ------------------------------------------------------------------


def test_a_kind_without_crd_is_a_problem_unless_allowed() -> None:
    # GIVEN a kind of a group nobody defines, a valid Kustomization and a Flux kind that does not exist
    nope = {**kustomization(), "kind": "Nope"}
    objects = [widget(size=1), kustomization(), nope]
    problems = validate_objects(objects)
    # THEN the Kustomization is checked against the embedded release; the other two are unknown
    assert [p.kind for p in problems] == ["Widget", "Nope"]
    assert problems[0].message == (
        "no CRD schema for Widget example.com/v1: give the CustomResourceDefinition that defines it "
        "(crds), or allow_unknown_kinds"
    )
    assert problems[1].message.startswith(
        "the CRDs of the Flux v2.9.4 release embedded in cdk8s-flux"
    ) and "define no Nope in kustomize.toolkit.fluxcd.io/v1 (it defines Kustomization in kustomize.toolkit.fluxcd.io)" in problems[1].message
    assert validate_objects(objects, allow_unknown_kinds=True) == []


def test_allow_unknown_kinds_still_checks_kinds_with_a_schema() -> None:
    problems = validate_objects([widget(colour="red"), WIDGET_CRD, deployment(replica=1)], allow_unknown_kinds=True)
    assert [p.kind for p in problems] == ["Widget", "Deployment"]


# --- custom resources, CRDs of an upstream Flux release -------------------------------


def test_crds_from_the_upstream_manifests_of_the_flux_version_given(
    flux_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDK8S_FLUX_MANIFESTS", str(flux_data))
    problems = validate_objects([kustomization(brnach="main")], flux_version=FLUX)
    assert [(p.path, p.message) for p in problems] == [
        ("spec", "Additional properties are not allowed ('brnach' was unexpected)")
    ]


def test_the_flux_version_from_the_labels_of_flux_objects(flux_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the flux-system Namespace as flux install labels it, without any CRD
    monkeypatch.setenv("CDK8S_FLUX_MANIFESTS", str(flux_data))
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system", "labels": {
        "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": FLUX}}}
    problems = validate_objects([namespace, kustomization(brnach="main")])
    assert [p.path for p in problems] == ["spec"]


def test_the_flux_version_from_the_lock_file(flux_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK8S_FLUX_MANIFESTS", str(flux_data))
    (tmp_path / "repo" / "app").mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / "cdk8s-flux.lock").write_text(
        f"flux:\n  {FLUX}:\n    file: install.yaml\n    sha256: {'0' * 64}\n"
    )
    problems = validate_objects([kustomization(brnach="main")], start=tmp_path / "repo" / "app")
    assert [p.path for p in problems] == ["spec"]


def test_an_inferred_flux_version_that_cannot_be_had_falls_back_to_the_embedded_one_and_says_so(tmp_path: Path) -> None:
    # GIVEN Flux objects labelled with a release that is neither embedded nor vendored
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system", "labels": {
        "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": "v2.0.0"}}}
    reported: list[str] = []
    # WHEN validated
    problems = validate_objects([namespace, kustomization(brnach="main")], start=tmp_path, report=reported.append)
    # THEN the embedded release checks them, and the one report says why
    assert [p.path for p in problems] == ["spec"]
    (line,) = reported
    assert "embedded" in line and "Flux v2.0.0, from the Flux objects' app.kubernetes.io/version label, could not be had" in line


def test_the_release_used_is_reported_once_and_only_when_needed() -> None:
    reported: list[str] = []
    validate_objects([kustomization(), kustomization(path="./b")], report=reported.append)
    assert len(reported) == 1 and "Flux v2.9.4 release embedded" in reported[0]
    reported.clear()
    validate_objects([deployment()], report=reported.append)
    assert reported == []


def test_a_flux_version_given_that_cannot_be_had_is_an_error() -> None:
    with pytest.raises(UpstreamError, match="cdk8s-flux vendor v2.0.0"):
        validate_objects([kustomization()], flux_version="v2.0.0")
    with pytest.raises(ValidationError, match="pinned Flux release"):
        validate_objects([kustomization()], flux_version="latest")


def test_crds_in_the_output_win_over_upstream(flux_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a Kustomization CRD of the app's own that serves only v9 (not what Flux ships)
    monkeypatch.setenv("CDK8S_FLUX_MANIFESTS", str(flux_data))
    crd = {**WIDGET_CRD, "metadata": {"name": "kustomizations.kustomize.toolkit.fluxcd.io"}, "spec": {
        **WIDGET_CRD["spec"], "group": "kustomize.toolkit.fluxcd.io",
        "names": {"kind": "Kustomization", "plural": "kustomizations"},
        "versions": [{**WIDGET_CRD["spec"]["versions"][0], "name": "v9"}]}}
    (problem,) = validate_objects([crd, kustomization()], flux_version=FLUX)
    assert problem.message.endswith("use kustomize.toolkit.fluxcd.io/v9")


# --- check --------------------------------------------------------------------------


def test_check_raises_with_the_first_problems_and_a_count_of_the_rest() -> None:
    objects = [{**widget(colour="red"), "metadata": {"name": f"w{i}"}} for i in range(validate.SHOWN + 5)]
    with pytest.raises(RefusedContentError) as error:
        check({"a.yaml": [WIDGET_CRD, *objects]})
    message = str(error.value)
    assert error.value.exit_code == 4
    assert message.startswith(f"{validate.SHOWN + 5} problem(s) in {validate.SHOWN + 5} of {validate.SHOWN + 6} object(s)")
    assert message.count("a.yaml: Widget w") == validate.SHOWN
    assert "a.yaml: Widget w0: spec: Additional properties are not allowed ('colour' was unexpected)" in message
    assert "... and 5 more" in message and "no_validate" in message
    check({"a.yaml": [WIDGET_CRD, widget(size=1)]})  # no problem: no error


def test_the_python_snippets_of_the_guide_run() -> None:
    import re

    guide = (Path(__file__).resolve().parent.parent / "docs" / "validate.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", guide, re.DOTALL)
    assert snippets
    for code in snippets:
        exec(compile(code, "docs/validate.md", "exec"), {})


# --- the core group, SOPS, and what messages show -----------------------------------------

SOPS = Path(__file__).resolve().parent / "data" / "sops"


def secret(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"}, **fields}


def sops_secret(name: str = "age.yaml") -> dict[str, Any]:
    (obj,) = yaml.safe_load_all((SOPS / name).read_text())
    return obj


@pytest.mark.parametrize("allow_unknown_kinds", [False, True])
def test_core_v1_is_a_problem_even_with_unknown_kinds_allowed(allow_unknown_kinds: bool) -> None:
    # The legacy core group has no name: its one apiVersion is v1, and the API server serves no group "core".
    (problem,) = validate_objects([{**secret(), "apiVersion": "core/v1"}], allow_unknown_kinds=allow_unknown_kinds)
    assert (problem.kind, problem.path) == ("Secret", "apiVersion")
    assert problem.message == (
        "the core API group has no name: Kubernetes serves Secret as apiVersion v1, and has no group core. "
        "Fix: write apiVersion: v1"
    )


@pytest.mark.parametrize("name", ["age.yaml", "pgp.yaml"])
def test_a_sops_encrypted_secret_is_valid(name: str) -> None:
    # kustomize-controller decrypts the object and strips its top-level sops mapping before applying it
    assert validate_objects([sops_secret(name)]) == []


def test_a_sops_mapping_without_a_mac_is_an_unknown_field() -> None:
    # kustomize-controller decrypts only what has sops.mac; the rest reaches the API server as it is
    obj = sops_secret()
    del obj["sops"]["mac"]
    (problem,) = validate_objects([obj])
    assert (problem.path, problem.message) == ("", "Additional properties are not allowed ('sops' was unexpected)")


def test_a_sops_mapping_on_a_custom_resource_is_stripped_too() -> None:
    sops = sops_secret()["sops"]
    assert validate_objects([WIDGET_CRD, {**widget(size=1), "sops": sops}]) == []


@pytest.mark.parametrize(("values", "shown"), [
    ({"stringData": {"password": ["hunter2"]}}, "stringData.password: <secret list> is not of type 'string', 'null'"),
    ({"data": {"password": 1234}}, "data.password: <secret number> is not of type 'string', 'null'"),
    ({"data": "hunter2"}, "data: <secret string> is not of type 'object', 'null'"),
    ({"stringData": [{"password": "hunter2"}]}, "stringData: <secret list> is not of type 'object', 'null'"),
], ids=["list", "number", "data a string", "stringData a list"])
def test_a_secret_value_is_never_in_a_message(values: dict[str, Any], shown: str) -> None:
    (problem,) = validate_files({"s.yaml": [secret(**values)]})
    assert f"{problem.path}: {problem.message}" == shown
    assert "hunter2" not in str(problem) and "1234" not in str(problem)


def test_a_secret_value_in_a_secret_list_is_never_in_a_message() -> None:
    listed = {"apiVersion": "v1", "kind": "SecretList", "items": [secret(stringData={"password": ["hunter2"]})]}
    (problem,) = validate_objects([listed])
    assert (problem.path, problem.message) == ("items.0.stringData.password", "<secret list> is not of type 'string', 'null'")


def test_a_secret_value_is_masked_inside_a_larger_value_shown() -> None:
    # GIVEN a Secret whose whole stringData fails a rule that quotes it
    import jsonschema

    from cdk8s_flux.validate import _errors

    obj = secret(stringData={"password": "hunter2", "user": ["x"]})
    validator = jsonschema.Draft4Validator({"properties": {"stringData": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}})
    # THEN the mapping is shown, its values as placeholders
    assert _errors(validator, obj) == [
        ("stringData", "{'password': <secret string>, 'user': <secret list>} is not valid under any of the given schemas"),
    ]
    # AND a rule whose message quotes a value some other way gets a message that quotes nothing
    validator = jsonschema.Draft4Validator({"properties": {"stringData": {"additionalProperties": False}}})
    assert _errors(validator, secret(stringData={"hunter2": "hunter2"})) == [
        ("stringData", "the value (a Secret's, not shown) fails the 'additionalProperties' rule of its schema"),
    ]


def test_a_sops_encrypted_value_is_never_in_a_message() -> None:
    # GIVEN a SOPS-encrypted Deployment whose replicas were encrypted as well (sops keeps the type in the string)
    value = "ENC[AES256_GCM,data:Mg==,iv:vUMpILz3xchORqkzDFvgwENY7EqIHHGJdEF6C8xqbFE=,tag:IroV7hykADvD0IUaq6kikA==,type:int]"
    obj = {**deployment(replicas=value), "sops": sops_secret()["sops"]}
    # THEN the encrypted value is not refused (kustomize-controller decrypts it to an integer first)
    assert validate_objects([obj]) == []
    # AND where an encrypted value is wrong whatever it decrypts to (a mapping expected), the message hides it
    broken = {**deployment(), "sops": sops_secret()["sops"]}
    broken["spec"]["template"]["spec"]["containers"][0]["resources"] = [value]
    (problem,) = validate_objects([broken])
    assert problem.message == "[<encrypted string>] is not of type 'object', 'null'"


def test_a_long_value_is_cut_in_a_message() -> None:
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": ["x" * 10_000]}}
    (problem,) = validate_objects([bad])
    assert problem.message == "['" + "x" * (validate.QUOTED - 3) + "…" + " is not of type 'string', 'null'"


def test_a_long_kind_is_cut_in_a_message() -> None:
    (problem,) = validate_objects([{"apiVersion": "v1", "kind": "K" * 10_000, "metadata": {"name": "c"}}])
    assert len(problem.message) < 2 * validate.QUOTED and "…" in problem.message
