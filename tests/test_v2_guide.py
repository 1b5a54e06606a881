"""docs/flux-v2.md: its Python snippets run as written, against the vendored Flux v2.9.4 manifests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "flux-v2.md"
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
SNIPPETS = FENCE.findall(GUIDE.read_text())


def test_the_guide_has_snippets() -> None:
    assert len(SNIPPETS) >= 4


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_snippet_runs(index: int, shared_flux: Path, tmp_path: Path) -> None:
    # Each snippet runs in its own process and empty folder, with the manifests vendored.
    env = dict(os.environ, CDK8S_FLUX_MANIFESTS=str(shared_flux), XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-c", SNIPPETS[index]], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    written = sorted((tmp_path / "dist").glob("*.k8s.yaml"))
    assert written, "the snippet synthesized nothing"
    assert all(list(yaml.safe_load_all(p.read_text())) for p in written)
