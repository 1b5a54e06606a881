"""The command that promotes an artifact already in a registry: ``tag``."""

from __future__ import annotations

import argparse
import json
import sys

from cdk8s_flux.cli import vocabulary as v

_TAG_DESCRIPTION = """\
Point more tags at the artifact REFERENCE names, as 'flux tag artifact'
does: the manifest is read once and stored again, byte for byte, under each
TO tag of the same repository, so every tag names the same digest and no
layer is pulled or uploaded. Promote a tested artifact this way
(staging -> production) instead of pushing it again. A tag that already
points at that digest is left alone ("up to date").

REFERENCE is oci://REGISTRY/REPOSITORY:TAG or
oci://REGISTRY/REPOSITORY@sha256:DIGEST. Credentials: --creds USER:PASSWORD,
else the variables CDK8S_FLUX_REGISTRY_USER and CDK8S_FLUX_REGISTRY_PASSWORD,
else the docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json);
never printed.

""" + v.EXIT_CODES


def _cmd_tag(args: argparse.Namespace) -> int:
    from cdk8s_flux.oci.tag import TagOptions, tag

    chosen = v.report_format(args)
    tags = tuple(args.to) + tuple(t for value in args.tag or () for t in value.split(",") if t)
    if not tags:
        raise v.UsageError("no tag to point at the artifact. Fix: give TO tags after REFERENCE, such as production v1.2.3")
    options = TagOptions(
        reference=args.reference, tags=tags, dry_run=args.dry_run, insecure_registry=args.insecure_registry, creds=args.creds,
    )
    result = tag(options, progress=v.progress)
    if chosen == "json":
        sys.stdout.write(json.dumps(result.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{url}\n" for url in result.urls()))
    sys.stdout.flush()
    if args.dry_run and result.status == "dry run":
        v.progress("dry run: nothing written to the registry")
    return v.EXIT_OK


def add_parsers(commands: argparse._SubParsersAction) -> None:
    parser = v.add_command(
        commands, "tag", "point more tags at an artifact's digest, without pushing it again (flux tag artifact)",
        _TAG_DESCRIPTION, usage="cdk8s-flux tag REFERENCE TO [TO ...] [options]",
    )
    parser.add_argument("reference", metavar="REFERENCE", help="oci://REGISTRY/REPOSITORY:TAG or oci://REGISTRY/REPOSITORY@sha256:DIGEST")
    parser.add_argument("to", nargs="*", metavar="TO", help="a tag to point at the same digest, in the same repository")
    parser.add_argument("--tag", action="append", metavar="TAG", help="a TO tag, as 'flux tag artifact --tag' takes it (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be tagged; write nothing")
    v.add_format(parser, "stdout: REPOSITORY:TAG@DIGEST for every tag (text), or JSON with the digest and the tags written")
    v.add_registry_options(parser)
    parser.set_defaults(run=_cmd_tag)
