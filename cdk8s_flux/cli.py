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
  4  invalid objects (synth, render, validate) or content publish refuses (a Secret in clear)
  5  pull --verify: the artifact differs from the local render
"""


class _UsageError(CdkFluxError):
    """A command line that cannot work as given."""

    exit_code = EXIT_USAGE


def _progress(message: str) -> None:
    print(f"cdk8s-flux: {message}", file=sys.stderr, flush=True)


def _cmd_render(args: argparse.Namespace) -> int:
    from cdk8s_flux.app import load_app_config, synthesize
    from cdk8s_flux.atomic import write_file
    from cdk8s_flux.manifests import join_stream

    config = load_app_config(Path(args.app_dir), args.app)
    files = synthesize(config)
    _validate_output(args, files, config.directory)
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
    _validate_output(args, files, config.directory)
    if args.layout == "flux":
        from cdk8s_flux.layout import build_layout

        replace_dir(output, build_layout(files))
    else:
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


# --- publish and init ci (cdk8s-flux publish) ---------------------------------

_PUBLISH_DESCRIPTION = """\
Render the app into cdk8s-flux's layout (one folder per chart, one file per
object, kustomization.yaml files) and publish it to PATH of BRANCH on REMOTE,
the branch Flux syncs. Other paths of the branch are kept; a missing branch is
created without parent. The working tree, index, HEAD and current branch are
never touched, so it runs as well in a shallow CI clone on a detached HEAD.
Nothing changed: no commit, no push. The branch moved meanwhile: rebuild on
it and retry. Never force-pushes.

exit codes:
  0  published, or already up to date (also after --dry-run)
  1  git or remote error (no remote, authentication, protected branch)
  2  bad arguments or configuration
  3  the app failed to synthesize or produced unusable output
  4  refused content: a Secret with data (see --allow-secrets), an invalid object
