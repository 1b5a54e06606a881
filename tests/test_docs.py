"""The Python snippets of the README and the guides run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "docs/flux-v1.md", "docs/oci.md"]
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def snippets() -> list[tuple[str, int, str]]:
    found = []
    for document in DOCUMENTS:
        for index, code in enumerate(FENCE.findall((ROOT / document).read_text())):
            found.append((document, index, code))
    return found


@pytest.mark.parametrize(("document", "index", "code"), snippets(), ids=lambda v: str(v)[:20])
def test_snippet_runs(document: str, index: int, code: str, tmp_path: Path) -> None:
    # Each snippet runs in its own process and folder, as a user would paste it.
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    assert result.returncode == 0, f"{document} snippet {index}:\n{result.stderr}"
