"""``cdk8s-flux push --help`` and ``pull --help``: exit codes listed, nothing heavy imported."""

from __future__ import annotations

import subprocess
import sys

from cli import run_cli


def test_push_and_pull_help_load_neither_cdk8s_nor_the_registry_client() -> None:
    code = (
        "import sys\n"
        "from cdk8s_flux.cli import main\n"
        "for argv in (['push', '--help'], ['pull', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = [m for m in ('cdk8s', 'jsii', 'yaml', 'oras', 'requests') if m in sys.modules]\n"
        "sys.stderr.write(repr(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr == "[]"


def test_help_lists_the_exit_codes_and_the_credential_variables() -> None:
    push = run_cli("push", "--help")
    assert push.returncode == 0
    assert "CDK8S_FLUX_REGISTRY_USER" in push.stdout and "--insecure-registry" in push.stdout
    assert "  4  invalid objects, or content a delivery refuses" in push.stdout
    pull = run_cli("pull", "--help")
    assert "  5  pull --verify: the artifact differs" in pull.stdout
