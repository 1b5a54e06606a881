"""Commands that write on this machine: ``render``, ``synth`` and ``validate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cdk8s_flux.cli import vocabulary as v


def _render(args: argparse.Namespace) -> int:
    from cdk8s_flux.app import load_app_config
    from cdk8s_flux.atomic import write_file
    from cdk8s_flux.pipeline import render
    from cdk8s_flux.progress import silent

    config = load_app_config(Path(v.app_dir(args)), args.app, args.timeout)
    rendered = render(config, v.policy(args), verbose=args.verbose, progress=silent if args.quiet else v.progress)
    stream = rendered.stream
    if args.output:
        write_file(Path(args.output), stream)
    else:
        sys.stdout.write(stream)
        sys.stdout.flush()
    if not args.quiet:
        v.progress(f"rendered {rendered.summary()}")
    return v.EXIT_OK


def _synth(args: argparse.Namespace) -> int:
    from cdk8s_flux.app import load_app_config
    from cdk8s_flux.atomic import replace_dir
    from cdk8s_flux.pipeline import render

    config = load_app_config(Path(v.app_dir(args)), args.app, args.timeout)
    output = Path(args.output) if args.output else config.directory / config.output
    rendered = render(config, v.policy(args), verbose=args.verbose, progress=v.progress)
    if args.layout == "flux":
        replace_dir(output, rendered.layout(), protect=[config.directory])
    else:
        replace_dir(output, {f.path: f.text for f in rendered.files}, protect=[config.directory])
    v.progress(f"wrote {rendered.summary()} to {output}")
    return v.EXIT_OK


_VALIDATE_DESCRIPTION = """\
Check Kubernetes objects strictly, where the API server would silently drop an
unknown field: core kinds against the Kubernetes API schemas of
kubernetes-validate, custom resources (Flux's and others) against the
openAPIV3Schema of their CRD. CRDs come from the validated objects themselves,
else from a Flux release: --flux-version, else the release the Flux objects
are labelled with, else the one cdk8s-flux.lock pins, else the v2.9.4 release
embedded in cdk8s-flux. Which one was used is printed once on stderr.

PATH is a YAML file, a folder (searched recursively for *.yaml and *.yml,
skipping hidden folders and files without Kubernetes objects), or - for stdin.
A folder with a kustomization.yaml is built with kubectl kustomize, as Flux
builds it, and the objects it builds are checked; its patches are not objects.
Where a Flux Kustomization among the objects substitutes post-build variables
(spec.postBuild), ${var} placeholders in the files of its path are accepted
wherever a substituted value could be valid.

""" + v.EXIT_CODES


def _validate(args: argparse.Namespace) -> int:
    import json

    from cdk8s_flux.pipeline import read_crds
    from cdk8s_flux.progress import plural
    from cdk8s_flux.validate import read_paths, validate_files

    chosen = v.report_format(args, old_output=True)
    read = read_paths(args.paths)
    for name in read.skipped:
        v.progress(f"skipped {name}: no Kubernetes object in it")
    for folder in read.built:
        v.progress(f"built {folder} with kubectl kustomize, as Flux builds it")
    checks = v.policy(args)
    crds = {f"the CRDs of {name}": defined for name, defined in read_crds(checks.crds).items()}
    problems = read.problems + validate_files(
        read.files,
        kubernetes_version=checks.kubernetes_version,
        crds=crds,
        flux_version=checks.flux_version,
        allow_unknown_kinds=checks.allow_unknown_kinds,
        report=v.progress,
        lines=read.lines,
        substituted=read.substituted,
    )
    count = sum(len(objects) for objects in read.files.values())
    if chosen == "json":
        report = {"valid": not problems, "objects": count, "files": len(read.files), "problems": [p.as_dict() for p in problems]}
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{v.flags_in(str(p))}\n" for p in problems))
    sys.stdout.flush()
    counted = f"{plural(count, 'object')} from {plural(len(read.files), 'file')}"
    if problems:
        v.progress(f"{plural(len(problems), 'problem')} in {counted}")
        return 4
    v.progress(f"{counted}: valid")
    return v.EXIT_OK


def add_parsers(commands: argparse._SubParsersAction) -> None:
    render = v.add_command(
        commands, "render", "print every synthesized object as one YAML stream (a Flux v1 generator)",
        "Run the app and print every object it synthesizes as ONE multi-document YAML stream on "
        "stdout; everything else goes to stderr. Use it as the generator command of a .flux.yaml.\n\n" + v.EXIT_CODES,
    )
    v.add_app_arguments(render)
    render.add_argument("-o", "--output", metavar="FILE", help="write the stream to FILE (atomically) instead of stdout")
    render.add_argument("-q", "--quiet", action="store_true", help="print nothing on stderr on success")
    v.add_check_options(render)
    render.set_defaults(run=_render)

    synth = v.add_command(
        commands, "synth", "synthesize the app into a folder, replacing it atomically",
        "Run the app and write its manifests to OUTPUT. The folder is replaced as a whole: a failed "
        "synth leaves the previous content untouched.\n\n" + v.EXIT_CODES,
    )
    v.add_app_arguments(synth)
    synth.add_argument("-o", "--output", metavar="DIR", help="output folder (default: 'output:' of cdk8s.yaml, else APP_DIR/dist)")
    synth.add_argument(
        "--layout", choices=("cdk8s", "flux"), default="cdk8s",
        help="cdk8s: the files as cdk8s writes them (default); flux: the layout publish writes "
        "(a folder per chart, a file per object, kustomization.yaml files)",
    )
    v.add_check_options(synth)
    synth.set_defaults(run=_synth)

    validate = v.add_command(
        commands, "validate", "check objects against the Kubernetes API and their CRDs, strictly",
        _VALIDATE_DESCRIPTION,
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="YAML file, folder, or - for stdin")
    v.add_format(validate, "problem report format")
    validate.add_argument("-o", "--output", choices=("text", "json"), default=None, help=argparse.SUPPRESS)
    v.add_check_options(validate, can_skip=False)
    validate.set_defaults(run=_validate)