"""


def _cmd_publish(args: argparse.Namespace) -> int:
    from cdk8s_flux.publish import PublishOptions, publish
    from cdk8s_flux.publish.diff import format_report

    options = PublishOptions(
        remote=args.remote,
        branch=args.branch,
        path=args.path,
        dry_run=args.dry_run,
        allow_secrets=args.allow_secrets,
        allow_dirty=args.allow_dirty,
        validate=args.validate,
        kubernetes_version=args.kubernetes_version,
        kustomization_files=args.kustomization,
        author_name=args.author_name,
        author_email=args.author_email,
        committer_name=args.committer_name,
        committer_email=args.committer_email,
        max_attempts=args.max_attempts,
    )
    result = publish(Path(args.app_dir), options, command=args.app, repo=args.repo, progress=_progress)
    if args.dry_run:
        sys.stdout.write(format_report(result.changes, result.target))
        sys.stdout.flush()
        if result.changes:
            _progress("dry run: nothing written")
    return EXIT_OK


def _cmd_init_ci(args: argparse.Namespace) -> int:
    from cdk8s_flux.publish.ci import CiOptions, render_workflow, write_workflow

    root = Path(args.dir)
    options = CiOptions(
        provider=args.provider,
        main_branch=args.main_branch,
        app_dir=args.app_dir,
        branch=args.branch,
        path=args.path,
        requirements=(root / args.app_dir / "requirements.txt").is_file(),
    )
    if args.dry_run:
        sys.stdout.write(render_workflow(options))
        return EXIT_OK
    target = write_workflow(root, options, force=args.force)
    _progress(f"wrote {target}; commit it to run publish on every push to {args.main_branch}")
    return EXIT_OK


def _add_publish_parsers(commands: argparse._SubParsersAction) -> None:
    publish = commands.add_parser(
        "publish",
        help="render the app and publish its manifests to a git branch Flux syncs",
        description=_PUBLISH_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_app_arguments(publish)
    publish.add_argument("--remote", default="origin", help="git remote to push to (default: origin)")
    publish.add_argument("--branch", default="manifests", help="branch Flux syncs (default: manifests)")
    publish.add_argument("--path", default="dist", help="folder of the branch publish owns (default: dist)")
    publish.add_argument("--repo", metavar="DIR", help="clone to publish from (default: the one holding APP_DIR)")
    publish.add_argument("--dry-run", action="store_true", help="print what would change, file by file and object by object; write nothing")
    publish.add_argument("--allow-secrets", action="store_true", help="publish Secrets with data in clear (refused by default)")
    publish.add_argument(
        "--allow-dirty", action="store_true",
        help="publish a working tree with uncommitted changes (refused by default); the commit is marked Source-Dirty",
    )
    publish.add_argument("--no-validate", dest="validate", action="store_false", help="skip the Kubernetes schema check")
    publish.add_argument("--kubernetes-version", metavar="X.Y", help="Kubernetes version to validate against (default: the newest known)")
    publish.add_argument(
        "--no-kustomization", dest="kustomization", action="store_false",
        help="leave out kustomization.yaml files (Flux v1 without manifest generation)",
    )
    publish.add_argument("--author-name", help="commit author (default: GIT_AUTHOR_NAME, then git config user.name)")
    publish.add_argument("--author-email", help="commit author email (default: GIT_AUTHOR_EMAIL, then user.email)")
    publish.add_argument("--committer-name", help="committer (default: GIT_COMMITTER_NAME, then the author)")
    publish.add_argument("--committer-email", help="committer email (default: GIT_COMMITTER_EMAIL, then the author's)")
    publish.add_argument("--max-attempts", type=int, default=10, help="pushes to try when the branch keeps moving (default: 10)")
    publish.set_defaults(run=_cmd_publish)

    init = commands.add_parser("init", help="write project files (init ci: a CI workflow that runs publish)")
    init_commands = init.add_subparsers(dest="init_command", metavar="WHAT")
    ci = init_commands.add_parser(
        "ci",
        help="write a CI workflow that runs publish on every push to the main branch",
        description="Write .github/workflows/cdk8s-flux-publish.yml (github) or .gitlab-ci.yml (gitlab). "
        "An existing file is kept unless --force.",
    )
    ci.add_argument("--provider", choices=("github", "gitlab"), required=True, help="CI system")
    ci.add_argument("--dir", default=".", help="repository root to write into (default: .)")
    ci.add_argument("--app-dir", default=".", help="folder of the app, relative to the root (default: .)")
    ci.add_argument("--main-branch", default="main", help="branch whose pushes publish (default: main)")
    ci.add_argument("--branch", default="manifests", help="branch to publish to (default: manifests)")
    ci.add_argument("--path", default="dist", help="folder of that branch (default: dist)")
    ci.add_argument("--force", action="store_true", help="replace an existing workflow file")
    ci.add_argument("--dry-run", action="store_true", help="print the workflow instead of writing it")
    ci.set_defaults(run=_cmd_init_ci)


# --- end publish ---------------------------------------------------------------


# --- validate (cdk8s-flux validate; synth and render validate their output) ---

_VALIDATE_DESCRIPTION = """\
Check Kubernetes objects strictly, where the API server would silently drop an
unknown field: core kinds against the Kubernetes API schemas of
kubernetes-validate, custom resources (Flux's and others) against the
openAPIV3Schema of their CRD. CRDs come from the validated objects themselves,
else from the upstream manifests of a Flux release: --flux-version, else the
release the Flux objects are labelled with, else the one cdk8s-flux.lock pins
(vendored in $CDK8S_FLUX_MANIFESTS, cached, or downloaded once).

PATH is a YAML file, a folder (searched recursively for *.yaml and *.yml,
skipping hidden folders and files without Kubernetes objects), or - for stdin.

exit codes:
  0  every object is valid
  1  error (the Flux manifests asked for cannot be had)
  2  bad arguments (no such PATH, unknown version)
  4  problems found: one line each on stdout (file, kind, namespace/name, field, message)
"""


def _validate_options(args: argparse.Namespace, start: Path | None) -> dict:
    return dict(
        kubernetes_version=args.kubernetes_version,
        flux_version=args.flux_version,
        allow_unknown_kinds=args.allow_unknown_kinds,
        start=start,
        report=_progress,
    )


def _validate_output(args: argparse.Namespace, files: list, start: Path) -> None:
    """Refuse invalid synthesized objects (exit 4) before anything is written."""
    if not args.validate:
        return
    from cdk8s_flux.validate import check

    check({f.path: f.objects for f in files}, **_validate_options(args, start))


def _cmd_validate(args: argparse.Namespace) -> int:
    import json

    from cdk8s_flux.validate import read_paths, validate_files

    read = read_paths(args.paths)
    for name in read.skipped:
        _progress(f"skipped {name}: no Kubernetes object in it")
    problems = read.problems + validate_files(read.files, **_validate_options(args, None))
    count = sum(len(objects) for objects in read.files.values())
    if args.output == "json":
        report = {"valid": not problems, "objects": count, "files": len(read.files),
                  "problems": [p.as_dict() for p in problems]}
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{p}\n" for p in problems))
    sys.stdout.flush()
    if problems:
        _progress(f"{len(problems)} problem(s) in {count} objects from {len(read.files)} files")
        return 4
    _progress(f"{count} objects from {len(read.files)} files are valid")
    return EXIT_OK


def _add_validate_arguments(parser: argparse.ArgumentParser, *, synth: bool) -> None:
    if synth:
        parser.add_argument(
            "--no-validate", dest="validate", action="store_false",
            help="write the output without checking it (see cdk8s-flux validate --help)",
        )
    parser.add_argument("--kubernetes-version", metavar="X.Y", help="Kubernetes version to check core kinds against (default: the newest known)")
    parser.add_argument(
        "--flux-version", metavar="vX.Y.Z",
        help="Flux release whose CRDs check Flux objects not defined by CRDs in the output "
        "(default: the release the Flux objects are labelled with, else the one cdk8s-flux.lock pins)",
    )
    parser.add_argument("--allow-unknown-kinds", action="store_true", help="skip custom resources no CRD schema is known for")


def _add_validate_parser(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser(
        "validate",
        help="check objects against the Kubernetes API and their CRDs, strictly",
        description=_VALIDATE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="YAML file, folder, or - for stdin")
    _add_validate_arguments(validate, synth=False)
    validate.add_argument("--output", choices=("text", "json"), default="text", help="problem report format (default: text)")
    validate.set_defaults(run=_cmd_validate)


# --- end validate ----------------------------------------------------------------


# --- push and pull (cdk8s-flux push: Flux OCI artifacts) -------------------------

_PUSH_DESCRIPTION = """\
Render the app into the layout publish writes and push it to an OCI registry
as the artifact 'flux push artifact' makes: an OCIRepository and a
Kustomization with path ./ (FluxSync with an OciTarget) deploy it. The
artifact is reproducible: the same rendered files from the same commit give
the same digest, and pushing it again uploads nothing ("up to date").

REFERENCE is oci://REGISTRY/REPOSITORY:TAG; without it, the repository and
tag of the app's own OCI FluxSync target. When the app has one, pushing
elsewhere is refused. Credentials: --creds USER:PASSWORD, else the variables
CDK8S_FLUX_REGISTRY_USER and CDK8S_FLUX_REGISTRY_PASSWORD, else the docker
config ($DOCKER_CONFIG/config.json or ~/.docker/config.json); never printed.

exit codes:
  0  pushed, or already up to date (also after --dry-run)
  1  registry or git error (unreachable, authentication, refused)
  2  bad arguments or configuration (reference, tags, a target the app does not follow)
  3  the app failed to synthesize or produced unusable output
  4  refused content: a Secret with data (see --allow-secrets), an invalid object
"""

_PULL_DESCRIPTION = """\
Fetch an artifact from an OCI registry and check it as Flux's
source-controller does (media types, layer digest, safe paths), then list
its files and annotations, extract them into DIR (replaced atomically), or
compare them with what the app renders now (--verify).

exit codes:
  0  fetched; with --verify: identical to the local render
  1  registry error, or an artifact Flux could not use
  2  bad arguments
  3  the app failed to synthesize (--verify)
  5  --verify: the artifact differs from the local render (listed on stdout)
"""


def _add_registry_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--creds", metavar="USER:PASSWORD", help="registry credentials (default: the environment, then the docker config)")
    parser.add_argument("--insecure-registry", action="store_true", help="talk plain HTTP to the registry (a local one); refused otherwise")
    parser.add_argument("--app-dir", default=".", metavar="DIR", help="folder holding cdk8s.yaml (default: .)")
    parser.add_argument("--app", metavar="COMMAND", help="command that synthesizes the app (default: 'app:' of cdk8s.yaml)")


def _cmd_push(args: argparse.Namespace) -> int:
    import json

    from cdk8s_flux.oci.push import PushOptions, push

    options = PushOptions(
        reference=args.reference,
        tags=tuple(args.tag or ()),
        dry_run=args.dry_run,
        insecure_registry=args.insecure_registry,
        creds=args.creds,
        source=args.source,
        revision=args.revision,
        remote=args.remote,
        allow_secrets=args.allow_secrets,
        allow_dirty=args.allow_dirty,
        validate=args.validate,
        kubernetes_version=args.kubernetes_version,
    )
    result = push(Path(args.app_dir), options, command=args.app, repo=args.repo, progress=_progress)
    if args.output == "json":
        sys.stdout.write(json.dumps(result.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write(result.url + "\n")
    sys.stdout.flush()
    if args.dry_run and result.status == "dry run":
        _progress("dry run: nothing written to the registry")
    return EXIT_OK


def _cmd_pull(args: argparse.Namespace) -> int:
    import json

    from cdk8s_flux.oci.pull import compare, pull
    from cdk8s_flux.oci.reference import parse_reference
    from cdk8s_flux.oci.registry import RegistryClient, find_credentials

    reference = parse_reference(args.reference, "REFERENCE")
    credentials = find_credentials(reference.registry, args.creds)
    client = RegistryClient(reference, credentials, insecure=args.insecure_registry)
    pulled = pull(reference, client, progress=_progress)
    if args.output:
        from cdk8s_flux.atomic import replace_dir

        replace_dir(Path(args.output), dict(pulled.files))
        _progress(f"extracted {len(pulled.files)} files to {args.output}")
    if args.verify:
        from cdk8s_flux.app import load_app_config, synthesize
        from cdk8s_flux.layout import build_layout
        from cdk8s_flux.oci.push import artifact_files, target_path
        from cdk8s_flux.publish.diff import format_report

        config = load_app_config(Path(args.app_dir), args.app)
        _progress(f"synthesizing {config.command!r} in {config.directory}")
        files = synthesize(config)
        local = artifact_files(build_layout(files), target_path([o for f in files for o in f.objects]))
        changes = compare(pulled.files, local)
        if changes:
            sys.stdout.write(format_report(changes, f"{pulled.url} -> local render"))
            sys.stdout.flush()
            _progress(f"the artifact differs from the local render: {changes.summary()}")
            return 5
        _progress(f"identical: the artifact holds exactly the {len(local)} files the app renders")
        return EXIT_OK
    if not args.output:
        if args.json:
            sys.stdout.write(json.dumps(pulled.as_json(), indent=2) + "\n")
        else:
            lines = [f"{pulled.url}"] + [f"  {k}: {v}" for k, v in sorted(pulled.annotations.items())]
            lines += [f"{path}" for path in sorted(pulled.files)]
            sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    return EXIT_OK


def _add_oci_parsers(commands: argparse._SubParsersAction) -> None:
    push = commands.add_parser(
        "push",
        help="render the app and push it as a Flux OCI artifact (no git branch)",
        description=_PUSH_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    push.add_argument("reference", nargs="?", metavar="REFERENCE", help="oci://REGISTRY/REPOSITORY:TAG (default: the app's OciTarget)")
    push.add_argument("--tag", action="append", metavar="TAG", help="also tag the artifact TAG (repeatable)")
    push.add_argument("--dry-run", action="store_true", help="say what would be uploaded and tagged; write nothing")
    push.add_argument("-o", "--output", choices=("text", "json"), default="text", help="stdout: the digest URL (text), or JSON with the digest for signing")
    _add_registry_arguments(push)
    push.add_argument("--source", metavar="URL", help="org.opencontainers.image.source (default: the URL of --remote, without credentials)")
    push.add_argument("--revision", metavar="TEXT", help="org.opencontainers.image.revision (default: BRANCH@sha1:COMMIT)")
    push.add_argument("--remote", default="origin", help="git remote whose URL is the source (default: origin)")
    push.add_argument("--repo", metavar="DIR", help="clone the source commit is read from (default: the one holding the app)")
    push.add_argument("--allow-secrets", action="store_true", help="push Secrets with data in clear (refused by default)")
    push.add_argument("--allow-dirty", action="store_true", help="push a working tree with uncommitted changes (refused by default)")
    push.add_argument("--no-validate", dest="validate", action="store_false", help="skip the Kubernetes schema check")
    push.add_argument("--kubernetes-version", metavar="X.Y", help="Kubernetes version to validate against (default: the newest known)")
    push.set_defaults(run=_cmd_push)

    pull = commands.add_parser(
        "pull",
        help="fetch a Flux OCI artifact: list, extract, or verify it against the app",
        description=_PULL_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pull.add_argument("reference", metavar="REFERENCE", help="oci://REGISTRY/REPOSITORY:TAG or oci://REGISTRY/REPOSITORY@sha256:DIGEST")
    pull.add_argument("-o", "--output", metavar="DIR", help="extract the files into DIR, replacing it atomically")
    pull.add_argument("--verify", action="store_true", help="compare the files with what the app renders now, file by file")
    pull.add_argument("--json", action="store_true", help="list digest, annotations and files as JSON")
    _add_registry_arguments(pull)
    pull.set_defaults(run=_cmd_pull)


# --- end push and pull -------------------------------------------------------------


# --- install --export and vendor (the Flux release data) ------------------------------

_INSTALL_DESCRIPTION = """\
Print the Flux v2 install manifests that FluxInstall makes, without an app:
the same objects as `flux install --export`, in the same order and format,
with the same header. The release comes from where FluxInstall finds it: the
one embedded in cdk8s-flux (v2.9.4), else vendored, cached or downloaded (see
cdk8s-flux vendor --help). cdk8s-flux never talks to a cluster: apply the
output with `kubectl apply --server-side -f -`, or diff it against a
cluster's gotk-components.yaml.

exit codes:
  0  printed
  1  the release cannot be had (not embedded, vendored or cached, and no network)
  2  bad arguments (an unknown component, version or option value)
"""


def _bool_flag(value: str) -> bool:
    """A Go-style boolean flag value: ``--network-policy=false``."""
    lowered = value.lower()
    if lowered in ("true", "1", "t"):
        return True
    if lowered in ("false", "0", "f"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def _list_flag(value: str) -> list[str]:
    """A comma-separated list, as the flux CLI takes ``--components``."""
    return [item for item in value.split(",") if item]


def _cmd_install(args: argparse.Namespace) -> int:
    from cdk8s_flux.manifests import dump_documents
    from cdk8s_flux.release import lookup
    from cdk8s_flux.v2.install import DEFAULT_COMPONENTS, FluxInstallProps, generate

    if not args.export:
        raise _UsageError(
            "cdk8s-flux does not apply to clusters. Fix: add --export and pipe the output to "
            "`kubectl apply --server-side -f -`, or put a FluxInstall in your app"
        )
    props = FluxInstallProps(
        version=args.flux_version,
        manifests=args.manifests,
        components=tuple(c for value in args.components for c in value) if args.components else DEFAULT_COMPONENTS,
        components_extra=tuple(c for value in args.components_extra or () for c in value),
        namespace=args.namespace,
        network_policy=args.network_policy,
        watch_all_namespaces=args.watch_all_namespaces,
        cluster_domain=args.cluster_domain,
        log_level=args.log_level,
        registry=args.registry,
        image_pull_secret=args.image_pull_secret or None,
        toleration_keys=tuple(k for value in args.toleration_keys or () for k in value),
    )
    manifests = lookup.load(props.version, props.manifests)
    objects = generate(props, manifests.objects, source=manifests.source)
    header = (
        "---\n# This manifest was generated by flux. DO NOT EDIT.\n"
        f"# Flux Version: {props.version}\n# Components: {','.join(props.all_components)}\n"
    )
    body = dump_documents(objects).removeprefix("---\n")
    sys.stdout.write(header + body)
    sys.stdout.flush()
    _progress(f"{len(objects)} objects of Flux {props.version} from {manifests.source}")
    return EXIT_OK


def _add_install_parser(commands: argparse._SubParsersAction) -> None:
    from cdk8s_flux.release.embedded import EMBEDDED_VERSION

    install = commands.add_parser(
        "install",
        help="print the Flux v2 install manifests (flux install --export), no app needed",
        description=_INSTALL_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    install.add_argument("--export", action="store_true", help="write the install manifests to stdout (required)")
    install.add_argument(
        "-v", "--version", "--flux-version", dest="flux_version", default=EMBEDDED_VERSION, metavar="vX.Y.Z",
        help=f"Flux release (default: {EMBEDDED_VERSION}, embedded)",
    )
    install.add_argument(
        "--components", type=_list_flag, action="append", metavar="LIST",
        help="components, comma-separated (default: source-controller,kustomize-controller,helm-controller,notification-controller)",
    )
    install.add_argument(
        "--components-extra", type=_list_flag, action="append", metavar="LIST",
        help="components in addition: image-reflector-controller,image-automation-controller,source-watcher",
    )
    install.add_argument("-n", "--namespace", default="flux-system", help="namespace of the controllers (default: flux-system)")
    install.add_argument("--registry", default="ghcr.io/fluxcd", help="registry of the controller images (default: ghcr.io/fluxcd)")
    install.add_argument("--image-pull-secret", default="", metavar="NAME", help="Secret the controller pods pull images with (not created)")
    install.add_argument(
        "--watch-all-namespaces", type=_bool_flag, nargs="?", const=True, default=True, metavar="BOOL",
        help="watch custom resources in all namespaces (default: true)",
    )
    install.add_argument("--log-level", default="info", choices=("trace", "debug", "info", "error"), help="controller log level (default: info)")
    install.add_argument(
        "--network-policy", type=_bool_flag, nargs="?", const=True, default=True, metavar="BOOL",
        help="add the network policies that keep other namespaces out (default: true)",
    )
    install.add_argument("--cluster-domain", default="cluster.local", help="internal cluster domain (default: cluster.local)")
    install.add_argument("--toleration-keys", type=_list_flag, action="append", metavar="LIST", help="taints the controllers tolerate, comma-separated")
    install.add_argument("--manifests", metavar="FILE", help="a release file to use instead of the lookup (gotk-components.yaml or install.yaml)")
    install.set_defaults(run=_cmd_install)


_VENDOR_DESCRIPTION = """\
Put the manifests of a Flux v2 release into this repository, so FluxInstall,
install --export and every check find it without network at synth time.
The file goes to flux-releases/VERSION/install.yaml beside cdk8s-flux.lock
(at the root of the git repository), after checking that its objects say
they are that release; its sha256 is recorded in cdk8s-flux.lock, and every
later use checks it. Commit both.

--from takes the release's install.yaml, a `flux install --export` output
(gotk-components.yaml), a folder holding one, or a URL; default: the
release's install.yaml from GitHub. The embedded release needs no vendoring.

exit codes:
  0  vendored (or already vendored with the same content)
  1  the release cannot be had, is not that release, or differs from what is vendored (see --force)
  2  bad arguments
"""


def _cmd_vendor(args: argparse.Namespace) -> int:
    from cdk8s_flux.release.vendor import is_embedded, vendor

    if is_embedded(args.flux_version) and not args.source:
        _progress(f"Flux {args.flux_version} is embedded in cdk8s-flux: nothing to vendor")
        return EXIT_OK
    _progress(f"reading Flux {args.flux_version} from {args.source or 'the release download'}")
    result = vendor(args.flux_version, args.source, start=Path(args.dir), force=args.force)
    root = result.lock_path.parent
    relative = result.path.relative_to(root).as_posix()
    summary = f"{result.objects} objects, components {', '.join(result.components) or 'none'}"
    if not result.changed:
        _progress(f"Flux {result.version} is vendored already in {relative} ({summary}); nothing changed")
        return EXIT_OK
    _progress(f"vendored Flux {result.version} into {relative} ({summary}), sha256 {result.sha256} pinned in {result.lock_path.name}")
    _progress(
        f"commit it: git -C {root} add {relative} {result.lock_path.name} && "
        f"git -C {root} commit -m 'Vendor Flux {result.version} manifests'"
    )
    return EXIT_OK


def _add_vendor_parser(commands: argparse._SubParsersAction) -> None:
    vendor = commands.add_parser(
        "vendor",
        help="put a Flux release's manifests into the repository, for synth without network",
        description=_VENDOR_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vendor.add_argument("flux_version", metavar="VERSION", help="the Flux release, such as v2.9.3")
    vendor.add_argument("--from", dest="source", metavar="FILE|DIR|URL", help="where to read it (default: the release's install.yaml)")
    vendor.add_argument("--dir", default=".", help="a folder of the repository to vendor into (default: .)")
    vendor.add_argument("--force", action="store_true", help="replace a vendored file or pin with other content")
    vendor.set_defaults(run=_cmd_vendor)


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
    _add_validate_arguments(render, synth=True)
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
    synth.add_argument(
        "--layout", choices=("cdk8s", "flux"), default="cdk8s",
        help="cdk8s: the files as cdk8s writes them (default); flux: the layout publish writes "
        "(a folder per chart, a file per object, kustomization.yaml files)",
    )
    _add_validate_arguments(synth, synth=True)
    synth.set_defaults(run=_cmd_synth)
    _add_publish_parsers(commands)  # publish, init ci
    _add_validate_parser(commands)  # validate
    _add_oci_parsers(commands)  # push, pull
    _add_install_parser(commands)  # install --export
    _add_vendor_parser(commands)  # vendor
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
