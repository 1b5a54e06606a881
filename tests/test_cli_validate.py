"""`cdk8s-flux validate`, and the check `synth` and `render` run before writing anything."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli import CLI, run_cli

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "web"}, "data": {"a": "1"}}
BAD_CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bad", "namespace": "web"}, "data": {"n": 1}}
KUSTOMIZATION = {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "metadata": {"name": "apps", "namespace": "flux-system"},
    "spec": {"interval": "10m0s", "path": "./apps", "prune": True,
             "sourceRef": {"kind": "GitRepository", "name": "flux-system"}, "brnach": "main"},
}
# No network and no user cache: upstream manifests only where a test vendors them.
OFFLINE = {"CDK8S_FLUX_RELEASES_URL": "http://127.0.0.1:9/releases"}
#: How a problem names the core schemas of the default Kubernetes version.
CORE = "Kubernetes 1.37.0 OpenAPI schema (kubernetes-validate 1.37.0)"
#: How a problem names the CRDs of the embedded Flux release.
EMBEDDED = "the CRDs of the Flux v2.9.4 release embedded in cdk8s-flux 0.1.0"


def write(path: Path, *objects: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(objects))
    return path


def offline(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**OFFLINE, "XDG_CACHE_HOME": str(tmp_path / "cache"), **extra}


# --- cdk8s-flux validate -------------------------------------------------------------


def test_valid_files_exit_0_and_print_nothing_on_stdout(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.yaml", CONFIGMAP, {**CONFIGMAP, "metadata": {"name": "other"}})
    result = run_cli("validate", str(path), cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "2 objects from 1 file: valid" in result.stderr


def test_problems_exit_4_with_one_line_each_naming_file_object_field(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", CONFIGMAP, BAD_CONFIGMAP)
    result = run_cli("validate", "bad.yaml", cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 4
    # (yaml.safe_dump_all sorts keys: the second document starts after the "---" of line 8, its data.n is on line 11)
    assert result.stdout == f"bad.yaml:11: ConfigMap web/bad: data.n: 1 is not of type 'string', 'null' [rule: schema: type; {CORE}]\n"
    assert "1 problem in 2 objects from 1 file" in result.stderr


def test_json_output(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", BAD_CONFIGMAP)
    result = run_cli("validate", "bad.yaml", "--output", "json", cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 4
    assert json.loads(result.stdout) == {
        "valid": False,
        "objects": 1,
        "files": 1,
        "problems": [{"file": "bad.yaml", "apiVersion": "v1", "kind": "ConfigMap", "namespace": "web",
                      "name": "bad", "path": "data.n", "message": "1 is not of type 'string', 'null'",
                      "line": 3, "rule": "schema: type", "schema": CORE, "build": ""}],
    }
    write(tmp_path / "ok.yaml", CONFIGMAP)
    result = run_cli("validate", "ok.yaml", "--output", "json", cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"valid": True, "objects": 1, "files": 1, "problems": []}


def test_stdin(tmp_path: Path) -> None:
    completed = subprocess.run(
        [str(CLI), "validate", "-"], input=yaml.safe_dump(BAD_CONFIGMAP), capture_output=True, text=True,
        cwd=tmp_path, timeout=120, check=False,
    )
    assert completed.returncode == 4
    assert completed.stdout == f"<stdin>:3: ConfigMap web/bad: data.n: 1 is not of type 'string', 'null' [rule: schema: type; {CORE}]\n"


def test_folders_are_searched_recursively(tmp_path: Path) -> None:
    # GIVEN a folder with YAML files at two levels, a .yml, cdk8s.yaml, a hidden folder, and a subfolder
    # with a kustomization.yaml, one resource and a patch (a partial object, not one on its own)
    root = tmp_path / "dist"
    write(root / "a.yaml", CONFIGMAP)
    write(root / "nested" / "deeper" / "b.yml", BAD_CONFIGMAP)
    write(root / ".hidden" / "c.yaml", BAD_CONFIGMAP)
    (root / "nested" / "notes.txt").write_text("data: {n: 1}\n")
    (root / "cdk8s.yaml").write_text("app: python main.py\n")
    write(root / "app" / "settings.yaml", {**CONFIGMAP, "metadata": {"name": "app", "namespace": "web"}})
    (root / "app" / "patch.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: web}\ndata: {b: '2'}\n")
    write(root / "app" / "kustomization.yaml", {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["settings.yaml"], "patches": [{"path": "patch.yaml"}],
    })
    # WHEN the folder is validated
    result = run_cli("validate", "dist", cwd=tmp_path, env=offline(tmp_path))
    # THEN only the nested .yml is a problem; cdk8s.yaml is skipped with a note; the kustomization is built
    assert result.returncode == 4, result.stderr
    assert result.stdout == (
        f"dist/nested/deeper/b.yml:3: ConfigMap web/bad: data.n: 1 is not of type 'string', 'null' [rule: schema: type; {CORE}]\n"
    )
    assert "skipped dist/cdk8s.yaml" in result.stderr
    assert "built dist/app with kubectl kustomize" in result.stderr
    assert "3 objects from 3 files" in result.stderr  # a.yaml, b.yml and the build


def test_broken_yaml_and_non_objects_are_problems(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("a: [b\n")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    result = run_cli("validate", "broken.yaml", "list.yaml", cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 4
    lines = result.stdout.splitlines()
    assert lines[0].startswith("broken.yaml:2: (file): not valid YAML: line 2, column 1:")
    assert lines[1] == "list.yaml:1: document 1: not a Kubernetes object (it needs apiVersion and kind)"


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    write(tmp_path / "ok.yaml", CONFIGMAP)
    missing = run_cli("validate", "nowhere.yaml", cwd=tmp_path, env=offline(tmp_path))
    assert missing.returncode == 2 and "nowhere.yaml" in missing.stderr
    old = run_cli("validate", "ok.yaml", "--kubernetes-version", "1.2", cwd=tmp_path, env=offline(tmp_path))
    assert old.returncode == 2 and "--kubernetes-version" in old.stderr
    assert run_cli("validate", cwd=tmp_path).returncode == 2


def test_flux_objects_are_checked_against_the_embedded_release_without_any_setup(tmp_path: Path) -> None:
    # GIVEN a Kustomization with a typo, no CRD beside it, no Flux version given, no network
    write(tmp_path / "flux.yaml", KUSTOMIZATION)
    result = run_cli("validate", "flux.yaml", cwd=tmp_path, env=offline(tmp_path))
    # THEN the typo is found against the embedded v2.9.4 CRDs, and stderr says once which release checked it
    assert result.returncode == 4
    assert result.stdout == (
        "flux.yaml:6: Kustomization flux-system/apps: spec: "
        "Additional properties are not allowed ('brnach' was unexpected) "
        f"[rule: schema: additionalProperties; {EMBEDDED} (Kustomization kustomize.toolkit.fluxcd.io/v1)]\n"
    )
    assert result.stderr.count("the Flux v2.9.4 release embedded in cdk8s-flux") == 1
    # AND the same with the version given explicitly
    given = run_cli("validate", "flux.yaml", "--flux-version", "v2.9.4", cwd=tmp_path, env=offline(tmp_path))
    assert given.returncode == 4 and given.stdout == result.stdout
    # AND a version that is neither embedded nor vendored is an error that says how to vendor it
    missing = run_cli("validate", "flux.yaml", "--flux-version", "v2.0.0", cwd=tmp_path, env=offline(tmp_path))
    assert missing.returncode == 1 and "cdk8s-flux vendor v2.0.0" in missing.stderr


def test_a_flux_kind_the_release_does_not_define_names_the_release(tmp_path: Path) -> None:
    write(tmp_path / "nope.yaml", {**KUSTOMIZATION, "kind": "Nope"})
    result = run_cli("validate", "nope.yaml", "--flux-version", "v2.9.4", cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 4
    assert "define no Nope in kustomize.toolkit.fluxcd.io/v1 (it defines Kustomization in kustomize.toolkit.fluxcd.io)" in result.stdout
    assert "give --flux-version" not in result.stdout


def test_validate_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from cdk8s_flux.cli import main\n"
        "try:\n"
        "    main(['validate', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in ('cdk8s', 'jsii', 'yaml', 'jsonschema', 'kubernetes_validate') if m in sys.modules]\n"
        "sys.stderr.write(repr(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr == "[]"
    assert "exit codes" in result.stdout and "4  invalid objects" in result.stdout


# --- synth and render validate before writing --------------------------------------------


def test_render_of_an_invalid_app_prints_nothing_and_exits_4(apps: Path) -> None:
    result = run_cli("render", cwd=apps / "invalid")
    assert result.returncode == 4
    assert result.stdout == ""
    # the problem names the synthesized file and the line of the field (line 14 of web.k8s.yaml is "spec:")
    assert "web.k8s.yaml:14: Deployment web/web: spec: Additional properties are not allowed ('replica' was unexpected)" in result.stderr
    # AND --no-validate renders it as it is
    unchecked = run_cli("render", "--no-validate", cwd=apps / "invalid")
    assert unchecked.returncode == 0
    assert [o["kind"] for o in yaml.safe_load_all(unchecked.stdout)] == ["ConfigMap", "Deployment"]


def test_synth_of_an_invalid_app_keeps_the_previous_output(apps: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run_cli("synth", str(apps / "two-charts"), "-o", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for layout in ("cdk8s", "flux"):
        result = run_cli("synth", str(apps / "invalid"), "-o", str(out), "--layout", layout)
        assert result.returncode == 4, result.stderr
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_synth_checks_flux_objects_of_an_app_without_flux_install(apps: Path, tmp_path: Path) -> None:
    # GIVEN an app that emits a Kustomization with `brnach`, and no FluxInstall (Flux installed otherwise)
    app = tmp_path / "app"
    shutil.copytree(apps / "from-file", app)
    (app / "objects.json").write_text(json.dumps({"flux": [KUSTOMIZATION]}))
    # WHEN synthesized with no setup: refused against the embedded release, nothing written
    result = run_cli("synth", str(app), "-o", str(tmp_path / "out"), env=offline(tmp_path))
    assert result.returncode == 4
    assert "Kustomization flux-system/apps: spec: Additional properties are not allowed ('brnach' was unexpected)" in result.stderr
    assert not (tmp_path / "out").exists()
    # AND --no-validate writes it unchecked
    result = run_cli("synth", str(app), "-o", str(tmp_path / "out"), "--no-validate", env=offline(tmp_path))
    assert result.returncode == 0, result.stderr


# --- no Secret value in any message -----------------------------------------------------

BAD_SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"},
              "stringData": {"password": ["hunter2"]}}


def test_no_command_shows_a_secret_value(apps: Path, tmp_path: Path) -> None:
    # GIVEN a Secret whose value is a list (a type error that would quote the value)
    write(tmp_path / "secret.yaml", BAD_SECRET)
    app = tmp_path / "app"
    shutil.copytree(apps / "from-file", app)
    (app / "objects.json").write_text(json.dumps({"db": [BAD_SECRET]}))
    # WHEN validate, render and synth refuse it
    results = [
        run_cli("validate", "secret.yaml", cwd=tmp_path, env=offline(tmp_path)),
        run_cli("validate", "secret.yaml", "--format", "json", cwd=tmp_path, env=offline(tmp_path)),
        run_cli("render", str(app), env=offline(tmp_path)),
        run_cli("synth", str(app), "-o", str(tmp_path / "out"), env=offline(tmp_path)),
    ]
    # THEN each names the field and the kind of value, never the value
    for result in results:
        assert result.returncode == 4, result.stderr
        assert "hunter2" not in result.stdout + result.stderr
        assert "stringData.password" in result.stdout + result.stderr
        assert "<secret list> is not of type 'string', 'null'" in result.stdout + result.stderr


# --- files that are no YAML a cluster would take ------------------------------------------

# Enough address space for the CLI and its schemas, far from what expanding a bomb would take.
MEMORY = 1 << 30


def run_bounded(*args: str, cwd: Path, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The CLI with at most ``MEMORY`` of address space and a minute: a regression fails, it cannot exhaust the machine."""
    import os
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    completed = subprocess.run(
        [str(CLI), *args], cwd=cwd, env={**os.environ, **env}, input=stdin, capture_output=True,
        timeout=60, preexec_fn=limit, check=False,
    )
    return subprocess.CompletedProcess(completed.args, completed.returncode, completed.stdout.decode(), completed.stderr.decode())


