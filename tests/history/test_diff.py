"""Field-level diff through the API: nested mappings, lists, long strings, types, models."""

from __future__ import annotations

import dataclasses

import pytest

from pressroom import NotFoundError, Site, UsageError
from pressroom.diffing import diff_data
from tests.conftest import write


def changes(old, new, **kw) -> list[dict]:
    return [{k: v for k, v in dataclasses.asdict(c).items() if v is not None and v is not False}
            for c in diff_data(old, new, **kw)]


def test_nested_mappings_report_each_leaf_by_path() -> None:
    old = {"seo": {"title": "A", "meta": {"robots": "index"}}}
    new = {"seo": {"title": "B", "meta": {"robots": "noindex", "canonical": "/x"}}}
    assert changes(old, new) == [
        {"path": "seo.title", "kind": "changed", "old": "A", "new": "B", "old_type": "string", "new_type": "string"},
        {"path": "seo.meta.robots", "kind": "changed", "old": "index", "new": "noindex", "old_type": "string",
         "new_type": "string"},
        {"path": "seo.meta.canonical", "kind": "added", "new": "/x", "new_type": "string"},
    ]


def test_a_whole_new_or_removed_mapping_is_one_change() -> None:
    assert changes({"a": 1}, {"a": 1, "seo": {"title": "T"}}) == [
        {"path": "seo", "kind": "added", "new": {"title": "T"}, "new_type": "object"}]
    assert changes({"seo": {"title": "T"}}, {}) == [
        {"path": "seo", "kind": "removed", "old": {"title": "T"}, "old_type": "object"}]


def test_lists_by_position() -> None:
    assert changes({"tags": ["a", "b", "c"]}, {"tags": ["a", "x"]}) == [
        {"path": "tags[1]", "kind": "changed", "old": "b", "new": "x", "old_type": "string", "new_type": "string"},
        {"path": "tags[2]", "kind": "removed", "old": "c", "old_type": "string"},
    ]


def test_lists_by_key_match_items_whatever_their_position() -> None:
    old = {"sections": [{"id": "intro", "text": "hi"}, {"id": "end", "text": "bye"}]}
    new = {"sections": [{"id": "new", "text": "!"}, {"id": "intro", "text": "hello"}, {"id": "end", "text": "bye"}]}
    assert changes(old, new, keys={"sections": "id"}) == [
        {"path": "sections[id=intro].text", "kind": "changed", "old": "hi", "new": "hello", "old_type": "string",
         "new_type": "string"},
        {"path": "sections[id=new]", "kind": "added", "new": {"id": "new", "text": "!"}, "new_type": "object"},
    ]
    # Without the key, the same edit is a shift of every position.
    assert [c["path"] for c in changes(old, new)] == ["sections[0].id", "sections[0].text", "sections[1].id",
                                                      "sections[1].text", "sections[2]"]


