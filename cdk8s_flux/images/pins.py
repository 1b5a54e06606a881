"""The image pins file: the images an app deploys, committed beside its code, updated by Flux.

Format (YAML, one entry per automated image under ``images``)::

    images:
      web:
        image: ghcr.io/example/web:1.2.3 # {"$imagepolicy": "flux-system:web"}
      api:
        name: ghcr.io/example/api # {"$imagepolicy": "flux-system:api:name"}
        tag: 2.0.1 # {"$imagepolicy": "flux-system:api:tag"}
        digest: sha256:... # {"$imagepolicy": "flux-system:api:digest"}

An entry is either ``image`` (the whole reference, ``name:tag[@digest]``) or
``name`` with ``tag`` and/or ``digest``. The markers are the image-automation-
controller's, so it updates this file as it updates any manifest; the app reads
it at synth time with ``ImagePins.load``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cdk8s_flux.atomic import write_file
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.images.setters import FIELDS, ImageRef, Setter, apply, load_marked, scalar

#: Set by ``cdk8s-flux images init`` and ``check`` while they run the app (to ``init`` or ``check``): the
#: constructs leave the checks to the command, and under ``init`` a missing file or entry reads as a placeholder.
COMMAND_ENVIRONMENT = "CDK8S_FLUX_IMAGES_COMMAND"
#: What a missing entry reads as while ``images init`` runs the app (the output is discarded).
PLACEHOLDER = "example.invalid/cdk8s-flux-images-init:placeholder"
#: The file name ``cdk8s-flux images init`` writes and the docs use.
DEFAULT_FILE = "images.yaml"
_KEYS = ("image", *FIELDS)
HEADER = (
    "# Image pins: the images this app deploys, read at synth time by ImagePins.load.\n"
    "# Flux's image-automation-controller updates the values at the markers; do not remove them.\n"
)


@dataclass(frozen=True)
class Pin:
    """One entry: its name in the file, the image it pins, and the setter markers it carries (key -> setter)."""

    entry: str
    ref: ImageRef
    setters: Mapping[str, Setter]

    @property
    def image(self) -> str:
        """The whole reference, ``name[:tag][@digest]``: what a container's ``image`` takes."""
        return str(self.ref)

    @property
    def policies(self) -> frozenset[tuple[str, str]]:
        """The ImagePolicies (namespace, name) its markers name."""
        return frozenset(s.policy for s in self.setters.values())