def bomb(levels: int) -> str:
    lines = ["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n", "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    lines += [f"x{n}: &x{n} [{', '.join([f'*x{n - 1}'] * 9)}]\n" for n in range(1, levels)]
    return "".join([*lines, f"data: {{a: *x{levels - 1}}}\n"])


def test_the_bounds_leave_room_for_a_valid_file(tmp_path: Path) -> None:
    write(tmp_path / "ok.yaml", CONFIGMAP)
    result = run_bounded("validate", "ok.yaml", cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("levels", [7, 10])
def test_a_yaml_bomb_is_one_short_problem(tmp_path: Path, levels: int) -> None:
    # GIVEN nested aliases that expand to about 10^6 and 10^9 strings, in a file of a few hundred bytes
    (tmp_path / "bomb.yaml").write_text(bomb(levels))
    # WHEN validated with bounded memory and time
    result = run_bounded("validate", "bomb.yaml", cwd=tmp_path, env=offline(tmp_path))
    # THEN one short problem names the file and the line
    assert result.returncode == 4, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"bomb.yaml:{levels + 3}: (file): not valid YAML: line {levels + 3}, column 5: aliases expand the YAML to ")
    assert len(line) < 500


def test_a_file_that_is_not_utf8_is_a_problem_naming_the_byte(tmp_path: Path) -> None:
    # GIVEN a binary file among the YAML files of a folder, and a Latin-1 file given by name
    write(tmp_path / "dist" / "ok.yaml", CONFIGMAP)
    (tmp_path / "dist" / "image.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.yaml").write_bytes("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\u00e9}\n".encode("latin-1"))
    # WHEN validated
    result = run_bounded("validate", "dist", "latin1.yaml", cwd=tmp_path, env=offline(tmp_path))
    # THEN each is one problem naming the byte and where it is; the valid file is still checked
    assert result.returncode == 4, result.stderr
    assert result.stdout.splitlines() == [
        "dist/image.yaml:1: (file): not UTF-8 text: byte 0x89 at offset 0 (line 1). "
        "Fix: save the file as UTF-8, or leave it out (a binary file is no manifest)",
        "latin1.yaml:3: (file): not UTF-8 text: byte 0xe9 at offset 51 (line 3). "
        "Fix: save the file as UTF-8, or leave it out (a binary file is no manifest)",
    ]
    assert "1 object from 1 file" in result.stderr and "Traceback" not in result.stderr
    # AND the same from stdin
    piped = run_bounded("validate", "-", cwd=tmp_path, env=offline(tmp_path), stdin=b"kind: \xff\n")
    assert piped.returncode == 4 and piped.stdout.startswith("<stdin>:1: (file): not UTF-8 text: byte 0xff at offset 6 (line 1).")


def test_an_integer_python_cannot_read_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: " + "9" * 5000 + "}\n")
    result = run_bounded("validate", "big.yaml", cwd=tmp_path, env=offline(tmp_path))
    assert result.returncode == 4, result.stderr
    assert result.stdout.startswith("big.yaml:4: (file): not valid YAML: line 4, column 11: an integer of 5000 digits")
    assert "Traceback" not in result.stderr
