"""The one render-and-check pipeline under every command that runs an app.

config (``cdk8s.yaml``) -> synthesize -> checks -> ``Rendered`` (files, objects,
layout, the delivery targets the app declares). ``render``, ``synth``,
``publish``, ``push`` and ``pull --verify`` are a few lines each on top of it,
so the same app with the same problem gets the same verdict from all of them.

The checks, in order: no object defined twice; Secrets in clear (for commands
that deliver to git or a registry, unless allowed); then every object against
the Kubernetes API and the CRD schemas (unless validation is off), unknown kinds included.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdk8s_flux.app import AppConfig, load_app_config, synthesize
from cdk8s_flux.errors import AppConfigError, CdkFluxError, RefusedContentError, ValidationError
from cdk8s_flux.manifests import ManifestFile, join_stream
from cdk8s_flux.progress import Progress, plural, silent
from cdk8s_flux.target import GitTarget, OciTarget, targets_in

if TYPE_CHECKING:
    from cdk8s_flux.validate import Lines

Object = dict[str, Any]
_CRD_KIND = "CustomResourceDefinition"


@dataclass(frozen=True)
class CheckPolicy:
    """What the checks refuse: the same options, with the same defaults, for every command.

    validate: check objects against the Kubernetes API and the CRDs (default on).
    kubernetes_version: the cluster's ``X.Y`` (default: the newest known).
    flux_version: the Flux release whose CRDs check Flux objects no CRD in the output
    defines (default: see ``validate.flux_release_for``).
    allow_unknown_kinds: skip custom resources no CRD is known for.
    allow_secrets: deliver Secrets that carry data in clear.
    crds: CRD files or folders of them (``--crds``) for custom resources whose CRD the app does
    not carry; they check only, and are never written into the output.
    """

    validate: bool = True
    kubernetes_version: str | None = None
    flux_version: str | None = None
    allow_unknown_kinds: bool = False
    allow_secrets: bool = False
    crds: tuple[Path, ...] = ()


# --- CRDs the app does not carry ----------------------------------------------------

#: How a refusal of one CRD path is made: (the path as given, the problem, the fix) to the error.
Refuse = Callable[[str, str, str], CdkFluxError]


def _crd_option(given: str, problem: str, fix: str) -> CdkFluxError:
    return ValidationError("crds", given, problem, fix)


def crd_files(path: Path, refuse: Refuse = _crd_option, base: Path | None = None) -> list[tuple[Path, str]]:
    """The YAML files ``path`` names (itself, or those under a folder) with the name each is shown by; refused if none."""
    given = str(path)
    where = path if base is None or path.is_absolute() else base / path
    if where.is_dir():
        files = sorted(p for p in where.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
        if not files:
            raise refuse(given, "the folder holds no YAML file", "give a folder of CustomResourceDefinition files")
        return [(p, f"{given.rstrip('/')}/{p.relative_to(where).as_posix()}") for p in files]
    if where.is_file():
        return [(where, given)]
    raise refuse(given, "no such file or folder", "give a CustomResourceDefinition file or a folder of them")


def read_crds(paths: Iterable[Path], refuse: Refuse = _crd_option, base: Path | None = None) -> dict[str, tuple[Object, ...]]:
    """The CRDs of each YAML file at ``paths`` (a file, or a folder read whole), keyed by the file as given.

    ``base``: the folder relative paths are read from (the app folder for ``cdk8s.yaml``).
    A missing path, a file without a CRD, or a file with anything but CRDs is refused.
    """
    from cdk8s_flux.errors import SynthError
    from cdk8s_flux.manifests import load_documents

    found: dict[str, tuple[Object, ...]] = {}
    for path in paths:
        for file, name in crd_files(path, refuse, base):
            try:
                objects = load_documents(file.read_text(encoding="utf-8"), name)
            except (SynthError, OSError, UnicodeDecodeError) as exc:
                raise refuse(name, f"not readable as YAML objects: {exc}", "give files of CustomResourceDefinition objects") from None
            others = [f"{o.get('kind')} {(o.get('metadata') or {}).get('name', '')}".strip() for o in objects if o.get("kind") != _CRD_KIND]
            if others:
                raise refuse(name, f"holds {others[0]}, which is no CustomResourceDefinition", "keep only CRDs in the files given as CRDs")
            if not objects:
                raise refuse(name, "holds no CustomResourceDefinition", "give a file that defines the CRDs of the kinds to check")
            found[name] = objects
    return found


def _config_crds(config: AppConfig) -> dict[str, tuple[Object, ...]]:
    """The CRDs ``crds:`` of ``cdk8s.yaml`` names, its paths relative to the app folder."""
    from cdk8s_flux.app import CONFIG_FILE

    def refuse(given: str, problem: str, fix: str) -> CdkFluxError:
        return AppConfigError(f"{config.directory / CONFIG_FILE}: crds: {given!r}: {problem}. Fix: {fix}, relative to the app folder")

    return read_crds(config.crds, refuse, base=config.directory)


# --- delivery targets: where the app tells Flux to look ----------------------------


@dataclass(frozen=True)
class FluxV1Target:
    """What a Flux v1 ``FluxInstall`` makes fluxd sync: a branch and folders of a git repository.

    fluxd applies every YAML file under its paths as an object, so a
    ``kustomization.yaml`` there would be applied too: the layout leaves them out.
    """

    url: str
    branch: str
    #: ``--git-path`` folders; empty means the whole repository.
    paths: tuple[str, ...] = ()

    def watches(self, path: str) -> bool:
        """Whether fluxd reads ``path`` of the branch."""
        return not self.paths or any(path == p or path.startswith(p.rstrip("/") + "/") for p in self.paths)


Target = GitTarget | OciTarget | FluxV1Target


def describe(target: Target) -> str:
    """One line naming a target, for messages that list candidates."""
    if isinstance(target, GitTarget):
        return f"git {target.url} branch {target.branch!r} path {target.path or '.'!r}"
    if isinstance(target, OciTarget):
        ref = next(f"{k} {v!r}" for k, v in target.ref.items())
        return f"OCI {target.url} {ref} path {target.path or '.'!r}"
    paths = ", ".join(repr(p) for p in target.paths) or "the whole repository"
    return f"Flux v1 fluxd {target.url} branch {target.branch!r} paths {paths}"


def _flag(args: list[str], name: str) -> str | None:
    return next((a.split("=", 1)[1] for a in args if a.startswith(f"{name}=")), None)


def _v1_targets(objects: Iterable[Object]) -> list[FluxV1Target]:
    """The fluxd Deployments among ``objects`` (a Flux v1 ``FluxInstall``), read from their flags."""
    found = []
    for obj in objects:
        if obj.get("kind") != "Deployment" or obj.get("apiVersion") != "apps/v1":
            continue
        for container in (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or ():
            args = [str(a) for a in container.get("args") or ()]
            url = _flag(args, "--git-url")
            if url is not None:
                paths = tuple(p for p in (_flag(args, "--git-path") or "").split(",") if p)
                found.append(FluxV1Target(url=url, branch=_flag(args, "--git-branch") or "master", paths=paths))
    return found


def find_targets(objects: Iterable[Object]) -> tuple[Target, ...]:
    """Every distinct delivery target the objects declare: Flux v2 syncs and Flux v1 fluxd installs."""
    objects = list(objects)
    return tuple(dict.fromkeys([*targets_in(objects), *_v1_targets(objects)]))


@dataclass(frozen=True)
class GitDestination:
    """Where a publish writes, after checking it against the app's own targets."""

    branch: str
    path: str
    #: Write ``kustomization.yaml`` files (never where Flux v1 reads).
    kustomization_files: bool
    #: The app's target this destination is (None: the app declares no git target).
    target: GitTarget | FluxV1Target | None = None


