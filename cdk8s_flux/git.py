"""A small typed wrapper around the system ``git``, run with a clean, explicit environment.

The system git is used (not a library) so the user's SSH keys, credential
helpers and CI tokens work exactly as for ``git push``. Variables that would
point git at another repository, work tree or index (``GIT_DIR`` leaks from
hooks, for one) are dropped, messages are forced to English so failures can
be recognised, and git never waits for a password on a terminal.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cdk8s_flux.errors import GitError

# Kept as they are: what git, ssh, credential helpers and proxies need.
_KEEP = frozenset(
    {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "TERM", "EMAIL",
        "SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY",
        "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_ASKPASS", "GIT_TERMINAL_PROMPT",
        "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_COUNT",
        "GIT_SSL_NO_VERIFY", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "GIT_HTTP_USER_AGENT", "GIT_PROXY_COMMAND",
        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
        "GIT_TRACE", "GIT_TRACE_PACKET", "GIT_TRACE_CURL", "GIT_CURL_VERBOSE",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
        "SYSTEMROOT", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "PATHEXT", "COMSPEC",
    }
)
# Families of variables CI systems and cloud credential helpers read.
_KEEP_PREFIXES = (
    "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "XDG_", "GITHUB_", "GH_", "GITLAB_", "CI_",
    "AWS_", "GOOGLE_", "CLOUDSDK_", "AZURE_", "GCM_",
)


#: Seconds a git command that talks to a remote may take (default ``DEFAULT_TIMEOUT``).
ENV_TIMEOUT = "CDK8S_FLUX_GIT_TIMEOUT"
DEFAULT_TIMEOUT = 300.0


def network_timeout(environ: Mapping[str, str] | None = None) -> float:
    """How long a fetch, push or ls-remote may take before it counts as hanging."""
    value = (os.environ if environ is None else environ).get(ENV_TIMEOUT, "")
    try:
        seconds = float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        raise GitError(f"{ENV_TIMEOUT}={value!r} is not a number of seconds. Fix: set it to e.g. 300") from None
    return seconds if seconds > 0 else DEFAULT_TIMEOUT


def clean_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every git command runs with: an allow-list of ``environ``.

    Anything not listed (``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_INDEX_FILE``,
    ``GIT_OBJECT_DIRECTORY``, ``GIT_NAMESPACE`` ...) is dropped.
    """
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if k in _KEEP or k.startswith(_KEEP_PREFIXES)}
    env["LC_ALL"] = "C"
    env["LANGUAGE"] = "C"
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    return env


@dataclass(frozen=True)
class TreeEntry:
    """One file of a git tree: its mode and object id."""

    mode: str
    object_id: str


# What git prints when another push moved (or created) the branch first: the
# client's own check ([rejected]) or the server losing the lock on the ref.
_RACE = re.compile(
    r"\[rejected\].*\((fetch first|non-fast-forward|stale info)\)|cannot lock ref|failed to update ref|"
    r"reference already exists|but expected|incorrect old value",
)

# Failures that look like a lost race but are not: another branch inside the name (a directory/file
# conflict of refs), and a lock file a crashed git left on the remote. Retrying cannot help.
_REF_CONFLICT = re.compile(r"'(refs/heads/[^']+)' exists; cannot create '(refs/heads/[^']+)'")
_STALE_LOCK = re.compile(r"Unable to create '[^']*?(refs/heads/[^']+\.lock)': File exists")

# The remote's own object checks (receive.fsckObjects) refused what was pushed: not a protected branch.
_FSCK = re.compile(r"fsck error|unpacker error|hasDotgit|badTree|zeroPaddedFilemode|index-pack abnormal exit", re.IGNORECASE)

