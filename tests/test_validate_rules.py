"""``cdk8s_flux.rules``: each rule against the Kubernetes source it was read from (tests/data/kubernetes-validation)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cdk8s_flux.rules import enums, metadata, workloads
from cdk8s_flux.validate import validate_objects

DATA = Path(__file__).parent / "data" / "kubernetes-validation"
CORE_TYPES = (DATA / "api-core-v1-types.go").read_text()
RBAC_TYPES = (DATA / "api-rbac-v1-types.go").read_text() + (DATA / "api-rbac-v1-register.go").read_text()


# --- reading the Go sources ------------------------------------------------------------


def go_strings(literal: str) -> list[str]:
    """The values of a Go ``[]string{...}`` body: string literals, ``strings.Repeat`` and ``+`` between them."""
    literal = re.sub(r"//[^\n]*", "", literal)  # comments (no string here holds "//")
    values: list[str] = []
    current: str | None = None
    for token in re.findall(r'"(?:[^"\\]|\\.)*"|strings\.Repeat\("[^"]*", \d+\)|,', literal):
        if token == ",":
            if current is not None:
                values.append(current)
            current = None
            continue
        repeat = re.fullmatch(r'strings\.Repeat\("(.*)", (\d+)\)', token)
        part = repeat.group(1) * int(repeat.group(2)) if repeat else _go_string(token)
        current = (current or "") + part
    if current is not None:
        values.append(current)
    return values


def _go_string(token: str) -> str:
    """A Go interpreted string literal's value (the escapes these tests use: backslash and quote)."""
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def go_test_values(source: str, test: str, variable: str) -> list[str]:
    """The strings of ``variable := []string{...}`` in Go test function ``test``."""
    body = source[source.index(f"func {test}(") :]
    body = body[: body.index("\n}\n")]
    found = re.search(rf"{variable} := \[\]string\{{\n(.*?)\n\t\}}", body, re.S)
    assert found, (test, variable)
    return go_strings(found.group(1))


def go_constants(source: str) -> dict[str, str]:
    """``Name = "value"`` and ``Name Type = "value"`` constants of a Go file."""
    return {m.group(1): m.group(2) for m in re.finditer(r'^\s*(?:const\s+)?(\w+)\s+(?:\w+\s+)?=\s*"([^"]*)"', source, re.M)}


def go_enum_types(source: str) -> set[str]:
    """The types a Go file marks ``+enum``."""
    return set(re.findall(r"// \+enum\n(?://[^\n]*\n)*type (\w+) string", source))


def go_field_type(source: str, struct: str, json_name: str) -> tuple[str, str] | None:
    """``(pointer or slice prefix, Go type)`` of the field of ``struct`` serialized as ``json_name``."""
    body = re.search(rf"^type {struct} struct \{{\n(.*?)^\}}", source, re.M | re.S)
    if body is None:
        return None
    found = re.search(rf'^\s+\w+\s+(\*|\[\])?(\w+)\s+`json:"{json_name}[,"]', body.group(1), re.M)
    return (found.group(1) or "", found.group(2)) if found else None


def excerpt(file: str, name: str) -> str:
    text = (DATA / file).read_text()
    start = text.index(f"// excerpt: {name}\n")
    end = text.find("// excerpt:", start + 1)
    return text[start : end if end >= 0 else None]


def accepted(block: str, constants: dict[str, str], set_name: str | None = None) -> set[str]:
    """The values an excerpt accepts: the named set, else the first ``case`` of its switch, else its ``[]string``."""
    if set_name:
        found = re.search(rf"var {set_name} = sets\.New\((.*?)\)\n", block, re.S)
        assert found, set_name
        items = found.group(1)
    elif "case " in block:  # every case but the default accepts (a case "" is Required: left out below)
        items = ", ".join(re.findall(r"case ([^:]*):", block))
    else:
        items = re.search(r"\[\]string\{(.*?)\}", block).group(1)  # type: ignore[union-attr]
    values = set()
    for item in (i.strip() for i in items.split(",")):
        if not item or item == '""':
            continue
        values.add(item[1:-1] if item.startswith('"') else constants[item.split(".")[-1]])
    return values


# --- the values core fields accept --------------------------------------------------------

