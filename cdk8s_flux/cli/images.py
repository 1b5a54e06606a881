"""``cdk8s-flux images init|set|check``: the image pins file of an app whose images Flux updates."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cdk8s_flux.cli import vocabulary as v

_DESCRIPTION = """\
Flux's image-automation-controller updates image references in YAML files in
git at its setter markers. A generated app keeps them in one committed file, the
image pins file (default images.yaml in APP_DIR), which the app reads with
ImagePins.load and Flux updates; see docs/v2-image-automation.md.

  init   write the pins file with an entry and marker for every ImageAutomation
         the app defines (entries already there are kept as they are)
  set    set an entry to an image, as the controller would: only the marked values change
         (or, given a policy NAMESPACE:NAME, every marker of it in the YAML files under --path)
  check  the checks synth runs: every marker names a policy the app defines, every
         automated image has its entry, repositories match, no automation writes
         the branch publish owns

""" + v.EXIT_CODES

_INIT = """\
Write the image pins file with an entry and its setter marker for every
ImageAutomation the app defines. Entries already in the file are kept as they
are, and so is the rest of its text.

example:
  cdk8s-flux images init            # the app in ., writes ./images.yaml
  cdk8s-flux images set web ghcr.io/org/web:1.4.0

""" + v.EXIT_CODES

_SET = """\
Set a pins entry to an image as the image-automation-controller would: only
the values at its markers change, every other byte of the file stays. Given an
ImagePolicy as NAMESPACE:NAME instead, every marker of that policy in the YAML
files under --path is set, as one run of the controller sets them.

examples:
  cdk8s-flux images set web ghcr.io/org/web:1.4.0
  cdk8s-flux images set web ghcr.io/org/web:1.4.0@sha256:<64 hex digits>
  cdk8s-flux images set flux-system:web ghcr.io/org/web:1.4.0 --path clusters/

""" + v.EXIT_CODES

_CHECK = """\
Run the image automation checks that synth runs, alone: every marker names an
ImagePolicy the app defines, every automated image has its entry, each entry's
repository is its ImageRepository's, a pinned digest has a policy that reflects
digests, and no ImageUpdateAutomation writes the branch and path publish owns.
Prints one line per problem and exits 4 when there is one.

""" + v.EXIT_CODES


def _pins_path(args: argparse.Namespace, app_dir: str | None) -> Path:
    from cdk8s_flux.images.pins import DEFAULT_FILE

    if args.pins:
        return Path(args.pins)
    return Path(app_dir or ".") / DEFAULT_FILE


def _objects(args: argparse.Namespace, command: str) -> list[dict[str, Any]]:
    """The app's objects, synthesized with its image checks left to this command."""
    from cdk8s_flux.app import load_app_config
    from cdk8s_flux.images.pins import COMMAND_ENVIRONMENT
    from cdk8s_flux.pipeline import CheckPolicy, render

    config = load_app_config(Path(v.app_dir(args)), args.app, args.timeout)
    os.environ[COMMAND_ENVIRONMENT] = command
    try:
        rendered = render(config, CheckPolicy(validate=False), verbose=args.verbose, progress=v.progress)
    finally:
        del os.environ[COMMAND_ENVIRONMENT]
    return rendered.objects


def _init(args: argparse.Namespace) -> int:
    from cdk8s_flux.atomic import write_file
    from cdk8s_flux.errors import ValidationError
    from cdk8s_flux.images.checks import PIN_ANNOTATION
    from cdk8s_flux.images.pins import HEADER, ImagePins, render_entry
    from cdk8s_flux.images.setters import Setter

    path = _pins_path(args, args.app_dir)
    objects = _objects(args, "init")
    repositories = {(o["metadata"].get("namespace"), o["metadata"]["name"]): o["spec"]["image"] for o in objects if o.get("kind") == "ImageRepository"}
    existing = ImagePins.load(path) if path.exists() else None
    text = path.read_bytes().decode() if existing is not None else HEADER + "images:\n"
    newline = "\r\n" if "\r\n" in text else "\n"
    added: list[str] = []
    rendered: list[str] = []
    for policy in sorted((o for o in objects if o.get("kind") == "ImagePolicy"), key=lambda o: o["metadata"]["name"]):
        entry = (policy["metadata"].get("annotations") or {}).get(PIN_ANNOTATION)
        if entry is None or (existing is not None and entry in existing.pins):
            continue
        namespace = policy["metadata"].get("namespace")
        ref = policy["spec"]["imageRepositoryRef"]
        image = repositories.get((ref.get("namespace", namespace), ref["name"]))
        if image is None:
            continue
        lines = render_entry(entry, f"{image}:{args.tag}", Setter(namespace, policy["metadata"]["name"]), args.split)
        text = text.rstrip("\r\n") + newline + lines.replace("\n", newline)
        added.append(entry)
        rendered.append(lines)
    if not added:
        v.progress(f"{path}: every automated image has its entry; nothing to add")
        return v.EXIT_OK
    try:
        appended = ImagePins.parse(text, path)  # what we write must read back, with the new entries
    except ValidationError:
        appended = None
    if appended is None or not set(added) <= set(appended.pins):
        raise ValidationError(
            "pins", str(path), "init appends entries indented by two spaces at the end, and this file's layout does not take them",
            "add these entries under images: by hand: " + " ".join(" / ".join(line.strip() for line in r.splitlines()) for r in rendered),
        )  # fmt: skip
    write_file(path, text)
    for entry in added:
        v.progress(f"{path}: added {entry} pinned at tag {args.tag!r}; set the image it runs now with 'cdk8s-flux images set {entry} IMAGE'")
    return v.EXIT_OK


