"""The one vocabulary every command speaks: arguments, check options, formats, exit codes, messages.

``APP_DIR`` is positional everywhere; ``-o/--output`` is always where to write;
``--format`` is always how; the check options are defined here once. The
library names fields (``kubernetes_version``); only this module turns them into
flags (``--kubernetes-version``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cdk8s_flux.errors import CdkFluxError, ValidationError

if TYPE_CHECKING:
    from cdk8s_flux.pipeline import CheckPolicy

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
#: ``pull --verify``: the artifact differs from the local render; ``diff --exit-code``: there are changes.
EXIT_DIFFERS = 5

EXIT_CODES = """\
exit codes:
  0  success (also: already up to date)
  1  error: git, registry, I/O, a Flux release that cannot be had
  2  bad arguments or configuration
  3  the app failed to synthesize or produced unusable output
  4  invalid objects, or content a delivery refuses (a Secret in clear)
  5  pull --verify: the artifact differs from the local render; diff --exit-code: there are changes
"""

#: Field names the library uses in messages, and the flag each is set with here.
FIELD_FLAGS = {
    "allow_secrets": "--allow-secrets",
    "allow_unknown_kinds": "--allow-unknown-kinds",
    "allow_dirty": "--allow-dirty",
    "kubernetes_version": "--kubernetes-version",
    "flux_version": "--flux-version",
    "no_validate": "--no-validate",
    "max_attempts": "--max-attempts",
    "insecure_registry": "--insecure-registry",
    "kustomization_files": "--no-kustomization",
    "branch/path": "--branch/--path",
    "branch": "--branch",
    "path": "--path",
    "remote": "--remote",
    "reference": "REFERENCE",
    "tags": "--tag",
    "creds": "--creds",
    "crds": "--crds",
    "source": "--source",
    "revision": "--revision",
    "provider": "--provider",
    "version": "--version",
    "repo": "--repo",
    "app": "--app",
    "verbose": "--verbose",
    "timeout": "--timeout",
    "app_dir": "APP_DIR",
    "delivery": "--delivery",
    "sign": "--sign",
    "components": "--components",
    "components_extra": "--components-extra",
    "max_size": "--max-size",
    "output": "--output",
    "context": "--context",
    "wait_timeout": "--wait-timeout",
    "ssh_key_algorithm": "--ssh-key-algorithm",
    "ssh_ecdsa_curve": "--ssh-ecdsa-curve",
    "ssh_rsa_bits": "--ssh-rsa-bits",
    "ssh_hostname": "--ssh-hostname",
    "private_key_file": "--private-key-file",
    "private_key_output": "--private-key-output",
}
# Inside a message's text, names that cannot be ordinary words are rewritten anywhere; the others
# only where the library marks them as field names, in parentheses ("(creds)") or leading ("verbose shows").
_IN_TEXT = re.compile(r"\b(" + "|".join(re.escape(k) for k in FIELD_FLAGS if "_" in k) + r")\b")
_MARKED = re.compile(r"\((" + "|".join(re.escape(k) for k in FIELD_FLAGS) + r")\)|\((verbose) shows")


class UsageError(CdkFluxError):
    """A command line that cannot work as given."""

    exit_code = EXIT_USAGE


def progress(message: str) -> None:
    """Progress on stderr, so stdout stays free for manifests and reports."""
    print(f"cdk8s-flux: {message}", file=sys.stderr, flush=True)


def deprecated(old: str, new: str) -> None:
    """A note that a spelling still works for this release."""
    progress(f"note: {old} is deprecated and goes away in the next release; use {new}")


def message(exc: CdkFluxError) -> str:
    """The error as a command-line user reads it: flags where the library names fields."""
    if isinstance(exc, ValidationError):
        flag = FIELD_FLAGS.get(exc.field, exc.field)
        text = f"{flag}={exc.value!r}: {exc.problem}. Fix: {exc.fix}"
    else:
        text = str(exc)
    return flags_in(text)


def flags_in(text: str) -> str:
    """``text`` with the library's field names written as the flags that set them."""
    text = _MARKED.sub(lambda m: f"({FIELD_FLAGS[m.group(1)]})" if m.group(1) else f"({FIELD_FLAGS[m.group(2)]} shows", text)
    return _IN_TEXT.sub(lambda m: FIELD_FLAGS[m.group(1)], text)


# --- arguments ---------------------------------------------------------------------


