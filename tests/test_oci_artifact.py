"""``cdk8s_flux.oci.artifact``: the Flux OCI artifact, byte for byte and deterministic.

Expected values come from the formats themselves: POSIX USTAR and PAX
(IEEE 1003.1), RFC 1952 (gzip), Go's archive/tar (``writer.go``: formatOctal,
splitUSTARPath, formatPAXRecord), compress/gzip and encoding/json, and
go-containerregistry as fluxcd/pkg ``oci/push.go`` (commit 3ba849f) and
fluxcd/flux2 ``cmd/flux/push_artifact.go`` (commit 2fb132b) use it: the
233-byte config of one layer is the size real Flux manifests carry
(fluxcd/pkg#460).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

import pytest

from cdk8s_flux.errors import ValidationError
from cdk8s_flux.oci import artifact
from cdk8s_flux.oci.artifact import build_artifact, build_tar, config_json, flux_annotations, go_json, gzip_bytes, walk_order

FILES = {
    "kustomization.yaml": "resources:\n- web\n",
    "web/kustomization.yaml": "resources:\n- configmap_web_a.yaml\n",
    "web/configmap_web_a.yaml": "kind: ConfigMap\n",
    "web.yaml": "x\n",
}
ANNOTATIONS = flux_annotations("https://example.com/org/app.git", "main@sha1:" + "1" * 40, "2024-05-13T13:56:21Z")


def members(tar: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as archive:
        return archive.getmembers()


def test_the_same_files_give_the_same_bytes_whatever_their_order() -> None:
    # GIVEN the same files twice, inserted in another order
    shuffled = dict(reversed(list(FILES.items())))
    # WHEN built
    first, second = build_artifact(FILES, ANNOTATIONS), build_artifact(shuffled, ANNOTATIONS)
    # THEN tar, layer, config, manifest and digest are identical
    assert (first.tar, first.layer, first.config, first.manifest) == (second.tar, second.layer, second.config, second.manifest)
    assert first.digest == second.digest == "sha256:" + hashlib.sha256(first.manifest).hexdigest()


def test_any_change_of_content_or_annotation_changes_the_digest() -> None:
    base = build_artifact(FILES, ANNOTATIONS)
    assert build_artifact({**FILES, "web.yaml": "y\n"}, ANNOTATIONS).digest != base.digest
    other = flux_annotations("https://example.com/org/app.git", "main@sha1:" + "2" * 40, "2024-05-13T13:56:21Z")
    changed = build_artifact(FILES, other)
    assert changed.digest != base.digest and changed.layer == base.layer


def test_entries_follow_go_filepath_walk_order() -> None:
    # "web" sorts before "web.yaml", and a folder's children come right after it (pre-order)
    assert walk_order(list(FILES)) == [
        (".", True),
        ("kustomization.yaml", False),
        ("web", True),
        ("web/configmap_web_a.yaml", False),
        ("web/kustomization.yaml", False),
        ("web.yaml", False),
    ]


def test_tar_headers_are_normalised() -> None:
    tar = build_tar({path: text.encode() for path, text in FILES.items()})
    for member in members(tar):
        assert (member.uid, member.gid, member.uname, member.gname, member.mtime) == (0, 0, "", "", 0)
        assert member.mode == (0o755 if member.isdir() else 0o644)
        assert not member.name.endswith("/") and not member.name.startswith("./")
    by_name = {m.name: m for m in members(tar)}
    assert by_name["web/configmap_web_a.yaml"].size == len("kind: ConfigMap\n")


def test_a_ustar_header_field_by_field() -> None:
    # GIVEN one file of 5 bytes (and the root folder before it)
    tar = build_tar({"a.yaml": b"k: v\n"})
    header = tar[512:1024]
    # THEN the fields are Go's: NUL-padded name, zero-padded octal with a NUL, USTAR magic and version
    assert header[0:100] == b"a.yaml".ljust(100, b"\0")
    assert header[100:108] == b"0000644\0"
    assert header[108:116] == b"0000000\0" and header[116:124] == b"0000000\0"
    assert header[124:136] == b"00000000005\0"
    assert header[136:148] == b"00000000000\0"
    assert header[156:157] == b"0"
    assert header[257:265] == b"ustar\x0000"
    assert header[265:329] == b"\0" * 64
    assert header[329:345] == b"0000000\0" * 2
    # AND the checksum is the byte sum with the field as spaces, six octal digits, NUL, space
    blank = header[:148] + b" " * 8 + header[156:]
    assert header[148:156] == f"{sum(blank):06o}".encode() + b"\0 "
    # AND the root is a folder named "." and the archive ends with exactly two zero blocks
    assert tar[0:2] == b".\0" and tar[156:157] == b"5" and tar[100:108] == b"0000755\0"
    assert len(tar) == 512 + 512 + 512 + 1024
    assert tar[-1024:] == b"\0" * 1024


def test_long_paths_are_split_into_prefix_and_name_at_the_last_possible_slash() -> None:
    folder = "a" * 60 + "/" + "b" * 50
    path = f"{folder}/{'c' * 40}.yaml"
    tar = build_tar({path: b"x"})
    header = next(tar[i : i + 512] for i in range(0, len(tar), 512) if tar[i + 156 : i + 157] == b"0")
    # Go's splitUSTARPath keeps the longest prefix: everything up to the last '/'
    assert header[345:500].rstrip(b"\0") == folder.encode()
    assert header[0:100].rstrip(b"\0") == f"{'c' * 40}.yaml".encode()
    assert path in [m.name for m in members(tar)]


def test_names_ustar_cannot_hold_get_a_pax_path_record() -> None:
    path = "chart/" + "n" * 150 + ".yaml"
    tar = build_tar({path: b"x", "é.yaml": b"y"})
    assert {path, "é.yaml"} <= {m.name for m in members(tar)}
    # the extended header: typeflag 'x', named PaxHeaders.0 in the folder, one "<len> path=<name>\n" record
    record = f"path={path}\n".encode()
    length = len(record) + 1 + 3  # " " plus a three-digit length counting itself
    offsets = [i for i in range(0, len(tar), 512) if tar[i + 156 : i + 157] == b"x"]
    assert len(offsets) == 2
    pax = offsets[0] if tar[offsets[0] : offsets[0] + 5] == b"chart" else offsets[1]
    assert tar[pax : pax + 100].rstrip(b"\0") == ("chart/PaxHeaders.0/" + "n" * 150 + ".yaml")[:100].encode()
    assert tar[pax + 512 : pax + 512 + length] == f"{length} ".encode() + record


def test_gzip_has_no_name_and_no_time() -> None:
    tar = build_tar({"a.yaml": b"x"})
    layer = gzip_bytes(tar)
    # RFC 1952: ID1 ID2 CM=8 FLG=0 (no FNAME) MTIME=0 XFL=0 OS=255, as Go's compress/gzip writes it
    assert layer[:10] == bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
    assert gzip.decompress(layer) == tar
    assert gzip_bytes(tar) == layer


def test_config_is_go_containerregistrys_image_config_with_the_diff_id() -> None:
    diff_id = "sha256:" + "d" * 64
    expected = (
        '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],'
        '"os":"","rootfs":{"type":"layers","diff_ids":["sha256:' + "d" * 64 + '"]},"config":{}}'
    )
    assert config_json(diff_id) == expected.encode()
    assert len(config_json(diff_id)) == 233


def test_the_config_names_the_uncompressed_tar() -> None:
    built = build_artifact(FILES, ANNOTATIONS)
    config = json.loads(built.config.data)
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(gzip.decompress(built.layer.data)).hexdigest()]


def test_manifest_bytes_are_go_encoding_json_of_the_ggcr_manifest() -> None:
    built = build_artifact(FILES, ANNOTATIONS)
    expected = (
        '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
        f'"config":{{"mediaType":"application/vnd.cncf.flux.config.v1+json","size":233,"digest":"{built.config.digest}"}},'
        f'"layers":[{{"mediaType":"application/vnd.cncf.flux.content.v1.tar+gzip","size":{len(built.layer.data)},'
        f'"digest":"sha256:{hashlib.sha256(built.layer.data).hexdigest()}"}}],'
        '"annotations":{"org.opencontainers.image.created":"2024-05-13T13:56:21Z",'
        '"org.opencontainers.image.revision":"main@sha1:' + "1" * 40 + '",'
        '"org.opencontainers.image.source":"https://example.com/org/app.git"}}'
    )
    assert built.manifest == expected.encode()


def test_go_json_escapes_as_go_does() -> None:
    # encoding/json: HTML-safe <, >, &; U+2028/2029; control characters as \u00XX except \n \r \t; UTF-8 kept
    value = {"k": "a<b>&c\u2028\b\f\n\t\"\\é"}
    assert go_json(value) == '{"k":"a\\u003cb\\u003e\\u0026c\\u2028\\u0008\\u000c\\n\\t\\"\\\\é"}'.encode()


def test_flux_annotations_are_always_written() -> None:
    assert flux_annotations("", "", "1970-01-01T00:00:00Z") == {
        artifact.ANNOTATION_CREATED: "1970-01-01T00:00:00Z",
        artifact.ANNOTATION_REVISION: "",
        artifact.ANNOTATION_SOURCE: "",
    }


@pytest.mark.parametrize("path", ["../x.yaml", "/abs.yaml", "a//b.yaml", "a\\b.yaml", "./a.yaml", "a/..", ""])
def test_unclean_paths_are_refused(path: str) -> None:
    with pytest.raises(ValidationError):
        build_tar({path: b"x"})


def test_a_file_that_is_also_a_folder_is_refused() -> None:
    with pytest.raises(ValidationError, match="both a file and a folder"):
        build_tar({"a": b"x", "a/b.yaml": b"y"})
