"""examples/hello-flux: the seed app and Flux v1, in branch mode and in generator mode."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import cdk8s
import kubernetes_validate
import yaml

from cdk8s_flux.testing import assert_app_snapshot
from cdk8s_flux.v1 import GeneratorConfig
from cli import run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello-flux"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hello_flux_main", EXAMPLE / "main.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fluxd_args(objects: list[dict[str, Any]]) -> list[str]:
    (flux,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "flux"]
    return flux["spec"]["template"]["spec"]["containers"][0]["args"]


def test_branch_mode_renders_the_app_and_fluxd_reading_the_manifests_branch() -> None:
    result = run_cli("render", cwd=EXAMPLE)
    assert result.returncode == 0, result.stderr
    objects = list(yaml.safe_load_all(result.stdout))
    (hello,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["namespace"] == "hello"]
    container = hello["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "paulbouwer/hello-kubernetes:1.7"
    assert container["ports"] == [{"containerPort": 8080}]
    (service,) = [o for o in objects if o["kind"] == "Service" and o["metadata"]["namespace"] == "hello"]
    assert service["spec"]["ports"] == [{"port": 80, "targetPort": 8080}]
    args = fluxd_args(objects)
    assert {"--git-branch=manifests", "--git-path=dist", "--git-readonly"} <= set(args)
    assert "--manifest-generation=true" not in args
    for obj in objects:
        kubernetes_validate.validate(obj, "1.33.0", strict=True)


def test_committed_flux_yaml_is_what_the_example_declares() -> None:
    committed = (EXAMPLE / ".flux.yaml").read_text()
    assert committed == load_example().GENERATOR.to_yaml()
    assert GeneratorConfig.parse(committed) == load_example().GENERATOR


def test_generator_mode_runs_as_fluxd_runs_it() -> None:
    # fluxd runs each generator with `/bin/sh -c`, in the --git-path folder, and reads
    # its stdout as one YAML stream (pkg/manifests/configfile.go).
    config = yaml.safe_load((EXAMPLE / ".flux.yaml").read_text())
    command = config["patchUpdated"]["generators"][0]["command"]
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])}
    result = subprocess.run(
        ["/bin/sh", "-c", command], cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet: fluxd logs stderr as errors
    objects = list(yaml.safe_load_all(result.stdout))
    args = fluxd_args(objects)
    assert {"--manifest-generation=true", "--git-branch=main", "--git-path=examples/hello-flux"} <= set(args)
    assert "--git-readonly" not in args
    assert len(objects) == 11


def test_both_modes_match_their_snapshots(snapshot: Any) -> None:
    example = load_example()
    snapshot.snapshot_dir = Path(__file__).parent / "snapshots" / "hello-flux"
    for mode, generator in (("branch", False), ("generator", True)):
        app = cdk8s.Testing.app()
        example.build(app, generator_mode=generator)
        assert_app_snapshot(snapshot, app, mode)
