"""Property: every input to a Flux construct is refused with ``ValidationError`` or gives an object the cluster admits;
and the other way round, what the cluster admits the props take.

Hypothesis drives each props type with generated values, mixing valid and
invalid ones (names, URLs, durations, semver ranges, references, types), with
optional fields on and off and mutually exclusive fields together. Whatever
comes out is checked against the openAPIV3Schema (strictly, via
``cdk8s_flux.validate``) and the CEL rules of the Flux v2.9.4 CRDs. Any other
exception (TypeError, KeyError, a jsii error) fails the test.

The other direction: for every scalar field of the schema inventory
(tests/inventory, all 13 kinds), hypothesis-jsonschema draws values from the
field's CRD schema; each is set on an object with the fewest other fields, and
where the CRD schema and CEL rules admit that object, the props given the same
value must not refuse it. ``STRICTER`` lists where the props knowingly add a
rule the schema has not (object names, regular expressions, CEL, semver), with why.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from fluxcrds import cel_problems, load_crds, schema_problems
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import (
    AlertProps,
    AlphabeticalPolicy,
    BucketProps,
    Decryption,
    GitRepositoryProps,
    GitRepositoryRef,
    HelmChartProps,
    HelmReleaseProps,
    HelmRepositoryProps,
    ImagePolicyProps,
    ImageRepositoryProps,
    ImageUpdateAutomationProps,
    KustomizationProps,
    LayerSelector,
    NumericalPolicy,
    ObjectRef,
    ObjectSelector,
    OCIRepositoryProps,
    OCIRepositoryRef,
    OIDCIdentity,
    ProviderProps,
    ReceiverProps,
    SemverPolicy,
    TagFilter,
    ValuesReference,
    Verification,
)
from cdk8s_flux.v2 import (
    HealthCheck as KsHealthCheck,
)
from cdk8s_flux.v2.resource import FluxObjectProps, camel_case
from cdk8s_flux.v2.sources import GitRepository, HelmRepository

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLUX_DATA = Path(__file__).resolve().parent / "data" / "flux"


@dataclass(frozen=True)
class Field:
    """The values of one argument: ``valid`` ones and ``invalid`` ones (which the props must refuse or fix)."""

    valid: st.SearchStrategy[Any]
    invalid: st.SearchStrategy[Any]


def mix(valid: list[Any], invalid: list[Any]) -> Field:
    return Field(st.sampled_from(valid), st.one_of(st.sampled_from(invalid), st.text(max_size=8)))


def maybe(field: Field) -> Field:
    return Field(st.one_of(st.none(), field.valid), field.invalid)


def plain(strategy: st.SearchStrategy[Any]) -> Field:
    """Any value of ``strategy`` may be valid or not: the props decide."""
    return Field(strategy, strategy)


def lists(field: Field, max_size: int = 2) -> Field:
    invalid = st.one_of(
        st.lists(field.valid, max_size=max_size).flatmap(lambda items: field.invalid.map(lambda bad: [*items, bad])),
        field.valid,  # a lone value instead of a list
    )
    return Field(st.lists(field.valid, max_size=max_size), invalid)


@dataclass(frozen=True)
class Deferred:
    """A nested value (GitRepositoryRef ...) to make inside the test, where its ValidationError is expected."""

    target: type
    options: dict[str, Any]


def resolve(value: Any) -> Any:
    """``value`` with every ``Deferred`` made, inside lists and dicts too."""
    if isinstance(value, Deferred):
        return value.target(**{key: resolve(item) for key, item in value.options.items()})
    if isinstance(value, list):
        return [resolve(item) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    return value


@st.composite
def _arguments(draw: Any, required: dict[str, Field], optional: dict[str, Field], broken: bool) -> dict[str, Any]:
    keys = list(required) + [key for key in optional if draw(st.booleans())]
    fields = {**required, **optional}
    bad: set[str] = set()
    if broken and keys:
        bad = set(draw(st.lists(st.sampled_from(keys), min_size=1, max_size=2, unique=True)))
    return {key: draw(fields[key].invalid if key in bad else fields[key].valid) for key in keys}


def arguments(required: dict[str, Field], optional: dict[str, Field]) -> st.SearchStrategy[dict[str, Any]]:
    """Half the cases all valid (cross-field rules still apply), half with one or two invalid arguments."""
    return st.booleans().flatmap(lambda broken: _arguments(required, optional, broken))


def build(target: type, /, required: dict[str, Field] | None = None, **optional: Field) -> Field:
    required = required or {}
    return Field(
        _arguments(required, optional, False).map(lambda options: Deferred(target, options)),
        _arguments(required, optional, True).map(lambda options: Deferred(target, options)),
    )


NAMES = mix(["app", "podinfo", "flux-system", "a.b", "x1"], ["App", "a_b", "-a", "a" * 64, "", "a/b"])
NAMESPACES = mix(["flux-system", "apps", "team-a"], ["Apps", "a.b", "", "a" * 64])
DURATIONS = mix(["1m0s", "10m", "30s", "1h", "500ms", "0s", "1.5h"], ["1d", "", "5", "-1m", "1 m", "1us"])
TIMEOUTS = mix(["60s", "5m", "90s"], ["1h", "2h30m", "x"])
SEMVER = mix(["1.2.3", ">=1.0.0 <2.0.0", "1.x", "~1.2", "^1.2", "*", "v1.01", "1.2 - 1.4"], ["latest", "1.2.3.4", ">=", "1.0.0-01", ""])
BOOLS = Field(st.booleans(), st.sampled_from([None, "yes", 1]))
SECRETS = maybe(mix(["creds", "deploy-key", "a.b"], ["Creds", "a_b", ""]))
TEXT = plain(st.text(max_size=5))
LABELS = Field(
    st.dictionaries(st.sampled_from(["team", "example.com/tier", "app"]), st.sampled_from(["web", "1", ""]), max_size=2),
    st.dictionaries(st.sampled_from(["Bad Key", "a/b/c", "", "team"]), st.sampled_from(["a b", "x" * 64, "ok"]), min_size=1, max_size=2),
)
REGEXPS = mix(["^v[0-9]+$", "(?P<ts>[0-9]+)", ".*", "^main-"], ["(?=x)", "(a)\\1", "(", "[z-a]"])


def ref(*kinds: str) -> Field:
    """References to objects of ``kinds`` in this or another namespace, and things that are no reference."""
    good = st.builds(ObjectRef, kind=st.sampled_from(kinds), name=st.sampled_from(["app", "podinfo"]), namespace=st.sampled_from([None, "flux-system", "other"]))
    wrong_kind = st.builds(ObjectRef, kind=st.sampled_from(["Provider", "Secret", "ImagePolicy"]), name=st.just("x"))
    return Field(good, st.one_of(wrong_kind, st.sampled_from(["GitRepository/app", None, 3])))


METADATA = {"name": maybe(NAMES), "namespace": NAMESPACES, "labels": LABELS, "annotations": LABELS}
EXTRA_SPEC = Field(st.just({}), st.sampled_from([{"interval": "5m"}, {"suspend": True}, {"x": object()}, "x"]))


def one_of_fields(target: type, choices: dict[str, Field], pairs: tuple[tuple[str, str], ...] = ()) -> Field:
    """A value of ``target`` with exactly one of ``choices`` set (or an allowed pair); invalid: none, two, or a bad value."""
    def single(name: str, valid: bool) -> st.SearchStrategy[Deferred]:
        field = choices[name]
        return (field.valid if valid else field.invalid).map(lambda value: Deferred(target, {name: value}))

    names = list(choices)
    valid = st.one_of(
        *[single(name, True) for name in names],
        *[st.tuples(choices[a].valid, choices[b].valid).map(lambda v, a=a, b=b: Deferred(target, {a: v[0], b: v[1]})) for a, b in pairs],
    )
    two = st.lists(st.sampled_from(names), min_size=2, max_size=3, unique=True).flatmap(
        lambda chosen: st.tuples(*[choices[n].valid for n in chosen]).map(lambda values: Deferred(target, dict(zip(chosen, values, strict=True))))
    )
    invalid = st.one_of(*[single(name, False) for name in names], two, st.just(Deferred(target, {})))
    return Field(valid, invalid)


GIT_REFS = one_of_fields(
    GitRepositoryRef,
    {"branch": mix(["main", "release/1.x"], ["a..b", "-x", "a b"]), "tag": mix(["v1.0.0"], ["a b", "x:y"]), "semver": SEMVER,
     "name": mix(["refs/heads/main"], ["main"]), "commit": mix(["c88a2f41", "a" * 40], ["XYZ", "123"])},
    (("branch", "commit"),),
)  # fmt: skip
OCI_REFS = one_of_fields(
    OCIRepositoryRef,
    {"tag": mix(["latest", "6.3.5"], ["a b", ":x"]), "semver": SEMVER, "digest": mix(["sha256:" + "a" * 64], ["sha256", "abc"])},
)
VERIFICATIONS = build(
    Verification,
    provider=mix(["cosign", "notation"], ["gpg", ""]),
    secret_ref=SECRETS,
    match_oidc_identity=lists(build(OIDCIdentity, {"issuer": Field(st.one_of(st.just(""), REGEXPS.valid), REGEXPS.invalid), "subject": Field(st.just(""), REGEXPS.invalid)})),
)
SOURCE_URLS = {
    "git": mix(["https://github.com/org/app", "ssh://git@github.com/org/app"], ["git@github.com:org/app", "ftp://x/y", "https://"]),
    "oci": mix(["oci://ghcr.io/org/app"], ["https://ghcr.io/org/app", "oci://", "ghcr.io/x"]),
}

STRATEGIES: dict[type[FluxObjectProps], st.SearchStrategy[dict[str, Any]]] = {
    GitRepositoryProps: arguments(
        {"url": SOURCE_URLS["git"], "ref": Field(GIT_REFS.valid, st.one_of(GIT_REFS.invalid, st.just("main")))},
        {**METADATA, "interval": DURATIONS, "timeout": TIMEOUTS, "secret_ref": SECRETS, "provider": maybe(mix(["generic", "azure", "aws", "github"], ["gitlab"])),
         "service_account_name": SECRETS, "recurse_submodules": BOOLS, "ignore": Field(st.one_of(st.none(), st.just("/*\n!/deploy"), st.lists(st.sampled_from(["a/", ".x"]), min_size=1)), st.sampled_from(["", [], [""], ["a\nb"]])),
         "suspend": BOOLS, "extra_spec": EXTRA_SPEC},
    ),  # fmt: skip
    OCIRepositoryProps: arguments(
        {"url": SOURCE_URLS["oci"], "ref": OCI_REFS},
        {**METADATA, "interval": DURATIONS, "provider": maybe(mix(["generic", "aws", "azure", "gcp"], ["github"])), "secret_ref": SECRETS,
         "verify": maybe(VERIFICATIONS), "layer_selector": build(LayerSelector, media_type=maybe(TEXT), operation=maybe(mix(["extract", "copy"], ["move"]))),
         "insecure": BOOLS, "timeout": TIMEOUTS, "extra_spec": EXTRA_SPEC},
    ),  # fmt: skip
    HelmRepositoryProps: arguments(
        {"url": mix(["https://charts.example.com", "http://charts", "oci://ghcr.io/org/charts"], ["git://x/y", "charts.example.com"])},
        {**METADATA, "type": maybe(mix(["default", "oci"], ["helm"])), "interval": DURATIONS, "provider": maybe(mix(["generic", "aws"], ["github"])),
         "secret_ref": SECRETS, "pass_credentials": BOOLS, "insecure": BOOLS, "timeout": TIMEOUTS},
    ),  # fmt: skip
    HelmChartProps: arguments(
        {"chart": mix(["podinfo", "./charts/app"], [""]), "source": ref("HelmRepository", "GitRepository", "Bucket")},
        {**METADATA, "version": maybe(SEMVER), "reconcile_strategy": mix(["ChartVersion", "Revision"], ["revision"]), "interval": DURATIONS,
         "values_files": lists(mix(["values.yaml"], [3])), "verify": maybe(VERIFICATIONS)},
    ),  # fmt: skip
    BucketProps: arguments(
        {"bucket_name": mix(["manifests", "my.bucket-1"], ["My Bucket", "ab"]), "endpoint": mix(["minio.example.com:9000", "s3.amazonaws.com", "https://acct.blob.core.windows.net"], ["https://minio:9000", "a b"])},
        {**METADATA, "provider": mix(["generic", "aws", "gcp", "azure"], ["s3"]), "region": maybe(TEXT), "secret_ref": SECRETS,
         "service_account_name": SECRETS, "insecure": BOOLS, "interval": DURATIONS, "timeout": TIMEOUTS, "prefix": maybe(TEXT)},
    ),  # fmt: skip
    KustomizationProps: arguments(
        {"source": ref("GitRepository", "OCIRepository", "Bucket")},
        {**METADATA, "path": mix(["./", "./apps", "./a/b/"], ["apps", "/abs", "./../x", ""]), "prune": BOOLS, "interval": DURATIONS,
         "retry_interval": maybe(DURATIONS), "timeout": maybe(DURATIONS), "wait": BOOLS, "depends_on": lists(ref("Kustomization")),
         "health_checks": lists(build(KsHealthCheck, {"kind": mix(["Deployment"], [""]), "name": NAMES}, namespace=maybe(NAMESPACES))),
         "target_namespace": maybe(NAMESPACES), "decryption": maybe(build(Decryption, provider=mix(["sops"], ["age"]), secret_ref=SECRETS)),
         "name_prefix": maybe(mix(["prod-"], [""])), "components": lists(mix(["../c"], [1])), "force": BOOLS, "extra_spec": EXTRA_SPEC},
    ),  # fmt: skip
    HelmReleaseProps: st.one_of(
        arguments(
            {"chart": mix(["podinfo"], [""]), "chart_source": ref("HelmRepository", "GitRepository", "Bucket")},
            {**METADATA, "chart_version": maybe(SEMVER), "reconcile_strategy": maybe(mix(["ChartVersion", "Revision"], ["x"])), "interval": DURATIONS,
             "release_name": maybe(mix(["podinfo"], ["Podinfo", "a" * 54])), "target_namespace": maybe(NAMESPACES), "create_target_namespace": BOOLS,
             "crds": maybe(mix(["Skip", "Create", "CreateReplace"], ["create"])), "depends_on": lists(ref("HelmRelease")), "chart_ref": Field(st.none(), ref("OCIRepository").valid),
             "values": Field(st.dictionaries(st.text(max_size=3), st.one_of(st.integers(), st.text(max_size=3), st.none(), st.lists(st.booleans(), max_size=2)), max_size=2), st.just({"a": {1, 2}})),
             "values_from": lists(build(ValuesReference, {"kind": mix(["Secret", "ConfigMap"], ["secret"]), "name": NAMES}, values_key=maybe(mix(["values.yaml"], ["a b"])), target_path=maybe(mix(["image.tag"], ["a b"])))),
             "install_retries": maybe(Field(st.integers(-3, 5), st.sampled_from([2**40, 1.5, "3"]))), "max_history": maybe(Field(st.integers(-3, 5), st.sampled_from([2**40, 1.5]))),
             "drift_detection": maybe(mix(["enabled", "warn"], ["on"])), "verify": maybe(VERIFICATIONS)},
        ),
        arguments({"chart_ref": ref("OCIRepository", "HelmChart")}, {**METADATA, "interval": DURATIONS, "chart": Field(st.none(), st.just("podinfo"))}),
    ),  # fmt: skip
    ProviderProps: arguments(
        {"type": mix(["slack", "msteams", "github", "generic"], ["Slack", "email"])},
        {**METADATA, "address": maybe(mix(["https://hooks.slack.com/x", "https://github.com/org/app"], ["x" * 2049, "github.com/org"])),
         "channel": maybe(TEXT), "secret_ref": SECRETS, "timeout": maybe(TIMEOUTS)},
    ),  # fmt: skip
    AlertProps: arguments(
        {"provider": ref("Provider"), "event_sources": Field(
            st.lists(st.one_of(ref("Kustomization", "HelmRelease", "GitRepository").valid, st.builds(ObjectSelector, kind=st.sampled_from(["Kustomization", "HelmRelease"]), match_labels=LABELS.valid)), min_size=1, max_size=3),
            st.one_of(st.just([]), st.builds(lambda: [ObjectSelector(kind="Deployment")]), st.builds(lambda: [ObjectSelector(kind="Kustomization", name="app", match_labels={"a": "b"})])))},
        {**METADATA, "event_severity": maybe(mix(["info", "error"], ["warn"])), "inclusion_list": lists(REGEXPS), "summary": maybe(TEXT), "event_metadata": plain(st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))},
    ),  # fmt: skip
    ReceiverProps: arguments(
        {"type": mix(["github", "generic", "generic-oidc", "gitlab"], ["webhook"]), "resources": Field(st.lists(ref("GitRepository", "Kustomization").valid, min_size=1, max_size=2), st.just([]))},
        {**METADATA, "secret_ref": SECRETS, "events": lists(mix(["push", "ping"], [""])), "interval": maybe(DURATIONS),
         "extra_spec": Field(st.sampled_from([{}, {"oidcProviders": [{"issuerURL": "https://issuer", "validations": [{"expression": "true", "message": "m"}]}]}]), EXTRA_SPEC.invalid)},
    ),  # fmt: skip
    ImageRepositoryProps: arguments(
        {"image": mix(["ghcr.io/org/app", "nginx", "localhost:5000/a/b"], ["ghcr.io/org/app:1.0", "https://x/y", "Org/App"])},
        {**METADATA, "interval": DURATIONS, "secret_ref": SECRETS, "provider": maybe(mix(["generic", "aws"], ["github"])),
         "exclusion_list": maybe(lists(REGEXPS, max_size=3)), "timeout": maybe(TIMEOUTS), "insecure": BOOLS},
    ),  # fmt: skip
    ImagePolicyProps: arguments(
        {"image_repository": ref("ImageRepository"), "policy": Field(
            st.one_of(st.builds(SemverPolicy, range=SEMVER.valid), st.builds(AlphabeticalPolicy, order=st.sampled_from(["asc", "desc"])), st.builds(NumericalPolicy, order=st.sampled_from(["asc", "desc"]))),
            st.one_of(SEMVER.invalid.map(lambda r: Deferred(SemverPolicy, {"range": r})), st.just(Deferred(NumericalPolicy, {"order": "up"})), st.just("semver")))},
        {**METADATA, "filter_tags": maybe(build(TagFilter, {"pattern": REGEXPS}, extract=maybe(mix(["$ts", "${ts}", "$1"], ["$v", "ts"])))),
         "digest_reflection_policy": maybe(mix(["Always", "IfNotPresent", "Never"], ["always"])), "interval": maybe(DURATIONS)},
    ),  # fmt: skip
    ImageUpdateAutomationProps: arguments(
        {"source": ref("GitRepository"), "author_email": mix(["flux@example.com"], ["flux", "a b@c"])},
        {**METADATA, "author_name": maybe(TEXT), "checkout_branch": maybe(mix(["main"], ["a..b"])), "push_branch": maybe(mix(["auto"], ["a b"])),
         "signing_key_secret": SECRETS, "signing_key_type": maybe(mix(["gpg", "ssh"], ["x509"])), "update_path": maybe(mix(["./clusters"], [""])), "interval": DURATIONS},
    ),  # fmt: skip
}


@pytest.fixture(scope="module")
def crds() -> list[dict[str, Any]]:
    return load_crds(FLUX_DATA)


def admitted_or_refused(props_type: type[FluxObjectProps], options: dict[str, Any], crds: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The object for ``options``, or ``None`` when the props refuse them with a ValidationError."""
    try:
        props = props_type(**resolve(options))
    except ValidationError as error:
        assert error.field and error.fix  # the message names the field and the fix
        return None
    obj = props.manifest("generated")
    # every spec field the props write is in the table read off their dataclass fields
    assert set(obj["spec"]) - set(props.extra_spec) <= set(props.spec_fields()), (options, obj)
    assert schema_problems(obj, crds) == [], (options, obj)
    assert cel_problems([obj], crds) == [], (options, obj)
    return obj


