"""`validate`: schema errors and link errors, every one of them, named precisely."""

from __future__ import annotations

import pytest

from pressroom import NotFoundError, Site
from tests.conftest import write
from tests.workflow.test_publish import blog


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
