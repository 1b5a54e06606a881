"""Bootstrap's question "has the deploy key been added?", asked with --context before the sync is applied.

No API server runs here, so a fake ``kubectl`` put first on PATH stands in for
the real one: it only records each command line and the stdin it was given, and
answers success (printing nothing, so ``get secret`` finds no Secret). These
tests therefore check only what our code does with those answers: which kubectl
calls it makes, in what order, with what on stdin, and what it tells the user.
They say nothing of how a cluster would take the objects.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from test_bootstrap import HOST_KEY, make_app

from cdk8s_flux.cli.vocabulary import EXIT_ERROR, EXIT_OK

CLI = Path(sys.executable).parent / "cdk8s-flux"
QUESTION = b"Has the deploy key been added to the repository? [y/N]"
FAKE_KUBECTL = f"""#!{sys.executable}
# Records its command line and stdin in $FAKE_KUBECTL_LOG, answers success; no cluster is involved.
import json, os, sys
args = sys.argv[1:]
stdin = sys.stdin.read() if "-f" in args and args[args.index("-f") + 1:][:1] == ["-"] else None
log = os.environ["FAKE_KUBECTL_LOG"]
with open(os.path.join(log, "%03d.json" % len(os.listdir(log))), "w") as handle:
    json.dump({{"argv": args, "stdin": stdin}}, handle)
