"""The Flux release embedded in the package: unmodified upstream objects, with their provenance.

Oracles: the independent upstream copies under tests/data/flux/ (provenance and sha256 in
its README.md). Rebuilding the embedded data from them must give the packaged bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cdk8s_flux.release import embedded, lookup

VERSION = "v2.9.4"


def _readme_sha256(flux_data: Path) -> dict[str, str]:
    text = (flux_data / "README.md").read_text()
    return {path: digest for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", text, re.MULTILINE)}


def test_every_oracle_file_has_the_sha256_its_provenance_records(flux_data: Path) -> None:
    recorded = _readme_sha256(flux_data)
    files = sorted(p.relative_to(flux_data).as_posix() for p in (flux_data / VERSION).rglob("*.yaml"))
    assert sorted(recorded) == files and len(files) == 9
    for path, digest in recorded.items():
        assert hashlib.sha256((flux_data / path).read_bytes()).hexdigest() == digest, path
    # the build input lists the same files with the same digests
    listing = json.loads((flux_data / VERSION / "sources.json").read_text())
    for source in listing["sources"]:
        assert recorded[f"{VERSION}/{source['file']}"] == source["sha256"]


def test_the_packaged_data_is_exactly_the_build_of_the_upstream_files(flux_data: Path) -> None:
    # GIVEN the upstream copies with their provenance
    # WHEN the embedded data is built from them
    rebuilt = embedded.build_from_sources(str(flux_data / VERSION / "sources.json"))
    # THEN it is the packaged file, byte for byte
    assert rebuilt == embedded.read_data(VERSION)


def test_every_object_of_every_upstream_file_is_embedded_unmodified(flux_data: Path) -> None:
    release = embedded.load(VERSION)
    variants = {(v.object["kind"], v.object["metadata"]["name"], v.source): v.object for v in release.variants}
    base = {(o["kind"], o["metadata"]["name"]): o for o in release.objects}
    for source in release.sources:
        listing = json.loads((flux_data / VERSION / "sources.json").read_text())
        file = next(s["file"] for s in listing["sources"] if s["name"] == source.name)
        for obj in yaml.load_all((flux_data / VERSION / file).read_text(), Loader=yaml.CSafeLoader):
            if not obj:
                continue
            key = (obj["kind"], obj["metadata"]["name"])
            # the object is the base one, or the variant recorded for this source
            assert variants.get((*key, source.name), base[key]) == obj, (source.name, key)
    # 43 objects: all seven components, each kind of object once
    assert len(release.objects) == 43
    assert {(v.source, v.object["metadata"]["name"]) for v in release.variants} == {
        ("with-source-watcher", "kustomize-controller"),
        ("with-source-watcher", "helm-controller"),
    }
    assert all(v.components == ("source-watcher",) for v in release.variants)


def test_the_provenance_names_each_upstream_file(flux_data: Path) -> None:
    release = embedded.load(VERSION)
    listing = json.loads((flux_data / VERSION / "sources.json").read_text())
    assert [s.as_dict() for s in release.sources] == [
        {k: v for k, v in s.items() if k != "file"} for s in listing["sources"]
    ]
    # the package README states the same commits and digests, and Flux's license ships beside the data
    readme = Path(embedded.__file__).parent / "data" / "README.md"
    for source in release.sources:
        assert source.commit in readme.read_text() and source.sha256 in readme.read_text()
    license_text = (Path(embedded.__file__).parent / "data" / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text


def test_the_release_is_read_once_per_process() -> None:
    assert embedded.load(VERSION) is embedded.load(VERSION)
    assert lookup.load(VERSION).objects is lookup.load(VERSION).objects


def test_loading_the_release_does_not_start_cdk8s() -> None:
    # the checks of validate and the delivery commands use the release without Node
    code = (
        "import sys; from cdk8s_flux.release import lookup; lookup.load('v2.9.4'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdk8s', 'jsii', 'constructs')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_tampered_source_is_refused_by_the_build(flux_data: Path) -> None:
    source = embedded.Source("x", ("source-controller",), "r", "p", "c", "0" * 64)
    data = (flux_data / VERSION / "gotk-components.yaml").read_bytes()
    with pytest.raises(ValueError, match="sha256"):
        embedded.build(VERSION, [(source, data, ())])