# What git prints, mapped to what the user should do. Checked in order.
_PROTECTED = re.compile(
    r"protected branch|GH006|not allowed to (push|force push)|pre-receive hook declined|"
    r"hook declined|denied to update|\[remote rejected\]",
    re.IGNORECASE,
)
_AUTH = re.compile(
    r"authentication failed|could not read (username|password)|terminal prompts disabled|"
    r"permission denied \(publickey|permission to .* denied|HTTP Basic: Access denied|"
    r"\b403\b|\b401\b|invalid username or password|access denied",
    re.IGNORECASE,
)
_NO_REPO = re.compile(
    r"does not appear to be a git repository|repository .* not found|repository not found|"
    r"not a git repository|no such file or directory",
    re.IGNORECASE,
)
_NETWORK = re.compile(
    r"could not resolve host|connection refused|connection timed out|network is unreachable|"
    r"unable to connect|failed to connect|connection reset",
    re.IGNORECASE,
)


def translate(action: str, remote: str, stderr: str) -> GitError:
    """A ``GitError`` that says what went wrong talking to ``remote`` and what to fix."""
    detail = " | ".join(line.strip() for line in stderr.strip().splitlines()[-4:] if line.strip())
    said = f" (git said: {detail})" if detail else ""
    if _FSCK.search(stderr):
        return GitError(
            f"{remote} refused to {action}: its object checks (receive.fsckObjects) reject what was sent{said}. "
            "Fix: look for a file name the remote refuses (such as a '.git' folder) in the manifests"
        )
    if _PROTECTED.search(stderr):
        return GitError(
            f"{remote} refused to {action}: the branch is protected or a server hook declined it{said}. "
            "Fix: allow the CI identity to push to that branch (without force), or publish to another branch (branch)"
        )
    if _AUTH.search(stderr):
        return GitError(
            f"authentication to {remote} failed while trying to {action}{said}. Fix: give the job write access: "
            "GitHub Actions 'permissions: contents: write'; GitLab a project access token with write_repository; "
            "SSH a deploy key with write access loaded in ssh-agent"
        )
    if _NO_REPO.search(stderr):
        return GitError(
            f"no git repository at {remote}'s URL{said}. Fix: check the URL with 'git remote get-url {remote}'"
        )
    if _NETWORK.search(stderr):
        return GitError(f"cannot reach {remote} to {action}{said}. Fix: check the network and the remote's URL")
    return GitError(f"git could not {action} ({remote}){said}")