"""


class Bootstrap:
    """An app with an ssh:// GitTarget and a bare remote, and a fake kubectl that records what it is given."""

    def __init__(self, git: GitWorld, tmp_path: Path) -> None:
        self.world, self.tmp_path = git, tmp_path
        self.remote = git.bare_remote()
        target = 'GitTarget(url="ssh://git@github.com/team/app", branch="manifests", path="clusters/dev")'
        self.repo = make_app(git, self.remote.as_uri(), "GitTarget", target)
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(f"github.com ssh-ed25519 {HOST_KEY}\n")
        self.args = [str(CLI), "bootstrap", str(self.repo), "--context", "dev", "--known-hosts", str(known_hosts)]
        tools = tmp_path / "bin"
        tools.mkdir()
        (tools / "kubectl").write_text(FAKE_KUBECTL)
        (tools / "kubectl").chmod(0o755)
        self.log = tmp_path / "kubectl-log"
        self.env = {**os.environ, **git.env, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "FAKE_KUBECTL_LOG": str(self.log)}

    def calls(self) -> list[dict[str, Any]]:
        """The kubectl calls, in the order they were made."""
        return [json.loads(p.read_text()) for p in sorted(self.log.iterdir())]

    def on_terminal(self, answer: str) -> tuple[int, str]:
        """The command with stdin and stderr on a pseudo-terminal, answering the question; the exit code and what it showed."""
        self.log.mkdir(exist_ok=True)
        for old in self.log.iterdir():
            old.unlink()
        primary, secondary = pty.openpty()
        process = subprocess.Popen(self.args, stdin=secondary, stderr=secondary, stdout=secondary, env=self.env, cwd=self.tmp_path)
        os.close(secondary)
        shown, answered = b"", False
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(primary, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
                if not answered and QUESTION in shown:
                    os.write(primary, answer.encode() + b"\n")
                    answered = True
            elif process.poll() is not None:
                break
        process.wait(timeout=60)
        os.close(primary)
        return process.returncode, shown.decode(errors="replace")

    def without_terminal(self, stdin_on_terminal: bool) -> subprocess.CompletedProcess[str]:
        """The command with stderr captured, and stdin /dev/null (as in CI) or a pseudo-terminal nobody types on."""
        self.log.mkdir(exist_ok=True)
        primary, secondary = pty.openpty() if stdin_on_terminal else (None, None)
        try:
            return subprocess.run(
                self.args, stdin=subprocess.DEVNULL if secondary is None else secondary, capture_output=True, text=True,
                env=self.env, cwd=self.tmp_path, check=False, timeout=300,
            )
        finally:
            for fd in (primary, secondary):
                if fd is not None:
                    os.close(fd)


@pytest.fixture
def bootstrap(world: GitWorld, tmp_path: Path) -> Bootstrap:  # noqa: F811  (fixture)
    return Bootstrap(world, tmp_path)


def kinds(call: dict[str, Any]) -> list[str]:
    return [o["kind"] for o in yaml.safe_load_all(call["stdin"] or "") if o]


def applied_secret(calls: list[dict[str, Any]]) -> tuple[int, str]:
    """The one call that applies the Secret, and the private key it carries."""
    (at,) = [i for i, call in enumerate(calls) if "Secret" in kinds(call)]
    (secret,) = [o for o in yaml.safe_load_all(calls[at]["stdin"]) if o and o["kind"] == "Secret"]
    return at, secret["stringData"]["identity"]


def check_the_key_stays_in_the_secret(calls: list[dict[str, Any]], shown: str) -> None:
    """The private key is on the Secret's stdin only: on no other call, no command line, not on the terminal."""
    at, private = applied_secret(calls)
    assert "PRIVATE KEY" in private
    for i, call in enumerate(calls):
        assert private not in " ".join(call["argv"])
        if i != at:
            assert private not in (call["stdin"] or "") and "PRIVATE KEY" not in (call["stdin"] or "")
    assert private not in shown and "PRIVATE KEY" not in shown


def test_answering_no_stops_before_the_sync_is_applied(bootstrap: Bootstrap) -> None:
    # GIVEN an app with a new deploy key to make, on a terminal
    # WHEN the user answers no to the question
    code, shown = bootstrap.on_terminal("n")
    # THEN bootstrap was asked after the deploy key was shown, and exits with the error code (1), not success nor usage (2)
    assert QUESTION.decode() in shown, shown
    assert shown.index("github.com/team/app/settings/keys") < shown.index(QUESTION.decode())
    assert code == EXIT_ERROR, shown
    # AND it says what happened and what to do
    assert "so the sync of ssh://git@github.com/team/app was not applied" in shown and "add the key, then run bootstrap again" in shown
    assert "--context" not in shown.split("error:")[1]  # the context is not what is wrong
    # AND the install and the Secret were applied, the sync was not
    calls = bootstrap.calls()
    assert calls[0]["argv"][:6] == ["--context", "dev", "--namespace", "flux-system", "get", "secret"]
    assert kinds(calls[-1]) == ["Secret"]
    assert not [c for c in calls if "GitRepository" in kinds(c) or "Kustomization" in kinds(c)]
    assert "Flux syncs" not in shown
    check_the_key_stays_in_the_secret(calls, shown)
    # AND the manifests were published before the question (the sync will find them)
    assert bootstrap.world.tip(bootstrap.remote) is not None


def test_answering_yes_goes_on_to_apply_the_sync(bootstrap: Bootstrap) -> None:
    # WHEN the user answers yes
    code, shown = bootstrap.on_terminal("y")
    # THEN the sync is applied after the Secret, and bootstrap succeeds
    assert QUESTION.decode() in shown and code == EXIT_OK, shown
    calls = bootstrap.calls()
    at, _ = applied_secret(calls)
    assert at == len(calls) - 2 and kinds(calls[-1]) == ["GitRepository", "Kustomization"]
    assert calls[-1]["argv"] == ["--context", "dev", "apply", "--server-side", "--force-conflicts", "--field-manager=flux", "-f", "-"]
    assert "applied to context dev: Flux syncs ssh://git@github.com/team/app from now on" in shown
    check_the_key_stays_in_the_secret(calls, shown)


@pytest.mark.parametrize("stdin_on_terminal", [False, True], ids=["stdin-devnull", "stderr-captured"])
def test_without_a_terminal_the_sync_is_applied_without_asking(bootstrap: Bootstrap, stdin_on_terminal: bool) -> None:
    # GIVEN stdin and stderr are not both a terminal (a script, CI, a log file)
    # WHEN bootstrap runs with --context
    result = bootstrap.without_terminal(stdin_on_terminal)
    # THEN nothing is asked, nothing is read from stdin, and the sync is applied after the Secret
    assert result.returncode == EXIT_OK, result.stderr
    assert QUESTION.decode() not in result.stderr
    calls = bootstrap.calls()
    at, _ = applied_secret(calls)
    assert at == len(calls) - 2 and kinds(calls[-1]) == ["GitRepository", "Kustomization"]
    # AND the deploy key is still shown, so it can be added while Flux retries
    assert "github.com/team/app/settings/keys" in result.stderr
    check_the_key_stays_in_the_secret(calls, result.stdout + result.stderr)
