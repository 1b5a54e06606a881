"""Find a cdk8s app, run it, and collect the manifests it synthesizes.

The app runs as a child process, exactly as ``cdk8s synth`` runs it: the
``app:`` command of ``cdk8s.yaml`` through the shell, with ``CDK8S_OUTDIR``
pointing at a fresh folder. Nothing is written into the app's own folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from cdk8s_flux import _node
from cdk8s_flux.errors import AppConfigError, SynthError
from cdk8s_flux.manifests import ManifestFile, parse_file

CONFIG_FILE = "cdk8s.yaml"


@dataclass(frozen=True)
class AppConfig:
    """Where a cdk8s app lives and the command that synthesizes it."""

    directory: Path
    command: str


def load_app_config(directory: Path, command: str | None = None) -> AppConfig:
    """Read ``cdk8s.yaml`` in ``directory``; ``command`` overrides its ``app:``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise AppConfigError(f"app folder {str(directory)!r} does not exist. Fix: pass the folder holding cdk8s.yaml")
    if command:
        return AppConfig(directory=directory, command=command)
    config_path = directory / CONFIG_FILE
    if not config_path.is_file():
        raise AppConfigError(
            f"no {CONFIG_FILE} in {str(directory)!r}. Fix: run from the app's folder, "
            "pass it as an argument, or give the command with --app 'python main.py'"
        )
    try:
        config = yaml.safe_load(config_path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise AppConfigError(f"{config_path}: not valid YAML: {exc}") from exc
    app = config.get("app") if isinstance(config, dict) else None
    if not isinstance(app, str) or not app.strip():
        raise AppConfigError(
            f"{config_path}: no 'app:' command. Fix: add a line such as 'app: python main.py'"
        )
    return AppConfig(directory=directory, command=app.strip())


def child_environment(outdir: Path) -> dict[str, str]:
    """The app's environment: ours, plus the output folder and jsii's Node.

    The folder of the running Python comes first on PATH so that ``python``
    in ``app:`` is the interpreter cdk8s-flux is installed in.
    """
    env = dict(os.environ)
    env.update(_node.node_environment(env))
    env["CDK8S_OUTDIR"] = str(outdir)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def collect(outdir: Path) -> list[ManifestFile]:
    """Every YAML file under ``outdir``, in cdk8s's order (its file names are numbered)."""
    paths = sorted(p for p in outdir.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
    return [parse_file(p.relative_to(outdir).as_posix(), p.read_text()) for p in paths]


def synthesize(config: AppConfig) -> list[ManifestFile]:
    """Run the app and return the files it synthesized.

    The app's own output goes to our stderr, so stdout stays free for
    manifests. A non-zero exit or no output at all is a ``SynthError``.
    """
    with tempfile.TemporaryDirectory(prefix="cdk8s-flux-synth-") as tmp:
        outdir = Path(tmp) / "dist"
        outdir.mkdir()
        try:
            result = subprocess.run(
                config.command,
                shell=True,
                cwd=config.directory,
                env=child_environment(outdir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                check=False,
            )
        except OSError as exc:
            raise SynthError(f"could not start {config.command!r}: {exc}") from exc
        if result.stdout:
            sys.stderr.write(result.stdout.decode(errors="replace"))
            sys.stderr.flush()
        if result.returncode != 0:
            raise SynthError(
                f"the app command {config.command!r} exited with status {result.returncode} "
                f"in {str(config.directory)!r}; its output above says why"
            )
        files = collect(outdir)
    if not files:
        raise SynthError(
            f"the app command {config.command!r} wrote no manifests. Fix: make sure it calls app.synth()"
        )
    return files
