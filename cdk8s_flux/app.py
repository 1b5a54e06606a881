"""Find a cdk8s app, run it, and collect the manifests it synthesizes.

The app runs as a child process, exactly as ``cdk8s synth`` runs it: the
``app:`` command of ``cdk8s.yaml`` through the shell, with ``CDK8S_OUTDIR``
pointing at a fresh folder. Nothing is written into the app's own folder.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import yaml

from cdk8s_flux import _node
from cdk8s_flux.errors import AppConfigError, SynthError
from cdk8s_flux.manifests import ManifestFile, parse_file

CONFIG_FILE = "cdk8s.yaml"
#: Where ``cdk8s synth`` writes when ``cdk8s.yaml`` names no ``output``.
DEFAULT_OUTPUT = "dist"
#: Seconds an app may take to synthesize before it is stopped: generous, since a first run may compile jsii assemblies.
DEFAULT_TIMEOUT = 600.0
#: Bytes of the app's output kept for the error message and the log.
OUTPUT_TAIL_BYTES = 256 * 1024

# The last line of a Python traceback: "module.ErrorType: message".
_ERROR_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(Error|Exception)): (?P<message>.+)$")
_OUR_ERRORS = "cdk8s_flux.errors."
# What cdk8s raises (through jsii) when a construct's Node.add_validation refuses: one line per problem follows.
_VALIDATION_FAILED = "Error: Validation failed with the following errors:"


@dataclass(frozen=True)
class AppConfig:
    """Where a cdk8s app lives, the command that synthesizes it, and its output folder.

    command: a shell command line (``app: python main.py``), or the program and its
    arguments run without a shell (``app: [python, main.py]``).
    output: ``output:`` of ``cdk8s.yaml``, relative to the app folder (default ``dist``).
    timeout: seconds the app may take before it is stopped.
    crds: ``crds:`` of ``cdk8s.yaml``, CRD files or folders relative to the app folder that
    check the app's custom resources whose CRD it does not carry.
    """

    directory: Path
    command: str | tuple[str, ...]
    output: str = DEFAULT_OUTPUT
    timeout: float = DEFAULT_TIMEOUT
    crds: tuple[Path, ...] = ()

    @property
    def display(self) -> str:
        """The command as a user reads it."""
        return self.command if isinstance(self.command, str) else " ".join(self.command)


def _app_command(value: object, path: Path) -> str | tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise AppConfigError(f"{path}: no usable 'app:' command. Fix: add a line such as 'app: python main.py'")


def _crd_paths(value: object, path: Path) -> tuple[Path, ...]:
    """``crds:``: one path or a list of them."""
    if value is None:
        return ()
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not all(isinstance(v, str) and v.strip() for v in listed):
        raise AppConfigError(
            f"{path}: 'crds: {value!r}' is not a path or a list of paths. Fix: write e.g. 'crds: [crds/cert-manager.yaml]'"
        )
    return tuple(Path(v.strip()) for v in listed)


def load_app_config(directory: Path, command: str | None = None, timeout: float | None = None) -> AppConfig:
    """Read ``cdk8s.yaml`` in ``directory``; ``command`` overrides its ``app:``, ``timeout`` the default time limit."""
    directory = Path(directory)
    if timeout is not None and not timeout > 0:
        raise AppConfigError(f"timeout={timeout!r} is not a positive number of seconds. Fix: give e.g. 600")
    limit = DEFAULT_TIMEOUT if timeout is None else float(timeout)
    if not directory.is_dir():
        raise AppConfigError(f"app folder {str(directory)!r} does not exist. Fix: pass the folder holding cdk8s.yaml")
    config_path = directory / CONFIG_FILE
    if not config_path.is_file():
        if command:
            return AppConfig(directory=directory, command=command, timeout=limit)
        raise AppConfigError(
            f"no {CONFIG_FILE} in {str(directory)!r}. Fix: run from the app's folder, "
            "pass it as APP_DIR, or give the command (app) such as 'python main.py'"
        )
    try:
        config = yaml.safe_load(config_path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise AppConfigError(f"{config_path}: not valid YAML: {exc}") from exc
    if not isinstance(config, dict):
        raise AppConfigError(f"{config_path}: not a mapping of settings. Fix: write 'app: python main.py'")
    output = config.get("output", DEFAULT_OUTPUT)
    if not isinstance(output, str) or not output.strip():
        raise AppConfigError(f"{config_path}: 'output: {output!r}' is not a folder name. Fix: write 'output: dist'")
    app = command if command else _app_command(config.get("app"), config_path)
    crds = _crd_paths(config.get("crds"), config_path)
    return AppConfig(directory=directory, command=app, output=output.strip(), timeout=limit, crds=crds)


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
    files = []
    for path in paths:
        name = path.relative_to(outdir).as_posix()
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SynthError(f"the app wrote {name} with bytes that are not UTF-8 (at byte {exc.start}); Kubernetes reads UTF-8 only") from None
        files.append(parse_file(name, text))
    return files


def last_error(output: str) -> tuple[str, bool] | None:
    """The app's own last error, and whether it is one a construct raised with its fix (ours, or cdk8s's validation).

    cdk8s reports the refusals of ``Node.add_validation`` (our synth-time checks
    among them) as one error followed by a line per problem; those lines are kept.
    """
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        match = _ERROR_LINE.match(lines[index].strip())
        if not match:
            continue
        if match["message"] == _VALIDATION_FAILED:
            problems = [line.strip() for line in lines[index + 1:] if line.startswith((" ", "\t"))]
            return "cdk8s validation failed:\n  " + "\n  ".join(problems), True
        ours = match["type"].startswith(_OUR_ERRORS)
        return (match["message"] if ours else lines[index].strip()), ours
    return None


class _Output:
    """The app's output as it streams in: only a bounded tail is kept, so a chatty app cannot exhaust memory."""

    def __init__(self, limit: int = OUTPUT_TAIL_BYTES) -> None:
        self.limit = limit
        self.chunks: deque[bytes] = deque()
        self.kept = 0
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.kept += len(chunk)
        while self.kept > self.limit and len(self.chunks) > 1:
            dropped = self.chunks.popleft()
            self.kept -= len(dropped)
            self.dropped += len(dropped)

    def text(self) -> str:
        tail = b"".join(self.chunks)[-self.limit:].decode(errors="replace")
        return (f"[... {self.dropped} bytes of the app's output left out ...]\n" if self.dropped else "") + tail


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the app and everything it started (its process group): politely, then for sure."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _run(config: AppConfig, outdir: Path, timeout: float) -> tuple[int, str]:
    """Run the app in its own process group, its output read as it comes; (exit status, output tail)."""
    try:
        process = subprocess.Popen(
            config.command,
            shell=isinstance(config.command, str),
            cwd=config.directory,
            env=child_environment(outdir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        raise SynthError(f"could not start {config.display!r}: {exc}") from exc
    output = _Output()
    deadline = time.monotonic() + timeout
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SynthError(
                    f"the app command {config.display!r} in {str(config.directory)!r} ran longer than {timeout:g} s and "
                    "was stopped. Fix: find what it waits for, or allow more time (timeout)"
                )
            if not selector.select(timeout=min(left, 1.0)):
                continue
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            output.add(chunk)
        status = process.wait(timeout=max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        raise SynthError(
            f"the app command {config.display!r} closed its output but did not exit within {timeout:g} s. "
            "Fix: make it exit after app.synth(), or allow more time (timeout)"
        ) from None
    finally:
        _stop(process)
        if process.stdout is not None:
            process.stdout.close()
    return status, output.text()


def synthesize(config: AppConfig, *, verbose: bool = False) -> list[ManifestFile]:
    """Run the app and return the files it synthesized.

    The app's own output goes to our stderr, so stdout stays free for
    manifests. When the app fails with one of our errors, only that error is
    shown (its message names the field and the fix), unless ``verbose``; any
    other failure shows the app's output. A non-zero exit, no output at all, or
    running past ``config.timeout`` seconds is a ``SynthError``; the app and all it
    started are stopped when this returns, however it returns.
    """
    with tempfile.TemporaryDirectory(prefix="cdk8s-flux-synth-") as tmp:
        outdir = Path(tmp) / "dist"
        outdir.mkdir()
        status, output = _run(config, outdir, config.timeout)
        if status != 0:
            raise _failure(config, status, output, verbose)
        if output:
            sys.stderr.write(output)
            sys.stderr.flush()
        files = collect(outdir)
    if not files:
        raise SynthError(f"the app command {config.display!r} wrote no manifests. Fix: make sure it calls app.synth()")
    return files


def _failure(config: AppConfig, status: int, output: str, verbose: bool) -> SynthError:
    """The error of a failed app; its output is printed first unless the error is ours and short is enough."""
    found = last_error(output)
    ours = found is not None and found[1]
    if output and (verbose or not ours):
        sys.stderr.write(output)
        sys.stderr.flush()
    where = f"the app command {config.display!r} in {str(config.directory)!r}"
    if found is None:
        said = "its output above says why" if output else "it printed nothing"
        return SynthError(f"{where} exited with status {status}; {said}")
    line, _ = found
    hint = " (verbose shows the app's whole output)" if ours and not verbose else ""
    return SynthError(f"{where} failed: {line}{hint}")