CORE_FILE, RBAC_FILE = "kubernetes-core-validation-excerpts.go", "kubernetes-rbac-validation-excerpts.go"
#: Each ENUMS entry: the excerpt (file, name) and the set in it that lists the accepted values, if a set does.
EXCERPTS = {
    ("Container", "imagePullPolicy"): (CORE_FILE, "validatePullPolicy", None),
    ("EphemeralContainer", "imagePullPolicy"): (CORE_FILE, "validatePullPolicy", None),
    ("Container", "terminationMessagePolicy"): (CORE_FILE, "validateContainerCommon (terminationMessagePolicy)", None),
    ("EphemeralContainer", "terminationMessagePolicy"): (CORE_FILE, "validateContainerCommon (terminationMessagePolicy)", None),
    ("PodSpec", "restartPolicy"): (CORE_FILE, "validateRestartPolicy", None),
    ("PodSpec", "dnsPolicy"): (CORE_FILE, "validateDNSPolicy", None),
    ("PodSpec", "preemptionPolicy"): (CORE_FILE, "ValidatePreemptionPolicy", None),
    ("PodSecurityContext", "fsGroupChangePolicy"): (CORE_FILE, "validateFSGroupChangePolicy", "validFSGroupChangePolicies"),
    ("HTTPGetAction", "scheme"): (CORE_FILE, "validateHTTPGetAction (supportedHTTPSchemes)", "supportedHTTPSchemes"),
    ("Toleration", "operator"): (CORE_FILE, "ValidateTolerations", None),
    ("Toleration", "effect"): (CORE_FILE, "ValidateTolerations (validateTaintEffect)", None),
    ("ServiceSpec", "type"): (CORE_FILE, "ValidateService", "supportedServiceType"),
    ("ServiceSpec", "sessionAffinity"): (CORE_FILE, "ValidateService", "supportedSessionAffinityType"),
    ("ServiceSpec", "externalTrafficPolicy"): (CORE_FILE, "validateServiceExternalTrafficPolicy", "validExternalTrafficPolicies"),
    ("ServiceSpec", "internalTrafficPolicy"): (CORE_FILE, "ValidateService", "supportedServiceInternalTrafficPolicy"),
    ("ServiceSpec", "ipFamilyPolicy"): (CORE_FILE, "ValidateService", "supportedServiceIPFamilyPolicy"),
    ("ServiceSpec", "ipFamilies"): (CORE_FILE, "ValidateService", "supportedServiceIPFamily"),
    ("ServicePort", "protocol"): (CORE_FILE, "validateContainerPorts (supportedPortProtocols)", "supportedPortProtocols"),
    ("ContainerPort", "protocol"): (CORE_FILE, "validateContainerPorts (supportedPortProtocols)", "supportedPortProtocols"),
    ("RoleRef", "apiGroup"): (RBAC_FILE, "ValidateRoleBinding (roleRef.apiGroup)", None),
    ("RoleRef", "kind"): (RBAC_FILE, "ValidateRoleBinding (roleRef.kind)", None),
    ("Subject", "kind"): (RBAC_FILE, "ValidateRoleBindingSubject", None),
}


def test_every_enum_entry_has_its_source() -> None:
    assert {(d.rpartition(".")[2], f) for d, f in enums.ENUMS} == set(EXCERPTS)


@pytest.mark.parametrize(("definition", "name"), sorted(enums.ENUMS), ids=lambda v: v.rpartition(".")[2])
def test_the_values_are_those_kubernetes_validation_accepts(definition: str, name: str) -> None:
    enum = enums.ENUMS[(definition, name)]
    struct = definition.rpartition(".")[2]
    types = RBAC_TYPES if ".rbac." in definition else CORE_TYPES
    constants = go_constants(types)
    # GIVEN the field's Go type in k8s.io/api (an EphemeralContainer's fields are those of EphemeralContainerCommon)
    field = go_field_type(types, struct, name) or go_field_type(types, f"{struct}Common", name)
    assert field is not None, (struct, name)
    prefix, go_type = field
    assert (prefix == "[]") == enum.items
    file, title, set_name = EXCERPTS[(struct, name)]
    # THEN its values are those the validation excerpt accepts
    expected = accepted(excerpt(file, title), constants, set_name)
    if go_type != "string":
        # AND every accepted value is a constant of the field's +enum type
        assert go_type in go_enum_types(types)
        typed = {v for k, v in constants.items() if re.search(rf"^\s*{k}\s+{go_type}\s*=", types, re.M)}
        assert expected <= typed
    assert set(enum.values) == expected
    # AND "" is let through only where the field is a plain string (defaulting fills it, or "" means the default)
    if enum.empty:
        assert prefix == ""


def test_a_refused_value_names_what_is_accepted_and_the_rule() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"type": "Loadbalancer", "ports": [{"port": 80, "protocol": "tcp"}]}}
    problems = validate_objects([service])
    # (the ServicePort rule is validateServicePort's use of the set validateContainerPorts defines)
    assert [(p.path, p.message, p.rule) for p in problems] == [
        ("spec.ports.0.protocol", "'tcp' is not supported: Kubernetes accepts 'TCP', 'UDP', 'SCTP'",
         "pkg/apis/core/validation/validation.go validateServicePort (supportedPortProtocols)"),
        ("spec.type", "'Loadbalancer' is not supported: Kubernetes accepts 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'",
         "pkg/apis/core/validation/validation.go ValidateService (supportedServiceType)"),
    ]
    assert {p.schema for p in problems} == {enums.ENUM_SOURCE}


