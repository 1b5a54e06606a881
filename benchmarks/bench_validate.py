"""``validate`` of 1,000 mixed objects (core kinds and Flux's), every check included, against the schema-only check.

The objects: 200 each of Deployment, Service, GitRepository, Kustomization and
HelmRelease, as an app of 200 services writes them, all valid (a valid object
walks every rule) and each spec different from the others (no two answers of a
CEL rule come from the same value by accident). *Ours*: ``validate_objects``, warm (schemas and CEL rules
compiled, as for the second file of a run): schemas, the CRDs' CEL rules,
metadata, enumerated values, selectors. *Baseline*: ``kubernetes_validate.validate``
(strict) on the same objects, what a schema-only check with kubernetes-validate
costs; it has no schema for the Flux kinds and says so. A second row compares
with our own schema-only pass (the same compiled validators, no CEL, no rules),
to show what the rules beyond the schemas cost.
"""

from __future__ import annotations

import contextlib
from typing import Any

from benchmarks.harness import Comparison, interleaved

KUBERNETES = "1.37"


def _objects() -> list[dict[str, Any]]:
    def deployment(i: int) -> dict[str, Any]:
        labels = {"app.kubernetes.io/name": f"web-{i}"}
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"web-{i}", "namespace": "apps", "labels": labels},
                "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
                    "containers": [{"name": "web", "image": "ghcr.io/stefanprodan/podinfo:6.14.1", "imagePullPolicy": "IfNotPresent",
                                    "ports": [{"name": "http", "containerPort": 9898, "protocol": "TCP"}]}]}}}}

    def service(i: int) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"web-{i}", "namespace": "apps"},
                "spec": {"type": "ClusterIP", "selector": {"app.kubernetes.io/name": f"web-{i}"},
                         "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}

    def repository(i: int) -> dict[str, Any]:
        return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": {"name": f"web-{i}", "namespace": "flux-system"},
                "spec": {"interval": "5m", "url": "https://github.com/stefanprodan/podinfo", "ref": {"branch": "master"}}}

    def kustomization(i: int) -> dict[str, Any]:
        return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": {"name": f"web-{i}", "namespace": "flux-system"},
                "spec": {"interval": "10m", "path": "./kustomize", "prune": True, "targetNamespace": "apps",
                         "sourceRef": {"kind": "GitRepository", "name": f"web-{i}"}}}

    def release(i: int) -> dict[str, Any]:
        return {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": f"web-{i}", "namespace": "apps"},
                "spec": {"interval": "10m", "chart": {"spec": {"chart": "podinfo", "version": "6.x",
                                                               "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}},
                         "values": {"replicaCount": 2 + i % 3, "ingress": {"enabled": True, "hosts": [{"host": f"web-{i}.example.com"}]}}}}

    makers = (deployment, service, repository, kustomization, release)
    return [makers[i % len(makers)](i) for i in range(1000)]


def run() -> list[Comparison]:
    import kubernetes_validate

    from cdk8s_flux import validate

    objects = _objects()

    def ours() -> None:
        assert validate.validate_objects(objects, kubernetes_version=KUBERNETES) == []

    def kubernetes_validate_alone() -> None:
        for obj in objects:
            with contextlib.suppress(kubernetes_validate.SchemaNotFoundError):  # the Flux kinds: no schema
                kubernetes_validate.validate(obj, KUBERNETES, strict=True)

    crds = validate._upstream_crds(validate.flux_release_for(None, [], None)[0], None)
    schema_set = validate.schema_version(KUBERNETES)

    def schema_only() -> None:
        for obj in objects:
            kind, api_version = obj["kind"], obj["apiVersion"]
            validator = validate._core_validator(schema_set, kind, api_version) or crds.validator(api_version, kind)
            assert validator is not None and not list(validator.iter_errors(obj))

    ours()  # compile the schemas and CEL rules once, as the first object of a run does
    schema_only()
    mine, theirs = interleaved(ours, kubernetes_validate_alone, repeat=3)
    mine_again, schemas = interleaved(ours, schema_only, repeat=5)
    return [
        Comparison("validate 1,000 objects (core + Flux, CEL and rules)", mine, "kubernetes-validate alone", theirs, target=1.5),
        Comparison("validate 1,000 objects (core + Flux, CEL and rules)", mine_again, "our schema-only pass", schemas, target=1.5),
    ]
