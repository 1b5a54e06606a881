"""``cdk8s_flux.manifests``, the loading side: YAML read as the API server's reader would, refused where it would be."""

from __future__ import annotations

import time

import pytest

from cdk8s_flux.errors import SynthError
from cdk8s_flux.manifests import load_documents

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"


def bomb(levels: int, width: int = 9) -> str:
    """A ConfigMap whose nested aliases expand to ``width ** levels`` strings (a "billion laughs")."""
    lines = [HEAD, f"x0: &x0 [{', '.join(['lol'] * width)}]\n"]
    for level in range(1, levels):
        lines.append(f"x{level}: &x{level} [{', '.join([f'*x{level - 1}'] * width)}]\n")
    lines.append(f"data: {{a: *x{levels - 1}}}\n")
    return "".join(lines)


@pytest.mark.parametrize("levels", [7, 9, 40])
def test_a_yaml_bomb_is_refused_at_once_naming_the_line(levels: int) -> None:
    # GIVEN nested aliases that expand to 9^7 (about 10^6), 9^9 (about 10^9) and 9^40 nodes
    text = bomb(levels)
    started = time.perf_counter()
    with pytest.raises(SynthError) as error:
        load_documents(text, "bomb.yaml")
    # THEN it is refused quickly, in one short line that names the file, the line and the fix
    assert time.perf_counter() - started < 2
    message = str(error.value)
    assert message.startswith("bomb.yaml: not valid YAML: line ")
    assert "aliases" in message and "Fix:" in message
    assert len(message) < 500 and "\n" not in message


def test_aliases_within_the_bound_are_read() -> None:
    # GIVEN a few anchors each used a few times (the way people share labels)
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: &l {app: web}, annotations: *l}\ndata: &d {a: b}\nbinaryData: *d\n"
    (obj,) = load_documents(text, "ok.yaml")
    assert obj["metadata"]["annotations"] == {"app": "web"}
    # AND an expansion under the bound: 9^3 nodes from 40 written
    (small,) = load_documents(bomb(3), "small.yaml")
    assert len(small["data"]["a"]) == 9


def test_the_bound_counts_the_whole_stream() -> None:
    # GIVEN many documents, each a small bomb under the bound of one document
    text = "---\n".join([bomb(3, width=10)] * 2000)
    with pytest.raises(SynthError, match="aliases"):
        load_documents(text, "many.yaml")


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(SynthError, match=r"line 4, column 7: .*contains itself"):
        load_documents(HEAD + "data: &a {x: *a}\n", "loop.yaml")


def test_an_integer_python_cannot_read_is_refused_naming_the_line() -> None:
    # GIVEN an integer of 5,000 digits (more than Python converts; no Kubernetes field holds one)
    with pytest.raises(SynthError) as error:
        load_documents(HEAD + "data: {a: " + "9" * 5000 + "}\n", "big.yaml")
    message = str(error.value)
    assert message.startswith("big.yaml: not valid YAML: line 4, column 11: an integer of 5000 digits")
    assert "quote it" in message and "9999" not in message


def test_a_date_that_does_not_exist_is_refused_naming_the_line() -> None:
    with pytest.raises(SynthError, match=r"line 4, column 11: not a valid date.*month must be in 1\.\.12.*quote it"):
        load_documents(HEAD + "data: {a: 2001-13-01}\n", "date.yaml")


def test_a_syntax_error_names_the_line_but_never_quotes_the_text() -> None:
    # GIVEN a Secret whose value line is broken
    text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: [hunter2}\n"
    with pytest.raises(SynthError) as error:
        load_documents(text, "s.yaml")
    message = str(error.value)
    assert message.startswith("s.yaml: not valid YAML: line 4")
    assert "hunter2" not in message and "\n" not in message


def test_what_the_loader_reads_is_what_pyyaml_reads() -> None:
    import yaml

    text = HEAD + "data: {a: '1', b: 2, c: 0x1f, d: 1:30, e: 2001-12-14, f: [1.5, .inf, true, null]}\n"
    assert load_documents(text, "t.yaml") == tuple(yaml.safe_load_all(text))


def test_an_anchor_may_be_redefined_and_aliases_take_the_latest() -> None:
    # GIVEN a stream that reuses an anchor name (YAML allows it; go-yaml, kustomize and Flux read it; libyaml refuses it)
    text = HEAD + "data:\n  a: &v one\n  b: *v\n  c: &v two\n  d: *v\n---\n" + HEAD + "data: {e: yes, f: '1'}\n"
    first, second = load_documents(text, "anchors.yaml")
    # THEN each alias takes the anchor defined last before it, and every document keeps YAML 1.1 types (yes is true)
    assert first["data"] == {"a": "one", "b": "one", "c": "two", "d": "two"}
    assert second["data"] == {"e": True, "f": "1"}


def test_a_key_written_twice_is_refused_naming_both_lines() -> None:
    text = HEAD + "data:\n  a: '1'\n  b: '2'\n  a: '3'\n"
    with pytest.raises(SynthError) as error:
        load_documents(text, "twice.yaml")
    assert str(error.value) == (
        "twice.yaml: not valid YAML: line 7, column 3: the key 'a' is written twice in one mapping (first at line 5), "
        "which Kubernetes and kustomize refuse. Fix: keep one of them"
    )


def test_a_merge_key_may_be_overridden() -> None:
    (obj,) = load_documents(HEAD + "base: &b {a: '1', b: '2'}\ndata:\n  <<: *b\n  b: '3'\n", "merge.yaml")
    assert obj["data"] == {"a": "1", "b": "3"}


def test_documents_know_the_lines_of_their_fields() -> None:
    from cdk8s_flux.manifests import read_documents

    first, second = read_documents("---\n" + HEAD + "data:\n  a: '1'\n---\n" + HEAD + "data:\n  items: [x, y]\n")
    assert (first.line, first.line_of(("data", "a")), first.line_of(("data", "nope"))) == (2, 6, 5)
    assert (second.line, second.line_of(("data", "items", 1))) == (8, 12)


def test_a_plain_equals_sign_is_a_string_as_go_yaml_reads_it() -> None:
    # GIVEN "=" as a plain scalar (YAML 1.1's value type, which PyYAML resolves but cannot make)
    (obj,) = load_documents(HEAD + "data: {operator: =}\n", "equals.yaml")
    assert obj["data"] == {"operator": "="}