@pytest.mark.parametrize("props_type", list(STRATEGIES), ids=lambda p: p.KIND)
def test_accepted_inputs_give_admitted_objects(props_type: type[FluxObjectProps], crds: list[dict[str, Any]]) -> None:
    @SETTINGS
    @given(STRATEGIES[props_type])
    def check(options: dict[str, Any]) -> None:
        admitted_or_refused(props_type, options, crds)

    check()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([GitRepositoryProps, HelmRepositoryProps, KustomizationProps]).flatmap(lambda p: st.tuples(st.just(p), STRATEGIES[p])))
def test_a_full_synth_gives_the_same_object(crds: list[dict[str, Any]], case: tuple[type[FluxObjectProps], dict[str, Any]]) -> None:
    """Through cdk8s (the construct, api_object, synth) the object is unchanged."""
    props_type, options = case
    expected = admitted_or_refused(props_type, options, crds)
    if expected is None:
        return
    from cdk8s_flux.v2 import Kustomization

    construct = {GitRepositoryProps: GitRepository, HelmRepositoryProps: HelmRepository, KustomizationProps: Kustomization}[props_type]
    chart = cdk8s.Chart(cdk8s.Testing.app(), "c")
    construct(chart, "generated", props_type(**resolve(options)))
    assert chart_objects(chart) == [expected]


