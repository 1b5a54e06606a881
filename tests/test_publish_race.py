"""Four CI jobs publishing at the same moment: all land, in a linear history, nothing lost."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from cdk8s_flux.app import load_app_config, synthesize
from cdk8s_flux.layout import build_layout
from gitfixtures import GitDaemon, GitWorld, git_daemon, world  # noqa: F401  (fixtures)

RACERS = 4

# Each racer renders first, says it is ready, then waits for the barrier so
# that all four fetch, commit and push at the same instant.
RACER = """
import sys, time
from pathlib import Path
from cdk8s_flux.pipeline import CheckPolicy, render
from cdk8s_flux.publish import PublishOptions, publish_layout

repo, ready, barrier = (Path(a) for a in sys.argv[1:4])
layout = render(repo, CheckPolicy(), deliver=True).layout()
ready.touch()
while not barrier.exists():
    time.sleep(0.001)
result = publish_layout(repo, layout, PublishOptions())
print(result.status, result.attempts, result.commit)
"""


def objects_of(index: int) -> dict:
    shared = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared", "namespace": "web"},
              "data": {"racer": str(index)}}
    own = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"racer-{index}", "namespace": "web"},
           "data": {"k": "v"}}
    return {"web": [shared, own]}


def test_four_publishers_at_once_all_land_in_a_linear_history(world: GitWorld, git_daemon: GitDaemon) -> None:
    # GIVEN four CI clones of one remote, each at a different source commit
    remote = world.bare_remote()
    clones = [world.source(git_daemon.url(remote), objects_of(i), name=f"racer-{i}") for i in range(RACERS)]
    sources = [world.git("rev-parse", "HEAD", cwd=c).strip() for c in clones]
    assert len(set(sources)) == RACERS
    env = {**world.env}
    barrier = world.root / "go"
    # WHEN they publish at the same moment
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(clone), str(world.root / f"ready-{i}"), str(barrier)],
            env={**__import__("os").environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i, clone in enumerate(clones)
    ]
    deadline = time.monotonic() + 120
    while not all((world.root / f"ready-{i}").exists() for i in range(RACERS)):
        assert time.monotonic() < deadline and all(r.poll() is None for r in racers), [r.communicate() for r in racers]
        time.sleep(0.01)
    barrier.touch()
    outputs = [r.communicate(timeout=120) for r in racers]
    # THEN every one succeeds and pushes its own commit
    assert [r.returncode for r in racers] == [0] * RACERS, outputs
    reports = [out.split() for out, _ in outputs]
    assert all(report[0] == "published" for report in reports), outputs
    # AND they really raced: some had to rebuild on a tip that moved
    assert max(int(report[1]) for report in reports) > 1, outputs
    # AND the history is linear and holds exactly the four commits
    history = world.git("rev-list", "--parents", "manifests", cwd=remote).splitlines()
    assert all(len(line.split()) <= 2 for line in history)
    chain = world.git("rev-list", "--first-parent", "manifests", cwd=remote).split()
    assert sorted(chain) == sorted(report[2] for report in reports)
    # AND every racer's source commit is traced on the branch
    trailers = world.git("log", "--format=%(trailers:key=Source-Commit,valueonly)", "manifests", cwd=remote).split()
    assert sorted(trailers) == sorted(sources)
    # AND the final tree is what the last commit's source synthesizes
    last = sources.index(trailers[0])
    layout = build_layout(synthesize(load_app_config(clones[last])))
    assert world.files(remote) == {f"dist/{path}": text for path, text in layout.items()}
