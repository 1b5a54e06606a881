"""``cdk8s-flux bootstrap``: the first install of Flux on a cluster, from the app's FluxInstall and FluxSync."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from cdk8s_flux.cli import vocabulary as v

_DESCRIPTION = """\
Install Flux on a cluster from the app itself, as 'flux bootstrap' does, with
the app's FluxInstall and its one FluxSync (a GitTarget or an OciTarget):

  1. render the app once, with the checks of publish and push;
  2. make the Secret the sync's source reads: for ssh:// an SSH deploy key
     (flux's default ECDSA P-384, or --private-key-file) and the host's
     known_hosts (--known-hosts FILE, or scanned and confirmed by fingerprint:
     --host-key-fingerprint, or a yes on a terminal); for https:// the token in
     GIT_PASSWORD; for OCI --username and CDK8S_FLUX_SOURCE_PASSWORD. A Secret
     the cluster (--context) or the bundle file (-o) already holds is kept;
  3. print the deploy key, with where to add it;
  4. publish the manifests to the target's branch, or push them to its
     artifact, as publish and push do (the Secret is never among them);
  5. --export: write the apply bundle (install, Secret, sync, in that order)
     to stdout or -o FILE (mode 0600), for 'kubectl apply --server-side -f';
     --context NAME: apply it with kubectl, in flux bootstrap's order: the
     install server-side, CRDs established and controllers available, the
     Secret, then the sync; on a terminal, a new deploy key must be confirmed
     as added before the sync (a no stops with exit code 1). Re-running
     changes nothing.

Nothing secret is printed but the public key; the private key is written to
a file only with --private-key-output FILE (mode 0600).

""" + v.EXIT_CODES


def _confirm(host: str, shown: list[str]) -> bool:
    """Ask on the terminal whether to trust the keys a scan found; never without one."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    print(f"cdk8s-flux: {host} announced these host keys:", file=sys.stderr)
    for line in shown:
        print(f"  {line}", file=sys.stderr)
    print("Compare them with the fingerprints the git host publishes. Trust them? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _show_key(message: str) -> None:
    """The deploy key on stderr as it is, so it can be copied whole (stdout may carry the bundle)."""
    sys.stderr.write("\n" + message + "\n")
    sys.stderr.flush()


def _key_added() -> bool:
    """On a terminal, ask whether the deploy key is on the git host (as flux bootstrap asks); without one, go on unasked."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return True
    print("Has the deploy key been added to the repository? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _password() -> str | None:
    """The token or password: CDK8S_FLUX_SOURCE_PASSWORD, else GIT_PASSWORD (flux bootstrap git's), else none."""
    return os.environ.get("CDK8S_FLUX_SOURCE_PASSWORD") or os.environ.get("GIT_PASSWORD") or None


def _run(args: argparse.Namespace) -> int:
    from cdk8s_flux.bootstrap.flow import BootstrapOptions, bootstrap
    from cdk8s_flux.bootstrap.secret import SecretOptions
    from cdk8s_flux.credentials.keys import KeyOptions

    secret = SecretOptions(
        key=KeyOptions(algorithm=args.ssh_key_algorithm, rsa_bits=args.ssh_rsa_bits, ecdsa_curve=args.ssh_ecdsa_curve),
        private_key_file=Path(args.private_key_file) if args.private_key_file else None,
        password=_password(),
        known_hosts_file=Path(args.known_hosts) if args.known_hosts else None,
        ssh_hostname=args.ssh_hostname,
        host_key_fingerprints=tuple(args.host_key_fingerprint or ()),
        username=args.username,
        bearer_token=args.with_bearer_token,
        ca_file=Path(args.ca_file) if args.ca_file else None,
    )
    options = BootstrapOptions(
        secret=secret,
        context=args.context,
        export=args.export,
        output=Path(args.output) if args.output else None,
        private_key_output=Path(args.private_key_output) if args.private_key_output else None,
        wait_timeout=args.wait_timeout,
        remote=args.remote,
        allow_dirty=args.allow_dirty,
        creds=args.creds,
        insecure_registry=args.insecure_registry,
    )
    chosen = v.report_format(args)
    if chosen == "json" and args.export and not args.output:
        raise v.UsageError("--format json and --export without -o both write to stdout. Fix: give -o FILE for the bundle")
    result = bootstrap(
        Path(v.app_dir(args)), options, v.policy(args), command=args.app, repo=args.repo, progress=v.progress,
        verbose=args.verbose, timeout=args.timeout, confirm=_confirm, show_key=_show_key, key_added=_key_added,
    )
    if args.export and not args.output:
        sys.stdout.write(result.bundle_text)
    elif chosen == "json":
        sys.stdout.write(json.dumps(result.as_json(), indent=2) + "\n")
    sys.stdout.flush()
    return v.EXIT_OK


def add_parsers(commands: argparse._SubParsersAction) -> None:
    parser = v.add_command(
        commands, "bootstrap", "install Flux on a cluster from the app: deploy key and source Secret, delivery, apply or export",
        _DESCRIPTION,
    )
    v.add_app_arguments(parser)
    cluster = parser.add_argument_group("cluster")
    cluster.add_argument("--context", metavar="NAME", help="kubeconfig context to apply the bundle to with kubectl")
    cluster.add_argument("--export", action="store_true", help="write the apply bundle (install, Secret, sync) to stdout or -o FILE")
    cluster.add_argument("-o", "--output", metavar="FILE", help="with --export: the bundle file (mode 0600); its Secret is kept on a re-run")
    cluster.add_argument("--wait-timeout", default="5m", metavar="DURATION", help="how long the controllers may take to become available (default: 5m)")
    ssh = parser.add_argument_group("SSH deploy key (ssh:// GitTarget)")
    ssh.add_argument("--ssh-key-algorithm", choices=("rsa", "ecdsa", "ed25519"), default="ecdsa", help="deploy key type (default: ecdsa)")
    ssh.add_argument("--ssh-ecdsa-curve", choices=("p256", "p384", "p521"), default="p384", help="ECDSA curve (default: p384)")
    ssh.add_argument("--ssh-rsa-bits", type=int, default=2048, metavar="BITS", help="RSA key size, a multiple of 8, at least 1024 (default: 2048)")
    ssh.add_argument("--private-key-file", metavar="FILE", help="use this private key instead of generating one (its password: CDK8S_FLUX_SOURCE_PASSWORD)")
    ssh.add_argument("--private-key-output", metavar="FILE", help="also write the private key to FILE (mode 0600); nowhere by default")
    ssh.add_argument("--known-hosts", metavar="FILE", help="trust the host keys this known_hosts file lists for the git host")
    ssh.add_argument(
        "--host-key-fingerprint", action="append", metavar="SHA256:...",
        help="trust the scanned host key with this fingerprint, as the git host publishes it (repeatable)",
    )
    ssh.add_argument("--ssh-hostname", metavar="HOST[:PORT]", help="host whose keys to trust, when it differs from the URL's")
    https = parser.add_argument_group("token (https:// GitTarget) and registry credentials (OciTarget)")
    https.add_argument("--username", help="HTTPS user (default: git) or registry user; the token or password comes from "
                       "CDK8S_FLUX_SOURCE_PASSWORD (or GIT_PASSWORD)")
    https.add_argument("--with-bearer-token", action="store_true", help="send the token as a bearer token, not as basic auth")
    https.add_argument("--ca-file", metavar="FILE", help="CA certificate of an HTTPS git host")
    delivery = parser.add_argument_group("delivery (as publish and push)")
    delivery.add_argument("--remote", default="origin", help="git remote to publish to, or whose URL the artifact names (default: origin)")
    delivery.add_argument("--repo", metavar="DIR", help="clone to deliver from (default: the one holding APP_DIR)")
    delivery.add_argument("--allow-dirty", action="store_true", help="deliver a working tree with uncommitted changes (refused by default)")
    v.add_registry_options(parser)
    v.add_format(parser, "stdout: nothing (text), or what was done as JSON (needs -o with --export)")
    v.add_check_options(parser)
    parser.set_defaults(run=_run)
