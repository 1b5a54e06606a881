"""``cdk8s-flux push``: building the artifact of a 2,021-file layout, and a no-op push.

- artifact build: our deterministic tar (Go's walk order, USTAR headers written
  by hand), gzip, config and manifest of the layout held in memory, against
  Python's ``tarfile`` + ``gzip`` (``tarfile.open(mode="w:gz")``, ``add`` of the
  same layout written to a folder), the tool a naive script would reach for.
  Best of 5 each, interleaved.
- no-op push: the registry already holds the artifact under its tag. Ours: a
  new registry client and ``push_artifact`` (a HEAD of the tag's manifest that
  finds the same digest, then nothing). Baseline: one bare ``HEAD`` of the same
  manifest URL with ``requests``, on a new session too. Needs Debian's
  ``docker-registry`` on the machine; the row is left out without it.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.harness import Comparison, interleaved, median_of

CHARTS = 20
OBJECTS_PER_CHART = 100


def layout() -> dict[str, str]:
    """The layout of 20 charts of 100 ConfigMaps, as publish and push lay it out."""
    from cdk8s_flux.layout import KUSTOMIZATION, dump_object, kustomization

    files: dict[str, str] = {}
    for c in range(CHARTS):
        names = []
        for i in range(OBJECTS_PER_CHART):
            obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"config-{i}", "namespace": f"ns-{c}"},
                   "data": {"index": str(i), "chart": str(c)}}
            name = f"configmap_ns-{c}_config-{i}.yaml"
            files[f"chart-{c}/{name}"] = dump_object(obj, f"chart-{c}")
            names.append(name)
        files[f"chart-{c}/{KUSTOMIZATION}"] = kustomization(names)
    files[KUSTOMIZATION] = kustomization([f"chart-{c}" for c in range(CHARTS)])
    return files


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_registry(root: Path) -> tuple[subprocess.Popen, str] | None:
    binary = shutil.which("docker-registry") or ("/usr/bin/docker-registry" if Path("/usr/bin/docker-registry").exists() else None)
    if binary is None:
        return None
    host = f"127.0.0.1:{_free_port()}"
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'storage'}\nhttp:\n  addr: {host}\n"
    )
    process = subprocess.Popen([binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://{host}/v2/", timeout=1)
            return process, host
        except OSError:
            time.sleep(0.05)
    process.kill()
    return None


def run() -> list[Comparison]:
    import requests

    from cdk8s_flux.oci.artifact import MANIFEST_MEDIA_TYPE, build_artifact, flux_annotations
    from cdk8s_flux.oci.push import push_artifact
    from cdk8s_flux.oci.reference import parse_reference
    from cdk8s_flux.oci.registry import RegistryClient

    files = layout()
    annotations = flux_annotations("https://example.com/org/app.git", "main@sha1:" + "1" * 40, "2024-01-01T00:00:00Z")
    rows = []
    with tempfile.TemporaryDirectory(prefix="cdk8s-flux-bench-oci-") as tmp:
        root = Path(tmp)
        folder = root / "layout"
        for path, text in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text)

        def baseline() -> bytes:
            out = root / "baseline.tar.gz"
            with tarfile.open(out, mode="w:gz") as archive:
                archive.add(folder, arcname=".")
            return out.read_bytes()

        artifact = build_artifact(files, annotations)
        ours_time, base_time = interleaved(lambda: build_artifact(files, annotations), baseline, repeat=5)
        rows.append(
            Comparison(f"artifact build, {len(files)} files ({len(artifact.tar) // 1024} KB tar)", ours_time,
                       "tarfile + gzip of the folder", base_time)
        )
        assert gzip.decompress(artifact.layer.data) == artifact.tar

        started = _start_registry(root / "registry")
        if started is None:
            print("bench_oci: docker-registry not found; no-op push row left out", flush=True)
            return rows
        process, host = started
        try:
            reference = parse_reference(f"oci://{host}/bench/app:v1")
            push_artifact(RegistryClient(reference, insecure=True), artifact, ("v1",))
            url = f"http://{host}/v2/bench/app/manifests/v1"

            def noop() -> None:
                result = push_artifact(RegistryClient(reference, insecure=True), artifact, ("v1",))
                assert result.status == "up to date"

            def head() -> None:
                response = requests.Session().head(url, headers={"Accept": MANIFEST_MEDIA_TYPE}, timeout=10)
                assert response.status_code == 200

            ours_noop = median_of(noop, repeat=15)
            base_noop = median_of(head, repeat=15)
            rows.append(Comparison("push no-op (up to date), registry part", ours_noop, "one bare HEAD of the manifest", base_noop))
        finally:
            process.terminate()
            process.wait(timeout=10)
    return rows
