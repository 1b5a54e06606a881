"""Nothing hangs, nothing is left behind: a stuck app, a silent git remote, signals, a flood of output.

Real processes and sockets on 127.0.0.1; time and memory are bounded in each test, so a
regression fails instead of hanging or exhausting the machine.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli import CLI, run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)

# An app that starts a child that would outlive it, records both pids, then waits for ever.
HANGING = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)"])
open("pids", "w").write(f"{os.getpid()} {child.pid}")
time.sleep(1000)
"""
# An app that floods stdout, then writes one manifest as cdk8s would.
FLOOD = """
import os, sys
chunk = "x" * (1 << 20) + "\\n"
for _ in range(300):
    sys.stdout.write(chunk)
open(os.path.join(os.environ["CDK8S_OUTDIR"], "app.k8s.yaml"), "w").write(
    "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: a\\n  namespace: web\\n")
"""


def app(folder: Path, code: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cdk8s.yaml").write_text("app: python main.py\n")
    (folder / "main.py").write_text(code)
    return folder


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def wait_for(path: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} never appeared")


def test_an_app_that_never_finishes_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    folder = app(tmp_path / "app", HANGING)
    start = time.monotonic()
    result = run_cli("render", str(folder), "--timeout", "5", env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 3
    assert "ran longer than 5 s" in result.stderr and "--timeout" in result.stderr
    assert time.monotonic() - start < 60
    parent, child = (int(p) for p in (folder / "pids").read_text().split())
    assert not alive(parent) and not alive(child)
    assert not list(tmp_path.glob("cdk8s-flux-synth-*"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_the_app_and_leaves_no_rendered_files(tmp_path: Path, sig: signal.Signals) -> None:
    folder = app(tmp_path / "app", HANGING)
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    process = subprocess.Popen([str(CLI), "render", str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        parent, child = (int(p) for p in wait_for(folder / "pids").split())
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + sig
    assert f"stopped by {sig.name}" in stderr.decode()
    deadline = time.monotonic() + 20
    while (alive(parent) or alive(child)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(parent) and not alive(child)
    assert list((tmp_path / "tmp").iterdir()) == []


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20))


def test_a_flood_of_app_output_keeps_memory_bounded(tmp_path: Path) -> None:
    # GIVEN an app that prints 300 MB before it synthesizes, and 600 MB of address space for cdk8s-flux and the app
    folder = app(tmp_path / "app", FLOOD)
    result = subprocess.run([str(CLI), "render", str(folder), "--no-validate"], capture_output=True, timeout=300,
                            preexec_fn=_limit_memory, check=False)
    # THEN the render succeeds and only the tail of the output is shown
    assert result.returncode == 0, result.stderr[-2000:]
    assert b"kind: ConfigMap" in result.stdout
    assert b"bytes of the app's output left out" in result.stderr
    assert len(result.stderr) < 1 << 20


def test_manifests_that_are_not_utf8_are_a_synth_error(tmp_path: Path) -> None:
    folder = app(tmp_path / "app", "import os\nopen(os.path.join(os.environ['CDK8S_OUTDIR'], 'a.k8s.yaml'), 'wb').write(b'kind: \\xff\\n')\n")
    result = run_cli("render", str(folder))
    assert result.returncode == 3
    assert "not UTF-8 (at byte 6)" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for connection in held:
        connection.close()
    server.close()


def test_a_git_remote_that_never_answers_is_an_error_not_a_hang(world: GitWorld, silent_server: int) -> None:
    # GIVEN a remote whose server accepts and then says nothing
    repo = world.source(f"git://127.0.0.1:{silent_server}/app.git", {"web": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}}]})
    start = time.monotonic()
    result = run_cli("publish", cwd=repo, env={**world.env, "CDK8S_FLUX_GIT_TIMEOUT": "3"})
    # THEN publish gives up with its own message and exit code
    assert result.returncode == 1
    assert "got no answer from the remote within 3 s" in result.stderr and "CDK8S_FLUX_GIT_TIMEOUT" in result.stderr
    assert time.monotonic() - start < 120
