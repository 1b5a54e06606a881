"""The ``cdk8s-flux`` command: a thin layer over the library.

Heavy modules (cdk8s, jsii, YAML) are imported inside the commands, so
``--help`` and ``--version`` answer without starting Node.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cdk8s_flux import __version__
from cdk8s_flux.errors import CdkFluxError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

_DESCRIPTION = """\
Synthesize a cdk8s app together with the Flux that deploys it, and hand the
manifests to Flux.

exit codes:
  0  success
  1  error (git, registry, I/O)
  2  bad arguments or configuration
  3  the app failed to synthesize or produced unusable output
"""


def _progress(message: str) -> None:
    print(f"cdk8s-flux: {message}", file=sys.stderr, flush=True)


def _cmd_render(args: argparse.Namespace) -> int:
    from cdk8s_flux.app import load_app_config, synthesize
    from cdk8s_flux.atomic import write_file
    from cdk8s_flux.manifests import join_stream

    config = load_app_config(Path(args.app_dir), args.app)
    files = synthesize(config)
    stream = join_stream(files)
    count = sum(len(f.objects) for f in files)
    if args.output:
        write_file(Path(args.output), stream)
    else:
        sys.stdout.write(stream)
        sys.stdout.flush()
    if not args.quiet:
        _progress(f"rendered {count} objects from {len(files)} files")
    return EXIT_OK


def _cmd_synth(args: argparse.Namespace) -> int:
    from cdk8s_flux.app import load_app_config, synthesize
    from cdk8s_flux.atomic import replace_dir

    config = load_app_config(Path(args.app_dir), args.app)
    output = Path(args.output) if args.output else config.directory / "dist"
    _progress(f"synthesizing {config.command!r} in {config.directory}")
    files = synthesize(config)
    replace_dir(output, {f.path: f.text for f in files})
    count = sum(len(f.objects) for f in files)
    _progress(f"wrote {count} objects in {len(files)} files to {output}")
    return EXIT_OK


def _add_app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "app_dir", nargs="?", default=".", metavar="APP_DIR", help="folder holding cdk8s.yaml (default: .)"
    )
    parser.add_argument(
        "--app", metavar="COMMAND", help="command that synthesizes the app (default: 'app:' of cdk8s.yaml)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cdk8s-flux", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"cdk8s-flux {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = commands.add_parser(
        "render",
        help="print every synthesized object as one YAML stream (a Flux v1 generator)",
        description="Run the app and print every object it synthesizes as ONE multi-document "
        "YAML stream on stdout; everything else goes to stderr. Use it as the generator "
        "command of a .flux.yaml.",
    )
    _add_app_arguments(render)
    render.add_argument("-o", "--output", metavar="FILE", help="write the stream to FILE (atomically) instead of stdout")
    render.add_argument("-q", "--quiet", action="store_true", help="print nothing on stderr on success")
    render.set_defaults(run=_cmd_render)

    synth = commands.add_parser(
        "synth",
        help="synthesize the app into a folder, replacing it atomically",
        description="Run the app and write its manifests to OUTPUT. The folder is replaced as a "
        "whole: a failed synth leaves the previous content untouched.",
    )
    _add_app_arguments(synth)
    synth.add_argument("-o", "--output", metavar="DIR", help="output folder (default: APP_DIR/dist)")
    synth.set_defaults(run=_cmd_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args)
    except CdkFluxError as exc:
        print(f"cdk8s-flux: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cdk8s-flux: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
