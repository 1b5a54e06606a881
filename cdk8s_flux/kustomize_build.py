"""Folders with a kustomization file, built as kustomize-controller builds them: by the real ``kubectl kustomize``.

A folder of a Flux repository that holds a ``kustomization.yaml`` is not a
set of objects: its patches and partial objects are completed by the build.
kustomize-controller builds with kustomize's krusty API, loading files from
anywhere in the source (``LoadRestrictionsNone``) and without plugins
(fluxcd/pkg ``kustomize``); ``kubectl kustomize --load-restrictor
LoadRestrictionsNone`` is the same build. The file names kustomize recognizes
are those of ``sigs.k8s.io/kustomize/api/konfig`` ``RecognizedKustomizationFileNames``.

Which folders are built: every folder with a kustomization file that no other
such folder lists among its ``resources`` or ``components`` (that one is
built as part of the other), except kustomize ``Component`` folders, which Flux
applies only as part of a kustomization (or a Flux Kustomization's
``spec.components``). Every file below a folder with a kustomization file
belongs to a build, and is not read on its own.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cdk8s_flux.errors import CdkFluxError
from cdk8s_flux.manifests import read_yaml

#: The names of a kustomization file, as kustomize looks for them in a folder.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

#: How long one build may take, in seconds.
BUILD_TIMEOUT = 120


class KustomizeBuildError(CdkFluxError):
    """``kubectl kustomize`` could not build a folder, or is not installed."""


def kustomization_file(folder: Path) -> Path | None:
    """The kustomization file of ``folder``, or None when it has none."""
    return next((folder / name for name in KUSTOMIZATION_FILES if (folder / name).is_file()), None)


def _content(file: Path) -> dict[str, Any]:
    try:
        documents = read_yaml(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # the build reports it
    return documents[0] if documents and isinstance(documents[0], dict) else {}


def is_component(file: Path) -> bool:
    """Whether a kustomization file is a kustomize ``Component``: applied only as part of a kustomization that lists it."""
    return _content(file).get("kind") == "Component"


def _listed(folder: Path, file: Path) -> list[Path]:
    """The folders a kustomization file lists as ``resources`` or ``components`` (files and URLs left out)."""
    content = _content(file)
    found = []
    for key in ("resources", "components", "bases"):
        for entry in content.get(key) or ():
            if isinstance(entry, str) and "://" not in entry and not entry.startswith("git@"):
                target = (folder / entry).resolve()
                if target.is_dir():
                    found.append(target)
    return found


@dataclass(frozen=True)
class Build:
    """One folder to build, and its kustomization file."""

    folder: Path
    file: Path


def builds(folders: Iterable[Path]) -> list[Build]:
    """The folders among ``folders`` that are built on their own: those with a kustomization file no other lists, components left out."""
    found = {folder.resolve(): (folder, file) for folder in folders if (file := kustomization_file(folder)) is not None}
    listed = {target for resolved, (folder, file) in found.items() for target in _listed(resolved, file)}
    return [
        Build(folder, file) for resolved, (folder, file) in sorted(found.items())
        if resolved not in listed and not is_component(file)
    ]


# kubectl logs its failure as `E1202 01:16:29.787641 4737 run.go:72] "command failed" err="..."`: the time and
# process id change from run to run, the err text is the reason.
_LOGGED = re.compile(r'^[EWIF]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "command failed" err=(".*")$')


def _reason(stderr: str) -> str:
    """kubectl's reason for a failed build, without its log prefix, on one line."""
    lines = []
    for line in stderr.strip().splitlines():
        logged = _LOGGED.match(line.strip())
        if logged:
            try:
                line = json.loads(logged.group(1))
            except json.JSONDecodeError:
                line = logged.group(1)
        lines.append(line)
    return " ".join(" ".join(lines).split())[:1000]


#: The annotation kustomize's ``buildMetadata: [originAnnotations]`` writes: the file each object came from.
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"


@dataclass(frozen=True)
class Built:
    """What a build gave: the YAML stream, and the folder its origin paths are relative to (None: no origins)."""

    stream: str
    base: Path | None


def build_with_origins(folder: Path, timeout: float = BUILD_TIMEOUT) -> Built:
    """``build(folder)``, each object annotated with the file it came from (``ORIGIN_ANNOTATION``).

    The folder is built as the one resource of a kustomization in a temporary
    folder that asks for origin annotations, so the objects are the same as
    ``build``'s but for that annotation (``without_origin`` takes it off). A
    build that fails is built again alone, for kustomize's own reason.
    """
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cdk8s-flux-kustomize-") as temporary:
        wrapper = Path(temporary).resolve()
        resource = os.path.relpath(folder.resolve(), wrapper)
        (wrapper / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"resources:\n  - {json.dumps(resource)}\nbuildMetadata: [originAnnotations]\n",
            encoding="utf-8",
        )
        try:
            return Built(build(wrapper, timeout), wrapper)
        except KustomizeBuildError:
            pass
    return Built(build(folder, timeout), None)


def without_origin(obj: dict[str, Any]) -> str | None:
    """Take the origin annotation off ``obj`` (and ``annotations`` when it held nothing else); the origin's path, if any.

    The path is as kustomize writes it, relative to ``Built.base``; ``origin_file`` resolves it.
    """
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return None
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict) or ORIGIN_ANNOTATION not in annotations:
        return None
    origin = annotations.pop(ORIGIN_ANNOTATION)
    if not annotations:
        del metadata["annotations"]
    try:
        found = read_yaml(str(origin))
    except yaml.YAMLError:
        return None
    path = found[0].get("path") if found and isinstance(found[0], dict) else None
    return path if isinstance(path, str) else None


def origin_file(base: Path, path: str) -> Path:
    """The file an origin path names (kustomize writes it relative to the build's base; the base itself is gone)."""
    import os

    return Path(os.path.normpath(base / path))


def build(folder: Path, timeout: float = BUILD_TIMEOUT) -> str:
    """The YAML stream ``kubectl kustomize`` builds from ``folder``, as kustomize-controller would build it."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise KustomizeBuildError(
            f"cannot build {folder}: kubectl is not installed. Fix: install kubectl (it carries kustomize), "
            "or validate the files one by one without their kustomization file"
        )
    try:
        done = subprocess.run(
            [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(folder)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise KustomizeBuildError(f"kubectl kustomize {folder} did not finish in {timeout:g} s") from exc
    if done.returncode != 0:
        raise KustomizeBuildError(f"kubectl kustomize cannot build it: {_reason(done.stderr) or f'exit code {done.returncode}'}")
    return done.stdout
