"""The ``cdk8s-flux`` command: argument parsing and exit codes over the library, nothing else.

Heavy modules (cdk8s, jsii, YAML) are imported inside the commands, so
``--help`` and ``--version`` answer without starting Node. ``vocabulary`` holds
what every command shares; ``local``, ``deliver``, ``preview`` and ``release`` the commands.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from cdk8s_flux import __version__
from cdk8s_flux.cli import bootstrap, deliver, images, local, preview, promote, release, vocabulary
from cdk8s_flux.errors import CdkFluxError

_DESCRIPTION = """\
Synthesize a cdk8s app together with the Flux that deploys it, and hand the
manifests to Flux.

""" + vocabulary.EXIT_CODES


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="cdk8s-flux", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cdk8s-flux {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    local.add_parsers(commands)  # render, synth, validate
    deliver.add_parsers(commands)  # publish, init ci, push, pull
    preview.add_parsers(commands)  # diff
    release.add_parsers(commands)  # install --export, vendor
    promote.add_parsers(commands)  # tag
    bootstrap.add_parsers(commands)  # bootstrap
    images.add_parsers(commands)  # images init, set, check
    return parser


class _Stopped(BaseException):
    """A signal asked us to stop: unwinds like Ctrl-C, so temporary folders go and the app is stopped."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_on(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return vocabulary.EXIT_USAGE
    # What CI cancellation, `timeout` and container runtimes send: clean up as for Ctrl-C.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on)
    try:
        return int(args.run(args))
    except CdkFluxError as exc:
        print(f"cdk8s-flux: error: {vocabulary.message(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cdk8s-flux: interrupted", file=sys.stderr)
        return 130
    except _Stopped as stopped:
        print(f"cdk8s-flux: stopped by {signal.Signals(stopped.signum).name}; nothing was left half-written", file=sys.stderr)
        return 128 + stopped.signum


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