def test_null_and_empty_fields_that_defaulting_fills_pass() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"restartPolicy": "", "dnsPolicy": None, "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": ""}]}}
    assert validate_objects([pod]) == []


# --- names, labels, annotations ---------------------------------------------------------------

UTIL_TESTS = (DATA / "apimachinery-util-validation_test.go").read_text()
CHECKS = [
    ("TestIsDNS1123Label", "goodValues", "badValues", metadata.dns1123_label),
    ("TestIsDNS1123Subdomain", "goodValues", "badValues", metadata.dns1123_subdomain),
    ("TestIsDNS1035Label", "goodValues", "badValues", metadata.dns1035_label),
    ("TestIsQualifiedName", "successCases", "errorCases", metadata.qualified_name),
    ("TestIsValidLabelValue", "successCases", "errorCases", metadata.label_value),
]


@pytest.mark.parametrize(("test", "good", "bad", "check"), CHECKS, ids=[c[0] for c in CHECKS])
def test_the_formats_agree_with_apimachinery_tests(test: str, good: str, bad: str, check: object) -> None:
    assert callable(check)
    accepted_values = go_test_values(UTIL_TESTS, test, good)
    refused_values = go_test_values(UTIL_TESTS, test, bad)
    assert len(accepted_values) > 5 and len(refused_values) > 5
    assert [v for v in accepted_values if check(v)] == []
    assert [v for v in refused_values if not check(v)] == []


def test_path_segment_names_agree_with_apimachinery_tests() -> None:
    source = (DATA / "apimachinery-content-path_test.go").read_text()
    body = source[source.index("func TestIsPathSegmentName(") :]
    cases = re.findall(r'Name:\s+"([^"]*)",\s*\n\s*ExpectedMsg:\s+"([^"]*)"', body[: body.index("\n}\n")])
    assert len(cases) >= 10
    for name, expected in cases:
        assert bool(metadata.path_segment(name)) == bool(expected), name


def test_the_annotation_limit_is_the_api_servers() -> None:
    source = (DATA / "apimachinery-objectmeta.go").read_text()
    assert "const TotalAnnotationSizeLimitB int = 256 * (1 << 10)" in source
    assert metadata.ANNOTATIONS_LIMIT == 256 * (1 << 10)


def test_the_name_rule_of_each_kind_is_the_one_kubernetes_assigns() -> None:
    names = excerpt(CORE_FILE, "names")
    functions = {"NameIsDNSSubdomain": metadata.SUBDOMAIN, "NameIsDNS1035Label": metadata.DNS1035,
                 "ValidateNamespaceName": metadata.LABEL, "ValidateServiceAccountName": metadata.SUBDOMAIN}
    assigned = dict(re.findall(r"var Validate(\w+)Name = apimachineryvalidation\.(\w+)", names))
    for (group, kind), (rule, _) in metadata.BUILTIN_NAME_RULES.items():
        if group == "" and kind in assigned:
            assert rule == functions[assigned[kind]], kind
    assert "return path.IsValidPathSegmentName(name)" in excerpt(RBAC_FILE, "ValidateRBACName")
    assert all(rule is metadata.PATH_SEGMENT for (g, _), (rule, _) in metadata.BUILTIN_NAME_RULES.items() if g.startswith("rbac."))


@pytest.mark.parametrize(("obj", "expected"), [
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}},
     ("metadata.name", "'Bad_Name' is not a valid ConfigMap name: it must be a DNS-1123 subdomain: lowercase letters, "
      "digits, '-' and '.', starting and ending with a letter or digit")),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}},
     ("metadata.name", "'1web' is not a valid Service name: it must be a DNS-1035 label: lowercase letters, digits "
      "and '-', starting with a letter and ending with a letter or digit")),
    ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}},
     ("metadata.name", "'a.b' is not a valid Namespace name: it must be a DNS-1123 label: lowercase letters, digits "
      "and '-', starting and ending with a letter or digit")),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "-web"}}},
     ("metadata.labels.app", "the label value '-web' is not valid: it must be empty or letters, digits, '-', '_' and '.', "
      "starting and ending with a letter or digit")),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"a/b/c": "x"}}},
     ("metadata.annotations.a/b/c", "the annotation key 'a/b/c' is not a qualified name: it needs at most one '/', between "
      "an optional DNS subdomain prefix and the name (such as example.com/name)")),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"big": "x" * 262_142}}},
     ("metadata.annotations", "the annotations hold 262,145 bytes (keys and values), more than the 262,144 the API server allows")),
])
def test_a_metadata_problem_names_field_rule_and_fix(obj: dict, expected: tuple[str, str]) -> None:
    (problem,) = validate_objects([obj])
    assert (problem.path, problem.message) == expected
    assert problem.schema == metadata.KUBERNETES_SOURCE


