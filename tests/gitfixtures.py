"""Real git for the publish tests: bare remotes, a ``git daemon``, clones of a test app.

Every git command of the tests runs with a fixed identity and without the
machine's global git configuration, so results do not depend on who runs them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

APPS = Path(__file__).resolve().parent / "apps"


def git_env(home: Path) -> dict[str, str]:
    """Variables for every git (and cdk8s-flux) run of a test."""
    config = home / "gitconfig"
    if not config.exists():
        home.mkdir(parents=True, exist_ok=True)
        config.write_text("[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n")
    return {
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
    }


class GitWorld:
    """A temporary folder of repositories and the environment to drive them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = git_env(root / "home")

    def git(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(self.env)
        result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def bare_remote(self, name: str = "remote.git") -> Path:
        path = self.root / name
        self.git("init", "--quiet", "--bare", str(path))
        return path

    def source(self, remote_url: str, objects: dict[str, list[dict[str, Any]]], name: str = "source") -> Path:
        """A clone holding the ``from-file`` app with ``objects``, one commit, ``origin`` at ``remote_url``."""
        repo = self.root / name
        repo.mkdir()
        self.git("init", "--quiet", str(repo))
        for file in ("cdk8s.yaml", "main.py"):
            shutil.copy(APPS / "from-file" / file, repo / file)
        (repo / ".gitignore").write_text("__pycache__/\n")
        self.commit_objects(repo, objects, "Add the app")
        self.git("remote", "add", "origin", remote_url, cwd=repo)
        return repo

    def commit_objects(self, repo: Path, objects: dict[str, list[dict[str, Any]]], message: str) -> str:
        """Commit ``objects`` as the app's output; returns the new commit."""
        (repo / "objects.json").write_text(json.dumps(objects, indent=1) + "\n")
        self.git("add", "-A", cwd=repo)
        self.git("commit", "--quiet", "-m", message, cwd=repo)
        return self.git("rev-parse", "HEAD", cwd=repo).strip()

    def tip(self, remote: Path, branch: str = "manifests") -> str | None:
        out = self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", cwd=remote, check=False).strip()
        return out or None

    def files(self, remote: Path, ref: str = "manifests") -> dict[str, str]:
        """Every file of ``ref`` in ``remote``: path to text."""
        names = self.git("ls-tree", "-r", "--name-only", "-z", ref, cwd=remote).split("\0")
        return {n: self.git("cat-file", "blob", f"{ref}:{n}", cwd=remote) for n in names if n}

    def commit_files(self, remote: Path, branch: str, files: dict[str, str], message: str) -> str:
        """Push a commit with ``files`` added to ``branch`` of ``remote``, as another user would."""
        work = self.root / f"other-{time.monotonic_ns()}"
        self.git("clone", "--quiet", remote.as_uri(), str(work))
        if self.git("ls-remote", "--heads", "origin", branch, cwd=work).strip():
            self.git("checkout", "--quiet", branch, cwd=work)
        else:
            self.git("checkout", "--quiet", "--orphan", branch, cwd=work)
            self.git("rm", "-r", "--quiet", "--cached", "--ignore-unmatch", ".", cwd=work)
        for path, text in files.items():
            (work / path).parent.mkdir(parents=True, exist_ok=True)
            (work / path).write_text(text)
            self.git("add", path, cwd=work)
        self.git("commit", "--quiet", "-m", message, cwd=work)
        self.git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
        return self.git("rev-parse", "HEAD", cwd=work).strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GitDaemon:
    """``git daemon`` serving every repository under ``base`` on 127.0.0.1, push enabled."""

    def __init__(self, base: Path, env: dict[str, str]) -> None:
        self.base = base
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                "git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                f"--base-path={base}", "--listen=127.0.0.1", f"--port={self.port}", str(base),
            ],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"git daemon exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("git daemon did not accept connections within 10 s")

    def url(self, repo: Path) -> str:
        return f"git://127.0.0.1:{self.port}/{repo.relative_to(self.base).as_posix()}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def world(tmp_path: Path) -> GitWorld:
    """Repositories in a temporary folder, driven with a fixed git identity."""
    return GitWorld(tmp_path)


@pytest.fixture
def git_daemon(world: GitWorld) -> Iterator[GitDaemon]:
    """A ``git daemon`` on 127.0.0.1 serving the test's repositories, stopped after the test."""
    daemon = GitDaemon(world.root, world.env)
    try:
        yield daemon
    finally:
        daemon.stop()
