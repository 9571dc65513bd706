"""log: versions newest first with their events, markers, limits, patches and the site feed."""

from __future__ import annotations

import pytest

from pressroom import HistoryBrokenError, NotFoundError, Site, UsageError
from tests.conftest import Cli, write


def _save(site: Site, record: str, text: str, message: str = "", author: str | None = None) -> str:
    write(site.root, record, text)
    return site.save(record, message=message, author=author).saved[0].version


def test_events_are_interleaved_in_the_order_they_happened(site: Site) -> None:
    v1 = _save(site, "post/x", "title: 1\n", "one")
    site.publish("post/x", author="Pub <p@x>", message="live")
    v2 = _save(site, "post/x", "title: 2\n", "two")
    site.unpublish("post/x", author="Un <u@x>")
    site.publish("post/x")
    site.archive("post/x", message="old news")
    got = [(e.type, e.action, e.version) for e in site.log("post/x").items]
    assert got == [("event", "archive", v2), ("event", "publish", v2), ("event", "unpublish", v1),
                   ("version", "save", v2), ("event", "publish", v1), ("version", "save", v1)]
    items = site.log("post/x").items
    assert items[0].message == "old news" and items[2].author == "Un <u@x>"
    assert items[3].refs == ["current", "archived"]


def test_markers_follow_the_refs(site: Site) -> None:
    v1 = _save(site, "post/x", "title: 1\n")
    site.publish("post/x")
    v2 = _save(site, "post/x", "title: 2\n")
    entries = site.log("post/x").entries
    assert [(e.version, e.refs) for e in entries] == [(v2, ["current"]), (v1, ["published"])]


def test_log_from_a_version_stops_before_later_events(site: Site) -> None:
    v1 = _save(site, "post/x", "title: 1\n")
    site.publish("post/x")
    _save(site, "post/x", "title: 2\n")
    site.publish("post/x")
    result = site.log("post/x@~1")
    assert [(e.type, e.action, e.version) for e in result.items] == [("event", "publish", v1),
                                                                      ("version", "save", v1)]


def test_limit_and_patch(site: Site) -> None:
    for i in range(5):
        _save(site, "post/x", f"title: {i}\n")
    result = site.log("post/x", limit=2, patch=True)
    assert len(result.items) == 2 and result.more and not result.pruned
    assert [(c.path, c.old, c.new) for c in result.items[0].changes] == [("title", 3, 4)]
    first = site.log("post/x", patch=True).entries[-1]
    assert [(c.path, c.kind) for c in first.changes] == [("title", "added")]
    with pytest.raises(UsageError):
        site.log("post/x", limit=0)
    with pytest.raises(UsageError):
        site.log(patch=True)


def test_a_deleted_and_recreated_record_keeps_its_old_events(site: Site) -> None:
    _save(site, "post/x", "title: old life\n")
    site.delete("post/x", author="Del <d@x>")
    # Deleted: no versions in history, but the log still says who did what.
    assert [(e.type, e.action, e.author) for e in site.log("post/x").items] == [
        ("event", "delete", "Del <d@x>"), ("event", "save", "Test Author <test@example.com>")]
    with pytest.raises(NotFoundError):
        site.log("post/never")
    v = _save(site, "post/x", "title: new life\n")
    got = [(e.type, e.action) for e in site.log("post/x").items]
    assert got == [("version", "save"), ("event", "delete")]
    assert site.log("post/x").entries[0].version == v


def test_feed_spans_records_newest_first(site: Site) -> None:
    _save(site, "post/a", "title: a\n", "a")
    _save(site, "post/b", "title: b\n", "b")
    site.publish("post/a")
    feed = site.log()
    assert feed.record is None
    assert [(e.record, e.action) for e in feed.items] == [("post/a", "publish"), ("post/b", "save"),
                                                          ("post/a", "save")]
    assert [e.record for e in site.log(limit=2).items] == ["post/a", "post/b"]


def test_a_broken_history_shows_the_versions_before_the_break(site: Site) -> None:
    """Like git log: what can be read, then the damage (exit 4), not nothing at all."""
    v1 = _save(site, "post/x", "title: 1\n")
    v2 = _save(site, "post/x", "title: 2\n")
    v3 = _save(site, "post/x", "title: 3\n")
    (site.root / ".press" / "objects" / v2[:2] / v2[2:]).unlink()
    with pytest.raises(HistoryBrokenError) as err:
        site.log("post/x")
    assert [e.version for e in err.value.partial.entries] == [v3]
    assert f"object {v2[:12]} is missing" in err.value.message
    code, doc = Cli(site.root).json("log", "post/x")
    assert (code, doc["status"]) == (4, "damaged")
    assert [i["version"] for i in doc["data"]["items"] if i["type"] == "version"] == [v3]
    assert doc["errors"][0]["code"] == "history_broken" and "press fsck" in doc["errors"][0]["hint"]
    assert v1 not in str(doc["data"])