def test_rbac_names_are_path_segments_and_flux_names_subdomains() -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:flux:Reader"}}
    assert validate_objects([role]) == []
    repository = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                  "metadata": {"name": "Bad_Name", "namespace": "flux-system"},
                  "spec": {"interval": "1m", "url": "https://github.com/fluxcd/flux2-kustomize-helm-example"}}
    (problem,) = validate_objects([repository])
    assert (problem.path, problem.rule) == ("metadata.name", "apiextensions-apiserver customresource validator (NameIsDNSSubdomain)")


def test_unknown_and_mistyped_metadata_of_a_flux_object_are_refused() -> None:
    repository = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                  "metadata": {"name": "apps", "namespace": 5, "lables": {"a": "b"}},
                  "spec": {"interval": "1m", "url": "https://github.com/fluxcd/flux2-kustomize-helm-example"}}
    assert [(p.path, p.message) for p in validate_objects([repository])] == [
        ("metadata", "Additional properties are not allowed ('lables' was unexpected)"),
        ("metadata.namespace", "5 is not of type 'string', 'null'"),
    ]


# --- workload selectors --------------------------------------------------------------------------


def deployment(selector: dict, labels: dict) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": selector, "template": {"metadata": {"labels": labels},
                                                        "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}


@pytest.mark.parametrize(("selector", "labels", "selected"), [
    ({"matchLabels": {"app": "web"}}, {"app": "web", "tier": "front"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "api"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}, {"app": "api"}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {"app": "web"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {}, False),
    ({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}, {"app": "web"}, True),
])
def test_a_workload_selector_must_select_its_template(selector: dict, labels: dict, selected: bool) -> None:
    problems = workloads.selector_problems(deployment(selector, labels), "apps")
    assert (problems == []) is selected


def test_a_selector_mismatch_is_one_problem_on_the_template_labels() -> None:
    (problem,) = validate_objects([deployment({"matchLabels": {"app": "web"}}, {"app": "api"})])
    assert (problem.path, problem.rule) == (
        "spec.template.metadata.labels", "pkg/apis/apps/validation/validation.go ValidateDeploymentSpec",
    )
    assert problem.message.startswith("spec.selector does not select these labels ({'app': 'api'})")
    (empty,) = validate_objects([deployment({}, {"app": "web"})])
    assert (empty.path, empty.message) == ("spec.selector", "an empty selector would select every pod; a Deployment must select its own")


def test_a_job_selector_is_checked_only_when_manual() -> None:
    job: dict[str, Any] = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
           "spec": {"selector": {"matchLabels": {"a": "b"}}, "manualSelector": True,
                    "template": {"metadata": {"labels": {"a": "c"}},
                                 "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}
    assert [p.path for p in validate_objects([job])] == ["spec.template.metadata.labels"]
    job["spec"]["manualSelector"] = False
    assert workloads.selector_problems(job, "batch") == []


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"])
def test_the_pods_of_a_workload_restart_always_and_have_no_deadline(kind: str) -> None:
    obj = deployment({"matchLabels": {"app": "web"}}, {"app": "web"})
    obj["kind"] = kind
    obj["spec"]["template"]["spec"].update(restartPolicy="OnFailure", activeDeadlineSeconds=60)
    found = workloads.template_problems(obj, "apps")
    assert [path for path, _, _ in found] == [
        ("spec", "template", "spec", "restartPolicy"), ("spec", "template", "spec", "activeDeadlineSeconds"),
    ]
    # THEN the rule is the function of apps validation that refuses both, as its excerpt shows
    function = found[0][2].rpartition(" ")[2]
    source = excerpt("kubernetes-apps-validation-excerpts.go", function)
    assert "RestartPolicy != api.RestartPolicyAlways" in source and "field.NotSupported" in source
    assert "ActiveDeadlineSeconds != nil" in source and "field.Forbidden" in source
    assert found[0][1] == f"'OnFailure' is not supported: the pods of a {kind} restart 'Always' (the default). Fix: leave restartPolicy out"
    obj["spec"]["template"]["spec"].update(restartPolicy="Always", activeDeadlineSeconds=None)
    assert workloads.template_problems(obj, "apps") == []
