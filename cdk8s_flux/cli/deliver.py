"""Commands that hand the manifests to Flux: ``publish`` and ``init ci`` (a git branch), ``push`` and ``pull`` (OCI)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cdk8s_flux.cli import vocabulary as v

_PUBLISH_DESCRIPTION = """\
Render the app into cdk8s-flux's layout (one folder per chart, one file per
object, kustomization.yaml files) and publish it to PATH of BRANCH on REMOTE,
the branch Flux syncs. When the app declares where Flux looks (a FluxSync
with a GitTarget, or a Flux v1 FluxInstall), BRANCH and PATH must be that
place; a Flux v1 target gets no kustomization.yaml files, which fluxd would
apply as objects. Other paths of the branch are kept; a missing branch is
created without parent. The working tree, index, HEAD and current branch are
never touched, so it runs as well in a shallow CI clone on a detached HEAD.
Nothing changed: no commit, no push. The branch moved meanwhile: rebuild on
it and retry. Never force-pushes.

""" + v.EXIT_CODES


def _publish(args: argparse.Namespace) -> int:
    from cdk8s_flux.changes import format_report
    from cdk8s_flux.publish import PublishOptions, publish

    options = PublishOptions(
        remote=args.remote,
        branch=args.branch,
        path=args.path,
        dry_run=args.dry_run,
        allow_dirty=args.allow_dirty,
        kustomization_files=args.kustomization,
        author_name=args.author_name,
        author_email=args.author_email,
        committer_name=args.committer_name,
        committer_email=args.committer_email,
        max_attempts=args.max_attempts,
    )
    chosen = v.report_format(args)
    result = publish(
        Path(v.app_dir(args)), options, v.policy(args), command=args.app, repo=args.repo, progress=v.progress, verbose=args.verbose,
        timeout=args.timeout,
    )
    if chosen == "json":
        sys.stdout.write(json.dumps(result.as_json(), indent=2) + "\n")
    elif args.dry_run:
        sys.stdout.write(format_report(result.changes, result.target))
    sys.stdout.flush()
    if args.dry_run and result.changes:
        v.progress("dry run: nothing written")
    return v.EXIT_OK


def _init_ci(args: argparse.Namespace) -> int:
    from cdk8s_flux.publish.ci import CiOptions, find_pins, render_workflow, write_workflow

    root = Path(args.dir)
    app = v.app_dir(args)
    options = CiOptions(
        provider=args.provider,
        delivery=args.delivery,
        main_branch=args.main_branch,
        app_dir=app,
        branch=args.branch,
        path=args.path,
        reference=args.reference,
        sign=args.sign,
        pins=find_pins(root, app),
        preview=args.preview,
    )
    if args.dry_run:
        sys.stdout.write(render_workflow(options))
        return v.EXIT_OK
    target = write_workflow(root, options, force=args.force)
    v.progress(f"wrote {target}; commit it to run {args.delivery} on every push to {args.main_branch} (see docs/ci.md)")
    return v.EXIT_OK


def _add_publish_parsers(commands: argparse._SubParsersAction) -> None:
    publish = v.add_command(
        commands, "publish", "render the app and publish its manifests to a git branch Flux syncs",
        _PUBLISH_DESCRIPTION,
    )
    v.add_app_arguments(publish)
    publish.add_argument("--remote", default="origin", help="git remote to push to (default: origin)")
    publish.add_argument("--branch", default="manifests", help="branch Flux syncs (default: manifests)")
    publish.add_argument("--path", default="dist", help="folder of the branch publish owns (default: dist)")
    publish.add_argument("--repo", metavar="DIR", help="clone to publish from (default: the one holding APP_DIR)")
    publish.add_argument("--dry-run", action="store_true", help="print what would change, file by file and object by object; write nothing")
    v.add_format(publish, "stdout: the dry-run report (text), or the result as JSON")
    publish.add_argument(
        "--allow-dirty", action="store_true",
        help="publish a working tree with uncommitted changes (refused by default); the commit is marked Source-Dirty",
    )
    publish.add_argument(
        "--no-kustomization", dest="kustomization", action="store_false",
        help="leave out kustomization.yaml files (always left out for a Flux v1 target)",
    )
    publish.add_argument("--author-name", help="commit author (default: GIT_AUTHOR_NAME, then git config user.name)")
    publish.add_argument("--author-email", help="commit author email (default: GIT_AUTHOR_EMAIL, then user.email)")
    publish.add_argument("--committer-name", help="committer (default: GIT_COMMITTER_NAME, then the author)")
    publish.add_argument("--committer-email", help="committer email (default: GIT_COMMITTER_EMAIL, then the author's)")
    publish.add_argument("--max-attempts", type=int, default=10, help="pushes to try when the branch keeps moving (default: 10)")
    v.add_check_options(publish)
    publish.set_defaults(run=_publish)

    init = commands.add_parser("init", help="write project files (init ci: the CI workflow that delivers the app and previews pull requests)")
    init_commands = init.add_subparsers(dest="init_command", metavar="WHAT")
    ci = v.add_command(
        init_commands, "ci", "write a CI workflow that runs publish on every push to the main branch",
        "Write .github/workflows/cdk8s-flux-publish.yml (github) or .gitlab-ci.yml (gitlab). "
        "An existing file is kept unless --force.",
    )
    ci.add_argument("app_dir", nargs="?", default=None, metavar="APP_DIR", help="folder of the app, relative to the root (default: .)")
    ci.add_argument("--app-dir", dest="app_dir_option", metavar="DIR", help=argparse.SUPPRESS)
    ci.add_argument("--provider", choices=("github", "gitlab"), required=True, help="CI system")
    ci.add_argument("--dir", default=".", help="repository root to write into (default: .)")
    ci.add_argument("--main-branch", default="main", help="branch whose pushes publish (default: main)")
    ci.add_argument("--delivery", choices=("publish", "push"), default="publish",
                    help="publish: commit to a branch Flux syncs (default); push: a Flux OCI artifact")
    ci.add_argument("--branch", default="manifests", help="publish: branch to publish to (default: manifests)")
    ci.add_argument("--path", default="dist", help="publish: folder of that branch (default: dist)")
    ci.add_argument("--reference", metavar="oci://REGISTRY/REPO:TAG", help="push: where to push (default: the app's OciTarget)")
    ci.add_argument("--sign", action="store_true", help="push: sign the artifact with cosign, keyless (GitHub)")
    ci.add_argument("--no-preview", dest="preview", action="store_false", help="leave out the pull-request job that comments the diff")
    ci.add_argument("--force", action="store_true", help="replace an existing workflow file")
    ci.add_argument("--dry-run", action="store_true", help="print the workflow instead of writing it")
    ci.set_defaults(run=_init_ci)


# --- OCI ----------------------------------------------------------------------------

_PUSH_DESCRIPTION = """\
Render the app into the layout publish writes and push it to an OCI registry
as the artifact 'flux push artifact' makes: an OCIRepository and a
Kustomization with path ./ (FluxSync with an OciTarget) deploy it. The
artifact is reproducible: the same rendered files from the same commit give
the same digest, and pushing it again uploads nothing ("up to date").

