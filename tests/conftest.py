"""Shared fixtures: paths to test apps and to the upstream Flux data under tests/data/flux."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = Path(__file__).resolve().parent / "apps"
#: Independent copies of real `flux install` output, with provenance in its README.md.
FLUX_DATA = Path(__file__).resolve().parent / "data" / "flux"


@pytest.fixture
def apps() -> Path:
    """Folder of the small cdk8s apps the tests synthesize."""
    return APPS


@pytest.fixture
def flux_data() -> Path:
    """The upstream Flux v2 install output kept as test oracles (``<version>/gotk-components.yaml``...)."""
    return FLUX_DATA


@pytest.fixture(scope="session")
def kubectl() -> str:
    """The real kubectl, whose `kubectl kustomize` is the Kustomize Flux runs; skip when absent."""
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not on PATH; .ci/services installs it")
    return found
