"""Publishing through the Python API: the CMS behaviours, link closure, cascade, events."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom import ConflictError, NotFoundError, RefusedError, Site, UsageError
from tests.conftest import store_files, write

AUTHOR = """\
schema:
  type: object
  required: [name]
  properties:
    name: {type: string, minLength: 1}
"""
TAG = """\
schema:
  type: object
  properties:
    name: {type: string}
"""
POST = """\
allow_invalid_drafts: true
schema:
  type: object
  required: [title, author]
  properties:
    title: {type: string, maxLength: 40}
    author: {type: string, x-link: author}
    tags: {type: array, items: {type: string, x-link: tag}}
"""


def write_model(root: Path, name: str, text: str) -> None:
    (root / "models" / f"{name}.yaml").write_text(text)


def blog(site: Site) -> Site:
    """A site with author, tag and post models; ada, grace, tag history and post/hello saved as drafts."""
    for name, text in (("author", AUTHOR), ("tag", TAG), ("post", POST)):
        write_model(site.root, name, text)
    write(site.root, "author/ada", "name: Ada\n")
    write(site.root, "author/grace", "name: Grace\n")
    write(site.root, "tag/history", "name: History\n")
    write(site.root, "post/hello", "title: Hello\nauthor: ada\ntags: [history]\n")
    site.save(all=True)
    return site


def published(site: Site) -> dict[str, str]:
    return site.store.snapshot().published


def status_of(site: Site, record: str) -> str:
    return site.status(record).records[0].status


def test_the_cms_lifecycle_of_a_record(site: Site) -> None:
    blog(site)
    assert status_of(site, "post/hello") == "draft"
    site.publish("post/hello", cascade=True)
    assert status_of(site, "post/hello") == "published"
    first = site.show("post/hello@published").content

    write(site.root, "post/hello", "title: Hello again\nauthor: ada\ntags: [history]\n")
    site.save("post/hello")
    assert status_of(site, "post/hello") == "updated"
    # Readers still get the published content, not the edit.
    assert site.show("post/hello@published").content == first
    assert site.get("post/hello").data["title"] == "Hello"

    site.publish("post/hello")
    assert status_of(site, "post/hello") == "published"
    assert site.show("post/hello@published").content == b"title: Hello again\nauthor: ada\ntags: [history]\n"

    site.unpublish("post/hello")
    assert status_of(site, "post/hello") == "draft"
    assert "post/hello" not in published(site)

    site.publish("post/hello")
    public = published(site)["post/hello"]
    site.archive("post/hello")
    snap = site.store.snapshot()
    assert status_of(site, "post/hello") == "archived"
    assert "post/hello" not in snap.published and snap.archived["post/hello"] == public

    site.publish("post/hello")
    snap = site.store.snapshot()
    assert status_of(site, "post/hello") == "published"
    assert "post/hello" not in snap.archived


def test_publish_refuses_unpublished_links_naming_them_and_suggests_cascade(site: Site) -> None:
    blog(site)
    before = store_files(site.root)
    with pytest.raises(RefusedError) as err:
        site.publish("post/hello")
    problems = err.value.problems
    assert {(p.where.record, p.where.path) for p in problems} == {("post/hello", "author"), ("post/hello", "tags[0]")}
    assert all("not published" in p.message and "cascade=True" in p.hint for p in problems)
    assert "author/ada" in problems[0].message or "author/ada" in problems[1].message
    assert store_files(site.root) == before


def test_naming_the_linked_records_in_the_same_command_passes(site: Site) -> None:
    blog(site)
    result = site.publish("post/hello", "author/ada", "tag/history")
    assert {m.record: m.reason for m in result.moves} == {"post/hello": "named", "author/ada": "named",
                                                           "tag/history": "named"}


def test_cascade_follows_links_to_any_depth_and_depth_bounds_it(site: Site) -> None:
    write_model(site.root, "node", "schema:\n  type: object\n  properties:\n    next: {type: string, x-link: node}\n")
    for name, nxt in (("a", "b"), ("b", "c"), ("c", "d"), ("d", None)):
        write(site.root, f"node/{name}", f"next: {nxt}\n" if nxt else "{}\n")
    site.save(all=True)
    before = store_files(site.root)
    with pytest.raises(RefusedError) as err:
        site.publish("node/a", cascade=True, depth=2)
    assert [(p.where.record, p.message) for p in err.value.problems] == [
        ("node/c", "links to node/d, which is not published (draft)")]
    assert store_files(site.root) == before
    result = site.publish("node/a", cascade=True, dry_run=True)
    assert [(m.record, m.reason, m.via) for m in result.moves] == [
        ("node/a", "named", None), ("node/b", "cascade", "node/a"), ("node/c", "cascade", "node/b"),
        ("node/d", "cascade", "node/c")]
    assert store_files(site.root) == before
    site.publish("node/a", cascade=True)
    assert set(published(site)) == {"node/a", "node/b", "node/c", "node/d"}


def test_unpublish_refused_naming_published_referrers_and_naming_them_passes(site: Site) -> None:
    blog(site)
    site.publish("post/hello", cascade=True)
    before = store_files(site.root)
    for action in (site.unpublish, site.archive, site.delete):
        with pytest.raises(RefusedError) as err:
            action("author/ada")
        [problem] = err.value.problems
        assert problem.where.record == "author/ada" and "post/hello" in problem.message
        assert "post/hello" in problem.hint
        assert store_files(site.root) == before
    site.unpublish("author/ada", "post/hello")
    assert set(published(site)) == {"tag/history"}


def test_unpublish_cascade_takes_only_links_nothing_else_needs(site: Site) -> None:
    blog(site)
    write(site.root, "post/other", "title: Other\nauthor: ada\n")
    site.save("post/other")
    site.publish("post/hello", "post/other", cascade=True)
    result = site.unpublish("post/hello", cascade=True)
    # ada is still needed by post/other; history was needed by post/hello only.
    assert {(m.record, m.reason) for m in result.moves} == {("post/hello", "named"), ("tag/history", "cascade")}
    assert set(published(site)) == {"post/other", "author/ada"}
    result = site.archive("post/other", cascade=True)
    assert {(m.record, m.reason) for m in result.moves} == {("post/other", "named"), ("author/ada", "cascade")}
    assert published(site) == {}
    assert status_of(site, "author/ada") == "archived"


def test_unpublish_cascade_through_a_chain_sees_records_leaving_in_the_same_command(site: Site) -> None:
    write_model(site.root, "node", "schema:\n  type: object\n  properties:\n"
                "    links: {type: array, items: {type: string, x-link: node}}\n")
    # top -> a, top -> b, a -> b: b is needed by a until a goes too.
    write(site.root, "node/top", "links: [b, a]\n")
    write(site.root, "node/a", "links: [b]\n")
    write(site.root, "node/b", "links: []\n")
    site.save(all=True)
    site.publish("node/top", cascade=True)
    site.unpublish("node/top", cascade=True)
    assert published(site) == {}


def test_archive_keeps_the_public_version_and_publish_all_leaves_it_alone(site: Site) -> None:
    blog(site)
    site.publish("post/hello", cascade=True)
    public = published(site)["post/hello"]
    write(site.root, "post/hello", "title: Edited\nauthor: ada\n")
    site.save("post/hello")
    site.archive("post/hello")
    assert site.show("post/hello@archived").content == site.store.get_blob(site.store.get_version(public).blob)
    result = site.publish(all=True)
    assert "post/hello" not in {m.record for m in result.moves}
    assert status_of(site, "post/hello") == "archived"


def test_delete_removes_refs_and_working_file_but_keeps_history(site: Site) -> None:
    blog(site)
    current = site.store.snapshot().current["author/grace"]
    site.delete("author/grace", message="left")
    snap = site.store.snapshot()
    assert "author/grace" not in snap.records()
    assert not (site.root / "content/author/grace.yaml").exists()
    assert site.store.get_version(current).record == "author/grace"
    assert site.store.read_log("author/grace")[-1]["action"] == "delete"
    with pytest.raises(NotFoundError):
        site.delete("author/grace")


def test_delete_refuses_to_lose_unsaved_changes_unless_forced(site: Site) -> None:
    blog(site)
    write(site.root, "author/grace", "name: Grace Hopper\n")
    before = store_files(site.root)
    with pytest.raises(RefusedError, match="unsaved changes"):
        site.delete("author/grace")
    assert store_files(site.root) == before
    assert (site.root / "content/author/grace.yaml").read_text() == "name: Grace Hopper\n"
    site.delete("author/grace", force=True)
    assert not (site.root / "content/author/grace.yaml").exists()


def test_every_action_is_an_event_with_author_time_old_new_and_message(site: Site) -> None:
    blog(site)
    result = site.publish("post/hello", cascade=True, message="launch", author="Eve <eve@example.com>")
    version = result.moves[0].version
    site.unpublish("post/hello", message="pulled", author="Bob <bob@example.com>")
    events = [e for e in site.store.read_log("post/hello") if e["action"] != "save"]
    assert [(e["action"], e["author"], e["old"], e["new"], e["message"], e["reason"]) for e in events] == [
        ("publish", "Eve <eve@example.com>", None, version, "launch", "named"),
        ("unpublish", "Bob <bob@example.com>", version, None, "pulled", "named"),
    ]
    assert all(e["time"].endswith("Z") for e in events)
    ada = [e for e in site.store.read_log("author/ada") if e["action"] == "publish"]
    assert ada[0]["reason"] == "cascade" and ada[0]["via"] == "post/hello"


def test_status_json_fields_name_who_published_when(site: Site) -> None:
    blog(site)
    site.publish("post/hello", cascade=True, author="Eve <eve@example.com>")
    row = site.status("post/hello").records[0]
    assert row.status == "published" and row.published == row.current
    assert row.published_by == "Eve <eve@example.com>" and row.published_at


def test_publish_a_named_version(site: Site) -> None:
    blog(site)
    first = site.store.snapshot().current["post/hello"]
    write(site.root, "post/hello", "title: Second\nauthor: ada\n")
    site.save("post/hello")
    site.publish(f"post/hello@{first[:10]}", "author/ada", "tag/history")
    assert published(site)["post/hello"] == first
    assert status_of(site, "post/hello") == "updated"


def test_nothing_to_do_is_reported_not_committed(site: Site) -> None:
    blog(site)
    site.publish("post/hello", cascade=True)
    before = store_files(site.root)
    result = site.publish("post/hello")
    assert result.moves == [] and [s.record for s in result.skipped] == ["post/hello"]
    assert site.publish(model="post").moves == []
    assert site.unpublish("author/grace").skipped[0].why == "is not published (draft)"
    assert store_files(site.root) == before


def test_usage_errors(site: Site) -> None:
    blog(site)
    with pytest.raises(UsageError, match="cascade=True"):
        site.publish("post/hello", depth=2)
    with pytest.raises(UsageError):
        site.publish("post/hello", all=True)
    with pytest.raises(UsageError):
        site.unpublish("post/hello@current")
    with pytest.raises(NotFoundError, match="post/nope: does not exist"):
        site.publish("post/nope")
    with pytest.raises(NotFoundError, match="unknown model"):
        site.publish(model="nope")


def test_a_concurrent_unpublish_of_a_link_target_makes_publish_a_conflict(site: Site) -> None:
    blog(site)
    site.publish("author/ada", "tag/history")
    other = Site.open(site.root)
    done = []

    def meanwhile(_n: int, _total: int) -> None:
        if not done:
            done.append(other.unpublish("author/ada"))

    with pytest.raises(ConflictError):
        site.publish("post/hello", progress=meanwhile)
    assert set(published(site)) == {"tag/history"}


def test_a_concurrent_publish_of_a_referrer_makes_unpublish_a_conflict(site: Site) -> None:
    blog(site)
    write(site.root, "post/other", "title: Other\nauthor: grace\n")
    site.save("post/other")
    site.publish("author/ada", "tag/history", "post/other", "author/grace")
    other = Site.open(site.root)
    done = []

    def meanwhile(_n: int, _total: int) -> None:
        if not done:
            done.append(other.publish("post/hello"))

    with pytest.raises(ConflictError):
        site.unpublish("author/ada", progress=meanwhile)
    assert set(published(site)) == {"author/ada", "author/grace", "tag/history", "post/hello", "post/other"}