def test_keyed_items_that_change_place_are_moved() -> None:
    old = {"s": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
    new = {"s": [{"id": "c"}, {"id": "a"}, {"id": "b"}]}
    assert changes(old, new, keys={"s": "id"}) == [{"path": "s[id=c]", "kind": "moved", "old": 2, "new": 0}]


def test_keyed_list_with_duplicate_keys_falls_back_to_positions() -> None:
    old = {"s": [{"id": "a", "n": 1}, {"id": "a", "n": 2}]}
    new = {"s": [{"id": "a", "n": 1}, {"id": "a", "n": 3}]}
    assert [c["path"] for c in changes(old, new, keys={"s": "id"})] == ["s[1].n"]


def test_long_strings_carry_a_line_diff() -> None:
    old = {"body": "# Title\n\nFirst paragraph.\n\nSecond paragraph.\n"}
    new = {"body": "# Title\n\nFirst paragraph, edited.\n\nSecond paragraph.\n"}
    (change,) = changes(old, new)
    assert change["text_diff"] == ["@@ -1,5 +1,5 @@", " # Title", " ", "-First paragraph.",
                                   "+First paragraph, edited.", " ", " Second paragraph."]
    assert change["old"] == old["body"] and change["new"] == new["body"]
    short = changes({"title": "a"}, {"title": "b"})[0]
    assert "text_diff" not in short


def test_type_changes_are_not_mistaken_for_equal_values() -> None:
    assert changes({"n": 1, "flag": 1, "x": 1.0}, {"n": "1", "flag": True, "x": 1}) == [
        {"path": "n", "kind": "type_changed", "old": 1, "new": "1", "old_type": "integer", "new_type": "string"},
        {"path": "flag", "kind": "type_changed", "old": 1, "new": True, "old_type": "integer",
         "new_type": "boolean"},
        {"path": "x", "kind": "type_changed", "old": 1.0, "new": 1, "old_type": "number", "new_type": "integer"},
    ]


def test_fields_the_model_does_not_declare_are_marked() -> None:
    schema = {"type": "object", "properties": {"title": {"type": "string"},
                                               "seo": {"type": "object", "properties": {"title": {}}}}}
    got = changes({"title": "A", "legacy": 1, "seo": {"old": 1}}, {"title": "B", "seo": {}}, schema=schema)
    assert got == [
        {"path": "title", "kind": "changed", "old": "A", "new": "B", "old_type": "string", "new_type": "string"},
        {"path": "legacy", "kind": "removed", "old": 1, "old_type": "integer", "not_in_model": True},
        {"path": "seo.old", "kind": "removed", "old": 1, "old_type": "integer", "not_in_model": True},
    ]


def test_odd_keys_are_quoted_in_paths() -> None:
    assert [c["path"] for c in changes({}, {"a.b": 1, "x": {"with space": 2}, "y": {"z": 3}})] == [
        '["a.b"]', "x", "y"]
    assert [c["path"] for c in changes({"x": {"with space": 1}}, {"x": {"with space": 2}})] == ['x["with space"]']


def test_default_is_working_file_against_current(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    write(site.root, "post/a", "title: B\n")
    result = site.diff("post/a")
    assert (result.old.version, result.new.version) == (site.status("post/a").records[0].current, None)
    assert result.new.label == "content/post/a.yaml"
    assert [(c.path, c.old, c.new) for c in result.changes] == [("title", "A", "B")]
    assert result.different and result.stat["changed"] == 1


def test_two_versions_and_published(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    site.publish("post/a")
    write(site.root, "post/a", "title: B\ntags: [x]\n")
    site.save("post/a")
    pub = site.diff("post/a", published=True)
    assert [(c.path, c.kind) for c in pub.changes] == [("title", "changed"), ("tags", "added")]
    back = site.diff("post/a", "@current", "~1")
    assert [(c.path, c.kind) for c in back.changes] == [("title", "changed"), ("tags", "removed")]
    assert site.diff("post/a", "@current").changes == []
    assert not site.diff("post/a", "@current").different


def test_comment_only_change_differs_in_bytes_but_not_fields(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    write(site.root, "post/a", "# note\ntitle: A\n")
    result = site.diff("post/a")
    assert result.changes == [] and result.different


def test_unsaved_record_is_all_added_and_errors_are_usage(site: Site) -> None:
    write(site.root, "post/new", "title: N\n")
    result = site.diff("post/new")
    assert not result.old.exists and [c.kind for c in result.changes] == ["added"]
    with pytest.raises(NotFoundError):
        site.diff("post/none")
    with pytest.raises(UsageError):
        site.diff("post/new@current", "~1", "~2")
    with pytest.raises(UsageError):
        site.diff("post/new", "~1", published=True)


def test_diff_keys_model_option(site: Site) -> None:
    (site.root / "models/page.yaml").write_text(
        "diff_keys: {sections: id}\nschema:\n  type: object\n  properties:\n    sections: {type: array}\n")
    write(site.root, "page/p", "sections:\n- {id: a, t: 1}\n- {id: b, t: 2}\n")
    site.save("page/p")
    write(site.root, "page/p", "sections:\n- {id: b, t: 2}\n- {id: a, t: 9}\n")
    assert [(c.path, c.kind) for c in site.diff("page/p").changes] == [
        ("sections[id=a].t", "changed"), ("sections[id=b]", "moved")]
