"""Files that hold a secret (the apply bundle, a private key): mode 0600, written atomically, never where git takes them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cdk8s_flux.atomic import write_file
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.git import clean_environment


def refuse_in_git(field: str, path: Path) -> None:
    """Refuse ``path`` inside a git work tree unless git ignores it: a ``git add -A`` would commit the secret."""
    folder = path.parent if path.parent.exists() else next((p for p in path.parents if p.exists()), Path("."))
    env = clean_environment(None)
    top = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True, text=True, env=env, check=False)
    if top.returncode != 0:
        return
    ignored = subprocess.run(["git", "-C", str(folder), "check-ignore", "-q", "--", str(path.resolve())], env=env, check=False)
    if ignored.returncode != 0:
        raise ValidationError(
            field, str(path), f"lies in the git work tree {top.stdout.strip()}, where it is not ignored and a commit could take the Secret",
            "write it outside the clone, or list it in .gitignore",
        )


def write_private(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` with mode 0600, atomically; False when it already held exactly that.

    For what holds a secret (the bundle, a private key): the file is made 0600 before any byte is written.
    """
    if path.is_file() and path.read_text() == text:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return False
    write_file(path, text, mode=0o600)
    return True