REFERENCE is oci://REGISTRY/REPOSITORY:TAG (before or after APP_DIR); without
it, the repository and tag of the app's own OCI FluxSync target. When the app
has one, pushing elsewhere is refused. Credentials: --creds USER:PASSWORD,
else the variables CDK8S_FLUX_REGISTRY_USER and CDK8S_FLUX_REGISTRY_PASSWORD,
else the docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json);
never printed.

""" + v.EXIT_CODES

_PULL_DESCRIPTION = """\
Fetch an artifact from an OCI registry and check it as Flux's
source-controller does (media types, layer digest, safe paths), then list
its files and annotations, extract them into DIR (replaced atomically), or
compare them with what the app in APP_DIR renders now (--verify), after the
same checks as push.

""" + v.EXIT_CODES


def _is_reference(value: str) -> bool:
    """Whether a positional of push names a registry (``oci://...``, or a mistyped one), not a folder."""
    return value.startswith("oci://") or (not Path(value).is_dir() and any(c in value for c in (":", "@")))


def _split_reference(args: argparse.Namespace) -> None:
    """``push [APP_DIR] [REFERENCE]`` in either order: the one naming a registry is the reference."""
    given = [p for p in (args.first, args.second) if p is not None]
    references = [p for p in given if _is_reference(p)]
    others = [p for p in given if not _is_reference(p)]
    if len(references) > 1 or len(others) > 1:
        raise v.UsageError(f"push takes one APP_DIR and one REFERENCE, got {given}. Fix: give APP_DIR and oci://REGISTRY/REPOSITORY:TAG")
    args.reference = references[0] if references else None
    args.app_dir = others[0] if others else None


def _push(args: argparse.Namespace) -> int:
    from cdk8s_flux.oci.push import PushOptions, push

    _split_reference(args)
    chosen = v.report_format(args, old_output=True)
    if args.output:
        raise v.UsageError(f"push writes to a registry, not to {args.output!r}. Fix: drop -o/--output; --format json prints the digest")
    options = PushOptions(
        reference=args.reference,
        tags=tuple(args.tag or ()),
        dry_run=args.dry_run,
        insecure_registry=args.insecure_registry,
        creds=args.creds,
        source=args.source,
        revision=args.revision,
        remote=args.remote,
        allow_dirty=args.allow_dirty,
    )
    result = push(
        Path(v.app_dir(args)), options, v.policy(args), command=args.app, repo=args.repo, progress=v.progress, verbose=args.verbose,
        timeout=args.timeout,
    )
    if chosen == "json":
        sys.stdout.write(json.dumps(result.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write(result.url + "\n")
    sys.stdout.flush()
    if args.dry_run and result.status == "dry run":
        v.progress("dry run: nothing written to the registry")
    return v.EXIT_OK


def _pull(args: argparse.Namespace) -> int:
    from cdk8s_flux.oci.pull import DEFAULT_MAX_SIZE, compare, pull
    from cdk8s_flux.oci.reference import parse_reference
    from cdk8s_flux.oci.registry import RegistryClient, find_credentials
    from cdk8s_flux.progress import plural

    chosen = v.report_format(args, old_json=True)
    checks = v.policy(args)  # its options are checked before the registry is asked
    reference = parse_reference(args.reference, "reference")
    credentials = find_credentials(reference.registry, args.creds)
    client = RegistryClient(reference, credentials, insecure=args.insecure_registry)
    max_size = DEFAULT_MAX_SIZE if args.max_size is None else args.max_size
    pulled = pull(reference, client, progress=v.progress, max_size=max_size)
    if args.output:
        from cdk8s_flux.atomic import replace_dir

        replace_dir(Path(args.output), dict(pulled.files), protect=[Path(v.app_dir(args))])
        v.progress(f"extracted {plural(len(pulled.files), 'file')} to {args.output}")
    if args.verify:
        from cdk8s_flux.app import load_app_config
        from cdk8s_flux.changes import format_report
        from cdk8s_flux.oci.push import artifact_files, target_path
        from cdk8s_flux.pipeline import render

        config = load_app_config(Path(v.app_dir(args)), args.app, args.timeout)
        rendered = render(config, checks, deliver=True, verbose=args.verbose, progress=v.progress)
        local = artifact_files(rendered.layout(), target_path(rendered.targets, reference))
        changes = compare(pulled.files, local)
        if changes:
            sys.stdout.write(format_report(changes, f"{pulled.url} -> local render"))
            sys.stdout.flush()
            v.progress(f"the artifact differs from the local render: {changes.summary()}")
            return v.EXIT_DIFFERS
        v.progress(f"identical: the artifact holds exactly the {plural(len(local), 'file')} the app renders")
        return v.EXIT_OK
    if not args.output:
        if chosen == "json":
            sys.stdout.write(json.dumps(pulled.as_json(), indent=2) + "\n")
        else:
            lines = [f"{pulled.url}"] + [f"  {k}: {value}" for k, value in sorted(pulled.annotations.items())]
            lines += [f"{path}" for path in sorted(pulled.files)]
            sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    return v.EXIT_OK


def _add_registry_arguments(parser: argparse.ArgumentParser) -> None:
    v.add_registry_options(parser)
    v.add_app_arguments(parser, positional=False)


def _add_oci_parsers(commands: argparse._SubParsersAction) -> None:
    push = v.add_command(
        commands, "push", "render the app and push it as a Flux OCI artifact (no git branch)",
        _PUSH_DESCRIPTION, usage="cdk8s-flux push [APP_DIR] [REFERENCE] [options]",
    )
    push.add_argument("first", nargs="?", metavar="APP_DIR", help="folder holding cdk8s.yaml (default: .)")
    push.add_argument("second", nargs="?", metavar="REFERENCE", help="oci://REGISTRY/REPOSITORY:TAG (default: the app's OciTarget)")
    push.add_argument("--tag", action="append", metavar="TAG", help="also tag the artifact TAG (repeatable)")
    push.add_argument("--dry-run", action="store_true", help="say what would be uploaded and tagged; write nothing")
    v.add_format(push, "stdout: the digest URL (text), or JSON with the digest for signing")
    push.add_argument("-o", "--output", default=None, help=argparse.SUPPRESS)
    _add_registry_arguments(push)
    push.add_argument("--source", metavar="URL", help="org.opencontainers.image.source (default: the URL of --remote, without credentials)")
    push.add_argument("--revision", metavar="TEXT", help="org.opencontainers.image.revision (default: BRANCH@sha1:COMMIT)")
    push.add_argument("--remote", default="origin", help="git remote whose URL is the source (default: origin)")
    push.add_argument("--repo", metavar="DIR", help="clone the source commit is read from (default: the one holding the app)")
    push.add_argument("--allow-dirty", action="store_true", help="push a working tree with uncommitted changes (refused by default)")
    v.add_check_options(push)
    push.set_defaults(run=_push)

    pull = v.add_command(
        commands, "pull", "fetch a Flux OCI artifact: list, extract, or verify it against the app",
        _PULL_DESCRIPTION,
    )
    pull.add_argument("reference", metavar="REFERENCE", help="oci://REGISTRY/REPOSITORY:TAG or oci://REGISTRY/REPOSITORY@sha256:DIGEST")
    pull.add_argument("app_dir", nargs="?", default=None, metavar="APP_DIR", help="the app to --verify against (default: .)")
    pull.add_argument("-o", "--output", metavar="DIR", help="extract the files into DIR, replacing it atomically")
    pull.add_argument("--verify", action="store_true", help="compare the files with what the app renders now, file by file")
    pull.add_argument(
        "--max-size", type=int, metavar="BYTES",
        help="most bytes of files the artifact may hold (default: 104857600, the 100 MiB cap of Flux's untar)",
    )
    v.add_format(pull, "the listing: text, or digest, annotations and files as JSON")
    pull.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    _add_registry_arguments(pull)
    v.add_check_options(pull)
    pull.set_defaults(run=_pull)


def add_parsers(commands: argparse._SubParsersAction) -> None:
    _add_publish_parsers(commands)
    _add_oci_parsers(commands)
