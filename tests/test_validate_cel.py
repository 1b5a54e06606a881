"""``cdk8s_flux.validate`` evaluates the CRDs' ``x-kubernetes-validations`` CEL rules, as the API server does.

The rules and messages are those of the Flux v2.9.4 CRDs
(``tests/data/flux/v2.9.4/gotk-components.yaml``); the embedded release is the same.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from cli import run_cli
from fluxcrds import load_crds

from cdk8s_flux.validate import CrdSet, validate_objects

HELM_RELEASE = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2",
    "kind": "HelmRelease",
    "metadata": {"name": "podinfo", "namespace": "apps"},
    "spec": {
        "interval": "10m",
        "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}},
    },
}
IMAGE_POLICY = {
    "apiVersion": "image.toolkit.fluxcd.io/v1",
    "kind": "ImagePolicy",
    "metadata": {"name": "podinfo", "namespace": "flux-system"},
    "spec": {"imageRepositoryRef": {"name": "podinfo"}, "policy": {"semver": {"range": "5.x"}}},
}
RECEIVER = {
    "apiVersion": "notification.toolkit.fluxcd.io/v1",
    "kind": "Receiver",
    "metadata": {"name": "github", "namespace": "flux-system"},
    "spec": {
        "type": "github",
        "resources": [{"kind": "GitRepository", "name": "flux-system"}],
        "secretRef": {"name": "webhook-token"},
    },
}


def custom_kind(kind: str, spec_schema: dict[str, Any]) -> dict[str, Any]:
    """A CRD of ``kind`` in example.com/v1 whose spec has ``spec_schema``."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{kind.lower()}s.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": kind, "plural": f"{kind.lower()}s"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
                    "spec": spec_schema,
                },
            }}}],
        },
    }


def changed(obj: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """``obj`` with ``spec`` fields set (a None value removes the field)."""
    out = copy.deepcopy(obj)
    for name, value in spec.items():
        if value is None:
            out["spec"].pop(name, None)
        else:
            out["spec"][name] = value
    return out


def problems_of(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_objects([obj])]


def test_the_valid_variants_pass() -> None:
    # GIVEN objects every CEL rule of their CRD admits (against the embedded v2.9.4 CRDs)
    objects = [
        HELM_RELEASE,
        changed(HELM_RELEASE, chart=None, chartRef={"kind": "OCIRepository", "name": "podinfo"}),
        IMAGE_POLICY,
        changed(IMAGE_POLICY, interval="5m", digestReflectionPolicy="Always"),
        RECEIVER,
    ]
    # WHEN they are validated THEN nothing is found
    assert validate_objects(objects) == []


def test_a_helm_release_with_both_chart_and_chart_ref_is_refused_with_the_crd_message() -> None:
    obj = changed(HELM_RELEASE, chartRef={"kind": "OCIRepository", "name": "podinfo"})
    assert problems_of(obj) == [("spec", "either chart or chartRef must be set")]


def test_an_image_policy_with_interval_but_not_always_reflecting_digests_is_refused() -> None:
    message = "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'"
    assert problems_of(changed(IMAGE_POLICY, interval="5m")) == [("spec", message)]
    assert problems_of(changed(IMAGE_POLICY, interval="5m", digestReflectionPolicy="IfNotPresent")) == [("spec", message)]


def test_a_github_receiver_without_secret_ref_is_refused() -> None:
    assert problems_of(changed(RECEIVER, secretRef=None)) == [("spec", "secretRef is required when type is not generic-oidc")]


def test_a_rule_on_a_nested_field_names_that_field() -> None:
    # GIVEN a HelmRelease whose install strategy breaks the rule on spec.install.strategy
    obj = changed(HELM_RELEASE, install={"strategy": {"name": "RemediateOnFailure", "retryInterval": "1m"}})
    assert problems_of(obj) == [("spec.install.strategy", ".retryInterval cannot be set when .name is 'RemediateOnFailure'")]


def test_rules_are_not_evaluated_where_the_schema_already_refuses_the_object() -> None:
    # GIVEN a Receiver whose spec breaks its schema (an unknown field) and a CEL rule
    obj = changed(RECEIVER, secretRef=None, sekretRef={"name": "webhook-token"})
    # THEN only the schema problem is reported, as the API server would
    [problem] = validate_objects([obj])
    assert problem.path == "spec" and "sekretRef" in problem.message


def test_rules_inside_items_apply_to_each_item() -> None:
    # GIVEN a CRD whose list items carry a rule
    crd = custom_kind("Widget", {"type": "object", "properties": {"parts": {"type": "array", "items": {
        "type": "object",
        "properties": {"size": {"type": "integer"}},
        "x-kubernetes-validations": [{"rule": "self.size > 0"}],
    }}}})
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
           "spec": {"parts": [{"size": 1}, {"size": 0}, {"size": -1}]}}
    # THEN each failing item is a problem; a rule without message says the rule
    assert [(p.path, p.message) for p in validate_objects([obj], crds=[crd])] == [
        ("spec.parts.1", "failed rule: self.size > 0"),
        ("spec.parts.2", "failed rule: self.size > 0"),
    ]