def _git_matches(target: GitTarget | FluxV1Target, branch: str, path: str) -> bool:
    if isinstance(target, GitTarget):
        return target.branch == branch and posixpath.normpath(target.path or ".") == path
    return target.branch == branch and target.watches(path)


def git_destination(targets: Iterable[Target], branch: str, path: str, kustomization_files: bool = True) -> GitDestination:
    """The branch and path to publish to: where the app's git target looks, refused where it does not.

    None, one or several git targets: with none, ``branch``/``path`` as given; with one, it must
    be that one; with several, the one they match is chosen, and no match is refused with the
    candidates listed (never skipped).
    """
    candidates = [t for t in targets if isinstance(t, (GitTarget, FluxV1Target))]
    if not candidates:
        return GitDestination(branch, path, kustomization_files)
    matching = [t for t in candidates if _git_matches(t, branch, path)]
    if len(matching) >= 1 and len({type(t) for t in matching}) == 1:
        chosen = matching[0]
        return GitDestination(branch, path, kustomization_files and isinstance(chosen, GitTarget), chosen)
    if len(candidates) == 1:
        (target,) = candidates
        if isinstance(target, GitTarget):
            watched = posixpath.normpath(target.path or ".")
            raise ValidationError(
                "branch/path", f"{branch}:{path}", f"the app's FluxSync makes Flux watch branch {target.branch!r}, path {watched!r}",
                f"publish to branch {target.branch!r} and path {watched!r}, or change the app's GitTarget",
            )
        where = ", ".join(repr(p) for p in target.paths) or "any path"
        raise ValidationError(
            "branch/path", f"{branch}:{path}", f"the app's Flux v1 FluxInstall makes fluxd sync branch {target.branch!r}, {where}",
            f"publish to branch {target.branch!r} under {where}, or change git_branch/git_path of the FluxInstall",
        )
    listed = "; ".join(describe(t) for t in candidates)
    raise ValidationError(
        "branch/path", f"{branch}:{path}",
        f"the app declares {len(candidates)} git delivery targets ({listed}) and this is none of them",
        "publish to the branch and path of the one this job delivers",
    )


