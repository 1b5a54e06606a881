"""``validate`` over folders of real Flux repositories (tests/data/real-repos): accepted as they are, refused once broken.

Each variant is one edit of one file in a temporary copy, with the exact message expected.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from cdk8s_flux.manifests import read_yaml
from cdk8s_flux.rules.enums import ENUM_SOURCE
from cdk8s_flux.rules.metadata import KUBERNETES_SOURCE
from cdk8s_flux.secrets import clear_secrets
from cdk8s_flux.validate import Problem, read_paths, validate_files

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is installed by .ci/services")

DATA = Path(__file__).parent / "data" / "real-repos"
EMBEDDED = "the CRDs of the Flux v2.9.4 release embedded in cdk8s-flux 0.1.0"


def checkout(tmp_path: Path, folder: str) -> Path:
    """A copy of one repository folder, with a ``.git`` marker at its root (where Flux paths start)."""
    root = tmp_path / folder
    shutil.copytree(DATA / folder, root)
    (root / ".git").mkdir()
    return root


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {file}"
    path.write_text(text.replace(old, new))


def problems(root: Path, **options: object) -> list[Problem]:
    read = read_paths([str(root)])
    return read.problems + validate_files(read.files, lines=read.lines, substituted=read.substituted, **options)  # type: ignore[arg-type]


def test_the_copies_are_unmodified() -> None:
    listed = re.findall(r"^([0-9a-f]{64})  (\S+)$", (DATA / "README.md").read_text(), re.M)
    files = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and p.name != "README.md")
    assert sorted(name for _, name in listed) == files
    for digest, name in listed:
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("folder", sorted(p.name for p in DATA.iterdir() if p.is_dir()))
def test_each_repository_is_accepted_as_it_is(tmp_path: Path, folder: str) -> None:
    # GIVEN the folder as the repository has it (kinds without a CRD here, such as ExternalSecret, allowed)
    root = checkout(tmp_path, folder)
    # THEN nothing is refused: the kustomizations are built, their patches and generator inputs are no objects
    assert problems(root, allow_unknown_kinds=True) == []


def test_redefined_anchors_are_read_as_go_yaml_reads_them(tmp_path: Path) -> None:
    file = DATA / "onedr0p-home-ops" / "kubernetes/apps/network/cloudflare-dns/app/helmrelease.yaml"
    with pytest.raises(yaml.YAMLError, match="duplicate anchor"):
        list(yaml.load_all(file.read_text(), Loader=yaml.CSafeLoader))  # libyaml alone refuses the file
    (release,) = read_yaml(file.read_text())
    env = release["spec"]["values"]["env"]
    assert [e["name"] for e in env][:2] == ["CF_API_TOKEN", "CF_ZONE_ID"]
    assert [e["valueFrom"]["secretKeyRef"]["key"] for e in env][:2] == ["CF_API_TOKEN", "CF_ZONE_ID"]


def test_external_secrets_and_sops_encrypted_secrets_pass_the_secret_check(tmp_path: Path) -> None:
    read = read_paths([str(checkout(tmp_path, "onedr0p-home-ops")), str(Path(__file__).parent / "data" / "sops")])
    assert any(o["kind"] == "ExternalSecret" for objects in read.files.values() for o in objects)
    assert clear_secrets(read.files) == []
    sops = {name: objects for name, objects in read.files.items() if "/sops/" in name}
    assert len(sops) == 2 and validate_files(sops) == []


# --- hand-broken variants -----------------------------------------------------------------------


def test_an_image_pull_policy_kubernetes_does_not_know(tmp_path: Path) -> None:
    root = checkout(tmp_path, "stefanprodan-podinfo")
    edit(root, "kustomize/deployment.yaml", "imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes")
    assert [str(p) for p in problems(root)] == [
        f"{root}/kustomize/deployment.yaml:27 (kustomize build of {root}/kustomize): Deployment podinfo: "
        "spec.template.spec.containers.0.imagePullPolicy: "
        "'Sometimes' is not supported: Kubernetes accepts 'Always', 'IfNotPresent', 'Never' "
        f"[rule: pkg/apis/core/validation/validation.go validatePullPolicy; {ENUM_SOURCE}]",
    ]


def test_a_selector_that_does_not_select_the_template(tmp_path: Path) -> None:
    root = checkout(tmp_path, "stefanprodan-podinfo")
    edit(root, "kustomize/deployment.yaml", "      labels:\n        app: podinfo", "      labels:\n        app: podinfo-v2")
    (problem,) = problems(root)
    assert (problem.kind, problem.path, problem.rule) == (
        "Deployment", "spec.template.metadata.labels", "pkg/apis/apps/validation/validation.go ValidateDeploymentSpec",
    )
    assert problem.message == (
        "spec.selector does not select these labels ({'app': 'podinfo-v2'}); the API server refuses a Deployment "
        "whose selector does not match its template's labels. Fix: give the template the selector's labels"
    )


def test_a_service_type_with_a_typo(tmp_path: Path) -> None:
    root = checkout(tmp_path, "stefanprodan-podinfo")
    edit(root, "kustomize/service.yaml", "type: ClusterIP", "type: Loadbalancer")
    assert [(p.kind, p.path, p.message) for p in problems(root)] == [
        ("Service", "spec.type", "'Loadbalancer' is not supported: Kubernetes accepts 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'"),
    ]


def test_a_namespace_name_kubernetes_refuses(tmp_path: Path) -> None:
    root = checkout(tmp_path, "fluxcd-flux2-kustomize-helm-example")
    # GIVEN the Namespace object renamed: kustomize's namespace transformer names it podinfo again, as Flux applies it
    edit(root, "apps/base/podinfo/namespace.yaml", "name: podinfo", "name: Pod_Info")
    assert problems(root) == []
    # WHEN the kustomization's namespace is one Kubernetes refuses
    edit(root, "apps/base/podinfo/kustomization.yaml", "namespace: podinfo", "namespace: Pod_Info")
    found = problems(root)
    # THEN the Namespace's name and every object's namespace are refused, each in the file the build took it from
    base = f"{root}/apps/base/podinfo"
    assert [(p.kind, p.path, p.file, p.line) for p in found] == [
        ("Namespace", "metadata.name", f"{base}/namespace.yaml", 4),
        ("HelmRelease", "metadata.namespace", f"{base}/release.yaml", 5),
        ("HelmRepository", "metadata.namespace", f"{base}/repository.yaml", 5),
    ]
    assert str(found[0]) == (
        f"{base}/namespace.yaml:4 (kustomize build of {root}/apps/staging): Namespace Pod_Info: metadata.name: "
        "'Pod_Info' is not a valid Namespace name: "
        "it must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit "
        f"[rule: apimachinery generic.go ValidateNamespaceName; {KUBERNETES_SOURCE}]"
    )


def test_a_helm_release_with_chart_and_chart_ref(tmp_path: Path) -> None:
    root = checkout(tmp_path, "fluxcd-flux2-kustomize-helm-example")
    edit(root, "apps/base/podinfo/release.yaml", "  releaseName: podinfo\n",
         "  releaseName: podinfo\n  chartRef:\n    kind: OCIRepository\n    name: podinfo\n")
    assert [(p.kind, p.path, p.message, p.rule.split(":")[0]) for p in problems(root)] == [
        ("HelmRelease", "spec", "either chart or chartRef must be set", "CEL"),
    ]


def test_a_flux_kustomization_in_a_namespace_kubernetes_refuses_names_its_line(tmp_path: Path) -> None:
    root = checkout(tmp_path, "fluxcd-flux2-kustomize-helm-example")
    edit(root, "clusters/staging/apps.yaml", "  namespace: flux-system\nspec:\n  dependsOn", "  namespace: Flux_System\nspec:\n  dependsOn")
    assert [str(p) for p in problems(root)] == [
        f"{root}/clusters/staging/apps.yaml:6: Kustomization Flux_System/apps: metadata.namespace: 'Flux_System' is not a "
        "valid namespace: it must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter "
        f"or digit [rule: objectmeta.go ValidateObjectMetaAccessor (ValidateNamespaceName); {KUBERNETES_SOURCE}]",
    ]


def test_a_key_written_twice(tmp_path: Path) -> None:
    root = checkout(tmp_path, "fluxcd-flux2-kustomize-helm-example")
    edit(root, "clusters/staging/apps.yaml", "  prune: true\n  wait: true\n", "  prune: true\n  wait: true\n  prune: false\n")
    assert [str(p) for p in problems(root)] == [
        f"{root}/clusters/staging/apps.yaml:19: (file): not valid YAML: line 19, column 3: the key 'prune' is written twice "
        "in one mapping (first at line 17), which Kubernetes and kustomize refuse. Fix: keep one of them",
    ]


def test_a_kind_the_flux_release_does_not_define(tmp_path: Path) -> None:
    root = checkout(tmp_path, "fluxcd-flux2-kustomize-helm-example")
    edit(root, "clusters/staging/apps.yaml", "kind: Kustomization\nmetadata:\n  name: apps", "kind: Nope\nmetadata:\n  name: apps")
    message = (
        f"{EMBEDDED} define no Nope in kustomize.toolkit.fluxcd.io/v1 (it defines Kustomization in "
        "kustomize.toolkit.fluxcd.io): check the kind and apiVersion"
    )
    # THEN with the release given, the message does not ask for it; without, it says the release may lack the kind
    (given,) = problems(root, flux_version="v2.9.4")
    assert given.message == f"{message}, or allow_unknown_kinds"
    (default,) = problems(root)
    assert default.message == f"{message}, or check against the Flux release that has it (flux_version), or allow_unknown_kinds"


def test_a_role_ref_kind_with_a_typo(tmp_path: Path) -> None:
    root = checkout(tmp_path, "fluxcd-flux2-multi-tenancy")
    edit(root, "tenants/base/dev-team/rbac.yaml", "  kind: ClusterRole\n", "  kind: Clusterrole\n")
    assert [(p.kind, p.path, p.message) for p in problems(root)] == [
        ("RoleBinding", "roleRef.kind", "'Clusterrole' is not supported: Kubernetes accepts 'Role', 'ClusterRole'"),
    ]


@pytest.mark.parametrize(("name", "substituted", "refused"), [
    ("${APP}-tunnel", True, False),  # Flux substitutes it into a valid name
    ("${APP} tunnel", True, True),  # no value makes a name with a space valid
    ("${APP}-tunnel", False, True),  # without postBuild, Flux leaves it as it is
])
def test_post_build_variables_where_flux_substitutes_them(tmp_path: Path, name: str, substituted: bool, refused: bool) -> None:
    root = checkout(tmp_path, "onedr0p-home-ops")
    edit(root, "kubernetes/apps/network/cloudflare-tunnel/app/helmrelease.yaml", "  name: cloudflare-tunnel\nspec:", f"  name: {name}\nspec:")
    if not substituted:
        ks = "kubernetes/apps/network/cloudflare-tunnel/ks.yaml"
        edit(root, ks, "  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: cloudflare-tunnel-id-secret\n", "")
    found = [(p.kind, p.path, p.message) for p in problems(root, allow_unknown_kinds=True)]
    if refused:
        assert found == [("HelmRelease", "metadata.name", f"{name!r} is not a valid HelmRelease name: it must be a DNS-1123 subdomain: "
                          "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")]
    else:
        assert found == []


# --- a Flux Kustomization's spec.components (kustomize-controller adds them to the folder's kustomization) ---

AUTOBRR = "kubernetes/apps/default/autobrr"


def test_the_components_of_a_flux_kustomization_are_built_with_its_folder(tmp_path: Path) -> None:
    root = checkout(tmp_path, "onedr0p-home-ops")
    kustomization = (root / AUTOBRR / "app/kustomization.yaml").read_bytes()
    read = read_paths([str(root)])
    (name,) = [n for n in read.files if "autobrr/app" in n]
    # THEN the folder is built once, with both components, and the user's kustomization file is not written
    assert name == f"{root}/{AUTOBRR}/app with the spec.components of Kustomization autobrr (kustomize build)"
    assert sorted(o["kind"] for o in read.files[name]) == [
        "ExternalSecret", "HelmRelease", "HorizontalPodAutoscaler", "OCIRepository", "PersistentVolumeClaim",
        "PrometheusRule", "Restore", "SnapshotPolicy", "SnapshotSchedule",
    ]
    assert (root / AUTOBRR / "app/kustomization.yaml").read_bytes() == kustomization
    assert name in read.substituted  # the components' ${APP} are Flux's to substitute


def test_a_broken_object_in_a_component_only_a_flux_kustomization_lists(tmp_path: Path) -> None:
    root = checkout(tmp_path, "onedr0p-home-ops")
    edit(root, "kubernetes/components/zeroscaler/horizontalpodautoscaler.yaml", "  maxReplicas: 1\n", "")
    assert [str(p) for p in problems(root, allow_unknown_kinds=True)] == [
        f"{root}/kubernetes/components/zeroscaler/horizontalpodautoscaler.yaml:6 (kustomize build of {root}/{AUTOBRR}/app "
        "with the spec.components of Kustomization autobrr): HorizontalPodAutoscaler ${APP}: spec: "
        "'maxReplicas' is a required property [rule: schema: required; Kubernetes 1.37.0 OpenAPI schema (kubernetes-validate 1.37.0)]",
    ]


def test_a_component_that_is_missing_unless_ignored(tmp_path: Path) -> None:
    root = checkout(tmp_path, "onedr0p-home-ops")
    edit(root, f"{AUTOBRR}/ks.yaml", "    - ../../../../components/zeroscaler\n",
         "    - ../../../../components/zeroscaler\n    - ../../../../components/nowhere\n")
    (problem,) = problems(root, allow_unknown_kinds=True)
    assert problem.file == f"{root}/{AUTOBRR}/app/kustomization.yaml"
    assert f"{root}/kubernetes/components/nowhere" in problem.message and "/tmp/cdk8s-flux-components-" not in problem.message
    assert problem.message.endswith("(the build with the spec.components of Kustomization autobrr)")
    # WHEN the Flux Kustomization says to ignore missing components, as kustomize-controller does
    edit(root, f"{AUTOBRR}/ks.yaml", "  interval: 1h\n", "  interval: 1h\n  ignoreMissingComponents: true\n")
    assert problems(root, allow_unknown_kinds=True) == []


def test_a_remote_component_is_refused_as_kustomize_controller_refuses_it(tmp_path: Path) -> None:
    root = checkout(tmp_path, "onedr0p-home-ops")
    edit(root, f"{AUTOBRR}/ks.yaml", "    - ../../../../components/zeroscaler\n", "    - https://github.com/example/components//zeroscaler\n")
    assert [(p.file, p.message) for p in problems(root, allow_unknown_kinds=True)] == [(
        f"{root}/{AUTOBRR}/app/kustomization.yaml",
        "spec.components: 'https://github.com/example/components//zeroscaler' is not a local relative path, which "
        "kustomize-controller refuses. Fix: give the path of a Component folder in the repository, relative to spec.path "
        "(the build with the spec.components of Kustomization autobrr)",
    )]
