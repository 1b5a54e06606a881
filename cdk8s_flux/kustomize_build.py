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
from collections.abc import Iterable, Sequence
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
    #: For a build of a temporary copy (``build_with_components``): ``(the copy's root, the real root)``.
    mirror: tuple[Path, Path] | None = None

    def origin(self, path: str) -> Path | None:
        """The real file an origin path of this build names, or None when the build has no origins."""
        if self.base is None:
            return None
        file = origin_file(self.base, path)
        if self.mirror is not None and file.is_relative_to(self.mirror[0]):
            return self.mirror[1] / file.relative_to(self.mirror[0])
        return file


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


# The prefixes by which kustomize recognizes a remote resource (kustomize api/internal/git repospec.go); a
# Flux Kustomization's component may not be one (fluxcd/pkg kustomize IsLocalRelativePath).
_REMOTE_PREFIXES = ("git::", "gh:", "ssh://", "https://", "http://", "git@", "github.com:", "github.com/")


def _local_relative(path: str) -> bool:
    """Whether a component path is one kustomize-controller takes: neither remote nor absolute."""
    lowered = path.lower()
    if any(len(prefix) < len(path) and lowered.startswith(prefix) for prefix in _REMOTE_PREFIXES):
        return False
    return not (path.startswith("/") or lowered.removeprefix("file://").startswith("/"))


def _mirror(root: Path, folder: Path, copy: Path) -> Path:
    """A copy of ``root`` in ``copy`` made of links, real folders only from the root down to ``folder``; ``folder``'s copy.

    Relative paths from the copied folder (``../base``, the components) reach the same files as
    from the folder itself, and the copied folder's kustomization file can be rewritten without
    touching the user's one, which is left out of the copy.
    """
    real, made = root, copy
    steps = folder.relative_to(root).parts
    for index in range(len(steps) + 1):
        made.mkdir(exist_ok=True)
        step = steps[index] if index < len(steps) else None
        for entry in sorted(real.iterdir()):
            if entry.name != step and not (step is None and entry.name in KUSTOMIZATION_FILES):
                (made / entry.name).symlink_to(entry)
        if step is None:
            return made
        real, made = real / step, made / step
    return made  # pragma: no cover - the loop returns


def with_components(
    kustomization: dict[str, Any], folder: Path, components: Sequence[str], *, ignore_missing: bool = False,
) -> dict[str, Any]:
    """The content of ``folder``'s kustomization file once kustomize-controller has added a Flux Kustomization's components.

    They come after the file's own ``components``, in their order; with ``ignore_missing``
    (``spec.ignoreMissingComponents``) those that do not exist below ``folder`` are left out.
    """
    kept = [c for c in components if not (ignore_missing and not (folder / c).exists())]
    own = kustomization.get("components") or []
    return {**kustomization, "components": [*own, *kept]} if own or kept else dict(kustomization)


def generated_kustomization(folder: Path) -> dict[str, Any]:
    """The kustomization kustomize-controller generates for a folder that has none: its YAML files and kustomization folders.

    As fluxcd/pkg ``kustomize`` scans a folder: every ``.yaml``/``.yml`` file below it, in
    the order a walk of the folder meets them, except below a folder that has a kustomization
    file, which is listed itself; an empty folder gets a placeholder namespace, so the build is not empty.
    """
    resources: list[str] = []

    def walk(here: Path) -> None:
        for entry in sorted(here.iterdir(), key=lambda e: e.name.encode()):
            if entry.is_dir():
                if kustomization_file(entry) is not None:
                    resources.append(f"./{entry.relative_to(folder)}")
                else:
                    walk(entry)
            elif entry.suffix in (".yaml", ".yml"):
                resources.append(f"./{entry.relative_to(folder)}")

    walk(folder)
    base: dict[str, Any] = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
    return base | ({"resources": resources} if resources else {"namespace": "_placeholder"})


def build_with_components(
    folder: Path, root: Path, components: Sequence[str], *, ignore_missing: bool = False, timeout: float = BUILD_TIMEOUT,
) -> Built:
    """``build_with_origins(folder)`` with a Flux Kustomization's ``spec.components`` added, as kustomize-controller adds them.

    kustomize-controller (fluxcd/pkg ``kustomize`` Generator) appends the components, paths
    relative to ``spec.path``, to the ``components`` of the folder's kustomization file and then
    builds the folder (a folder without one gets ``generated_kustomization``). Here the rewritten file lives in a temporary copy (``_mirror``), so the
    user's folder is never written. ``ignore_missing`` is ``spec.ignoreMissingComponents``: a
    component that does not exist is left out instead of failing the build.
    """
    import tempfile

    for component in components:
        if not _local_relative(component):
            raise KustomizeBuildError(
                f"spec.components: {component!r} is not a local relative path, which kustomize-controller refuses. "
                "Fix: give the path of a Component folder in the repository, relative to spec.path"
            )
    file = kustomization_file(folder)
    if file is None:
        found = generated_kustomization(folder)
    else:
        try:
            documents = read_yaml(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return build_with_origins(folder, timeout)  # kustomize says what is wrong with the file
        found = documents[0] if documents and isinstance(documents[0], dict) else {}
    content = with_components(found, folder, components, ignore_missing=ignore_missing)
    real_root, real_folder = root.resolve(), folder.resolve()
    with tempfile.TemporaryDirectory(prefix="cdk8s-flux-components-") as temporary:
        copy = Path(temporary).resolve() / "source"
        made = _mirror(real_root, real_folder, copy)
        (made / (file.name if file is not None else KUSTOMIZATION_FILES[0])).write_text(
            yaml.safe_dump(content, sort_keys=False), encoding="utf-8",
        )
        try:
            built = build_with_origins(made, timeout)
        except KustomizeBuildError as exc:
            raise KustomizeBuildError(str(exc).replace(str(copy), str(real_root))) from None
    return Built(built.stream, built.base, (copy, real_root) if built.base is not None else None)
