"""Release-specific values of ``cdk8s_flux.v1`` against fluxctl's own templates at tag 1.25.4.

Oracle: fluxcd/flux `pkg/install/templates/` at tag 1.25.4, copied unmodified into
tests/data/fluxctl/templates-1.25.4/ (provenance and sha256 in tests/data/fluxctl/README.md).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import cdk8s

from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v1 import FluxInstall
from cdk8s_flux.v1.install import FLUXD_IMAGE, MEMCACHED_IMAGE, RBAC_API_VERSION

TEMPLATES = Path(__file__).parent / "data" / "fluxctl" / "templates-1.25.4"


def _template(name: str) -> str:
    return (TEMPLATES / name).read_text()


def test_the_templates_are_the_recorded_upstream_files() -> None:
    readme = (TEMPLATES.parent / "README.md").read_text()
    recorded = dict(re.findall(r"^([0-9a-f]{64})  templates-1\.25\.4/(\S+)$", readme, re.MULTILINE))
    assert set(recorded.values()) == {p.name for p in TEMPLATES.iterdir()}
    for digest, name in recorded.items():
        assert hashlib.sha256((TEMPLATES / name).read_bytes()).hexdigest() == digest


def test_images_are_those_of_the_1_25_4_templates() -> None:
    assert f"image: {FLUXD_IMAGE}" in _template("flux-deployment.yaml.tmpl")
    assert f"image: {MEMCACHED_IMAGE}" in _template("memcache-dep.yaml.tmpl")


def test_what_the_construct_makes_uses_the_templates_values() -> None:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "flux")
    FluxInstall(chart, "flux", git_url="git@github.com:example/app", git_email="flux@example.com", namespace="flux")
    objects = {(o["kind"], o["metadata"]["name"]): o for o in chart_objects(chart)}
    memcached = objects[("Deployment", "memcached")]["spec"]["template"]["spec"]["containers"][0]
    assert memcached["image"] == "memcached:1.6.10-alpine"
    template = _template("memcache-dep.yaml.tmpl")
    for arg in memcached["args"]:
        assert f"- {arg}" in template, arg
    fluxd = objects[("Deployment", "flux")]["spec"]["template"]["spec"]["containers"][0]
    assert fluxd["image"] == "docker.io/fluxcd/flux:1.25.4"
    # the API versions the templates write
    account = _template("flux-account.yaml.tmpl")
    assert f"apiVersion: {RBAC_API_VERSION}" in account
    for kind in ("ClusterRole", "ClusterRoleBinding"):
        (obj,) = [o for (k, _), o in objects.items() if k == kind]
        assert obj["apiVersion"] == RBAC_API_VERSION
