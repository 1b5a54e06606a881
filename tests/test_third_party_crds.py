"""CRDs the app does not carry (``--crds``, ``crds:`` of cdk8s.yaml) check its custom resources on every command.

The CRD is cert-manager's ClusterIssuer CRD, unmodified from its release (tests/data/third-party-crds/).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import Registry, registry  # noqa: F401  (fixture)
from test_pipeline_verdicts import CONFIGMAP, Commands

CRD = Path(__file__).parent / "data" / "third-party-crds" / "cert-manager.io_clusterissuers.yaml"
ISSUER: dict[str, Any] = {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "selfsigned"},
                          "spec": {"selfSigned": {}}}
TYPO: dict[str, Any] = {**ISSUER, "spec": {"selfSinged": {}}}
UNKNOWN = "no CRD schema for ClusterIssuer cert-manager.io/v1"


def commands_for(world: GitWorld, registry: Registry, issuer: dict[str, Any]) -> Commands:
    commands = Commands(world, registry, {"web": [CONFIGMAP], "issuers": [issuer]})
    shutil.copy(CRD, world.root / "clusterissuers.yaml")
    return commands


def four(commands: Commands, *extra: str) -> dict[str, tuple[int, str]]:
    """render, synth, publish --dry-run and push --dry-run (pull --verify needs an artifact pushed first)."""
    verdicts = commands.all(*extra)
    del verdicts["pull --verify"]
    return verdicts


def test_a_clusterissuer_is_refused_as_unknown_without_its_crd(world: GitWorld, registry: Registry) -> None:
    verdicts = four(commands_for(world, registry, ISSUER))
    assert {name: code for name, (code, _) in verdicts.items()} == dict.fromkeys(verdicts, 4)
    assert all(UNKNOWN in stderr for _, stderr in verdicts.values())


def test_the_crd_given_with_crds_lets_every_command_through(world: GitWorld, registry: Registry) -> None:
    commands = commands_for(world, registry, ISSUER)
    verdicts = four(commands, "--crds", str(world.root / "clusterissuers.yaml"))
    assert {name: code for name, (code, _) in verdicts.items()} == dict.fromkeys(verdicts, 0), verdicts
    # AND the CRD is checked with, never written
    assert "CustomResourceDefinition" not in "".join(p.read_text() for p in commands.out.rglob("*.yaml"))
    assert "clusterissuers.cert-manager.io" not in run_cli("render", "--crds", str(world.root / "clusterissuers.yaml"),
                                                           cwd=commands.repo, env=world.env).stdout


def test_a_typo_against_the_given_crd_is_refused_by_every_command_naming_the_file(world: GitWorld, registry: Registry) -> None:
    commands = commands_for(world, registry, TYPO)
    commands.seed_artifact()
    given = str(world.root / "clusterissuers.yaml")
    verdicts = {**commands.all("--crds", given), "diff": commands.run("diff", "--crds", given)}
    assert {name: code for name, (code, _) in verdicts.items()} == dict.fromkeys(verdicts, 4)
    said = (f"issuers.k8s.yaml:5: ClusterIssuer selfsigned: spec: Additional properties are not allowed ('selfSinged' was "
            f"unexpected) [rule: schema: additionalProperties; the CRDs of {given} (ClusterIssuer cert-manager.io/v1)]")
    for name, (_, stderr) in verdicts.items():
        assert said in stderr, (name, stderr)


def test_crds_of_cdk8s_yaml_are_read_from_the_app_folder_and_the_option_adds_to_them(world: GitWorld, registry: Registry) -> None:
    # GIVEN the app's cdk8s.yaml names a folder of CRDs in the app
    commands = commands_for(world, registry, ISSUER)
    (commands.repo / "crds").mkdir()
    shutil.copy(CRD, commands.repo / "crds" / "clusterissuers.yaml")
    config = commands.repo / "cdk8s.yaml"
    config.write_text(config.read_text() + "crds: crds\n")
    world.commit_objects(commands.repo, {"web": [CONFIGMAP], "issuers": [ISSUER]}, "CRDs to check with")
    # THEN every command passes, with or without more CRDs on the command line
    verdicts = four(commands)
    assert {name: code for name, (code, _) in verdicts.items()} == dict.fromkeys(verdicts, 0), verdicts
    code, stderr = commands.run("render", "--crds", str(world.root / "clusterissuers.yaml"))
    assert code == 0, stderr
    # AND a typo is refused naming the file of crds:
    world.commit_objects(commands.repo, {"web": [CONFIGMAP], "issuers": [TYPO]}, "A typo")
    code, stderr = commands.run("render")
    assert code == 4 and "the CRDs of crds/clusterissuers.yaml (ClusterIssuer cert-manager.io/v1)" in stderr


@pytest.mark.parametrize(("where", "said"), [
    ("option", "--crds='{missing}': no such file or folder. Fix: give a CustomResourceDefinition file or a folder of them"),
    ("config", "cdk8s.yaml: crds: '{missing}': no such file or folder. Fix: give a CustomResourceDefinition file or a folder of "
               "them, relative to the app folder"),
])
def test_a_missing_crd_path_is_a_usage_error_naming_where_it_was_given(where: str, said: str, world: GitWorld, registry: Registry) -> None:
    commands = commands_for(world, registry, ISSUER)
    missing = "nowhere.yaml"
    if where == "config":
        config = commands.repo / "cdk8s.yaml"
        config.write_text(config.read_text() + f"crds: [{missing}]\n")
        code, stderr = commands.run("render")
    else:
        code, stderr = commands.run("render", "--crds", missing)
    assert code == 2 and said.format(missing=missing) in stderr, stderr


def test_a_file_with_anything_but_crds_is_a_usage_error_naming_it(world: GitWorld, registry: Registry) -> None:
    commands = commands_for(world, registry, ISSUER)
    mixed = world.root / "mixed.yaml"
    mixed.write_text(CRD.read_text() + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n")
    empty = world.root / "empty.yaml"
    empty.write_text("---\n")
    code, stderr = commands.run("render", "--crds", str(mixed))
    assert code == 2 and f"--crds='{mixed}': holds ConfigMap stray, which is no CustomResourceDefinition" in stderr, stderr
    code, stderr = commands.run("render", "--crds", str(empty))
    assert code == 2 and f"--crds='{empty}': holds no CustomResourceDefinition" in stderr, stderr


def test_validate_takes_crds_too(world: GitWorld) -> None:
    manifest = world.root / "issuer.yaml"
    manifest.write_text("apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: a\nspec:\n  selfSinged: {}\n")
    refused = run_cli("validate", str(manifest), "--crds", str(CRD), env=world.env)
    assert refused.returncode == 4 and "'selfSinged' was unexpected" in refused.stdout and f"the CRDs of {CRD}" in refused.stdout


def test_a_folder_is_read_whole_and_each_file_named_under_it(tmp_path: Path) -> None:
    from cdk8s_flux.pipeline import read_crds

    (tmp_path / "crds" / "cert-manager").mkdir(parents=True)
    shutil.copy(CRD, tmp_path / "crds" / "cert-manager" / "clusterissuers.yaml")
    (tmp_path / "crds" / "notes.txt").write_text("not YAML, not read\n")
    found = read_crds([Path("crds")], base=tmp_path)
    assert list(found) == ["crds/cert-manager/clusterissuers.yaml"]
    assert [c["metadata"]["name"] for c in found["crds/cert-manager/clusterissuers.yaml"]] == ["clusterissuers.cert-manager.io"]


def test_a_folder_without_yaml_and_a_file_that_is_no_yaml_are_refused(tmp_path: Path) -> None:
    from cdk8s_flux.errors import ValidationError
    from cdk8s_flux.pipeline import read_crds

    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match="the folder holds no YAML file"):
        read_crds([tmp_path / "empty"])
    (tmp_path / "bad.yaml").write_text("kind: [\n")
    with pytest.raises(ValidationError, match="not readable as YAML objects") as caught:
        read_crds([tmp_path / "bad.yaml"])
    assert caught.value.field == "crds"


@pytest.mark.parametrize("value", ["5", "[crds, 3]", "{a: b}", "' '"])
def test_crds_of_cdk8s_yaml_must_be_a_path_or_a_list_of_them(value: str, tmp_path: Path) -> None:
    from cdk8s_flux.app import load_app_config
    from cdk8s_flux.errors import AppConfigError

    (tmp_path / "cdk8s.yaml").write_text(f"app: python main.py\ncrds: {value}\n")
    with pytest.raises(AppConfigError, match=r"is not a path or a list of paths\. Fix: write e\.g\. 'crds: \[crds/cert-manager\.yaml\]'"):
        load_app_config(tmp_path)
    (tmp_path / "cdk8s.yaml").write_text("app: python main.py\ncrds: [crds/a.yaml, crds/b/]\n")
    assert load_app_config(tmp_path).crds == (Path("crds/a.yaml"), Path("crds/b/"))
    (tmp_path / "cdk8s.yaml").write_text("app: python main.py\ncrds: []\n")
    assert load_app_config(tmp_path).crds == ()


def test_an_unknown_kind_is_told_where_its_crd_goes(tmp_path: Path) -> None:
    (tmp_path / "widget.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    result = run_cli("validate", "widget.yaml", cwd=tmp_path)
    assert result.returncode == 4
    # the problem is printed on stdout, with the flags where the library names its fields
    assert "give the CustomResourceDefinition that defines it (--crds), or --allow-unknown-kinds" in result.stdout
