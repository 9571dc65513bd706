"""`validate`: schema errors and link errors, every one of them, named precisely."""

from __future__ import annotations

import pytest

from pressroom import NotFoundError, Site
from tests.conftest import Cli, write
from tests.workflow.test_publish import POST, TAG, blog, write_model


def test_valid_site_is_ok(site: Site) -> None:
    blog(site)
    result = site.validate(all=True)
    assert result.ok and len(result.records) == 4


def test_every_schema_and_link_error_is_listed(site: Site) -> None:
    blog(site)
    write(site.root, "post/a", "title: " + "x" * 41 + "\nauthor: nobody\ntags: [history, missing, 3]\n")
    write(site.root, "post/b", "author: history\n")
    result = site.validate(all=True)
    assert not result.ok
    found = {(p.where.record, p.where.path, p.code, getattr(p, "rule", None)) for p in result.problems}
    assert found == {
        ("post/a", "title", "invalid", "maxLength"),
        ("post/a", "author", "link", "x-link"),
        ("post/a", "tags[1]", "link", "x-link"),
        ("post/a", "tags[2]", "invalid", "type"),
        ("post/b", "title", "invalid", "required"),
        ("post/b", "author", "link", "x-link"),
    }
    wrong = next(p for p in result.problems if p.where.record == "post/b" and p.where.path == "author")
    assert "wrong model" in wrong.message and "tag/history" in wrong.message
    assert all(p.where.file == f"content/{p.where.record}.yaml" for p in result.problems)
    assert {r.record: r.errors for r in result.records}["post/a"] == 4


def test_a_link_may_name_a_record_that_is_only_a_working_file(site: Site) -> None:
    blog(site)
    write(site.root, "author/new", "name: New\n")
    write(site.root, "post/a", "title: A\nauthor: new\n")
    assert site.validate("post/a").ok


def test_validate_a_saved_version(site: Site) -> None:
    blog(site)
    first = site.store.snapshot().current["post/hello"]
    write(site.root, "post/hello", "title: [broken\n")
    result = site.validate("post/hello")
    assert [p.code for p in result.problems] == ["bad_content"]
    assert site.validate(f"post/hello@{first[:8]}").ok


def test_a_deleted_link_target_makes_a_saved_version_invalid(site: Site) -> None:
    blog(site)
    site.delete("author/ada")
    result = site.validate("post/hello")
    assert [(p.where.path, p.code) for p in result.problems] == [("author", "link")]


def test_unknown_model_or_record_is_a_clear_error(site: Site) -> None:
    blog(site)
    with pytest.raises(NotFoundError, match="unknown model 'nope'"):
        site.validate(model="nope")
    with pytest.raises(NotFoundError, match="unknown model 'nope'"):
        site.validate("nope/x")
    with pytest.raises(NotFoundError, match="post/none: does not exist"):
        site.validate("post/none")


def test_validate_published_finds_what_a_model_edit_broke(site: Site) -> None:
    """Commands keep the published view closed; a model file edited since can break it, and this says how."""
    blog(site)
    write(site.root, "tag/history", "name: History\neditor: grace\n")
    site.save("tag/history")
    site.publish("post/hello", cascade=True)
    assert site.validate(published=True).ok
    # The tag model learns that `editor` is a link, and titles get shorter.
    write_model(site.root, "tag", TAG + "    editor: {type: string, x-link: author}\n")
    write_model(site.root, "post", POST.replace("maxLength: 40", "maxLength: 3"))
    result = site.validate(published=True)
    assert sorted((p.where.record, p.where.path, p.code) for p in result.problems) == [
        ("post/hello", "title", "invalid"),
        ("tag/history", "editor", "unpublished_link"),
    ]
    assert [r.record for r in result.records] == ["author/ada", "post/hello", "tag/history"]
    code, doc = Cli(site.root).json("validate", "--published", "--model", "tag")
    assert code == 1
    assert [(e["record"], e["path"], e["code"]) for e in doc["errors"]] == [
        ("tag/history", "editor", "unpublished_link")]


def test_validate_published_names_a_record_that_is_not_published(site: Site) -> None:
    blog(site)
    result = site.validate("author/grace", published=True)
    assert [(p.where.record, p.code) for p in result.problems] == [("author/grace", "not_published")]


def test_problems_in_a_working_file_name_the_line_and_column_of_their_field(site: Site) -> None:
    blog(site)
    write(site.root, "post/a", "# a comment first\ntitle: " + "x" * 41 + "\nauthor: ada\ntags:\n  - history\n"
          "  - missing\n")
    code, doc = Cli(site.root).json("validate", "post/a")
    assert code == 1
    assert sorted((e["path"], e["line"], e["column"]) for e in doc["errors"]) == [
        ("tags[1]", 6, 5), ("title", 2, 1)]
    # The save reports the same places (as warnings: post allows invalid drafts).
    code, doc = Cli(site.root).json("save", "post/a")
    assert code == 0
    assert sorted((w["path"], w["line"]) for w in doc["warnings"]) == [("tags[1]", 6), ("title", 2)]
    # A missing field has no line of its own: the record's file is the place.
    write(site.root, "post/b", "author: ada\n")
    code, doc = Cli(site.root).json("validate", "post/b")
    assert [(e["path"], "line" in e) for e in doc["errors"]] == [("title", False)]