# --- the pipeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """What the app synthesized, checked: the files, their objects, the layout and the targets."""

    config: AppConfig
    files: tuple[ManifestFile, ...]
    targets: tuple[Target, ...]
    _layouts: dict[bool, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def objects(self) -> list[Object]:
        return [o for f in self.files for o in f.objects]

    @property
    def stream(self) -> str:
        """Every object as one YAML stream (``render``)."""
        return join_stream(list(self.files))

    def layout(self, kustomization_files: bool = True) -> dict[str, str]:
        """The layout publish and push write (relative path to text), built once per form."""
        from cdk8s_flux.layout import build_layout

        if kustomization_files not in self._layouts:
            self._layouts[kustomization_files] = build_layout(list(self.files), kustomization_files=kustomization_files)
        return self._layouts[kustomization_files]

    def summary(self) -> str:
        """``12 objects in 3 files``."""
        return f"{plural(len(self.objects), 'object')} in {plural(len(self.files), 'file')}"


def refuse_duplicates(files: Iterable[ManifestFile]) -> None:
    """Refuse one object defined twice: the API server would keep only the last, Kustomize and Flux refuse to build it."""
    from cdk8s_flux.errors import RefusedContentError
    from cdk8s_flux.layout import ObjectKey

    seen: dict[ObjectKey, str] = {}
    for file in files:
        for index, obj in enumerate(file.objects):
            where = f"{file.path} document {index + 1}"
            key = ObjectKey.of(obj, where)
            if key in seen:
                raise RefusedContentError(
                    f"{key} is defined twice ({seen[key]} and {where}); Kustomize and Flux refuse an object defined "
                    "twice, and the API server would keep only one. Fix: give one of them another name or namespace, "
                    "or define it once"
                )
            seen[key] = where


def check(
    files: Iterable[ManifestFile], policy: CheckPolicy, *, deliver: bool, start: Path | None, progress: Progress = silent,
    crds: dict[str, tuple[Object, ...]] | None = None,
) -> None:
    """The checks of ``policy`` on synthesized ``files``; a refusal is a ``RefusedContentError`` (exit 4).

    ``deliver``: the objects go to git or a registry, where a Secret in clear must not go.
    ``crds``: CRDs read already (``cdk8s.yaml``'s ``crds:``), besides those of ``policy.crds``.
    """
    from cdk8s_flux import validate
    from cdk8s_flux.secrets import refuse_clear_secrets

    files = list(files)
    refuse_duplicates(files)
    by_file = {f.path: list(f.objects) for f in files}
    if deliver and not policy.allow_secrets:
        refuse_clear_secrets(by_file)
    if policy.validate:
        given = {**(crds or {}), **read_crds(policy.crds)}
        options: dict[str, Any] = {
            "crds": {f"the CRDs of {name}": defined for name, defined in given.items()},
            "kubernetes_version": policy.kubernetes_version,
            "flux_version": policy.flux_version,
            "allow_unknown_kinds": policy.allow_unknown_kinds,
            "start": start,
        }
        problems = validate.validate_files(by_file, report=progress, **options)
        if problems:
            # Checked again with the lines of the refused files, which only a refusal needs reading for.
            refused = {p.file for p in problems}
            problems = validate.validate_files(by_file, lines=_lines(f for f in files if f.path in refused), **options)
            raise RefusedContentError(validate.refusal(problems, sum(len(o) for o in by_file.values())))


def _lines(files: Iterable[ManifestFile]) -> Lines:
    """Where each object of ``files`` is written (a ``validate.Lines``), read from their texts."""
    from cdk8s_flux import validate
    from cdk8s_flux.manifests import read_documents

    lines = validate.Lines()
    for file in files:
        documents = [d for d in read_documents(file.text) if d.value is not None]
        if len(documents) == len(file.objects):
            for obj, document in zip(file.objects, documents, strict=True):
                lines.add(obj, document)
    return lines


def render(
    app: AppConfig | Path,
    policy: CheckPolicy,
    *,
    deliver: bool = False,
    verbose: bool = False,
    progress: Progress = silent,
) -> Rendered:
    """Synthesize the app and check the result: the first half of every command."""
    config = app if isinstance(app, AppConfig) else load_app_config(Path(app))
    # The CRD paths are read before the app runs, so a wrong path is said at once.
    crds = {**_config_crds(config), **read_crds(policy.crds)} if policy.validate else {}
    progress(f"synthesizing {config.display!r} in {config.directory}")
    files = tuple(synthesize(config, verbose=verbose))
    check(files, replace(policy, crds=()), deliver=deliver, start=config.directory, progress=progress, crds=crds)
    rendered = Rendered(config=config, files=files, targets=find_targets(o for f in files for o in f.objects))
    return rendered
