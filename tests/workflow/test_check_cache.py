"""The check cache: publishing trusts a validation done by the save, and only under the same schema.

It lives in .press/cache/ (never committed) and only ever saves work: a
damaged or deleted cache changes no outcome.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pressroom import RefusedError, Site
from pressroom.workflow import validation
from tests.conftest import write
from tests.workflow.test_publish import write_model

SCHEMA = """\
allow_invalid_drafts: true
schema:
  type: object
  required: [name]
  properties:
    name: {type: string, maxLength: %d}
    friend: {type: string, x-link: author}
"""


def _cache(root: Path) -> Path:
    return root / ".press" / "cache" / "derived.sqlite"


def _two_authors(site: Site) -> None:
    write_model(site.root, "author", SCHEMA % 20)
    write(site.root, "author/ada", "name: Ada\nfriend: bob\n")
    write(site.root, "author/bob", "name: Bob\n")
    site.save(all=True)


def test_publish_after_a_save_reads_the_validation_from_the_cache(site: Site,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _two_authors(site)
    assert _cache(site.root).is_file()

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed a blob the save had validated")

    monkeypatch.setattr(validation, "load_record", no_parsing)
    result = site.publish("author/ada", cascade=True)
    assert [(m.record, m.reason) for m in result.moves] == [("author/ada", "named"), ("author/bob", "cascade")]


def test_a_changed_schema_validates_again(site: Site) -> None:
    _two_authors(site)
    write_model(site.root, "author", SCHEMA % 2)
    with pytest.raises(RefusedError) as err:
        site.publish("author/ada", "author/bob")
    assert sorted((p.where.record, p.rule) for p in err.value.problems) == [
        ("author/ada", "maxLength"), ("author/bob", "maxLength")]


def test_an_invalid_save_is_not_remembered_as_valid(site: Site) -> None:
    write_model(site.root, "author", SCHEMA % 5)
    write(site.root, "author/ada", "name: Ada Lovelace\n")
    assert site.save("author/ada").warnings
    for _ in range(2):
        with pytest.raises(RefusedError):
            site.publish("author/ada")


def test_a_damaged_cache_is_dropped_and_changes_no_outcome(site: Site) -> None:
    _two_authors(site)
    _cache(site.root).write_bytes(b"this is not a database" * 100)
    write(site.root, "author/bob", "name: Bob the Builder, at length\n")
    assert site.save("author/bob").warnings
    with pytest.raises(RefusedError):
        site.publish("author/bob")
    # The damaged file is gone; the next command that learns something starts a fresh one.
    assert not _cache(site.root).exists() or _cache(site.root).read_bytes().startswith(b"SQLite format 3")
    write(site.root, "author/bob", "name: Bob\n")
    Site.open(site.root).save("author/bob")
    assert _cache(site.root).read_bytes().startswith(b"SQLite format 3")
    published = Site.open(site.root).publish("author/ada", "author/bob")
    assert {m.record for m in published.moves} == {"author/ada", "author/bob"}


def test_a_deleted_cache_changes_nothing(site: Site) -> None:
    _two_authors(site)
    shutil.rmtree(site.root / ".press" / "cache")
    result = Site.open(site.root).publish("author/ada", cascade=True)
    assert {m.record for m in result.moves} == {"author/ada", "author/bob"}
    # Lookups alone do not make a cache; the publish validated both, so it made one.
    assert _cache(site.root).is_file()


def test_the_cache_is_ignored_by_git(site: Site) -> None:
    assert "cache/" in (site.root / ".press" / ".gitignore").read_text().splitlines()
