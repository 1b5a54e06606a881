"""The package passes its static checks: mypy (types, references between constructs) and ruff (lint)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)


def test_mypy_finds_no_error_in_the_package() -> None:
    result = _run("mypy", "--no-error-summary")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing_in_the_package() -> None:
    result = _run("ruff", "check", "--output-format", "concise", "cdk8s_flux")
    assert result.returncode == 0, result.stdout + result.stderr
