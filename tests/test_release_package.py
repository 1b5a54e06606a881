"""The release artifacts: `python -m build` makes an sdist and a wheel that PyPI accepts, and the
wheel, installed on its own, runs the README's example with no route to the Flux releases.

Slow on purpose (about 35 s, a minute while pip's cache is cold): it builds both artifacts as
a release would and installs the wheel into a fresh virtualenv. It needs the package index twice, never
Flux: `python -m build` gets the build backend (setuptools>=77) for its isolated environment,
and `pip download` fills a wheelhouse with the wheel's dependencies, from the index or from
pip's own cache. The fresh virtualenv then installs the wheel from that wheelhouse alone
(`--no-index`), and the example runs in an empty folder outside the source tree.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

import cdk8s_flux

ROOT = Path(__file__).resolve().parent.parent
NAME = "cdk8s_fluxcd"
VERSION = cdk8s_flux.__version__
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
#: Top-level folders of a checkout that are not source: git, virtualenvs, build output, caches.
NOT_SOURCE = {".git", "build", "dist", ".benchmarks", ".hypothesis"}
#: What the wheel carries besides modules: the embedded Flux release, its provenance and Flux's license.
RELEASE_DATA = ["cdk8s_flux/release/data/flux-v2.9.4.json.gz", "cdk8s_flux/release/data/README.md", "cdk8s_flux/release/data/LICENSE"]
LICENSES = ["LICENSE", "NOTICE", "cdk8s_flux/release/data/LICENSE"]


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _ignore_non_source(folder: str, names: list[str]) -> set[str]:
    """What copying the checkout leaves behind: caches everywhere, and NOT_SOURCE and virtualenvs at the top."""
    ignored = {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".egg-info")) or (n.startswith(".") and n.endswith("_cache"))}
    if Path(folder) == ROOT:
        ignored |= {n for n in names if n in NOT_SOURCE or (ROOT / n / "pyvenv.cfg").exists()}
    return ignored


def _source_files(tree: Path, *folders: str) -> set[str]:
    return {str(p.relative_to(tree)) for folder in folders for p in (tree / folder).rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(source copy, sdist, wheel): `python -m build` of a copy of the tree, so the build writes nothing here.

    `python -m build` makes the sdist, then the wheel from the unpacked sdist: a file the sdist
    lacks is missing from the wheel too.
    """
    work = tmp_path_factory.mktemp("release")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_ignore_non_source)
    _run([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(source)], cwd=work)
    (sdist,) = (work / "dist").glob("*.tar.gz")
    (wheel,) = (work / "dist").glob("*.whl")
    return source, sdist, wheel


def test_twine_check_strict_passes_on_the_sdist_and_the_wheel(release: tuple[Path, Path, Path]) -> None:
    _, sdist, wheel = release
    _run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)], cwd=sdist.parent)


def test_the_artifacts_are_named_after_the_one_version(release: tuple[Path, Path, Path]) -> None:
    _, sdist, wheel = release
    assert sdist.name == f"{NAME}-{VERSION}.tar.gz"
    assert wheel.name == f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(archive.read(f"{DIST_INFO}/METADATA"))
    assert (metadata["Name"], metadata["Version"], metadata["License-Expression"]) == ("cdk8s-fluxcd", VERSION, "Apache-2.0")


def test_the_sdist_carries_the_package_its_tests_and_the_files_the_wheel_needs(release: tuple[Path, Path, Path]) -> None:
    source, sdist, _ = release
    prefix = f"{NAME}-{VERSION}/"
    with tarfile.open(sdist) as archive:
        names = {m.name.removeprefix(prefix) for m in archive.getmembers() if m.isfile()}
    needed = {"LICENSE", "NOTICE", "README.md", "CHANGELOG.md", "pyproject.toml", *RELEASE_DATA}
    # the package, the test suite and what it reads: the guides whose snippets run, the examples
    needed |= {n for n in _source_files(source, "cdk8s_flux", "tests", "docs", "examples") if not n.endswith(".pyc")}
    assert needed - names == set()
    assert {n.split("/")[0] for n in names} - {"cdk8s_flux", "tests", "docs", "examples", f"{NAME}.egg-info"} == {
        "LICENSE",
        "NOTICE",
        "README.md",
        "CHANGELOG.md",
        "MANIFEST.in",
        "PKG-INFO",
        "pyproject.toml",
        "setup.cfg",
    }


def test_the_wheel_holds_the_package_its_release_data_and_licenses_only(release: tuple[Path, Path, Path]) -> None:
    source, _, wheel = release
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {n.split("/")[0] for n in names} == {"cdk8s_flux", DIST_INFO}
    assert not {n for n in names if n.startswith(("tests/", "benchmarks/", "examples/", "docs/"))}
    modules = {n for n in _source_files(source, "cdk8s_flux") if n.endswith(".py")}
    assert modules - names == set()
    assert set(RELEASE_DATA) <= names
    assert {f"{DIST_INFO}/licenses/{path}" for path in LICENSES} <= names
    with zipfile.ZipFile(wheel) as archive:
        assert "cdk8s-flux = cdk8s_flux.cli:main" in archive.read(f"{DIST_INFO}/entry_points.txt").decode()


def test_the_installed_wheel_runs_the_readme_example_offline(release: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """The README's 30-second example, in an empty folder, against the wheel alone.

    Slow (most of this module's time): a fresh virtualenv with some 300 MB of dependencies.
    The wheelhouse comes from the package index or pip's cache (`pip download`); the install into
    the virtualenv uses only the wheelhouse (`--no-index`); the example has no route to Flux releases.
    """
    _, _, wheel = release
    wheelhouse = tmp_path / "wheelhouse"
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--dest", str(wheelhouse), str(wheel)], cwd=tmp_path)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = str(venv / "bin" / "python")
    # pip in the virtualenv sees the wheelhouse and nothing else: no settings, no config file
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"} and not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    _run([python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(wheelhouse), str(wheel)], cwd=tmp_path, env=env)

    installed = _run(
        [python, "-c", "import cdk8s_flux, importlib.metadata as m; print(cdk8s_flux.__file__); print(m.version('cdk8s-fluxcd'))"],
        cwd=tmp_path,
        env=env,
    )
    location, version = installed.split()
    assert Path(location).is_relative_to(venv) and version == VERSION

    app = tmp_path / "app"
    app.mkdir()
    example = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    assert example is not None, "README.md has no python example"
    offline = dict(env, CDK8S_FLUX_RELEASES_URL="http://127.0.0.1:9/releases", CDK8S_FLUX_MANIFESTS="", XDG_CACHE_HOME=str(tmp_path / "cache"))
    _run([python, "-c", example.group(1)], cwd=app, env=offline, timeout=300)

    flux = [o for o in yaml.safe_load_all((app / "dist" / "flux.k8s.yaml").read_text()) if o]
    assert sum(o["kind"] == "CustomResourceDefinition" for o in flux) > 0
    assert (app / "dist" / "web.k8s.yaml").read_text().strip()
