"""`.flux.yaml`: written and read with the rules fluxd (pkg/manifests/configfile.go) enforces."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.v1 import CommandUpdated, GeneratorConfig, PatchUpdated, ScanForFiles, Updater

# Files in the shape of the examples of the Flux v1 documentation (docs/references/fluxyaml-config-files.md).
DOC_COMMAND_UPDATED = """\
version: 1
commandUpdated:
  generators:
    - command: kustomize build .
  updaters:
    - containerImage:
        command: >-
          kubeyaml image --namespace $FLUX_WL_NS --kind $FLUX_WL_KIND --name $FLUX_WL_NAME
          --container $FLUX_CONTAINER --image "$FLUX_IMG:$FLUX_TAG"
      policy:
        command: >-
          kubeyaml annotate --namespace $FLUX_WL_NS --kind $FLUX_WL_KIND --name $FLUX_WL_NAME
          "fluxcd.io/$FLUX_POLICY=$FLUX_POLICY_VALUE"
"""
DOC_PATCH_UPDATED = """\
version: 1
patchUpdated:
  generators:
    - command: kustomize build .
  patchFile: flux-patch.yaml
"""
DOC_SCAN_FOR_FILES = "version: 1\nscanForFiles: {}\n"


def test_default_renders_the_app_and_keeps_image_updates_in_a_patch_file() -> None:
    assert GeneratorConfig().to_dict() == {
        "version": 1,
        "patchUpdated": {"generators": [{"command": "cdk8s-flux render --quiet"}], "patchFile": "flux-patch.yaml"},
    }


@pytest.mark.parametrize("text", [DOC_COMMAND_UPDATED, DOC_PATCH_UPDATED, DOC_SCAN_FOR_FILES])
def test_documented_files_parse_and_round_trip(text: str) -> None:
    config = GeneratorConfig.parse(text)
    assert yaml.safe_load(config.to_yaml()) == yaml.safe_load(text)


def test_command_updated_with_updaters() -> None:
    config = GeneratorConfig(
        CommandUpdated(generators=("cdk8s-flux render",), updaters=(Updater(container_image="./set-image.sh"),))
    )
    assert config.to_dict()["commandUpdated"] == {
        "generators": [{"command": "cdk8s-flux render"}],
        "updaters": [{"containerImage": {"command": "./set-image.sh"}}],
    }


def test_write_puts_the_file_next_to_the_app(tmp_path: Path) -> None:
    path = GeneratorConfig(ScanForFiles()).write(tmp_path)
    assert path == tmp_path / ".flux.yaml"
    assert yaml.safe_load(path.read_text()) == {"version": 1, "scanForFiles": {}}


def test_output_is_deterministic() -> None:
    assert GeneratorConfig().to_yaml() == GeneratorConfig().to_yaml()
    assert GeneratorConfig().to_yaml().splitlines()[0] == "version: 1"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("version: 2\nscanForFiles: {}\n", "only reads version 1"),
        ("commandUpdated:\n  generators: [{command: x}]\n", "only reads version 1"),
        (DOC_PATCH_UPDATED + "scanForFiles: {}\n", "exactly one of"),
        ("version: 1\n", "exactly one of"),
        ("version: 1\npatchUpdated:\n  generators: [{command: x}]\n", "patchFile"),
        ("version: 1\ncommandUpdated:\n  generators: [{command: x}]\n  patchFile: p.yaml\n", "rejects these keys"),
        ("version: 1\nscanForFiles: {paths: [a]}\n", "rejects these keys"),
        ("version: 1\ncommandUpdated:\n  generators: []\n", "no generator command"),
        ("version: 1\ncommandUpdated:\n  generators: [{cmd: x}]\n", "no command"),
        ("version: 1\ngenerators: [{command: x}]\n", "exactly one of"),
    ],
)
def test_files_fluxd_rejects_are_rejected(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        GeneratorConfig.parse(text)


def test_constraints_hold_when_building_in_code() -> None:
    with pytest.raises(ValidationError, match="patchFile"):
        PatchUpdated(patch_file="/abs/patch.yaml")
    with pytest.raises(ValidationError, match="updater needs a command"):
        Updater()
    with pytest.raises(ValidationError, match="no generator command"):
        CommandUpdated(generators=())
    with pytest.raises(ValidationError, match="not a .flux.yaml mode"):
        GeneratorConfig(mode="commandUpdated")  # type: ignore[arg-type]