# --- the other direction: what the CRD schema and CEL rules admit, the props take -------------------------

#: The fewest arguments each kind needs; one field at a time is set on top of them.
BASES: dict[str, dict[str, Any]] = {
    "GitRepository": {"url": "https://github.com/stefanprodan/podinfo", "ref": GitRepositoryRef(branch="master")},
    "OCIRepository": {"url": "oci://ghcr.io/stefanprodan/manifests/podinfo", "ref": OCIRepositoryRef(tag="latest")},
    "HelmRepository": {"url": "https://stefanprodan.github.io/podinfo"},
    "HelmChart": {"chart": "podinfo", "source": ObjectRef(kind="HelmRepository", name="podinfo")},
    "Bucket": {"bucket_name": "podinfo", "endpoint": "minio.minio.svc.cluster.local:9000"},
    "Kustomization": {"source": ObjectRef(kind="GitRepository", name="podinfo")},
    "HelmRelease": {"chart": "podinfo", "chart_source": ObjectRef(kind="HelmRepository", name="podinfo")},
    "Provider": {"type": "generic"},
    "Alert": {"provider": ObjectRef(kind="Provider", name="slack"), "event_sources": [ObjectRef(kind="Kustomization", name="*")]},
    "Receiver": {"type": "generic", "resources": [ObjectRef(kind="GitRepository", name="podinfo")], "secret_ref": "webhook-token"},
    "ImageRepository": {"image": "ghcr.io/stefanprodan/podinfo"},
    "ImagePolicy": {"image_repository": ObjectRef(kind="ImageRepository", name="podinfo"), "policy": SemverPolicy(range="5.0.x")},
    "ImageUpdateAutomation": {"source": ObjectRef(kind="GitRepository", name="podinfo"), "author_email": "fluxcdbot@users.noreply.github.com"},
}

