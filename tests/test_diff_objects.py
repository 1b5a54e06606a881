"""``cdk8s_flux.diff.objects``: objects matched by identity, their changed fields and diffs, Secret values never shown."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cdk8s_flux.diff.objects import ObjectChange, ObjectId, compare, masked
from cdk8s_flux.errors import SynthError

SECRET = "hunter2"


def deployment(image: str = "nginx:1.26", api_version: str = "apps/v1", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": api_version, "kind": "Deployment", "metadata": {"name": "web", "namespace": "web"},
        "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}, **spec},
    }  # fmt: skip


def secret(**values: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"}, **values}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (deployment(), ObjectId("apps", "Deployment", "web", "web")),
        ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}, ObjectId("", "Namespace", None, "web")),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": ""}}, ObjectId("", "ConfigMap", None, "c")),
        ({"apiVersion": "kustomize.toolkit.fluxcd.io/v1beta2", "kind": "Kustomization", "metadata": {"name": "a", "namespace": "flux-system"}},
         ObjectId("kustomize.toolkit.fluxcd.io", "Kustomization", "flux-system", "a")),
    ],
)  # fmt: skip
def test_an_id_is_group_kind_namespace_and_name(obj: dict[str, Any], expected: ObjectId) -> None:
    assert ObjectId.of(obj) == expected


def test_an_id_reads_as_kind_and_namespaced_name() -> None:
    assert [str(ObjectId("apps", "Deployment", "web", "web")), str(ObjectId("", "Namespace", None, "web"))] == [
        "Deployment web/web", "Namespace web",
    ]  # fmt: skip


def test_an_object_without_a_name_is_refused() -> None:
    with pytest.raises(SynthError, match="no kind or no metadata.name"):
        ObjectId.of({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})


def test_added_removed_and_changed_objects_sorted_by_id_identical_left_out() -> None:
    # GIVEN a namespace kept, a ConfigMap removed, a Service added and a Deployment changed
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "web"}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "web"}}
    # WHEN they are compared
    changes = compare([namespace, config, deployment()], [deployment("nginx:1.27"), service, namespace])
    # THEN each differing object is one change, in id order
    assert [(c.change, str(c.id), c.api_version, c.fields) for c in changes] == [
        ("removed", "ConfigMap web/old", "v1", ()),
        ("added", "Service web/web", "v1", ()),
        ("changed", "Deployment web/web", "apps/v1", ("spec.template.spec.containers[0].image",)),
    ]
    assert changes[0] == ObjectChange("removed", ObjectId("", "ConfigMap", "web", "old"), "v1", config, None, (), "")
    assert changes[1].diff == "" and changes[1].before is None and changes[1].after == service


def test_the_diff_is_unified_over_sorted_yaml() -> None:
    (change,) = compare([deployment()], [deployment("nginx:1.27")])
    assert change.diff == "\n".join([
        "--- before", "+++ after", "@@ -8,5 +8,5 @@", "   template:", "     spec:", "       containers:",
        "-      - image: nginx:1.26", "+      - image: nginx:1.27", "         name: web",
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("before", "after", "fields"),
    [
        # GIVEN only the version of the API changes THEN the object is changed in apiVersion alone
        (deployment(api_version="apps/v1beta2"), deployment(), ("apiVersion",)),
        # a whole added or removed sub-object is one path
        (deployment(), deployment(strategy={"type": "Recreate"}), ("spec.strategy",)),
        (deployment(paused=True), deployment(), ("spec.paused",)),
        # list elements beyond the shorter list are one path each
        (deployment(), {**deployment(), "spec": {**deployment()["spec"], "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.26"}, {"name": "log", "image": "busybox"}]}}}},
         ("spec.template.spec.containers[1]",)),
        # keys with dots or slashes are quoted; paths come out in order
        ({**deployment(), "metadata": {"name": "web", "namespace": "web", "annotations": {"a.io/x": "1"}}},
         {**deployment(replicas=2), "metadata": {"name": "web", "namespace": "web", "annotations": {"a.io/x": "2"}}},
         ('metadata.annotations["a.io/x"]', "spec.replicas")),
        # a value of another type is a change, though Python calls 1 and True equal
        (deployment(replicas=1), deployment(replicas=True), ("spec.replicas",)),
    ],
)  # fmt: skip
def test_changed_fields_are_the_minimal_leaf_paths(before: dict[str, Any], after: dict[str, Any], fields: tuple[str, ...]) -> None:
    (change,) = compare([before], [after])
    assert (change.change, change.fields) == ("changed", fields)


def test_the_api_version_of_a_change_is_the_after_one() -> None:
    (change,) = compare([deployment(api_version="apps/v1beta2")], [deployment()])
    assert change.api_version == "apps/v1"


@pytest.mark.parametrize("side", ["before", "after"])
def test_the_same_id_twice_on_one_side_is_refused(side: str) -> None:
    twice, once = [deployment(), deployment("nginx:1.27")], [deployment()]
    before, after = (twice, once) if side == "before" else (once, twice)
    with pytest.raises(SynthError, match=f"Deployment web/web .API group apps. appears twice in the {side} manifests"):
        compare(before, after)


def test_the_same_name_in_another_group_is_another_object() -> None:
    other = {**deployment(), "apiVersion": "example.com/v1"}
    assert [str(c.id) for c in compare([], [deployment(), other])] == ["Deployment web/web", "Deployment web/web"]
    assert [c.id.group for c in compare([], [deployment(), other])] == ["apps", "example.com"]


# --- Secrets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (secret(data={"password": b64(SECRET)}), secret(stringData={"password": SECRET})),
        (secret(stringData={"password": SECRET}), secret(data={"password": b64("other")}, stringData={"password": SECRET})),
        ({**secret(data={"password": b64(SECRET)}), "apiVersion": "core/v1"}, {**secret(stringData={"password": SECRET}), "apiVersion": "core/v1"}),
    ],
)  # fmt: skip
def test_secret_values_compare_by_value_stringdata_merged_into_data(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert compare([before], [after]) == ()


def test_a_changed_secret_names_its_keys_and_shows_placeholders_never_values() -> None:
    # GIVEN a Secret whose password changes, whose token is added, whose user is removed and whose host stays
    before = secret(data={"password": b64(SECRET), "user": b64("admin"), "host": b64("db")})
    after = secret(stringData={"password": SECRET + "!", "token": "t0ken-" + SECRET, "host": "db"})
    # WHEN compared
    (change,) = compare([before], [after])
    # THEN the keys are named, the values are not
    assert change.fields == ("data.password", "data.token", "data.user")
    assert change.diff == "\n".join([
        "--- before", "+++ after", "@@ -1,8 +1,8 @@", " apiVersion: v1", " data:", "   host: <unchanged>",
        "-  password: <old value>", "-  user: <removed>", "+  password: <changed>", "+  token: <added>",
        " kind: Secret", " metadata:", "   name: db",
    ])  # fmt: skip
    shown = repr(change.fields) + change.diff
    for value in (SECRET, b64(SECRET), "admin", b64("admin")):
        assert value not in shown


def test_a_lowercase_secret_kind_is_a_secret_too() -> None:
    (change,) = compare([{**secret(data={"k": b64(SECRET)}), "kind": "secret"}], [{**secret(data={"k": b64("x")}), "kind": "secret"}])
    assert SECRET not in change.diff and b64(SECRET) not in change.diff and "k: <changed>" in change.diff


def test_an_added_or_removed_secret_keeps_its_values_out_of_the_diff() -> None:
    changes = compare([secret(data={"a": b64(SECRET)})], [{**secret(stringData={"b": SECRET}), "metadata": {"name": "other", "namespace": "web"}}])
    assert [c.change for c in changes] == ["removed", "added"]
    assert all(c.diff == "" and c.fields == () for c in changes)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (secret(data={"a": b64(SECRET)}, stringData={"b": SECRET}), secret(data={"a": "<masked>"}, stringData={"b": "<masked>"})),
        ({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": SECRET}}, {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": SECRET}}),
        # a Secret of another API group is not the core Secret
        ({"apiVersion": "example.com/v1", "kind": "Secret", "data": {"a": "b"}}, {"apiVersion": "example.com/v1", "kind": "Secret", "data": {"a": "b"}}),
    ],
)  # fmt: skip
def test_masked_replaces_every_secret_value(obj: dict[str, Any], expected: dict[str, Any]) -> None:
    original = repr(obj)
    assert masked(obj) == expected
    assert repr(obj) == original


def test_a_secret_inside_a_list_is_never_shown() -> None:
    from cdk8s_flux.diff import as_markdown, as_text

    def secret_list(value: str) -> dict:
        return {"apiVersion": "v1", "kind": "List", "metadata": {"name": "bundle"},
                "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"},
                           "stringData": {"password": value}}]}

    changes = compare([secret_list("hunter2")], [secret_list("correct-horse")])
    (change,) = changes
    shown = change.diff + " ".join(change.fields) + as_text(changes, ()) + as_markdown(changes, ())
    assert "hunter2" not in shown and "correct-horse" not in shown
    added = compare([], [secret_list("hunter2")])
    assert "hunter2" not in as_text(added, ()) + as_markdown(added, ())
