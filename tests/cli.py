"""Run the installed ``cdk8s-flux`` console script as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = Path(sys.executable).parent / "cdk8s-flux"


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``cdk8s-flux ARGS`` and capture stdout and stderr as text."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [str(CLI), *args], cwd=cwd, env=full_env, capture_output=True, text=True, check=False, timeout=300
    )
