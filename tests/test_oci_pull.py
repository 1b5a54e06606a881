"""``cdk8s-flux pull``: fetch, check as source-controller does, extract or verify; against a real registry.

The unsafe-path rules are fluxcd/pkg ``tar/tar.go`` ``Untar`` (``validRelPath``,
``WithSkipSymlinks`` as source-controller calls it), at commit e8251e1.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import resource
import subprocess
import tarfile
import zlib
from pathlib import Path

import pytest

from cdk8s_flux.atomic import MARKER
from cdk8s_flux.errors import ArtifactError
from cdk8s_flux.oci.artifact import CONFIG_MEDIA_TYPE, CONTENT_MEDIA_TYPE, Blob, config_json, manifest_json, sha256_digest
from cdk8s_flux.oci.pull import compare, unpack
from cdk8s_flux.oci.reference import parse_reference
from cdk8s_flux.oci.registry import RegistryClient
from cli import CLI, run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixture)
from registry import Registry, registry  # noqa: F401  (fixture)

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "web"}, "data": {"k": "1"}}
APP = {"web": [CONFIGMAP]}


def pushed_app(world: GitWorld, registry: Registry) -> Path:
    repo = world.source("https://git.example.com/org/app.git", APP)
    result = run_cli("push", registry.ref(), "--insecure-registry", cwd=repo, env=world.env)
    assert result.returncode == 0, result.stderr
    return repo


def pull(world: GitWorld, repo: Path, *args: str):
    return run_cli("pull", *args, "--insecure-registry", cwd=repo, env=world.env)


def gzipped_tar(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip.compress(raw.getvalue(), mtime=0)


def entry(name: str, data: bytes | None = b"x", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if data is not None and kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


def inflated_digest(layer: bytes) -> str:
    """The sha256 of the tar in ``layer``, inflated a chunk at a time (a bomb must not fill the test's memory)."""
    inflate, digest, rest = zlib.decompressobj(wbits=31), hashlib.sha256(), layer
    while rest:
        digest.update(inflate.decompress(rest, 1 << 20))
        rest = inflate.unconsumed_tail
    return "sha256:" + digest.hexdigest()


def push_raw(registry: Registry, layer: bytes, tag: str = "crafted") -> None:
    """Push an artifact with ``layer`` as is, bypassing our own builder (what another tool could push)."""
    client = RegistryClient(parse_reference(registry.ref(tag=tag)), insecure=True)
    layer_blob = Blob(CONTENT_MEDIA_TYPE, layer)
    config = Blob(CONFIG_MEDIA_TYPE, config_json(inflated_digest(layer)))
    for blob in (layer_blob, config):
        client.upload_blob(blob)
    client.put_manifest(tag, manifest_json(config, [layer_blob], {}))


def test_extract_replaces_the_folder_with_exactly_the_artifact(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    repo = pushed_app(world, registry)
    out = tmp_path / "out"
    assert pull(world, repo, registry.ref(), "-o", str(out)).returncode == 0
    (out / "stale.yaml").write_text("old\n")
    result = pull(world, repo, registry.ref(), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "kustomization.yaml", "web/configmap_web_a.yaml", "web/kustomization.yaml",
    ]


def test_listing_shows_the_digest_annotations_and_files(world: GitWorld, registry: Registry) -> None:
    repo = pushed_app(world, registry)
    head = world.git("rev-parse", "HEAD", cwd=repo).strip()
    result = pull(world, repo, registry.ref(), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    digest = registry.tag_digest("v1")
    assert report["url"] == f"oci://{registry.host}/team/app@{digest}"
    assert report["annotations"]["org.opencontainers.image.revision"] == f"main@sha1:{head}"
    assert report["files"] == ["kustomization.yaml", "web/configmap_web_a.yaml", "web/kustomization.yaml"]
    # AND the same artifact can be pulled by its digest
    by_digest = pull(world, repo, f"oci://{registry.host}/team/app@{digest}", "--json")
    assert json.loads(by_digest.stdout) == report


def test_verify_reports_identical_then_each_difference(world: GitWorld, registry: Registry) -> None:
    repo = pushed_app(world, registry)
    same = pull(world, repo, registry.ref(), "--verify")
    assert same.returncode == 0, same.stderr
    assert "identical" in same.stderr
    # GIVEN the app changed since the push (one object changed, one added)
    other = {**CONFIGMAP, "metadata": {"name": "b", "namespace": "web"}}
    world.commit_objects(repo, {"web": [{**CONFIGMAP, "data": {"k": "2"}}, other]}, "Change")
    changed = pull(world, repo, registry.ref(), "--verify")
    assert changed.returncode == 5
    assert "  added    web/configmap_web_b.yaml" in changed.stdout
    assert "  changed  web/configmap_web_a.yaml" in changed.stdout
    assert "  changed  ConfigMap web/a" in changed.stdout


def test_a_tampered_layer_is_refused(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    repo = pushed_app(world, registry)
    manifest = json.loads(registry_manifest(registry))
    digest = manifest["layers"][0]["digest"].split(":")[1]
    data = registry.storage / f"docker/registry/v2/blobs/sha256/{digest[:2]}/{digest}/data"
    data.write_bytes(gzip.compress(b"not the layer", mtime=0))
    out = tmp_path / "out"
    result = pull(world, repo, registry.ref(), "-o", str(out))
    assert result.returncode == 1
    assert "is not the one the manifest names" in result.stderr
    assert not out.exists()


def registry_manifest(registry: Registry) -> bytes:
    digest = registry.tag_digest("v1").split(":")[1]
    return (registry.storage / f"docker/registry/v2/blobs/sha256/{digest[:2]}/{digest}/data").read_bytes()


def test_a_missing_tag_says_so(world: GitWorld, registry: Registry) -> None:
    repo = pushed_app(world, registry)
    result = pull(world, repo, registry.ref(tag="nope"))
    assert result.returncode == 1
    assert f"no artifact oci://{registry.host}/team/app:nope in the registry" in result.stderr


def test_unsafe_paths_make_the_artifact_unusable(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    repo = pushed_app(world, registry)
    push_raw(registry, gzipped_tar([entry("ok.yaml"), entry("../escape.yaml")]))
    out = tmp_path / "out"
    result = pull(world, repo, registry.ref(tag="crafted"), "-o", str(out))
    assert result.returncode == 1
    assert "unsafe path '../escape.yaml'" in result.stderr
    assert not out.exists() and not (tmp_path / "escape.yaml").exists()


def test_symlinks_are_skipped_as_source_controller_does(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    repo = pushed_app(world, registry)
    push_raw(registry, gzipped_tar([entry("ok.yaml"), entry("link.yaml", kind=tarfile.SYMTYPE, link="/etc/passwd")]))
    out = tmp_path / "out"
    result = pull(world, repo, registry.ref(tag="crafted"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "skipped link.yaml (symlink to /etc/passwd)" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "ok.yaml"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([entry("/abs.yaml")], "unsafe path '/abs.yaml'"),
        ([entry("a\\b.yaml")], "unsafe path"),
        ([entry("a/../../b.yaml")], "unsafe path"),
        ([entry("hard.yaml", kind=tarfile.LNKTYPE, link="ok.yaml")], "a hard link"),
        ([entry("dev", kind=tarfile.CHRTYPE)], "a special file"),
    ],
)
def test_unpack_refuses_what_flux_refuses(entries: list, message: str) -> None:
    with pytest.raises(ArtifactError, match=message.replace("\\", "\\\\")):
        unpack(gzipped_tar(entries))


def test_unpack_needs_gzip_and_reads_dot_slash_names() -> None:
    with pytest.raises(ArtifactError, match="not gzip-compressed"):
        unpack(b"plain tar")
    files, skipped = unpack(gzipped_tar([entry("./a/b.yaml", b"k: v\n")]))
    assert files == {"a/b.yaml": b"k: v\n"} and skipped == ()


def test_compare_lists_files_then_objects() -> None:
    assert not compare({"a.yaml": b"x"}, {"a.yaml": "x"})
    changes = compare({"a.yaml": b"kind: ConfigMap\nmetadata: {name: a}\n"}, {"b.yaml": "kind: ConfigMap\nmetadata: {name: a}\n"})
    assert [(c.status, c.what) for c in changes.files] == [("removed", "a.yaml"), ("added", "b.yaml")]
    assert changes.objects == ()


# --- what the artifact may hold when it is written to a disk -----------------------


FSMONITOR = b"[core]\n\tfsmonitor = touch owned\n"


@pytest.mark.parametrize("name", [".git/config", "web/.git/config", ".GIT/config", "git~1/config", ".git./config", ".git"])
def test_a_git_folder_in_the_artifact_makes_it_unusable(name: str) -> None:
    # git would run the core.fsmonitor of an extracted .git/config on the next 'git status'
    with pytest.raises(ArtifactError, match="'.git'"):
        unpack(gzipped_tar([entry("ok.yaml"), entry(name, FSMONITOR)]))


def test_pull_refuses_an_artifact_holding_a_git_folder_and_writes_nothing(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    repo = pushed_app(world, registry)
    push_raw(registry, gzipped_tar([entry("ok.yaml"), entry(".git/", None, tarfile.DIRTYPE), entry(".git/config", FSMONITOR)]))
    out = tmp_path / "out"
    for extra in (("-o", str(out)), ()):
        result = pull(world, repo, registry.ref(tag="crafted"), *extra)
        assert result.returncode == 1, result.stderr
        assert "'.git'" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([entry("a"), entry("a/b.yaml")], "'a' is a file and the folder of 'a/b.yaml'"),
        ([entry("a/b.yaml"), entry("a")], "'a' is a file and the folder of 'a/b.yaml'"),
        ([entry("a"), entry("a/", None, tarfile.DIRTYPE)], "'a' is a file and a folder"),
        ([entry("x" * 300 + ".yaml")], "a name of 305 bytes"),
        ([entry("web/" + "é" * 200)], "a name of 400 bytes"),
    ],
)
def test_an_artifact_no_disk_can_hold_is_refused(entries: list, message: str) -> None:
    with pytest.raises(ArtifactError, match=message):
        unpack(gzipped_tar(entries))


def test_plain_pull_refuses_what_pull_o_could_not_write(world: GitWorld, registry: Registry) -> None:
    repo = pushed_app(world, registry)
    push_raw(registry, gzipped_tar([entry("a", b"k: v\n"), entry("a/b.yaml")]))
    result = pull(world, repo, registry.ref(tag="crafted"))
    assert result.returncode == 1, result.stderr
    assert "both" not in result.stdout and "'a' is a file and the folder of 'a/b.yaml'" in result.stderr


# --- the size cap -------------------------------------------------------------------


def zeros_bomb(size: int, name: str = "big.yaml") -> bytes:
    """A gzipped tar holding one file of ``size`` zero bytes, compressed a chunk at a time (about 1000:1)."""
    info = tarfile.TarInfo(name)
    info.size = size
    deflate = zlib.compressobj(9, wbits=31)
    out = [deflate.compress(info.tobuf(format=tarfile.GNU_FORMAT))]
    chunk = bytes(1 << 20)
    for start in range(0, size, len(chunk)):
        out.append(deflate.compress(chunk[: min(len(chunk), size - start)]))
    out.append(deflate.compress(bytes(-size % 512 + 1024)))
    out.append(deflate.flush())
    return b"".join(out)


def test_unpack_counts_files_as_flux_does_and_refuses_past_the_cap() -> None:
    # GIVEN 100 files of 1 KiB: 100 KiB of files, as fluxcd/pkg tar counts them (header sizes)
    layer = gzipped_tar([entry(f"f{i}.yaml", b"x" * 1024) for i in range(100)])
    assert len(unpack(layer, max_size=100 * 1024)[0]) == 100
    with pytest.raises(ArtifactError, match=r"more than 102399 bytes.*max_size"):
        unpack(layer, max_size=100 * 1024 - 1)


def test_a_small_cap_refuses_a_modest_bomb_before_inflating_it(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    # GIVEN a 32 MiB file of zeros, a layer of a few KiB
    repo = pushed_app(world, registry)
    push_raw(registry, zeros_bomb(32 << 20))
    out = tmp_path / "out"
    # WHEN it is pulled with a 1 MiB cap
    result = pull(world, repo, registry.ref(tag="crafted"), "--max-size", str(1 << 20), "-o", str(out))
    # THEN it is refused, naming the cap and the flag that raises it
    assert result.returncode == 1, result.stderr
    assert "1048576 bytes" in result.stderr and "--max-size" in result.stderr
    assert not out.exists()


def test_the_default_cap_refuses_a_gigabyte_bomb_in_bounded_memory(world: GitWorld, registry: Registry, tmp_path: Path) -> None:
    # GIVEN a layer of about 1 MB that inflates to 1 GiB
    repo = pushed_app(world, registry)
    layer = zeros_bomb(1 << 30)
    assert len(layer) < 2 << 20
    push_raw(registry, layer)
    # WHEN it is pulled by a process that may map at most 1 GiB (the bomb cannot fit, and a regression fails here)
    limit = 1 << 30

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = subprocess.run(
        [str(CLI), "pull", registry.ref(tag="crafted"), "--insecure-registry", "-o", str(tmp_path / "out")],
        cwd=repo, env={**os.environ, **world.env}, capture_output=True, text=True, timeout=300, preexec_fn=bounded, check=False,
    )
    # THEN fluxcd/pkg's 100 MiB cap refuses it with our error, not a MemoryError
    assert result.returncode == 1, result.stderr
    assert "104857600 bytes" in result.stderr and "Traceback" not in result.stderr


def test_an_image_index_is_named_as_such_not_as_a_missing_artifact(world: GitWorld, registry: Registry) -> None:
    # GIVEN a multi-platform image index at a tag (what a container build pushes), whose one manifest is ours
    push_raw(registry, gzipped_tar([entry("web/a.yaml", b"kind: ConfigMap\n")]), tag="one")
    client = RegistryClient(parse_reference(registry.ref(tag="one")), insecure=True)
    data, media_type = client.get_manifest("one")
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [{"mediaType": media_type, "digest": sha256_digest(data), "size": len(data)}]}).encode()
    client.put_manifest("multi", index, "application/vnd.oci.image.index.v1+json")
    repo = pushed_app(world, registry)
    # WHEN it is pulled THEN the message says it is an index
    result = pull(world, repo, registry.ref(tag="multi"))
    assert result.returncode == 1
    assert "image index" in result.stderr and "push it first" not in result.stderr
