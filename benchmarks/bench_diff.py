"""``cdk8s-flux diff`` of a 2,000-object app against its published branch, one object changed.

The app is the publish benchmark's (20 charts of 100 ConfigMaps). Its synthesis is the app's
own cost, the same with or without diff, so it runs once and is left out. *Ours*: what diff
does beyond that: read the branch folder with git plumbing (ls-remote, ls-tree, one
``cat-file --batch``), parse its 2,000 files, lay out the app's side (a file with the same
text as on the branch is not parsed twice), match and compare the objects, derive the Flux
warnings and write the text report. *Floor*:
``git diff --stat`` between the published tree and the same tree with that one object
changed, both already committed: the least any tool must do to say which file changed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks.bench_publish import _git, git_sandbox
from benchmarks.harness import Comparison, median_of


def run() -> list[Comparison]:
    from cdk8s_flux.app import load_app_config, synthesize
    from cdk8s_flux.diff import as_text, compare, flux_warnings
    from cdk8s_flux.diff.sides import _parsed, branch_side, objects_of_files
    from cdk8s_flux.git import Git
    from cdk8s_flux.layout import build_layout
    from cdk8s_flux.manifests import ManifestFile, parse_file
    from cdk8s_flux.publish import PublishOptions, publish_layout

    with git_sandbox() as (root, remote, source):
        start = time.perf_counter()
        files = synthesize(load_app_config(source))
        print(f"synthesizing the app (cdk8s, not timed below): {time.perf_counter() - start:.2f} s", file=sys.stderr)
        publish_layout(source, build_layout(files), PublishOptions())
        # One object changed: the first ConfigMap of the first chart.
        first = files[0]
        changed = parse_file(first.path, first.text.replace("index: \"0\"", "index: \"changed\"", 1))
        after_files: list[ManifestFile] = [changed, *files[1:]]
        assert changed.objects != first.objects
        git = Git.discover(source)

        def ours() -> None:
            _parsed.cache_clear()  # as in a fresh run of the command: every file read is parsed once
            before = branch_side(git, "origin", "manifests", "dist")
            after = objects_of_files(build_layout(after_files), "the app now")
            changes = compare(before.objects, after)
            assert len(changes) == 1, changes
            as_text(changes, flux_warnings(changes, before.objects, after))

        # The floor: both trees committed, then git diff --stat between them.
        publish_layout(source, build_layout(after_files), PublishOptions(branch="changed"))
        checkout = root / "checkout"
        _git("clone", "-q", remote.as_uri(), str(checkout), cwd=root)

        def floor() -> None:
            _git("diff", "--stat", "origin/manifests", "origin/changed", cwd=checkout)

        ours()
        floor()
        ours_seconds = median_of(ours, repeat=5)
        floor_seconds = median_of(floor, repeat=5)
        return [Comparison("diff, 2,000 objects, one changed (read + compare + report)", ours_seconds,
                           "git diff --stat of the two trees", floor_seconds)]
