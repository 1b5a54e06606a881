"""The Python snippets of the README and every guide run as written.

Each snippet runs in its own process and empty folder, as a user would paste it, with
no network: Flux v2 snippets use the release embedded in the package.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
#: Documents whose snippets need a setting of their own to run (they are shown, not run here).
NOT_RUNNABLE = {
    "docs/publish.md": "its snippet publishes the current folder's git repository",
}
DOCUMENTS = sorted(
    str(p.relative_to(ROOT)) for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")] if FENCE.search(p.read_text())
)


def snippets() -> list[tuple[str, int, str]]:
    return [
        (doc, index, code)
        for doc in DOCUMENTS
        if doc not in NOT_RUNNABLE
        for index, code in enumerate(FENCE.findall((ROOT / doc).read_text()))
    ]


@pytest.mark.parametrize(("document", "index", "code"), snippets(), ids=lambda v: str(v)[:24])
def test_snippet_runs(document: str, index: int, code: str, tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), CDK8S_FLUX_RELEASES_URL="http://127.0.0.1:9/releases")
    env.pop("CDK8S_FLUX_MANIFESTS", None)
    command = [sys.executable, "-c", code]
    if "def test_" in code:
        # A snapshot test, as the guide shows: record the snapshots once, then it must pass.
        (tmp_path / "snippet_test.py").write_text(code)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "snippet_test.py"]
        subprocess.run([*command, "--snapshot-update"], cwd=tmp_path, capture_output=True, timeout=180, env=env)
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, f"{document} snippet {index}:\n{result.stdout}\n{result.stderr}"
    if "app.synth()" in code:
        written = list((tmp_path / "dist").glob("*.k8s.yaml"))
        assert any(p.read_text().strip() for p in written), f"{document} snippet {index} synthesized nothing"


def test_every_guide_with_snippets_is_covered() -> None:
    assert {"README.md", "docs/flux-v1.md", "docs/flux-v2.md", "docs/oci.md", "docs/testing.md"} <= set(DOCUMENTS)
    assert set(NOT_RUNNABLE) <= set(DOCUMENTS)
