"""Drafts and validation on save: invalid drafts allowed or refused, models without drafts."""

from __future__ import annotations

import pytest

from pressroom import RefusedError, Site
from tests.conftest import store_files, write
from tests.workflow.test_publish import write_model

STRICT = """\
schema:
  type: object
  required: [name]
  properties:
    name: {type: string, maxLength: 10}
"""
LENIENT = "allow_invalid_drafts: true\n" + STRICT
NO_DRAFTS = """\
draft_published: false
allow_invalid_drafts: true   # ignored: every save is published, so every save is validated
schema:
  type: object
  required: [name]
  properties:
    name: {type: string, maxLength: 10}
    author: {type: string, x-link: author}
"""


def test_invalid_draft_is_refused_when_not_allowed_and_nothing_is_written(site: Site) -> None:
    write_model(site.root, "author", STRICT)
    write(site.root, "author/ada", "name: Ada\n")
    site.save("author/ada")
    write(site.root, "author/ada", "name: A name far too long\n")
    write(site.root, "author/bob", "bio: no name\n")
    before = store_files(site.root)
    with pytest.raises(RefusedError) as err:
        site.save("author/ada", "author/bob")
    assert sorted((p.where.record, p.where.path, p.rule) for p in err.value.problems) == [
        ("author/ada", "name", "maxLength"), ("author/bob", "name", "required")]
    assert store_files(site.root) == before


def test_invalid_draft_is_saved_with_warnings_when_allowed_and_publish_refuses_it(site: Site) -> None:
    write_model(site.root, "author", LENIENT)
    write(site.root, "author/ada", "name: A name far too long\n")
    result = site.save("author/ada")
    assert [(w.where.path, w.rule, w.value) for w in result.warnings] == [
        ("name", "maxLength", "A name far too long")]
    assert site.status("author/ada").records[0].status == "draft"
    before = store_files(site.root)
    with pytest.raises(RefusedError) as err:
        site.publish("author/ada")
    assert [(p.where.record, p.where.path, p.rule) for p in err.value.problems] == [
        ("author/ada", "name", "maxLength")]
    assert store_files(site.root) == before


def test_a_model_without_drafts_publishes_every_save(site: Site) -> None:
    write_model(site.root, "author", STRICT)
    write_model(site.root, "tag", NO_DRAFTS)
    write(site.root, "tag/news", "name: News\n")
    result = site.save("tag/news")
    assert result.published == ["tag/news"]
    assert site.status("tag/news").records[0].status == "published"
    write(site.root, "tag/news", "name: Fresh\n")
    site.save("tag/news")
    assert site.get("tag/news").data == {"name": "Fresh"}
    log = site.store.read_log("tag/news")
    assert [e["action"] for e in log] == ["save", "publish", "save", "publish"]


def test_a_model_without_drafts_validates_every_save(site: Site) -> None:
    write_model(site.root, "author", STRICT)
    write_model(site.root, "tag", NO_DRAFTS)
    write(site.root, "tag/news", "name: Far too long a name\n")
    before = store_files(site.root)
    with pytest.raises(RefusedError) as err:
        site.save("tag/news")
    assert err.value.problems[0].rule == "maxLength"
    assert store_files(site.root) == before


def test_a_model_without_drafts_cannot_publish_a_link_to_a_draft(site: Site) -> None:
    write_model(site.root, "author", STRICT)
    write_model(site.root, "tag", NO_DRAFTS)
    write(site.root, "author/ada", "name: Ada\n")
    site.save("author/ada")
    write(site.root, "tag/news", "name: News\nauthor: ada\n")
    before = store_files(site.root)
    with pytest.raises(RefusedError, match="author/ada, which is not published") as err:
        site.save("tag/news")
    assert err.value.problems[0].where.path == "author"
    assert store_files(site.root) == before
    site.publish("author/ada")
    assert site.save("tag/news").published == ["tag/news"]
    # The published tag now needs ada: unpublishing her alone is refused.
    with pytest.raises(RefusedError, match="tag/news"):
        site.unpublish("author/ada")


def test_a_record_without_drafts_cannot_become_a_draft(site: Site) -> None:
    write_model(site.root, "author", STRICT)
    write_model(site.root, "tag", NO_DRAFTS)
    write(site.root, "tag/news", "name: News\n")
    site.save("tag/news")
    with pytest.raises(RefusedError, match="draft_published: false"):
        site.unpublish("tag/news")
    site.archive("tag/news")
    assert site.status("tag/news").records[0].status == "archived"
    # Saving an archived record does not bring it back; publishing it does.
    write(site.root, "tag/news", "name: Back\n")
    assert site.save("tag/news").published == []
    site.publish("tag/news")
    assert site.status("tag/news").records[0].status == "published"


def test_unpublish_all_leaves_records_without_drafts_published(site: Site) -> None:
    write_model(site.root, "author", STRICT)
    write_model(site.root, "tag", NO_DRAFTS)
    write(site.root, "author/ada", "name: Ada\n")
    write(site.root, "tag/news", "name: News\n")
    site.save(all=True)
    site.publish("author/ada")
    result = site.unpublish(all=True)
    assert [m.record for m in result.moves] == ["author/ada"]
    assert [(s.record, "draft_published: false" in s.why) for s in result.skipped] == [("tag/news", True)]
    assert site.status("tag/news").records[0].status == "published"


def test_records_of_a_model_without_a_model_file_still_save_and_publish(site: Site) -> None:
    write(site.root, "note/a", "anything: [goes]\n")
    site.save("note/a")
    site.publish("note/a")
    assert site.status("note/a").records[0].status == "published"


def test_records_with_identical_invalid_content_are_each_named(site: Site) -> None:
    write_model(site.root, "author", LENIENT)
    write(site.root, "author/a", "name: A name far too long\n")
    write(site.root, "author/b", "name: A name far too long\n")
    site.save(all=True)
    with pytest.raises(RefusedError) as err:
        site.publish("author/a", "author/b")
    assert sorted(p.where.record for p in err.value.problems) == ["author/a", "author/b"]