def test_a_rule_cel_python_cannot_evaluate_is_skipped_and_said_once() -> None:
    # GIVEN a CRD with a rule using a Kubernetes CEL library function, one that is no CEL, and a transition rule
    crd = custom_kind("Gadget", {"type": "object", "properties": {"url": {"type": "string"}}, "x-kubernetes-validations": [
        {"rule": "isURL(self.url)", "message": "url must be a URL"},
        {"rule": "self.url.startsWith(", "message": "not CEL"},
        {"rule": "self.url == oldSelf.url", "message": "url is immutable"},
    ]})
    objects = [{"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": name}, "spec": {"url": "x"}}
               for name in ("a", "b")]
    said: list[str] = []
    # WHEN two objects of it are validated THEN none is refused, and each rule not checked is said once
    assert validate_objects(objects, crds=[crd], report=said.append) == []
    assert len(said) == 2
    assert "isURL(self.url)" in said[0] and "cannot evaluate" in said[0]
    assert "self.url.startsWith(" in said[1] and "cannot compile" in said[1]


def test_every_rule_of_the_v2_9_4_crds_is_compiled(flux_data: Path) -> None:
    # GIVEN the Flux v2.9.4 CRDs, and the rules their text lists
    text = (flux_data / "v2.9.4" / "gotk-components.yaml").read_text()
    listed = sum(
        len(rules)
        for document in yaml.safe_load_all(text)
        if document and document.get("kind") == "CustomResourceDefinition"
        for rules in _listed(document)
    )
    assert listed == 23 and text.count("x-kubernetes-validations:") == 11
    # WHEN every served version's rules are compiled
    crd_set = CrdSet("the v2.9.4 CRDs", tuple(load_crds(flux_data)))
    compiled = [
        rule
        for (group, kind), versions in crd_set.served.items()
        for version in versions
        for rule in crd_set.rules(f"{group}/{version}", kind)
    ]
    # THEN none is dropped, and cel-python compiles each
    assert len(compiled) == listed
    assert all(rule.program is not None for rule in compiled)


def _listed(node: Any) -> list[list[Any]]:
    """Every list under an ``x-kubernetes-validations`` key, wherever it is in a document."""
    if isinstance(node, dict):
        found = [node["x-kubernetes-validations"]] if "x-kubernetes-validations" in node else []
        return found + [rules for value in node.values() for rules in _listed(value)]
    if isinstance(node, list):
        return [rules for value in node for rules in _listed(value)]
    return []


def test_cli_validate_exits_4_naming_the_rule_message(tmp_path: Path) -> None:
    path = tmp_path / "release.yaml"
    path.write_text(yaml.safe_dump(changed(HELM_RELEASE, chartRef={"kind": "OCIRepository", "name": "podinfo"})))
    result = run_cli("validate", "release.yaml", cwd=tmp_path,
                     env={"CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases", "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 4, result.stderr
    assert result.stdout == (
        "release.yaml:6: HelmRelease apps/podinfo: spec: either chart or chartRef must be set "
        "[rule: CEL: (has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef)); "
        "the CRDs of the Flux v2.9.4 release embedded in cdk8s-flux 0.1.0 (HelmRelease helm.toolkit.fluxcd.io/v2)]\n"
    )

