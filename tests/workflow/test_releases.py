"""Releases through the Python API: pins, one transaction, strategies, refusals, export preview, gc, fsck."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import NotFoundError, RefusedError, Site, StoreDamagedError, UsageError
from tests.conftest import write
from tests.workflow.test_link_strategies import chain

POST_AUTHOR = ("schema:\n  type: object\n  properties:\n    title: {type: string}\n"
               "    author: {type: string, x-link: author}\n")


def linked_site(site: Site) -> Site:
    """post/hello -> author/ada (refuse by default); post/other alone; all saved, nothing published."""
    (site.root / "models" / "post.yaml").write_text(POST_AUTHOR)
    write(site.root, "author/ada", "name: Ada\n")
    write(site.root, "post/hello", "title: Hello\nauthor: ada\n")
    write(site.root, "post/other", "title: Other\n")
    site.save(all=True)
    return site


def published(site: Site) -> dict[str, str]:
    return site.store.snapshot().published


def test_a_release_publishes_what_it_pins_in_one_transaction(site: Site) -> None:
    linked_site(site)
    site.release_create("launch", message="spring launch")
    site.release_add("launch", "author/ada", "post/hello", "post/other")
    current = site.store.snapshot().current
    result = site.release_publish("launch")
    assert {m.record for m in result.moves} == {"author/ada", "post/hello", "post/other"}
    assert published(site) == {r: current[r] for r in ("author/ada", "post/hello", "post/other")}
    txns = {e["txn"] for r in ("author/ada", "post/hello", "post/other") for e in site.store.read_log(r)
            if e["action"] == "publish"}
    assert txns == {result.txn}
    events = [e for e in site.store.read_log("post/hello") if e["action"] == "publish"]
    assert events[-1]["release"] == "launch"
    shown = site.release_show("launch").release
    assert (shown.state, shown.published_by) == ("published", "Test Author <test@example.com>")
    assert shown.published is not None
    # It stays, listed as published after the open ones.
    site.release_create("next")
    assert [(r.name, r.state) for r in site.releases().releases] == [("next", "open"), ("launch", "published")]
    with pytest.raises(RefusedError, match="was published"):
        site.release_add("launch", "post/other")
    with pytest.raises(RefusedError, match="was published"):
        site.release_publish("launch")


def test_pinned_versions_hold_after_later_saves(site: Site) -> None:
    linked_site(site)
    site.release_create("r")
    site.release_add("r", "post/other")
    pinned = site.store.snapshot().current["post/other"]
    write(site.root, "post/other", "title: Other, edited\n")
    site.save("post/other")
    later = site.store.snapshot().current["post/other"]
    assert later != pinned
    entry = site.release_show("r").entries[0]
    assert (entry.version, entry.current, entry.behind) == (pinned, later, True)
    site.release_publish("r")
    assert published(site)["post/other"] == pinned
    assert site.status("post/other").records[0].status == "updated"


def test_add_at_a_named_version_and_replace_an_entry(site: Site) -> None:
    linked_site(site)
    first = site.store.snapshot().current["post/other"]
    write(site.root, "post/other", "title: Two\n")
    site.save("post/other")
    site.release_create("r")
    site.release_add("r", f"post/other@{first[:10]}")
    assert site.release_show("r").entries[0].version == first
    site.release_add("r", "post/other")  # one entry per record: the pin moves to current
    entries = site.release_show("r").entries
    assert len(entries) == 1 and entries[0].version == site.store.snapshot().current["post/other"]
    site.release_remove("r", "post/other")
    assert site.release_show("r").entries == []


def test_a_release_that_would_dangle_is_refused_whole_naming_the_link(site: Site) -> None:
    linked_site(site)
    site.release_create("r")
    site.release_add("r", "post/hello", "post/other")
    show = site.release_show("r")
    assert not show.ok
    assert [(p.where.record, p.where.path) for p in show.problems] == [("post/hello", "author")]
    assert "author/ada" in show.problems[0].message
    before = site.store.snapshot()
    with pytest.raises(RefusedError, match="links to author/ada") as e:
        site.release_publish("r")
    assert e.value.problems[0].where.record == "post/hello"
    assert site.store.snapshot() == before
    assert site.release_show("r").release.state == "open"


def test_unpublish_in_a_release_refused_while_a_published_record_links_to_it(site: Site) -> None:
    linked_site(site)
    site.publish("post/hello", "author/ada")
    site.release_create("r")
    site.release_add("r", "author/ada", action="unpublish")
    with pytest.raises(RefusedError, match="linked from post/hello"):
        site.release_publish("r")
    # Unpublishing the referrer in the same release makes it pass.
    site.release_add("r", "post/hello", action="unpublish")
    site.release_publish("r")
    assert published(site) == {}


def test_publish_and_archive_together_one_plan(site: Site) -> None:
    linked_site(site)
    site.publish("post/hello", "author/ada")
    # A new post by Ada goes live as the old one is archived.
    write(site.root, "post/new", "title: New\nauthor: ada\n")
    site.save("post/new")
    site.release_create("swap")
    site.release_add("swap", "post/new")
    site.release_add("swap", "post/hello", action="archive")
    result = site.release_publish("swap")
    assert {(m.record, m.action) for m in result.moves} == {("post/new", "publish"), ("post/hello", "archive")}
    assert set(published(site)) == {"post/new", "author/ada"}
    assert "post/hello" in site.store.snapshot().archived


def test_a_release_publishing_a_referrer_of_what_it_archives_is_refused(site: Site) -> None:
    linked_site(site)
    site.publish("author/ada")
    site.release_create("r")
    site.release_add("r", "post/hello")
    site.release_add("r", "author/ada", action="archive")
    with pytest.raises(RefusedError, match="post/hello"):
        site.release_publish("r")
    assert set(published(site)) == {"author/ada"}


def test_strategies_bring_records_in_and_show_lists_them(site: Site) -> None:
    chain(site, {"on_publish": "publish"}, {"on_publish": "publish"}, publish=False)
    site.release_create("r")
    site.release_add("r", "page/home")
    current = site.store.snapshot().current
    show = site.release_show("r")
    assert show.ok
    assert {(m.record, m.reason, m.version) for m in show.brought} == {
        ("post/hello", "on_publish:publish", current["post/hello"]),
        ("author/ada", "on_publish:publish", current["author/ada"])}
    result = site.release_publish("r")
    assert {m.record for m in result.moves} == {"page/home", "post/hello", "author/ada"}
    assert published(site) == {r: current[r] for r in ("page/home", "post/hello", "author/ada")}


def test_on_unpublish_clear_applies_in_a_release(site: Site) -> None:
    chain(site, {"on_unpublish": "clear"})
    site.release_create("r")
    site.release_add("r", "author/ada", action="unpublish")
    show = site.release_show("r")
    assert show.ok
    assert [(m.record, m.reason) for m in show.brought] == [("post/hello", "on_unpublish:clear")]
    assert [v.record for v in show.versions] == ["post/hello"]
    site.release_publish("r")
    assert "author/ada" not in published(site)
    assert "author" not in site.get("post/hello").data


def test_two_releases_on_one_record_are_allowed_and_shown(site: Site) -> None:
    linked_site(site)
    site.release_create("a")
    site.release_create("b")
    site.release_add("a", "post/other")
    site.release_add("b", "post/other")
    assert site.release_show("a").entries[0].others == ["b"]
    assert site.release_show("b").entries[0].others == ["a"]
    site.release_publish("a")
    # Once a is published, only open releases count.
    assert site.release_show("b").entries[0].others == []


def test_errors_are_clear(site: Site) -> None:
    linked_site(site)
    with pytest.raises(NotFoundError, match="there is no release nope"):
        site.release_show("nope")
    with pytest.raises(UsageError, match="is not a release name"):
        site.release_create("Bad Name")
    site.release_create("r")
    with pytest.raises(RefusedError, match="there is already a release r"):
        site.release_create("r")
    with pytest.raises(NotFoundError, match="does not exist"):
        site.release_add("r", "post/ghost")
    with pytest.raises(UsageError):
        site.release_add("r", "not-a-ref")
    with pytest.raises(UsageError, match="not a version"):
        site.release_add("r", "post/other@current", action="unpublish")
    with pytest.raises(NotFoundError, match="does not hold post/other"):
        site.release_remove("r", "post/other")


def test_an_empty_release_is_refused(site: Site) -> None:
    site.release_create("r")
    assert not site.release_show("r").ok
    with pytest.raises(RefusedError, match="holds no records"):
        site.release_publish("r")
    assert site.release_show("r").release.state == "open"


def test_a_record_deleted_after_it_was_added_is_refused_by_name(site: Site) -> None:
    linked_site(site)
    site.release_create("r")
    site.release_add("r", "post/other")
    site.delete("post/other")
    with pytest.raises(RefusedError, match="was deleted after it was added to release r"):
        site.release_publish("r")


def test_delete_release(site: Site) -> None:
    linked_site(site)
    site.release_create("r")
    site.release_add("r", "post/other")
    site.release_delete("r")
    assert site.releases().releases == []
    assert not (site.root / ".press" / "releases" / "r").exists()
    site.release_create("r")  # the name is free again


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _without_moved_times(tree: dict[str, bytes], moved: set[str]) -> dict[str, object]:
    """The export with the published_at of the records a release moved blanked: a preview cannot know
    the second the release will be published at."""
    out: dict[str, object] = {}
    for rel, data in tree.items():
        doc = json.loads(data) if rel.endswith(".json") else data
        record = rel[:-len(".json")]
        if isinstance(doc, dict) and record in moved:
            doc["published_at"] = None
        if isinstance(doc, dict) and rel == "manifest.json":
            doc.pop("files")  # the hashes of the files compared here, published_at included
            for name, entry in doc["records"].items():
                if name in moved:
                    entry["published_at"] = None
        if isinstance(doc, dict) and rel.endswith("index.json"):
            for item in doc.get("records", []):
                if isinstance(item, dict) and item.get("record") in moved:
                    item["published_at"] = None
        out[rel] = doc
    return out


def test_export_release_equals_the_export_after_publishing_it(site: Site, tmp_path: Path) -> None:
    chain(site, {"on_publish": "publish", "on_unpublish": "clear"}, publish=False)
    write(site.root, "post/solo", "title: Solo\n")
    site.save("post/solo")
    site.publish("post/solo")
    site.release_create("r")
    site.release_add("r", "post/hello")
    site.release_add("r", "post/solo", action="unpublish")
    site.export(tmp_path / "now")
    site.export(tmp_path / "preview", release="r")
    assert _tree(tmp_path / "preview") != _tree(tmp_path / "now")
    site.release_publish("r")
    site.export(tmp_path / "after")
    moved = {"post/hello", "author/ada"}
    assert _without_moved_times(_tree(tmp_path / "preview"), moved) == \
        _without_moved_times(_tree(tmp_path / "after"), moved)


def test_export_release_at_its_schedule_equals_the_scheduled_run_byte_for_byte(site: Site, tmp_path: Path) -> None:
    linked_site(site)
    site.release_create("r")
    site.release_add("r", "post/hello", "author/ada")
    at = "2030-01-01T09:00:00Z"
    scheduled = site.release_publish("r", at=at)
    assert scheduled.schedule is not None and scheduled.schedule.action == "release"
    assert published(site) == {}
    site.export(tmp_path / "preview", release="r")
    run = site.run_schedule(now=at)
    assert [a.outcome for a in run.actions] == ["done"]
    assert set(published(site)) == {"post/hello", "author/ada"}
    site.export(tmp_path / "after")
    assert _tree(tmp_path / "preview") == _tree(tmp_path / "after")
    release = site.release_show("r").release
    assert release.state == "published" and release.schedule is None


def test_schedule_of_a_release_is_cancelled_by_a_publish_by_hand_and_by_delete(site: Site) -> None:
    linked_site(site)
    site.release_create("r")
    site.release_add("r", "post/other")
    s = site.release_publish("r", at="+2h").schedule
    assert s is not None
    with pytest.raises(RefusedError, match="already scheduled"):
        site.release_publish("r", at="+3h")
    site.release_publish("r")
    states = {x.id: x.state for x in site.schedules(all=True).schedules}
    assert states[s.id] == "cancelled"
    site.release_create("q")
    site.release_add("q", "post/hello", "author/ada")
    s2 = site.release_publish("q", at="+2h").schedule
    assert s2 is not None
    site.release_delete("q")
    assert {x.id: x.state for x in site.schedules(all=True).schedules}[s2.id] == "cancelled"


def test_a_scheduled_release_that_fails_is_marked_failed(site: Site) -> None:
    linked_site(site)
    site.release_create("r")
    site.release_add("r", "post/hello")  # its author is not published and not in the release
    result = site.release_publish("r", at="2030-01-01T00:00:00Z")
    assert [w.where.record for w in result.warnings] == ["post/hello"]
    run = site.run_schedule(now="2030-01-01T00:00:00Z")
    assert [a.outcome for a in run.actions] == ["failed"]
    assert published(site) == {}


def test_gc_keeps_pinned_versions_and_fsck_checks_them(site: Site) -> None:
    (site.root / "models" / "note.yaml").write_text("max_versions: 1\nschema: {type: object}\n")
    write(site.root, "note/a", "text: one\n")
    site.save("note/a")
    pinned = site.store.snapshot().current["note/a"]
    site.release_create("r")
    site.release_add("r", "note/a")
    for i in range(3):
        write(site.root, "note/a", f"text: v{i}\n")
        site.save("note/a")
    site.gc(grace=0)
    assert site.store.has_object(pinned)
    assert site.fsck().ok
    (site.root / ".press" / "objects" / pinned[:2] / pinned[2:]).unlink()
    report = site.fsck()
    assert any(p.cause == "release.bad_version" and p.where.record == "note/a" for p in report.problems)


def test_a_damaged_release_file_is_named(site: Site) -> None:
    linked_site(site)
    site.release_create("r")
    (site.root / ".press" / "releases" / "r" / "release").write_text("<<<<<<< ours\n")
    with pytest.raises(StoreDamagedError, match="is not a readable release file"):
        site.release_show("r")
    assert any(p.cause == "release.damaged" for p in site.fsck().problems)


def test_a_release_of_2000_records_publishes_in_one_transaction(site: Site) -> None:
    content = site.root / "content" / "item"
    content.mkdir(parents=True)
    for i in range(2000):
        (content / f"i{i:04d}.yaml").write_text(f"n: {i}\n")
    site.save(model="item")
    site.release_create("big")
    site.release_add("big", *(f"item/i{i:04d}" for i in range(2000)))
    result = site.release_publish("big")
    assert len(result.moves) == 2000
    snap = site.store.snapshot()
    assert snap.published == snap.current and len(snap.published) == 2000
    txns = {e["txn"] for i in range(0, 2000, 97) for e in site.store.read_log(f"item/i{i:04d}")
            if e["action"] == "publish"}
    assert txns == {result.txn}