class ImagePins(Mapping[str, str]):
    """The pins file, read: ``pins["web"]`` is the pinned image of entry ``web``."""

    def __init__(self, path: Path, pins: Mapping[str, Pin]) -> None:
        self.path = path
        self.pins = dict(pins)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_FILE) -> ImagePins:
        """Read and check a pins file: each entry an image (or name and tag/digest), each marker a setter of its key."""
        path = Path(path)
        try:
            text = path.read_bytes().decode()  # bytes, so that line endings stay as they are
        except FileNotFoundError:
            if _initializing():
                return cls(path, {})
            raise ValidationError(
                "pins", str(path), "no such file", "create it with 'cdk8s-flux images init', or give the path of the app's pins file"
            ) from None
        return cls.parse(text, path)

    @classmethod
    def parse(cls, text: str, path: Path = Path(DEFAULT_FILE)) -> ImagePins:
        """The pins of a file's text (``path`` names it in messages)."""
        where = str(path)
        documents, found = load_marked(text, where)
        if len(documents) > 1:
            raise ValidationError(where, f"{len(documents)} documents", "a pins file is one YAML document", "keep one, without '---' between entries")
        data = documents[0] if documents else None
        if data is None:
            data = {"images": {}}
        if not isinstance(data, dict) or set(data) != {"images"} or not isinstance(data["images"], (dict, type(None))):
            raise ValidationError(
                where, sorted(data) if isinstance(data, dict) else data, "not a pins file", "write one mapping, images:, with an entry per image"
            )
        marked: dict[tuple[str | int, ...], Setter] = {m.path: m.setter for m in found}
        pins = {}
        for entry, body in (data["images"] or {}).items():
            field = f"{where}: images.{entry}"
            if not isinstance(entry, str) or not isinstance(body, dict) or not body or set(body) - set(_KEYS):
                raise ValidationError(field, body, "not a pin", "write image: REF, or name: with tag: and/or digest:")
            if any(not isinstance(v, str) for v in body.values()):
                raise ValidationError(field, body, "a value is not a string", "quote it, such as tag: '1.10'")
            if "image" in body and len(body) > 1:
                raise ValidationError(
                    field, sorted(body), "image is set together with name, tag or digest", "write either image: or name: with tag:/digest:"
                )
            if "image" not in body and ("name" not in body or len(body) == 1):
                raise ValidationError(field, sorted(body), "a name needs a tag or a digest", "add tag: or digest:, or write image: REF")
            ref = ImageRef.parse(body["image"], field) if "image" in body else ImageRef(body["name"], body.get("tag", ""), body.get("digest", ""))
            if "image" not in body:
                ImageRef.parse(str(ref), field)
            setters = {}
            for key in body:
                setter = marked.get(("images", entry, key))
                if setter is None:
                    continue
                wanted = None if key == "image" else key
                if setter.field != wanted:
                    raise ValidationError(
                        f"{field}.{key}", str(setter), f"the marker sets the {setter.field or 'whole image'}, not the {key}",
                        f"write {Setter(setter.namespace, setter.name, wanted).comment()}",
                    )  # fmt: skip
                setters[key] = setter
            pins[entry] = Pin(entry, ref, setters)
        return cls(path, pins)

    def __getitem__(self, entry: str) -> str:
        if entry not in self.pins and _initializing():
            return PLACEHOLDER
        return self.pin(entry).image

    def pin(self, entry: str) -> Pin:
        """The entry, or an error that lists the entries there are."""
        if entry not in self.pins:
            known = ", ".join(sorted(self.pins)) or "none"
            raise ValidationError(
                "pins", entry, f"no such entry in {self.path} (entries: {known})", "add it with 'cdk8s-flux images init', or use one of the entries"
            )
        return self.pins[entry]

    def __iter__(self) -> Iterator[str]:
        return iter(self.pins)

    def __len__(self) -> int:
        return len(self.pins)


def _initializing() -> bool:
    return os.environ.get(COMMAND_ENVIRONMENT) == "init"


def render_entry(entry: str, image: str, setter: Setter, split: bool) -> str:
    """The lines of one entry: the whole image with its marker, or name, tag (and digest) with theirs."""
    ref = ImageRef.parse(image, f"images.{entry}")
    lines = [f"  {entry}:"]
    if not split:
        lines.append(f"    image: {scalar(str(ref))} {setter.comment()}")
    else:
        for key in FIELDS:
            value = getattr(ref, key)
            if value or key == "tag":
                lines.append(f"    {key}: {scalar(value)} {Setter(setter.namespace, setter.name, key).comment()}")
    return "\n".join(lines) + "\n"


def set_image(path: Path, entry: str, image: str) -> list[str]:
    """Set an entry to ``image`` as the controller would for its policy: only the marked values change.

    Returns the changes as ``key: old -> new`` lines; the file is rewritten atomically when one changed.
    """
    pins = ImagePins.load(path)
    pin = pins.pin(entry)
    if not pin.setters:
        raise ValidationError(
            f"{path}: images.{entry}", pin.image, "carries no marker, so Flux never updates it", "run 'cdk8s-flux images init' or add the marker"
        )
    ref = ImageRef.parse(image)
    text = path.read_bytes().decode()
    new, changes = apply(text, dict.fromkeys(pin.policies, ref), str(path))
    if changes:
        write_file(path, new)
    return [f"{c.setter}: {c.old} -> {c.new}" for c in changes]
