"""``cdk8s-flux diff``: what Flux will change on the cluster, for a pull request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cdk8s_flux.cli import vocabulary as v

if TYPE_CHECKING:
    from cdk8s_flux.diff.sides import Side
    from cdk8s_flux.git import Git
    from cdk8s_flux.pipeline import Rendered

_DESCRIPTION = """\
Render the app now, through the same pipeline and checks as publish and push,
and compare it object by object with what Flux reads now: by default the
app's own delivery target (the folder of the branch its GitTarget names, read
from REMOTE without a checkout; or the tag of its OciTarget); --against
BRANCH[:PATH] or --against oci://REPOSITORY:TAG for another place; or --base
REV for the app rendered at another commit of its repository (such as a pull
request's merge base; exported with git archive, the checkout is never
touched). Two oci:// references compare two artifacts (promotion).

Objects are matched by API group, kind, namespace and name; each is added,
removed or changed, with a diff of its YAML and the changed fields. Warnings
say what Flux will do about it: prune removed objects, fail on immutable
fields, roll out new images, delete the custom resources of a removed CRD,
upgrade Flux, stop reconciling a suspended object. Secret values are never
shown.

""" + v.EXIT_CODES


def _split(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """APP_DIR and the oci:// references among the positionals."""
    references = [p for p in args.targets if p.startswith("oci://")]
    folders = [p for p in args.targets if not p.startswith("oci://")]
    if len(folders) > 1 or len(references) > 2:
        raise v.UsageError(f"diff takes one APP_DIR, or two oci:// references, got {args.targets}")
    if len(references) == 2 and folders:
        raise v.UsageError("diff of two artifacts renders no app. Fix: drop APP_DIR, or compare one artifact with --against")
    if len(references) == 1:
        raise v.UsageError("diff compares two artifacts when given two references. Fix: add the second, or use --against oci://...")
    return (folders[0] if folders else None), references


def _default_before(args: argparse.Namespace, rendered: Rendered, git: Git) -> tuple[Side, bool]:
    """The app's own delivery target as it is now, and whether its layout has kustomization files."""
    from cdk8s_flux.diff.sides import artifact_side, branch_side
    from cdk8s_flux.pipeline import FluxV1Target, describe
    from cdk8s_flux.target import GitTarget, OciTarget

    targets = rendered.targets
    if len(targets) > 1:
        listed = "; ".join(describe(t) for t in targets)
        raise v.UsageError(
            f"the app declares {len(targets)} delivery targets ({listed}). Fix: say which with --against BRANCH[:PATH] or --against oci://..."
        )
    if not targets:
        raise v.UsageError("the app declares no delivery target (no FluxSync, no Flux v1 FluxInstall). Fix: give --against or --base")
    (target,) = targets
    if isinstance(target, OciTarget):
        ref = target.tag or target.semver or ""
        if not target.tag:
            raise v.UsageError(f"the app's OciTarget follows {ref or target.digest!r}, not one tag. Fix: give --against oci://REPOSITORY:TAG")
        return artifact_side(f"{target.url}:{target.tag}", args.creds, args.insecure_registry, v.progress), True
    assert isinstance(target, (GitTarget, FluxV1Target))
    path = target.path if isinstance(target, GitTarget) else (target.paths[0] if target.paths else "")
    return branch_side(git, args.remote, target.branch, path, v.progress), isinstance(target, GitTarget)


def _diff(args: argparse.Namespace) -> int:
    from cdk8s_flux.atomic import write_file
    from cdk8s_flux.diff import as_json, as_markdown, as_text, compare, flux_warnings
    from cdk8s_flux.diff.sides import artifact_side, base_side, branch_side, rendered_side
    from cdk8s_flux.pipeline import render
    from cdk8s_flux.source import open_repository

    folder, references = _split(args)
    if references:
        before = artifact_side(references[0], args.creds, args.insecure_registry, v.progress)
        after = artifact_side(references[1], args.creds, args.insecure_registry, v.progress)
    else:
        from cdk8s_flux.app import load_app_config

        config = load_app_config(Path(args.app_dir_option or folder or "."), args.app, args.timeout)
        rendered = render(config, v.policy(args), deliver=True, verbose=args.verbose, progress=v.progress)
        kustomization_files = True
        if args.against and args.against.startswith("oci://"):
            before = artifact_side(args.against, args.creds, args.insecure_registry, v.progress)
        elif args.against:
            git = open_repository(Path(args.repo) if args.repo else config.directory)
            branch, _, path = args.against.partition(":")
            before = branch_side(git, args.remote, branch, path.strip("/") or "dist", v.progress)
        elif args.base:
            git = open_repository(Path(args.repo) if args.repo else config.directory)
            before = base_side(git, args.base, config.directory, v.policy(args), command=args.app, verbose=args.verbose, timeout=args.timeout,
                               progress=v.progress)
        else:
            git = open_repository(Path(args.repo) if args.repo else config.directory)
            before, kustomization_files = _default_before(args, rendered, git)
        after = rendered_side(rendered, "the app now", kustomization_files)
    changes = compare(before.objects, after.objects)
    warnings = flux_warnings(changes, before.objects, after.objects)
    title = f"{before.label} -> {after.label}"
    chosen = args.format or "text"
    if chosen == "json":
        import json

        text = json.dumps(as_json(changes, warnings), indent=2) + "\n"
    elif chosen == "markdown":
        text = as_markdown(changes, warnings, title=title)
    else:
        color = args.output is None and sys.stdout.isatty()
        text = as_text(changes, warnings, color=color, title=title)
    if args.output:
        write_file(Path(args.output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    counts = {kind: sum(1 for c in changes if c.change == kind) for kind in ("added", "changed", "removed")}
    from cdk8s_flux.progress import plural

    v.progress(f"{title}: {counts['added']} added, {counts['changed']} changed, {counts['removed']} removed, "
               f"{plural(len(warnings), 'warning')}")
    return v.EXIT_DIFFERS if args.exit_code and changes else v.EXIT_OK


def add_parsers(commands: argparse._SubParsersAction) -> None:
    diff = v.add_command(
        commands, "diff", "show what Flux will change on the cluster: the app now against what Flux reads now",
        _DESCRIPTION, usage="cdk8s-flux diff [APP_DIR] [--against BRANCH[:PATH] | --against oci://REPO:TAG | --base REV] [options]\n"
        "       cdk8s-flux diff oci://REPO:TAG oci://REPO:TAG [options]",
    )
    diff.add_argument("targets", nargs="*", metavar="APP_DIR | oci://REFERENCE", help=argparse.SUPPRESS)
    where = diff.add_mutually_exclusive_group()
    where.add_argument("--against", metavar="BRANCH[:PATH] | oci://REPO:TAG", help="compare with this branch folder or artifact")
    where.add_argument("--base", metavar="REV", help="compare with the app rendered at this commit (e.g. origin/main)")
    diff.add_argument("--remote", default="origin", help="git remote the branch is read from (default: origin)")
    diff.add_argument("--repo", metavar="DIR", help="the app's clone (default: the one holding APP_DIR)")
    v.add_format(diff, "text (coloured on a terminal), markdown (a pull-request comment), or json", ("text", "markdown", "json"))
    diff.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    diff.add_argument("--exit-code", action="store_true", help="exit 5 when there are changes, like git diff --exit-code")
    v.add_registry_options(diff)
    v.add_app_arguments(diff, positional=False)
    v.add_check_options(diff)
    diff.set_defaults(run=_diff)