def _passes(check: Any, *args: Any) -> Any:
    """A predicate from one of our checks: whether it takes the value."""

    def predicate(value: Any) -> bool:
        try:
            check("value", value, *args)
        except ValidationError:
            return False
        return True

    return predicate


def _cel(value: str) -> bool:
    from cdk8s_flux.v2.kustomize import cel_expression

    return _passes(cel_expression)(value)


def _never(value: Any) -> bool:
    return False


def _int32(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, int) or -(2**31) <= value < 2**31


#: Where our props are knowingly stricter than the CRD schema: ``Kind:path`` pattern, the rule they add, and why.
#: Values outside the rule are not drawn there; ``_never`` leaves a field to the props' own tests.
STRICTER: list[tuple[str, Any, str]] = [
    (r":", lambda value: value != "", "an empty string, which Flux reads as unset: leave the prop out instead"),
    (r":", _int32, "whole numbers of 32 bits: a count or retry number beyond that is taken as a mistake"),
    (r"(Ref|Refs\[\])\.name$|valuesFrom\[\]\.name$|\.serviceAccountName$|:spec\.(dependsOn|resources|eventSources)\[\]\.name$|\.sourceRef\.name$|:spec\.chartRef\.name$",
     validation.is_dns1123_subdomain, "names of Kubernetes objects (RFC 1123), which the CRD leaves as plain strings"),
    (r"\.namespace$|:spec\.(targetNamespace|storageNamespace)$", validation.is_dns1123_label, "namespaces are RFC 1123 labels"),
    (r"(exclusionList|inclusionList)\[\]$|filterTags\.pattern$|\.(issuer|subject)$", _passes(validation.go_regexp), "Go regular expressions, which Flux compiles"),
    (r"([Ee]xpr|\.current|\.failed|\.inProgress|resourceFilter|\.expression)$", _cel, "CEL expressions, which Flux parses"),
    (r"(HelmChart:spec\.version|HelmRelease:spec\.chart\.spec\.version|\.semver|semver\.range)$", _passes(validation.semver_range), "semver ranges, which Flux parses"),
    (r"HelmRelease:spec\.releaseName$", lambda value: len(value) <= 53 and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", value) is not None,
     "Helm's release name rule"),
    (r":spec\.(url|address|endpoint|proxy)$|issuerURL$", _never, "addresses Flux connects to: each kind's scheme and a host"),
    (r"Bucket:spec\.bucketName$", _never, "S3's bucket naming rules"),
    (r"ImageRepository:spec\.image$", _never, "an image repository, without tag or digest"),
    (r"author\.email$", _never, "an e-mail address"),
    (r"\.branch$", _passes(validation.git_branch), "git branch names"),
    (r"Kustomization:spec\.path$|ImageUpdateAutomation:spec\.update\.path$", _never, "a path inside the source, written ./..."),
    (r"ignore\[\]\.paths\[\]$", lambda value: value.startswith("/"), "JSON pointers"),
    (r"(GitRepository|OCIRepository|Bucket):spec\.ignore$", lambda value: "\n" not in value, "gitignore lines, given one per item (ignore=[...]) and joined with line breaks"),
    (r"HelmRepository:spec\.(provider|insecure|passCredentials|certSecretRef\.name)$", _never,
     "fields that apply to OCI repositories only, or with a secret: refused where Flux ignores them"),
    (r"images\[\]\.name$", _never, "an image override that changes neither name, tag nor digest (the props' own tests cover it)"),
    (r"Bucket:spec\.provider$", lambda value: value != "azure", "an azure Bucket needs an https:// endpoint, which the base has not"),
    (r"Provider:spec\.(serviceAccountName|commitStatusExpr)$", _never,
     "workload identity and commit status expressions apply to some provider types only, and the base is generic"),
    (r"ImageUpdateAutomation:spec\.git\.commit\.signingKey\.type$", _never, "a signing key type is refused without the signing key's Secret (signing_key_secret)"),
    (r"Provider:spec\.type$", lambda value: value not in ("github", "gitlab", "gitea", "bitbucketserver", "bitbucket", "azuredevops"),
     "a commit-status provider needs the repository as address, which the base has not"),
]


