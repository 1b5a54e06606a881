"""The Python snippets of the Flux v2 custom resource guides (docs/v2-*.md) run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["docs/v2-sources.md", "docs/v2-kustomize.md", "docs/v2-helm.md", "docs/v2-notification.md", "docs/v2-image-automation.md"]
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def snippets() -> list[tuple[str, int, str]]:
    return [(doc, i, code) for doc in DOCUMENTS for i, code in enumerate(FENCE.findall((ROOT / doc).read_text()))]


def test_every_guide_has_a_snippet() -> None:
    assert {doc for doc, _, _ in snippets()} == set(DOCUMENTS)


@pytest.mark.parametrize(("document", "index", "code"), snippets(), ids=lambda v: str(v)[:24])
def test_snippet_runs_and_synthesizes(document: str, index: int, code: str, tmp_path: Path) -> None:
    # GIVEN the snippet as a user would paste it, in an empty folder
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    # THEN it runs and writes the manifests
    assert result.returncode == 0, f"{document} snippet {index}:\n{result.stderr}"
    assert list((tmp_path / "dist").glob("*.k8s.yaml")), f"{document} snippet {index} synthesized nothing"