class Git:
    """One repository, addressed by its git folder; never its work tree."""

    def __init__(self, git_dir: Path, environ: Mapping[str, str] | None = None, work_tree: Path | None = None) -> None:
        self.git_dir = Path(git_dir)
        self.work_tree = work_tree
        self.env = clean_environment(environ)

    @classmethod
    def discover(cls, start: Path, environ: Mapping[str, str] | None = None) -> Git:
        """The repository that holds the folder ``start``."""
        env = clean_environment(environ)
        try:
            result = subprocess.run(
                ["git", "-C", str(start), "rev-parse", "--absolute-git-dir"],
                env=env, capture_output=True, text=True, check=False,
            )
        except FileNotFoundError as exc:
            raise GitError("git is not installed. Fix: install git (it is used to push the manifests)") from exc
        if result.returncode != 0:
            raise GitError(
                f"{str(start)!r} is not inside a git repository. Fix: run publish from a clone of the app's "
                "repository, or name the clone (repo)"
            )
        top = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "--show-toplevel"], env=env, capture_output=True, text=True, check=False
        )
        work_tree = Path(top.stdout.strip()) if top.returncode == 0 and top.stdout.strip() else None
        return cls(Path(result.stdout.strip()), environ, work_tree)

    def run_raw(
        self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git ARGS`` in this repository; the caller looks at the result.

        ``timeout`` bounds commands that talk to a remote: one that does not answer is a ``GitError``, never a hang.
        """
        full_env = dict(self.env)
        full_env.update(env or {})
        try:
            return subprocess.run(
                ["git", f"--git-dir={self.git_dir}", *args],
                # where the user's own git runs, so a relative remote URL (../app.git) means what it means to them
                cwd=self.work_tree or self.git_dir, env=full_env, input=input, capture_output=True, check=False, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise GitError(
                f"'git {' '.join(args[:2])}' got no answer from the remote within {timeout:g} s. Fix: check that the "
                f"remote is reachable and its hooks finish, or allow more time ({ENV_TIMEOUT}=SECONDS)"
            ) from None

    def run(self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
        """Run ``git ARGS`` and return its stdout; a failure is a ``GitError``."""
        result = self.run_raw(*args, input=input, env=env)
        if result.returncode != 0:
            stderr = result.stderr.decode(errors="replace").strip()
            raise GitError(f"'git {' '.join(args[:3])}' failed with status {result.returncode}: {stderr}")
        return result.stdout.decode(errors="replace")

    # --- reading ------------------------------------------------------------

    def object_format(self) -> str:
        """``sha1`` or ``sha256``: how this repository names objects."""
        result = self.run_raw("rev-parse", "--show-object-format")
        value = result.stdout.decode().strip()
        return value if result.returncode == 0 and value else "sha1"

    def blob_id(self, data: bytes, object_format: str = "sha1") -> str:
        """The id git gives a file holding ``data``, computed without writing it."""
        digest = hashlib.new(object_format)
        digest.update(b"blob %d\0" % len(data))
        digest.update(data)
        return digest.hexdigest()

    def is_shallow(self) -> bool:
        """True in a shallow clone (``--depth``), as CI systems check out."""
        return self.run("rev-parse", "--is-shallow-repository").strip() == "true"

    def has_commit(self, object_id: str) -> bool:
        return self.run_raw("cat-file", "-e", f"{object_id}^{{commit}}").returncode == 0

    def missing_objects(self, object_ids: list[str]) -> set[str]:
        """Which of ``object_ids`` the object database lacks, in one ``cat-file --batch-check``."""
        if not object_ids:
            return set()
        output = self.run("cat-file", "--batch-check=%(objectname)", input=("\n".join(object_ids) + "\n").encode())
        return {line.split()[0] for line in output.splitlines() if line.endswith(" missing")}

    def rev_parse(self, ref: str) -> str | None:
        result = self.run_raw("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def config(self, key: str) -> str | None:
        result = self.run_raw("config", "--get", key)
        value = result.stdout.decode().strip()
        return value if result.returncode == 0 and value else None

    def uncommitted_changes(self) -> tuple[list[str], list[str]]:
        """Tracked files that differ from HEAD, and untracked files git does not ignore.

        Read with ``git status`` without writing the index.
        """
        if self.work_tree is None:
            return [], []
        result = self.run_raw(
            f"--work-tree={self.work_tree}", "--no-optional-locks", "status", "--porcelain", "--untracked-files=normal",
            # a submodule with only untracked files in it has no change the source commit would miss
            "--ignore-submodules=untracked",
        )
        if result.returncode != 0:
            return [], []
        tracked: list[str] = []
        untracked: list[str] = []
        for line in result.stdout.decode(errors="replace").splitlines():
            (untracked if line.startswith("??") else tracked).append(line[3:])
        return tracked, untracked

    def remote_url(self, remote: str) -> str:
        """The URL of ``remote``; a missing remote is a ``GitError`` that says how to add it."""
        result = self.run_raw("remote", "get-url", remote)
        if result.returncode != 0:
            known = self.run("remote").split()
            listed = f" (this repository has: {', '.join(known)})" if known else " (this repository has none)"
            raise GitError(
                f"no git remote named {remote!r}{listed}. Fix: 'git remote add {remote} URL', or name another remote (remote)"
            )
        return result.stdout.decode().strip()

    def ls_tree(self, commit: str, path: str) -> dict[str, TreeEntry]:
        """Every file under ``path`` in ``commit``: path to mode and id."""
        output = self.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", path)
        entries = {}
        for record in output.split("\0"):
            if not record:
                continue
            meta, _, name = record.partition("\t")
            mode, _kind, object_id = meta.split(" ")
            if name == path or name.startswith(path + "/"):
                entries[name] = TreeEntry(mode, object_id)
        return entries

    def read_blobs(self, object_ids: list[str]) -> dict[str, bytes]:
        """The content of each blob, in one ``cat-file --batch``."""
        if not object_ids:
            return {}
        unique = list(dict.fromkeys(object_ids))
        output = self.run_raw("cat-file", "--batch", input=("\n".join(unique) + "\n").encode()).stdout
        blobs, offset = {}, 0
        for object_id in unique:
            end = output.index(b"\n", offset)
            header = output[offset:end].decode().split()
            offset = end + 1
            if len(header) < 3:  # "<id> missing"
                continue
            size = int(header[2])
            blobs[object_id] = output[offset : offset + size]
            offset += size + 1
        return blobs

    # --- remote -------------------------------------------------------------

    def ls_remote_branch(self, remote: str, branch: str) -> str | None:
        """The commit ``branch`` points to on ``remote``, or None when it does not exist."""
        result = self.run_raw("ls-remote", "--heads", remote, f"refs/heads/{branch}", timeout=network_timeout())
        if result.returncode != 0:
            raise translate(f"read branch {branch!r}", remote, result.stderr.decode(errors="replace"))
        for line in result.stdout.decode().splitlines():
            object_id, _, ref = line.partition("\t")
            if ref == f"refs/heads/{branch}":
                return object_id
        return None

    def fetch(self, remote: str, branch: str, into: str | None, shallow: bool) -> None:
        """Fetch ``branch`` of ``remote`` into the private ref ``into`` (None: no ref at all).

        No other ref changes, and FETCH_HEAD is not written.
        """
        args = ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head"]
        if shallow:
            args.append("--depth=1")
        refspec = f"+refs/heads/{branch}:{into}" if into else f"refs/heads/{branch}"
        result = self.run_raw(*args, remote, refspec, timeout=network_timeout())
        if result.returncode != 0 and "no-write-fetch-head" in result.stderr.decode(errors="replace"):
            # git older than 2.29 always writes FETCH_HEAD; nothing else differs.
            args.remove("--no-write-fetch-head")
            result = self.run_raw(*args, remote, refspec, timeout=network_timeout())
        if result.returncode != 0:
            raise translate(f"fetch branch {branch!r}", remote, result.stderr.decode(errors="replace"))

    def push(self, remote: str, commit: str, branch: str) -> bool:
        """Push ``commit`` to ``branch`` without force; False when the branch moved meanwhile.

        The user's pre-push hooks are for their own pushes, not this one, so
        they are skipped.
        """
        result = self.run_raw(
            "push", "--porcelain", "--no-verify", "--quiet", remote, f"{commit}:refs/heads/{branch}", timeout=network_timeout()
        )
        if result.returncode == 0:
            return True
        report = result.stdout.decode(errors="replace") + "\n" + result.stderr.decode(errors="replace")
        conflict = _REF_CONFLICT.search(report)
        if conflict:
            raise GitError(
                f"{remote} has the branch {conflict[1].removeprefix('refs/heads/')!r}, so git cannot create {branch!r} beside "
                "it (a branch name cannot also be a folder of branch names). Fix: publish to another branch (branch), "
                "or delete the other branch on the remote"
            )
        lock = _STALE_LOCK.search(report)
        if lock:
            raise GitError(
                f"{remote} holds {lock[1]}, a lock a crashed git left behind, so no push to {branch!r} can land. "
                f"Fix: once no push is running, delete {lock[1]} in the remote repository (or ask its admins to)"
            )
        if _RACE.search(report):
            return False
        raise translate(f"push to branch {branch!r}", remote, report)
