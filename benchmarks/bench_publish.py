"""``cdk8s-flux publish`` of an app whose layout is 2,021 files (2,000 ConfigMaps in 20 charts).

Synthesizing the app is the app's own cost (cdk8s in Node) and takes seconds,
so it runs once and is reported apart; what is timed is publish's own work on
the synthesized files:

- no-op publish: the checks every command runs (Secrets, strict schemas), layout and git
  (ls-remote, ls-tree, compare blob ids), against the floor of ``git status`` + ``git diff``
  on a checkout of the same branch (the least any tool must do to learn that
  2,021 files did not change);
- the git part of the no-op alone, against the same floor;
- first publish to an empty remote, against the naive script's
  ``git checkout --orphan`` + ``git add`` + ``git commit`` + ``git push`` of the same files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.harness import Comparison, median_of

CHARTS = 20
OBJECTS_PER_CHART = 100

APP = f"""
import cdk8s_flux
import cdk8s
from cdk8s_flux.kube import api_object

app = cdk8s.App()
for c in range({CHARTS}):
    chart = cdk8s.Chart(app, f"chart-{{c}}", namespace=f"ns-{{c}}")
    for i in range({OBJECTS_PER_CHART}):
        api_object(chart, f"cm-{{i}}", {{"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {{"name": f"config-{{i}}"}}, "data": {{"index": str(i), "chart": str(c)}}}})
app.synth()
"""

_ENV = {
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _source(root: Path, remote: Path) -> Path:
    source = root / "source"
    source.mkdir()
    (source / "main.py").write_text(APP)
    (source / "cdk8s.yaml").write_text("app: python main.py\n")
    _git("init", "-q", "-b", "main", cwd=source)
    _git("add", ".", cwd=source)
    _git("commit", "-qm", "app", cwd=source)
    _git("remote", "add", "origin", remote.as_uri(), cwd=source)
    return source


@contextmanager
def git_sandbox() -> Iterator[tuple[Path, Path, Path]]:
    """A temporary folder with a bare remote and the benchmark app's clone, git set up; (root, remote, source)."""
    saved = dict(os.environ)
    root = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        (root / "gitconfig").write_text("")
        os.environ.update(_ENV, GIT_CONFIG_GLOBAL=str(root / "gitconfig"))
        remote = root / "remote.git"
        _git("init", "-q", "--bare", str(remote), cwd=root)
        yield root, remote, _source(root, remote)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)


def _naive_first_publish(root: Path, layout: dict[str, str]) -> None:
    """The shell script the issue quotes, minus its synth: orphan checkout, add, commit, push."""
    remote = root / f"naive-{time.monotonic_ns()}.git"
    _git("init", "-q", "--bare", str(remote), cwd=root)
    work = root / f"naive-work-{time.monotonic_ns()}"
    work.mkdir()
    _git("init", "-q", cwd=work)
    _git("checkout", "-q", "--orphan", "manifests", cwd=work)
    for path, text in layout.items():
        target = work / "dist" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    start = time.perf_counter()
    _git("add", "dist", cwd=work)
    _git("commit", "-qm", "Update K8s manifests", cwd=work)
    _git("push", "-q", remote.as_uri(), "manifests", cwd=work)
    _naive_first_publish.elapsed = time.perf_counter() - start  # type: ignore[attr-defined]


def run() -> list[Comparison]:
    from cdk8s_flux.app import load_app_config, synthesize
    from cdk8s_flux.layout import build_layout
    from cdk8s_flux.pipeline import CheckPolicy, check
    from cdk8s_flux.publish import PublishOptions, publish_layout

    with git_sandbox() as (root, remote, source):
        start = time.perf_counter()
        files = synthesize(load_app_config(source))
        synth_seconds = time.perf_counter() - start
        options = PublishOptions()
        layout = build_layout(files)
        print(
            f"synthesizing the app (cdk8s, not timed below): {synth_seconds:.2f} s; "
            f"layout: {len(layout)} files",
            file=sys.stderr,
        )

        def publish_step() -> None:
            check(files, CheckPolicy(), deliver=True, start=source)  # every run checks, as render does
            publish_layout(source, build_layout(files), options)

        # First publish: a fresh remote and a fresh clone (no blob stored yet) each time.
        def fresh_remote() -> None:
            shutil.rmtree(remote)
            _git("init", "-q", "--bare", str(remote), cwd=root)
            shutil.rmtree(source)
            _source(root, remote)

        first = median_of(publish_step, repeat=3, setup=fresh_remote)
        naive = []
        for _ in range(3):
            _naive_first_publish(root, layout)
            naive.append(_naive_first_publish.elapsed)  # type: ignore[attr-defined]
        naive_seconds = sorted(naive)[1]

        # No-op: the branch already holds this layout.
        checkout = root / "checkout"
        _git("clone", "-q", "--branch", "manifests", remote.as_uri(), str(checkout), cwd=root)

        def floor() -> None:
            _git("status", "--porcelain", cwd=checkout)
            _git("diff", "--stat", cwd=checkout)

        floor()  # warm the index stat cache once, as a second run of any tool would find it
        noop = median_of(publish_step, repeat=5)
        noop_git = median_of(lambda: publish_layout(source, layout, options), repeat=5)
        floor_seconds = median_of(floor, repeat=5)
        result = publish_layout(source, layout, options)
        assert result.status == "up to date", result.status
        return [
            Comparison(
                f"publish no-op, {len(layout)} files (checks + layout + git)", noop,
                "git status + git diff", floor_seconds,
            ),
            Comparison(f"publish no-op, {len(layout)} files (git part only)", noop_git,
                       "git status + git diff", floor_seconds),
            Comparison(
                f"first publish, {len(layout)} files (layout + checks + git)", first,
                "naive add + commit + push", naive_seconds,
            ),
        ]
