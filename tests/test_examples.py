"""Every example under examples/ renders from its own folder, as a user runs it, and is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cdk8s_flux.validate import validate_objects
from cli import run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
APPS = sorted(p.parent for p in EXAMPLES.glob("*/cdk8s.yaml"))
#: The Flux release whose manifests ../shared/flux holds.
FLUX_VERSION = "v2.9.4"


def needs_flux_v2(example: Path) -> bool:
    """Whether the example builds Flux v2 objects, whose manifests come from ../shared/flux here."""
    return any("cdk8s_flux.v2" in path.read_text() for path in example.rglob("*.py"))


def test_every_example_folder_is_found() -> None:
    assert {"hello-flux", "hello-flux-v2"} <= {app.name for app in APPS}


@pytest.mark.parametrize("example", APPS, ids=lambda p: p.name)
def test_example_renders_and_is_valid(example: Path, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    # GIVEN the example's folder, with the upstream Flux manifests vendored when it uses Flux v2, and no network
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases"}
    flux_version = None
    if needs_flux_v2(example):
        env["CDK8S_FLUX_MANIFESTS"] = str(request.getfixturevalue("shared_flux"))  # skips when ../shared is absent
        flux_version = FLUX_VERSION
    # WHEN `cdk8s-flux render` runs in it (which validates before printing)
    result = run_cli("render", cwd=example, env=env)
    # THEN it prints a stream of objects
    assert result.returncode == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert objects
    # AND every object is valid, with no kind left unchecked for want of a schema
    problems = validate_objects(objects, flux_version=flux_version, allow_unknown_kinds=False, start=example)
    assert [str(p) for p in problems] == []
