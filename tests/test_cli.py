"""The command line: help, version, exit codes, and no Node for commands that do not synthesize."""

from __future__ import annotations

import subprocess
import sys

from cli import run_cli
from cdk8s_flux import __version__


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"cdk8s-flux {__version__}"


def test_help_lists_commands_and_exit_codes() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("render", "synth", "exit codes", "3  the app failed"):
        assert word in result.stdout


def test_no_command_is_a_usage_error() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_help_and_version_do_not_import_cdk8s() -> None:
    # cdk8s starts a Node process at import; --help must not pay for it.
    code = (
        "import sys\n"
        "from cdk8s_flux.cli import main\n"
        "for argv in (['--help'], ['--version'], ['render', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = [m for m in ('cdk8s', 'jsii', 'yaml', 'constructs') if m in sys.modules]\n"
        "sys.stderr.write(repr(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr == "[]"
