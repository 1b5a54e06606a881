"""jsii runs cdk8s on the bundled Node, and no Node banner reaches the user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cdk8s_flux import _node


def test_bundled_node_is_chosen_when_jsii_node_is_unset() -> None:
    env = _node.node_environment({"PATH": "/nonexistent"})
    assert Path(env["JSII_NODE"]) == _node.bundled_node()
    version = subprocess.run([env["JSII_NODE"], "--version"], capture_output=True, text=True, check=True)
    assert int(version.stdout.lstrip("v").split(".")[0]) >= 22


def test_user_choice_of_node_wins() -> None:
    env = _node.node_environment({"JSII_NODE": "/opt/node/bin/node"})
    assert "JSII_NODE" not in env


def test_no_banner_and_synth_works_even_with_an_old_node_first_on_path(tmp_path: Path) -> None:
    # GIVEN a PATH whose `node` is an end-of-life release, or none at all
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    old_node = fake_bin / "node"
    old_node.write_text("#!/bin/sh\necho 'v18.0.0'\nexit 1\n")
    old_node.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["PATH"] = f"{fake_bin}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"
    # WHEN a cdk8s app imports cdk8s_flux first and synthesizes
    code = (
        "import cdk8s_flux, cdk8s\n"
        "app = cdk8s.App()\n"
        "c = cdk8s.Chart(app, 'c')\n"
        "cdk8s.ApiObject(c, 'o', api_version='v1', kind='ConfigMap', metadata={'name': 'o'})\n"
        "print(app.synth_yaml())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    # THEN it works and nothing about Node versions is printed
    assert result.returncode == 0, result.stderr
    assert "name: o" in result.stdout
    assert "end-of-life" not in result.stderr + result.stdout
    assert "!!" not in result.stderr