class _Skip(Exception):
    """The spelling of a prop cannot be turned into arguments here (a map, a construct, words)."""


@dataclass(frozen=True)
class _Spelled:
    """One step of a prop as PROPS spells it: ``argument=Class(inner)``, ``argument=[Class(inner)]`` or a leaf."""

    argument: str
    cls: str | None = None
    inner: _Spelled | None = None
    listed: bool = False


def _spelled(text: str) -> _Spelled | None:
    match = re.fullmatch(r"\s*(\w+)=(.*?)\s*", text)
    if match is None:
        return None
    argument, rest = match[1], match[2]
    if rest in ("...", "True"):
        return _Spelled(argument)
    if rest == "[...]":
        return _Spelled(argument, listed=True)
    nested_match = re.fullmatch(r"(\[)?(\w+)\((.*)\)(\])?", rest)
    if nested_match is None or bool(nested_match[1]) != bool(nested_match[4]):
        return None
    inner = _spelled(nested_match[3])
    return None if inner is None else _Spelled(argument, nested_match[2], inner, bool(nested_match[1]))


def _classes() -> dict[str, type]:
    import cdk8s_flux.v2 as v2
    from cdk8s_flux.v2 import helm, image, kustomize, notification, sources

    return {name: item for module in (v2, helm, image, kustomize, notification, sources) for name, item in vars(module).items() if isinstance(item, type)}


