"""``cdk8s_flux.diff.report``: JSON, terminal text and a pull-request comment; Secret values in none of them."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from cdk8s_flux.diff.objects import compare
from cdk8s_flux.diff.report import as_json, as_markdown, as_text
from cdk8s_flux.diff.warnings import flux_warnings

SNAPSHOTS = Path(__file__).parent / "snapshots" / "test_diff_report"
SECRET = "hunter2"


def meta(name: str, namespace: str | None = "web", **extra: Any) -> dict[str, Any]:
    return {"name": name, **({"namespace": namespace} if namespace else {}), **extra}


def deployment(image: str, selector: str = "web") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("web"),
            "spec": {"selector": {"matchLabels": {"app": selector}}, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}}}  # fmt: skip


def flux(version: str, suspend: bool) -> list[dict[str, Any]]:
    labels = {"app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": version}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("flux-system", None, labels=labels)},
        {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": meta("apps", "flux-system"),
         "spec": {"interval": "10m", "prune": True, "suspend": suspend, "path": "./apps"}},
    ]  # fmt: skip


def before_after() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every change kind and every warning reason, and a Secret whose values change."""
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": meta("widgets.example.com", None),
           "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}}}  # fmt: skip
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": meta("db"), "data": {"password": base64.b64encode(SECRET.encode()).decode()}}
    changed_secret = {**secret, "stringData": {"password": SECRET + "-new", "user": SECRET}}
    added = {"apiVersion": "v1", "kind": "Service", "metadata": meta("web"), "spec": {"ports": [{"port": 80}]}}
    before = [deployment("nginx:1.26"), crd, secret, *flux("v2.9.3", False)]
    after = [deployment("nginx:1.27", selector="web-2"), changed_secret, added, *flux("v2.9.4", True)]
    return before, after


def report_inputs() -> tuple[Any, Any]:
    before, after = before_after()
    changes = compare(before, after)
    return changes, flux_warnings(changes, before, after)


def test_json_holds_every_change_kind_and_warning_reason() -> None:
    changes, warnings = report_inputs()
    report = as_json(changes, warnings)
    assert report["changes"] == [
        {"change": "changed", "apiVersion": "v1", "kind": "Namespace", "namespace": None, "name": "flux-system",
         "fields": ['metadata.labels["app.kubernetes.io/version"]']},
        {"change": "changed", "apiVersion": "v1", "kind": "Secret", "namespace": "web", "name": "db", "fields": ["data.password", "data.user"]},
        {"change": "added", "apiVersion": "v1", "kind": "Service", "namespace": "web", "name": "web"},
        {"change": "removed", "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "namespace": None, "name": "widgets.example.com"},
        {"change": "changed", "apiVersion": "apps/v1", "kind": "Deployment", "namespace": "web", "name": "web",
         "fields": ["spec.selector.matchLabels.app", "spec.template.spec.containers[0].image"]},
        {"change": "changed", "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "namespace": "flux-system", "name": "apps",
         "fields": ["spec.suspend"]},
    ]  # fmt: skip
    assert [(w["reason"], w["kind"], w["namespace"], w["name"]) for w in report["warnings"]] == [
        ("pruned", "CustomResourceDefinition", None, "widgets.example.com"),
        ("crd-removed", "CustomResourceDefinition", None, "widgets.example.com"),
        ("immutable", "Deployment", "web", "web"),
        ("image", "Deployment", "web", "web"),
        ("suspended", "Kustomization", "flux-system", "apps"),
        ("flux-version", "Namespace", None, "flux-system"),
    ]
    assert report["warnings"][3]["message"] == "rolls out web: nginx:1.26 -> nginx:1.27"
    assert json.loads(json.dumps(report)) == report


def test_no_secret_value_in_any_report() -> None:
    changes, warnings = report_inputs()
    outputs = [json.dumps(as_json(changes, warnings)), as_text(changes, warnings), as_text(changes, warnings, color=True),
               as_markdown(changes, warnings), *(c.diff for c in changes), *(f for c in changes for f in c.fields)]  # fmt: skip
    encoded = base64.b64encode(SECRET.encode()).decode()
    assert [o for o in outputs if SECRET in o or encoded in o] == []


def test_text_report(snapshot: Any) -> None:
    snapshot.snapshot_dir = SNAPSHOTS
    changes, warnings = report_inputs()
    snapshot.assert_match(as_text(changes, warnings, title="main -> this branch"), "report.txt")


def test_text_report_in_colour(snapshot: Any) -> None:
    snapshot.snapshot_dir = SNAPSHOTS
    changes, warnings = report_inputs()
    text = as_text(changes, warnings, color=True)
    assert "\x1b[32m+" in text and "\x1b[31m-" in text
    assert "\x1b[" not in as_text(changes, warnings)
    snapshot.assert_match(text, "report-colour.txt")


def test_markdown_report(snapshot: Any) -> None:
    snapshot.snapshot_dir = SNAPSHOTS
    changes, warnings = report_inputs()
    snapshot.assert_match(as_markdown(changes, warnings, title="Flux diff: main -> this branch"), "report.md")


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (lambda: as_text((), ()), "no changes\n"),
        (lambda: as_text((), (), title="main"), "main: no changes\n"),
        (lambda: as_markdown((), ()), "### Flux diff\n\nNo changes: Flux would change nothing on the cluster.\n"),
        (lambda: as_json((), ()), {"changes": [], "warnings": []}),
    ],
)  # fmt: skip
def test_no_changes(report: Any, expected: Any) -> None:
    assert report() == expected


def test_markdown_escapes_summary_lines() -> None:
    # GIVEN an object whose name and fields Markdown would read as emphasis, links and HTML
    before = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "a_b*c"}, "spec": {"[x](y)": "<b>1</b>"}}
    after = {**before, "spec": {"[x](y)": "<b>2</b>"}}
    text = as_markdown(compare([before], [after]), ())
    # THEN the summary line shows them as characters
    assert '<summary>changed Widget a&#95;b&#42;c: spec&#91;"&#91;x&#93;(y)"&#93;</summary>' in text


@pytest.mark.parametrize("limit", [400, 900, 1500, 3000, 60_000])
def test_markdown_never_exceeds_the_limit(limit: int) -> None:
    # GIVEN twenty changed ConfigMaps of 200 lines each
    def config(value: str, index: int) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(f"c{index:02}"), "data": {f"k{n}": f"{value}{n}" for n in range(200)}}

    changes = compare([config("a", i) for i in range(20)], [config("b", i) for i in range(20)])
    text = as_markdown(changes, (), limit=limit)
    shown = text.count("<details>")
    assert len(text) <= limit
    if shown < 20:
        # THEN the later diffs are left out, and a last line counts them
        assert text.endswith(f"_{20 - shown} object diff{'' if 20 - shown == 1 else 's'} left out to keep this comment under {limit} characters; run `cdk8s-flux diff` to see everything._\n")
        assert "c00" in text or shown == 0


def test_a_diff_holding_a_fence_gets_a_longer_one() -> None:
    before = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("docs"), "data": {"README.md": "```\nold\n```\n"}}
    after = {**before, "data": {"README.md": "```\nnew\n```\n"}}
    assert "````diff\n" in as_markdown(compare([before], [after]), ())
