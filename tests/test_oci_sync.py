"""FluxSync's OCI mode: the OCIRepository and Kustomization that apply what ``cdk8s-flux push`` pushes.

One ``OciTarget`` feeds both: FluxSync writes it into the cluster's objects,
push reads it back from the rendered objects and refuses anything else. The
objects are checked against the Flux v2.9.4 CRDs (tests/data/flux).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.oci.push import resolve_destination, target_path
from cdk8s_flux.oci.reference import Reference
from cdk8s_flux.pipeline import find_targets
from cdk8s_flux.target import OciTarget, targets_in
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import FluxSync, FluxSyncProps
from cdk8s_flux.v2.sources import OIDCIdentity, Verification
from cdk8s_flux.validate import validate_objects

URL = "oci://ghcr.io/example/app-manifests"
DIGEST = "sha256:" + "0123456789abcdef" * 4


def synth(**options: Any) -> list[dict[str, Any]]:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "sync")
    FluxSync(chart, "sync", **options)
    return chart_objects(chart)


@pytest.fixture
def crds(flux_data: Path) -> list[dict[str, Any]]:
    documents = yaml.safe_load_all((flux_data / "v2.9.4" / "gotk-components.yaml").read_text())
    return [d for d in documents if d and d["kind"] == "CustomResourceDefinition"]


def test_a_private_signed_artifact_followed_by_semver(crds: list[dict[str, Any]]) -> None:
    # GIVEN a target on a private registry, following a semver range, verified with keyless cosign
    verify = Verification(provider="cosign", match_oidc_identity=[OIDCIdentity(issuer="^https://token.actions.githubusercontent.com$", subject="^https://github.com/example/app.*$")])
    target = OciTarget(url=URL, semver=">=1.0.0 <2.0.0", secret_ref="ghcr-pull", verify=verify)
    # WHEN FluxSync follows it
    source, kustomization = synth(target=target)
    # THEN the OCIRepository carries the typed fields as Flux names them
    assert source["kind"] == "OCIRepository"
    assert source["spec"] == {
        "interval": "1m0s",
        "provider": "generic",
        "ref": {"semver": ">=1.0.0 <2.0.0"},
        "secretRef": {"name": "ghcr-pull"},
        "url": URL,
        "verify": {
            "provider": "cosign",
            "matchOIDCIdentity": [
                {"issuer": "^https://token.actions.githubusercontent.com$", "subject": "^https://github.com/example/app.*$"}
            ],
        },
    }
    # AND the Kustomization applies the artifact's root, as push lays it out
    assert kustomization["spec"]["path"] == "./"
    assert kustomization["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "flux-system"}
    # AND Flux's CRDs accept both
    assert validate_objects([source, kustomization], crds=crds) == []
    # AND push reads the same target back (verify is the cluster's business)
    assert targets_in([source, kustomization]) == (OciTarget(url=URL, semver=">=1.0.0 <2.0.0", secret_ref="ghcr-pull"),)


@pytest.mark.parametrize(
    ("options", "ref"),
    [({}, {"tag": "latest"}), ({"tag": "production"}, {"tag": "production"}), ({"digest": DIGEST}, {"digest": DIGEST})],
)
def test_tag_digest_and_the_default(options: dict[str, str], ref: dict[str, str], crds: list[dict[str, Any]]) -> None:
    target = OciTarget(url=URL, provider="aws", **options)
    source, kustomization = synth(target=target)
    assert source["spec"]["ref"] == ref and source["spec"]["provider"] == "aws"
    assert "secretRef" not in source["spec"]
    assert validate_objects([source, kustomization], crds=crds) == []
    assert targets_in([source, kustomization]) == (target,)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"tag": "v1", "semver": ">=1.0.0"}, "semver"),
        ({"semver": ">=1.0.0", "digest": DIGEST}, "digest"),
        ({"semver": "not a range"}, "semver"),
        ({"digest": "sha256:abc"}, "digest"),
        ({"secret_ref": "Bad_Name"}, "secret_ref"),
        ({"verify": {"provider": "cosign"}}, "verify"),
        ({"verify": partial(Verification, provider="notation")}, "verify.secret_ref"),
        ({"provider": "docker"}, "provider"),
    ],
)
def test_invalid_oci_targets_name_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        OciTarget(url=URL, **{key: value() if isinstance(value, partial) else value for key, value in options.items()})
    assert raised.value.field == field


def test_the_url_holds_the_repository_only() -> None:
    with pytest.raises(ValidationError) as raised:
        OciTarget(url=URL + ":v1")
    assert raised.value.field == "url" and "tag=" in raised.value.fix


def test_a_secret_ref_beside_the_target_must_agree() -> None:
    target = OciTarget(url=URL, secret_ref="ghcr-pull")
    assert FluxSyncProps(target=target, secret_ref="ghcr-pull").source_secret == "ghcr-pull"
    assert FluxSyncProps(target=OciTarget(url=URL), secret_ref="other").source_secret == "other"
    with pytest.raises(ValidationError) as raised:
        FluxSyncProps(target=target, secret_ref="other")
    assert raised.value.field == "secret_ref"


def test_push_and_flux_share_the_target() -> None:
    # GIVEN an app whose FluxSync follows tag "stable" of a folder of the artifact
    objects = find_targets(synth(target=OciTarget(url=URL, tag="stable", path="deploy")))
    # WHEN push resolves where to go without a reference THEN it goes where Flux looks
    assert resolve_destination(objects, None, ()) == (Reference("ghcr.io", "example/app-manifests"), ("stable",), "deploy")
    assert target_path(objects) == "deploy"
    # AND extra tags are fine as long as the followed one is among them
    assert resolve_destination(objects, f"{URL}:1.2.3", ("stable",))[1] == ("1.2.3", "stable")
    # AND another repository or a tag Flux does not follow is refused
    with pytest.raises(ValidationError, match="makes Flux pull from"):
        resolve_destination(objects, "oci://ghcr.io/example/other:stable", ())
    with pytest.raises(ValidationError, match="follow tag 'stable'"):
        resolve_destination(objects, f"{URL}:v2", ())


def test_a_pinned_digest_cannot_be_pushed_to() -> None:
    objects = find_targets(synth(target=OciTarget(url=URL, digest=DIGEST)))
    with pytest.raises(ValidationError, match="pins digest"):
        resolve_destination(objects, f"{URL}:v1", ())
