"""The apply plan of ``cdk8s-flux bootstrap --context``: kubectl command lines as built, in ``flux bootstrap``'s order.

No API server runs here, so the plan is checked as built (argv and the objects on
stdin) and run against the real kubectl with a context that does not exist, to see
a failure stop the plan with our error and no Secret value. The order and the
field manager follow flux2 v2.9.4: pkg/bootstrap/bootstrap.go (components, source
Secret, sync) and internal/utils/apply.go (CRDs and Namespaces first, waited for,
field manager ``flux``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from pytest_snapshot.plugin import Snapshot

from cdk8s_flux.bootstrap.apply import ApplyError, apply_plan, read_cluster_secret, read_secret_command, run_plan
from cdk8s_flux.bootstrap.bundle import make_bundle, secret_in
from cdk8s_flux.credentials import KeyOptions, generate_key_pair, git_ssh_secret
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.target import GitTarget, OciTarget, targets_in
from cdk8s_flux.testing import chart_objects
from cdk8s_flux.v2 import FluxInstall, FluxSync

KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
APPLY = ("apply", "--server-side", "--force-conflicts", "--field-manager=flux", "-f", "-")


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    """A FluxInstall (v2.9.4, embedded) and a FluxSync, as the app renders them, plus an object of the app."""
    app = cdk8s.Testing.app()
    install = cdk8s.Chart(app, "flux-install")
    FluxInstall(install, "flux", version="v2.9.4")
    sync = cdk8s.Chart(app, "flux-sync")
    FluxSync(sync, "flux", target=GitTarget(url="ssh://git@github.com/team/app", path="clusters/dev"))
    web = cdk8s.Chart(app, "web")
    cdk8s.ApiObject(web, "cm", api_version="v1", kind="ConfigMap", metadata={"name": "web"})
    return chart_objects(install) + chart_objects(sync) + chart_objects(web)


def test_the_plan_is_flux_bootstraps_order(objects: list[dict[str, Any]]) -> None:
    # GIVEN the bundle of a rendered app, with an SSH source Secret
    secret = git_ssh_secret(key_pair=generate_key_pair(KeyOptions(algorithm="ed25519")), known_hosts=KNOWN_HOSTS)
    bundle = make_bundle(objects, targets_in(objects), secret)
    # WHEN the plan for context "dev" is built
    steps = apply_plan(bundle, "dev")
    # THEN it is: CRDs and namespaces, wait, controllers, wait, Secret, sync
    assert [s.what for s in steps] == [
        "install: CRDs and namespaces", "wait: CRDs established", "install: controllers", "wait: controllers available",
        "source Secret", "sync",
    ]
    crds = sorted(o["metadata"]["name"] for o in objects if o["kind"] == "CustomResourceDefinition")
    deployments = [o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"]
    assert len(crds) >= 10 and set(deployments) == {"helm-controller", "kustomize-controller", "notification-controller", "source-controller"}
    assert steps[0].argv == ("kubectl", "--context", "dev", *APPLY)
    assert steps[1].argv[:6] == ("kubectl", "--context", "dev", "wait", "--for=condition=Established", "--timeout=1m")
    assert sorted(steps[1].argv[6:]) == [f"customresourcedefinition/{name}" for name in crds]
    assert steps[3].argv[:8] == ("kubectl", "--context", "dev", "--namespace", "flux-system", "wait", "--for=condition=Available", "--timeout=5m")
    assert sorted(steps[3].argv[8:]) == sorted(f"deployment/{name}" for name in deployments)
    assert all(s.argv[3:] == APPLY for s in steps if s.what in ("install: controllers", "source Secret", "sync"))
    # AND each apply reads its objects on stdin: definitions first, the rest, the Secret, the sync
    first = list(yaml.safe_load_all(steps[0].stdin or ""))
    assert {o["kind"] for o in first} == {"CustomResourceDefinition", "Namespace"}
    rest = list(yaml.safe_load_all(steps[2].stdin or ""))
    assert "CustomResourceDefinition" not in {o["kind"] for o in rest} and "Deployment" in {o["kind"] for o in rest}
    assert len(first) + len(rest) == len(bundle.install)
    assert [o["kind"] for o in yaml.safe_load_all(steps[4].stdin or "")] == ["Secret"]
    assert [o["kind"] for o in yaml.safe_load_all(steps[5].stdin or "")] == ["GitRepository", "Kustomization"]
    # AND the Secret is on no command line, nor in any step's repr
    private = secret["stringData"]["identity"]
    assert all(private not in " ".join(s.argv) and private not in repr(s) for s in steps)
    assert private not in repr(bundle)
    # AND the app's own objects are not applied: Flux takes them from the branch
    applied = [o for s in steps for o in yaml.safe_load_all(s.stdin or "") if o]
    assert not [o for o in applied if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "web"]
    assert len(applied) == len(bundle.install) + 3


def test_no_secret_step_without_a_secret(objects: list[dict[str, Any]]) -> None:
    steps = apply_plan(make_bundle(objects, targets_in(objects)), "prod", timeout="10m")
    assert "source Secret" not in [s.what for s in steps]
    assert "--timeout=10m" in steps[3].argv


def test_the_bundle_keeps_the_secret_written_before(objects: list[dict[str, Any]]) -> None:
    secret = git_ssh_secret(key_pair=generate_key_pair(KeyOptions(algorithm="ed25519")), known_hosts=KNOWN_HOSTS)
    text = make_bundle(objects, targets_in(objects), secret).text()
    assert secret_in(text, "flux-system", "flux-system") == secret
    assert secret_in(text, "other", "flux-system") is None


def test_several_syncs_are_refused(objects: list[dict[str, Any]]) -> None:
    other = cdk8s.Chart(cdk8s.Testing.app(), "other")
    FluxSync(other, "s", name="second", target=OciTarget(url="oci://ghcr.io/team/app"))
    both = objects + chart_objects(other)
    with pytest.raises(ValidationError, match="2 FluxSync targets"):
        make_bundle(both, targets_in(both))


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (.ci/services) is not installed")
def test_a_failing_step_stops_the_plan_without_showing_the_secret(objects: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a kubeconfig without the context the plan names
    (tmp_path / "config").write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "config"))
    secret = git_ssh_secret(key_pair=generate_key_pair(KeyOptions(algorithm="ed25519")), known_hosts=KNOWN_HOSTS)
    steps = apply_plan(make_bundle(objects, targets_in(objects), secret), "nowhere")
    seen: list[str] = []
    # WHEN the real kubectl runs it
    with pytest.raises(ApplyError) as raised:
        run_plan(steps, seen.append)
    # THEN the first step fails, the plan stops there, and the message names the step and kubectl's reason
    message = str(raised.value)
    assert message.startswith("install: CRDs and namespaces failed:") and "nowhere" in message
    assert len(seen) == 1 and secret["stringData"]["identity"] not in message
    # AND reading the cluster's Secret fails the same way
    assert read_secret_command("nowhere", "flux-system", "flux-system") == (
        "kubectl", "--context", "nowhere", "--namespace", "flux-system", "get", "secret", "flux-system", "--ignore-not-found", "--output=json",
    )
    with pytest.raises(ApplyError, match="reading Secret flux-system/flux-system failed"):
        read_cluster_secret("nowhere", "flux-system", "flux-system")


def test_the_plan_as_text(objects: list[dict[str, Any]], snapshot: Snapshot) -> None:
    """The command lines a user would run by hand, reviewed like code (the objects themselves are checked above)."""
    secret = git_ssh_secret(key_pair=generate_key_pair(KeyOptions(algorithm="ed25519")), known_hosts=KNOWN_HOSTS)
    steps = apply_plan(make_bundle(objects, targets_in(objects), secret), "dev")
    text = "".join(f"# {s.what}{' (objects on stdin)' if s.stdin else ''}\n{' '.join(s.argv)}\n" for s in steps)
    snapshot.snapshot_dir = Path(__file__).resolve().parent / "snapshots" / "test_bootstrap_apply"
    snapshot.assert_match(text, "plan.txt")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (.ci/services) is not installed")
def test_kubectl_reads_the_bundle_object_for_object(objects: list[dict[str, Any]], tmp_path: Path) -> None:
    # GIVEN the bundle as --export writes it
    import subprocess

    secret = git_ssh_secret(key_pair=generate_key_pair(KeyOptions(algorithm="ed25519")), known_hosts=KNOWN_HOSTS)
    bundle = make_bundle(objects, targets_in(objects), secret)
    (tmp_path / "bundle.yaml").write_text(bundle.text())
    (tmp_path / "kustomization.yaml").write_text("resources:\n- bundle.yaml\n")
    # WHEN kubectl's own reader (kubectl kustomize, no server needed) reads it
    result = subprocess.run(["kubectl", "kustomize", str(tmp_path)], capture_output=True, text=True, check=False, timeout=120)
    # THEN every object comes through, the Secret's fields with it
    assert result.returncode == 0, result.stderr
    read = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert len(read) == len(bundle.install) + 3
    (got,) = [o for o in read if o["kind"] == "Secret"]
    assert got["stringData"] == secret["stringData"]
