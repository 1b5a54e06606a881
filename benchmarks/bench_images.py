"""The image pins file of a large app: 200 automated images, half of them split into name, tag and digest.

*Ours*: ``ImagePins.parse`` (one YAML parse for the values and the markers with their
spans, every entry and marker checked) and the update ``images set`` makes to one entry
(``setters.apply``: the markers found, one span replaced; ``images set`` also loads the
pins first, so it costs both rows). *Baseline*: ``yaml.safe_load`` of the same text, the least a tool must do to read
the file, with the same (pure Python) loader.
"""

from __future__ import annotations

import yaml

from benchmarks.harness import Comparison, interleaved

ENTRIES = 200
DIGEST = "sha256:" + "6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be"


def pins_text(entries: int = ENTRIES) -> str:
    lines = ["# Image pins of a large app", "images:"]
    for i in range(entries):
        policy = f"flux-system:app-{i:03d}"
        lines.append(f"  app-{i:03d}:")
        if i % 2:
            lines.append(f'    image: ghcr.io/example-org/app-{i:03d}:1.{i}.0 # {{"$imagepolicy": "{policy}"}}')
        else:
            lines.append(f'    name: ghcr.io/example-org/app-{i:03d} # {{"$imagepolicy": "{policy}:name"}}')
            lines.append(f'    tag: main-3f2a9c1-{1718000000 + i} # {{"$imagepolicy": "{policy}:tag"}}')
            lines.append(f'    digest: {DIGEST} # {{"$imagepolicy": "{policy}:digest"}}')
    return "\n".join(lines) + "\n"


def run() -> list[Comparison]:
    from cdk8s_flux.images.pins import ImagePins
    from cdk8s_flux.images.setters import ImageRef, apply

    text = pins_text()
    latest = {("flux-system", "app-100"): ImageRef.parse(f"ghcr.io/example-org/app-100:main-9e8d7c6-1800000000@{DIGEST}")}

    def load() -> None:
        assert len(ImagePins.parse(text)) == ENTRIES

    def update() -> None:
        new, changes = apply(text, latest)
        assert len(changes) == 1

    def baseline() -> None:
        yaml.safe_load(text)

    load_ours, load_base = interleaved(load, baseline, repeat=7)
    set_ours, set_base = interleaved(update, baseline, repeat=7)
    return [
        Comparison(f"ImagePins.load, {ENTRIES} images (read + markers + checks)", load_ours, "yaml.safe_load of the file", load_base, target=1.5),
        Comparison(f"setters.apply (images set), one of {ENTRIES} images (markers + one span)", set_ours, "yaml.safe_load of the file", set_base, target=1.5),
    ]