def _example_at(objects: list[dict[str, Any]], path: list[str]) -> Any:
    """The value at ``path`` (``[]`` steps take the first item) in the first example object that has it."""
    for obj in objects:
        value: Any = obj
        for step in path:
            many = step.endswith("[]")
            key = step[:-2] if many else step
            value = value.get(key) if isinstance(value, dict) else None
            if many:
                value = value[0] if isinstance(value, list) and value else None
        if value is not None:
            return value
    raise _Skip(".".join(path))


def _arguments_for(spelled: _Spelled, value: Any, leaf: list[str], examples: list[dict[str, Any]]) -> tuple[str, Any]:
    """``(argument, value)`` for the props, nested classes made with their required fields from the examples."""
    if spelled.cls is None:
        return spelled.argument, [value] if spelled.listed else value
    cls = _classes().get(spelled.cls)
    if cls is None or spelled.inner is None or not dataclasses.is_dataclass(cls):
        raise _Skip(spelled.cls or "")
    inner_argument, inner_value = _arguments_for(spelled.inner, value, leaf, examples)
    options = {inner_argument: inner_value}
    for item in dataclasses.fields(cls):
        if item.name in options or item.default is not dataclasses.MISSING or item.default_factory is not dataclasses.MISSING:
            continue
        key = getattr(cls, "SPEC_KEYS", {}).get(item.name, camel_case(item.name))
        for end in range(len(leaf) - 1, 0, -1):  # the nearest ancestor of the leaf that has the field
            found = [o for o in examples if _has(o, [*leaf[:end], key])]
            if found:
                options[item.name] = _example_at(found, [*leaf[:end], key])
                break
        else:
            raise _Skip(f"{cls.__name__}.{item.name}")
    made = cls(**options)
    return spelled.argument, [made] if spelled.listed else made