def _set(args: argparse.Namespace) -> int:
    from cdk8s_flux.images.pins import set_image
    from cdk8s_flux.images.setters import ImageRef, Setter, update_tree

    if ":" in args.entry:
        # A policy: every marker of it in the YAML files under PATH, as the controller's run would set them.
        setter = Setter.parse(args.entry, "NAME")
        if setter.field is not None:
            raise v.UsageError(f"NAME {args.entry!r} names a part of the image. Fix: give the policy as NAMESPACE:NAME; its :name, :tag and :digest markers follow")
        path = Path(args.path or ".")
        if not path.exists():
            raise v.UsageError(f"--path {str(path)!r} does not exist. Fix: give the folder or file the ImageUpdateAutomation's update.path names")
        changes = [f"{c.file}: {c.setter}: {c.old} -> {c.new}" for c in update_tree(path, {setter.policy: ImageRef.parse(args.image)})]
    else:
        if args.path:
            raise v.UsageError("--path is for a policy (NAMESPACE:NAME). Fix: give the pins file with --pins, or name the policy")
        changes = set_image(_pins_path(args, None), args.entry, args.image)
    for line in changes:
        print(line)
    if not changes:
        v.progress(f"{args.entry} already at {args.image}: nothing changed")
    return v.EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from cdk8s_flux.images.checks import problems
    from cdk8s_flux.images.pins import ImagePins

    paths = [Path(p) for p in args.pins] if args.pins else [_pins_path(args, args.app_dir)]
    pins = [ImagePins.load(path) for path in paths]
    found = problems(_objects(args, "check"), pins)
    for problem in found:
        print(f"cdk8s-flux: error: {problem}", file=sys.stderr)
    if found:
        return 4
    v.progress(f"{', '.join(map(str, paths))}: {sum(map(len, pins))} pinned images, every marker matches the app's policies")
    return v.EXIT_OK


def add_parsers(commands: argparse._SubParsersAction) -> None:
    parser = v.add_command(commands, "images", "the image pins file that Flux image automation updates (init, set, check)", _DESCRIPTION)
    actions = parser.add_subparsers(dest="images_command", metavar="ACTION")
    init = v.add_command(actions, "init", "write the pins file's entries and markers for the app's ImageAutomations", _INIT)
    v.add_app_arguments(init)
    init.add_argument("--pins", metavar="FILE", help="the pins file (default: APP_DIR/images.yaml)")
    init.add_argument("--tag", default="latest", help="the tag a new entry starts at (default: latest); then run 'images set'")
    init.add_argument("--split", action="store_true", help="write name and tag with their own markers instead of one image line")
    init.set_defaults(run=_init)
    set_ = v.add_command(actions, "set", "set an entry to an image, as the image-automation-controller would", _SET)
    set_.add_argument("entry", metavar="NAME", help="the pins entry (pins['NAME']), or an ImagePolicy as NAMESPACE:NAME")
    set_.add_argument("image", metavar="IMAGE", help="the image, REPOSITORY:TAG or REPOSITORY:TAG@sha256:DIGEST")
    set_.add_argument("--pins", metavar="FILE", help="the pins file, for an entry (default: ./images.yaml)")
    set_.add_argument("--path", metavar="PATH", help="for a policy: the YAML file or folder to update, as update.path (default: .)")
    set_.set_defaults(run=_set)
    check = v.add_command(actions, "check", "run the image automation checks of synth alone", _CHECK)
    v.add_app_arguments(check)
    check.add_argument("--pins", metavar="FILE", action="append", help="a pins file the app reads, repeated for each (default: APP_DIR/images.yaml)")
    check.set_defaults(run=_check)