def add_command(commands: argparse._SubParsersAction, name: str, summary: str, description: str, usage: str | None = None) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` keeps the description's own line breaks (its exit-code table)."""
    return commands.add_parser(
        name, help=summary, description=description, usage=usage, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def add_app_arguments(parser: argparse.ArgumentParser, *, positional: bool = True) -> None:
    """``APP_DIR``, ``--app`` and ``--verbose``, for every command that runs the app.

    ``positional=False`` for commands that read APP_DIR among other positionals themselves.
    """
    if positional:
        parser.add_argument("app_dir", nargs="?", default=None, metavar="APP_DIR", help="folder holding cdk8s.yaml (default: .)")
    parser.add_argument("--app", metavar="COMMAND", help="command that synthesizes the app (default: 'app:' of cdk8s.yaml)")
    parser.add_argument("--app-dir", dest="app_dir_option", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="show the app's whole output when it fails with one of our errors")
    parser.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS",
        help="stop the app if it runs longer (default: 600); git waits for a remote as long as CDK8S_FLUX_GIT_TIMEOUT says (default: 300)",
    )


def app_dir(args: argparse.Namespace) -> str:
    """APP_DIR, also from the deprecated ``--app-dir``."""
    if getattr(args, "app_dir_option", None):
        deprecated("--app-dir DIR", "the positional APP_DIR")
        if args.app_dir and args.app_dir != args.app_dir_option:
            raise UsageError(f"APP_DIR {args.app_dir!r} and --app-dir {args.app_dir_option!r} differ. Fix: give APP_DIR only")
        return str(args.app_dir_option)
    return str(args.app_dir or ".")


def add_registry_options(parser: argparse.ArgumentParser) -> None:
    """How to reach an OCI registry, the same on every command that talks to one."""
    parser.add_argument("--creds", metavar="USER:PASSWORD", help="registry credentials (default: the environment, then the docker config)")
    parser.add_argument("--insecure-registry", action="store_true", help="talk plain HTTP to the registry (a local one); refused otherwise")


def add_check_options(parser: argparse.ArgumentParser, *, can_skip: bool = True) -> None:
    """The check options, the same on every command that checks objects."""
    group = parser.add_argument_group("checks (the same on every command)")
    if can_skip:
        group.add_argument("--no-validate", dest="validate", action="store_false", help="skip the schema checks (core kinds and CRDs)")
    group.add_argument("--kubernetes-version", metavar="X.Y", help="Kubernetes version of the cluster (default: the newest known)")
    group.add_argument(
        "--flux-version", metavar="vX.Y.Z",
        help="Flux release whose CRDs check Flux objects no CRD in the output defines (default: the app's "
        "FluxInstall, else cdk8s-flux.lock, else the embedded v2.9.4)",
    )
    group.add_argument(
        "--crds", action="append", default=[], type=Path, metavar="PATH",
        help="a CRD file or a folder of them that checks custom resources whose CRD the app does not carry "
        "(repeatable; adds to 'crds:' of cdk8s.yaml; never written into the output)",
    )
    group.add_argument("--allow-unknown-kinds", action="store_true", help="skip custom resources no CRD schema is known for")
    group.add_argument("--allow-secrets", action="store_true", help="deliver Secrets with data in clear (refused by publish and push)")


def policy(args: argparse.Namespace) -> CheckPolicy:
    """The check policy the options give."""
    from cdk8s_flux.pipeline import CheckPolicy, crd_files

    for path in getattr(args, "crds", None) or ():
        crd_files(path)  # a wrong path is said before any git, registry or app work
    return CheckPolicy(
        validate=getattr(args, "validate", True),
        kubernetes_version=args.kubernetes_version,
        flux_version=args.flux_version,
        allow_unknown_kinds=args.allow_unknown_kinds,
        allow_secrets=args.allow_secrets,
        crds=tuple(getattr(args, "crds", None) or ()),
    )


def add_format(parser: argparse.ArgumentParser, what: str, choices: tuple[str, ...] = ("text", "json")) -> None:
    """``--format``: how a report is written on stdout."""
    parser.add_argument("--format", choices=choices, default=None, help=f"{what} (default: text)")


def report_format(args: argparse.Namespace, *, old_output: bool = False, old_json: bool = False) -> str:
    """``--format``, also from the deprecated ``-o json`` / ``--output json`` / ``--json``."""
    chosen = args.format
    if old_output and args.output in ("text", "json"):
        deprecated(f"--output {args.output}", f"--format {args.output}")
        chosen = chosen or args.output
        args.output = None
    if old_json and getattr(args, "json", False):
        deprecated("--json", "--format json")
        chosen = chosen or "json"
    return chosen or "text"
