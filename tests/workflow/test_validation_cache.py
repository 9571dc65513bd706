"""`validate` keeps the results of files that passed, keyed by their bytes and the model: never a stale answer."""

from __future__ import annotations

import shutil

from pressroom import Site, ValidateResult
from tests.conftest import write
from tests.workflow.test_publish import POST, blog, write_model


def found(result: ValidateResult) -> list[tuple[str | None, str | None, str, str | None, int | None]]:
    return sorted((p.where.record, p.where.path, p.code, p.where.file, p.where.line) for p in result.problems)


def test_the_same_answer_with_kept_results_and_without(site: Site) -> None:
    blog(site)
    write(site.root, "post/a", "title: A\nauthor: grace\ntags: [history]\n")
    write(site.root, "post/b", "title: B\nauthor: nobody\n")
    write(site.root, "post/c", "author: ada\n")
    first = site.validate(all=True)
    again = site.validate(all=True)
    shutil.rmtree(site.root / ".press" / "cache")
    cold = site.validate(all=True)
    assert found(first) == found(again) == found(cold) == [
        ("post/b", "author", "link", "content/post/b.yaml", 2),
        ("post/c", "title", "invalid", "content/post/c.yaml", None),
    ]
    assert [(r.record, r.errors) for r in first.records] == [(r.record, r.errors) for r in again.records]


def test_a_changed_schema_is_applied_to_files_that_passed_before(site: Site) -> None:
    blog(site)
    assert site.validate(all=True).ok
    write_model(site.root, "post", POST.replace("maxLength: 40", "maxLength: 3"))
    result = site.validate(all=True)
    assert [(p.where.record, p.where.path, p.code) for p in result.problems] == [("post/hello", "title", "invalid")]


def test_kept_links_are_checked_against_todays_records(site: Site) -> None:
    blog(site)
    write(site.root, "author/new", "name: New\n")
    write(site.root, "post/a", "title: A\nauthor: new\n")
    assert site.validate(all=True).ok
    (site.root / "content" / "author" / "new.yaml").unlink()
    result = site.validate(all=True)
    assert found(result) == [("post/a", "author", "link", "content/post/a.yaml", 2)]


def test_an_invalid_file_is_reported_every_time(site: Site) -> None:
    blog(site)
    write(site.root, "post/a", "title: A\n")
    for _ in range(2):
        result = site.validate("post/a")
        assert [(p.where.path, p.code) for p in result.problems] == [("author", "invalid")]