def _has(obj: dict[str, Any], path: list[str]) -> bool:
    try:
        _example_at([obj], path)
    except _Skip:
        return False
    return True


def _schema_at(schema: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for step in path:
        many = step.endswith("[]")
        schema = schema["properties"][step[:-2] if many else step]
        if many:
            schema = schema["items"]
    return schema


def _candidate(base: dict[str, Any], leaf: list[str], value: Any, schema: dict[str, Any], examples: list[dict[str, Any]]) -> dict[str, Any]:
    """``base`` with ``value`` at ``leaf``, and the required fields beside it (from the examples), as plain data."""
    obj = copy.deepcopy(base)
    node: Any = obj["spec"]
    here = schema
    for index, step in enumerate(leaf):
        many = step.endswith("[]")
        key = step[:-2] if many else step
        for required in here.get("required", ()):
            if required not in node and required != key:
                node[required] = copy.deepcopy(_example_at(examples, [*leaf[:index], required]))
        sub = here["properties"][key]
        last = index == len(leaf) - 1
        if many:
            node[key] = [value] if last else [{}]
            node, here = node[key][0], sub["items"]
        else:
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    raise _Skip(key)
            here = sub
    return obj


def _scalar(schema: dict[str, Any]) -> bool:
    return schema.get("type") in ("string", "integer", "boolean") and "properties" not in schema


@functools.cache
def _examples(kind: str) -> tuple[dict[str, Any], ...]:
    """The ``spec`` of every object the kind's inventory builders make: where required neighbours are read from."""
    from inventory import module

    found = module(kind)
    out = []
    for builder in found.BUILDERS[kind] if found is not None else ():
        chart = cdk8s.Chart(cdk8s.Testing.app(), "examples")
        builder(chart)
        out += [o["spec"] for o in chart_objects(chart) if o["kind"] == kind]
    return tuple(out)


def _admitting_cases(kind: str) -> list[tuple[str, _Spelled, dict[str, Any]]]:
    """``(leaf path, spelled prop, leaf schema)`` of every scalar leaf whose prop can be spelled out here."""
    from inventory import module, spec_schemas

    found = module(kind)
    if found is None:
        pytest.skip(f"tests/inventory has no module for {kind} yet")
    schema = spec_schemas()[kind]
    cases = []
    for path, prop in sorted(found.PROPS[kind].items()):
        leaf_schema = _schema_at(schema, path.split(".")[1:])
        if not _scalar(leaf_schema):
            continue
        # the last spelling that can be made: the nested form, where PROPS also names a shorthand
        spellings = [spelled for spelled in map(_spelled, prop.split(" or ")) if spelled is not None]
        if spellings:
            cases.append((path, spellings[-1], {k: v for k, v in leaf_schema.items() if not k.startswith("x-kubernetes") and k != "description"}))
    return cases


#: Strings shaped as Kubernetes names, drawn beside the schema's own: most string fields name something.
_NAME_LIKE = st.from_regex(r"\A[a-z0-9]([-a-z0-9.]{0,30}[a-z0-9])?\Z")


def _values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a leaf schema (hypothesis-jsonschema), with name-shaped strings where the schema takes any string."""
    from hypothesis_jsonschema import from_schema

    drawn = from_schema(schema)
    if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
        return st.one_of(drawn, _NAME_LIKE.filter(lambda value: len(value) <= schema.get("maxLength", 253)))
    return drawn


@pytest.mark.parametrize("kind", sorted(BASES))
def test_what_the_crd_admits_the_props_take(kind: str, crds: list[dict[str, Any]]) -> None:
    """For each scalar field: a value the CRD schema and CEL rules admit (in an object with the fewest other
    fields) is not refused by the props, unless the props are knowingly stricter (``STRICTER``)."""
    from inventory import spec_schemas

    from cdk8s_flux.release.embedded import EMBEDDED_VERSION
    from cdk8s_flux.validate import validate_objects

    cases = _admitting_cases(kind)
    assert cases, f"no scalar prop of {kind} could be spelled out"
    props_type = next(p for p in STRATEGIES if kind == p.KIND)
    base_options = BASES[kind]
    base = props_type(**base_options).manifest("generated")
    schema = spec_schemas()[kind]
    examples = list(_examples(kind))
    tried: dict[str, int] = {}

    @settings(max_examples=max(150, 4 * len(cases)), deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    @given(st.sampled_from(cases).flatmap(lambda case: st.tuples(st.just(case), _values(case[2]))))
    def check(drawn: tuple[tuple[str, _Spelled, dict[str, Any]], Any]) -> None:
        (path, spelled, _), value = drawn
        leaf = path.split(".")[1:]
        for pattern, rule, _why in STRICTER:
            if re.search(pattern, f"{kind}:{path}") and (isinstance(value, str) or rule in (_never, _int32)):
                assume(rule(value))
        try:
            obj = _candidate(base, leaf, value, schema, examples)
            argument, made = _arguments_for(spelled, value, leaf, examples)
        except (_Skip, ValidationError):
            assume(False)  # a required neighbour our examples do not have, or a nested value refused on its own below
            return
        assume(validate_objects([obj], flux_version=EMBEDDED_VERSION) == [])
        options = {**base_options, argument: made}
        try:
            props_type(**options)
        except ValidationError as error:
            raise AssertionError(f"{kind} {path}={value!r} is admitted by the CRD, but {props_type.__name__} refuses it: {error}") from None
        tried[path] = tried.get(path, 0) + 1

    check()
    assert tried, f"no admitted value of {kind} was tried"
    if os.environ.get("CDK8S_FLUX_REPORT_COVERAGE"):
        print(f"\n{kind}: {len(tried)} of {len(cases)} scalar fields tried with admitted values, {sum(tried.values())} values")
        print("  not tried:", sorted({case[0] for case in cases} - set(tried)))
