"""Shared fixtures: paths to test apps and to the upstream Flux data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = Path(__file__).resolve().parent / "apps"
SHARED_FLUX = ROOT.parent / "shared" / "flux"


@pytest.fixture
def apps() -> Path:
    """Folder of the small cdk8s apps the tests synthesize."""
    return APPS


@pytest.fixture
def shared_flux() -> Path:
    """The upstream Flux v2 install output beside the checkout; skip when absent."""
    if not SHARED_FLUX.is_dir():
        pytest.skip(f"upstream Flux data not found: no {SHARED_FLUX} (../shared/flux beside the checkout)")
    return SHARED_FLUX


@pytest.fixture(scope="session")
def kubectl() -> str:
    """The real kubectl, whose `kubectl kustomize` is the Kustomize Flux runs; skip when absent."""
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not on PATH; .ci/services installs it")
    return found
