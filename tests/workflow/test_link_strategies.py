"""Link strategies (x-link's mapping form): each on publish, unpublish, archive and delete,
alone and in chains of three models (page -> post -> author), through the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import BadContentError, RefusedError, Site
from pressroom.records import load_record
from tests.automation.conftest import python_hook, set_config
from tests.conftest import write

AUTHOR = "schema:\n  type: object\n  properties:\n    name: {type: string}\n"


def link(target: str, **strategies: str) -> str:
    if not strategies:
        return target
    return "{" + ", ".join([f"model: {target}", *(f"{k}: {v}" for k, v in strategies.items())]) + "}"


def chain(site: Site, post: dict[str, str], page: dict[str, str] | None = None, *, publish: bool = True) -> Site:
    """page/home -> post/hello -> author/ada, each link with the strategies given."""
    models = site.root / "models"
    (models / "author.yaml").write_text(AUTHOR)
    (models / "post.yaml").write_text(
        "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        f"    author: {{type: string, x-link: {link('author', **post)}}}\n")
    (models / "page.yaml").write_text(
        "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        f"    posts: {{type: array, items: {{type: string, x-link: {link('post', **(page or {}))}}}}}\n")
    write(site.root, "author/ada", "name: Ada\n")
    write(site.root, "post/hello", "title: Hello\nauthor: ada\n")
    write(site.root, "page/home", "title: Home # the front page\nposts: [hello]\n")
    site.save(all=True)
    if publish:
        site.publish("page/home", cascade=True)
    return site


def published(site: Site) -> dict[str, str]:
    return site.store.snapshot().published


def published_data(site: Site, record: str) -> dict[str, object]:
    return load_record(site.show(f"{record}@published").content, record)


def why(result: object) -> dict[str, tuple[str, str, str | None, str | None]]:
    return {m.record: (m.action, m.reason, m.via, m.path) for m in result.moves}  # type: ignore[attr-defined]


# on_publish


def test_on_publish_refuse_is_the_default(site: Site) -> None:
    chain(site, {}, publish=False)
    with pytest.raises(RefusedError, match="links to author/ada, which is not published"):
        site.publish("post/hello")
    assert published(site) == {}


def test_on_publish_publish_takes_the_linked_draft_along(site: Site) -> None:
    chain(site, {"on_publish": "publish"}, publish=False)
    result = site.publish("post/hello")
    assert why(result) == {"post/hello": ("publish", "named", None, None),
                           "author/ada": ("publish", "on_publish:publish", "post/hello", "author")}
    assert set(published(site)) == {"post/hello", "author/ada"}
    events = site.store.read_log("author/ada")
    assert events[-1]["reason"] == "on_publish:publish" and events[-1]["path"] == "author"


def test_on_publish_publish_in_a_chain_of_three_and_bounded_by_depth(site: Site) -> None:
    chain(site, {"on_publish": "publish"}, {"on_publish": "publish"}, publish=False)
    with pytest.raises(RefusedError, match="links to author/ada"):
        site.publish("page/home", depth=1)
    assert published(site) == {}
    result = site.publish("page/home")
    assert why(result)["post/hello"] == ("publish", "on_publish:publish", "page/home", "posts[0]")
    assert why(result)["author/ada"] == ("publish", "on_publish:publish", "post/hello", "author")


def test_cascade_still_publishes_every_target(site: Site) -> None:
    chain(site, {}, {}, publish=False)
    result = site.publish("page/home", cascade=True)
    assert {m.reason for m in result.moves} == {"named", "cascade"}
    assert len(published(site)) == 3


# on_unpublish / on_delete: refuse


@pytest.mark.parametrize("action", ["unpublish", "archive", "delete"])
def test_refuse_is_the_default_when_the_target_leaves(site: Site, action: str) -> None:
    chain(site, {})
    before = published(site)
    with pytest.raises(RefusedError, match="is linked from post/hello"):
        getattr(site, action)("author/ada")
    assert published(site) == before


# unpublish


@pytest.mark.parametrize("action", ["unpublish", "archive"])
def test_on_unpublish_unpublish_takes_the_referrers_out_to_any_depth(site: Site, action: str) -> None:
    chain(site, {"on_unpublish": "unpublish"}, {"on_unpublish": "unpublish"})
    result = getattr(site, action)("author/ada")
    assert why(result) == {"author/ada": (action, "named", None, None),
                           "post/hello": ("unpublish", "on_unpublish:unpublish", "author/ada", "author"),
                           "page/home": ("unpublish", "on_unpublish:unpublish", "post/hello", "posts[0]")}
    assert published(site) == {}
    assert site.status("post/hello").records[0].status == "draft"
    assert site.status("author/ada").records[0].status == ("draft" if action == "unpublish" else "archived")


def test_depth_bounds_the_strategies_of_a_withdrawal(site: Site) -> None:
    chain(site, {"on_unpublish": "unpublish"}, {"on_unpublish": "unpublish"})
    before = published(site)
    with pytest.raises(RefusedError, match="post/hello: is linked from page/home"):
        site.unpublish("author/ada", depth=1)
    assert published(site) == before


def test_on_delete_decides_when_the_target_is_deleted(site: Site) -> None:
    # on_unpublish says unpublish; a delete asks on_delete, which refuses.
    chain(site, {"on_unpublish": "unpublish", "on_delete": "refuse"})
    with pytest.raises(RefusedError, match="is linked from post/hello"):
        site.delete("author/ada")
    chain(site, {"on_unpublish": "refuse", "on_delete": "unpublish"}, {"on_unpublish": "unpublish"})
    result = site.delete("author/ada")
    assert why(result)["post/hello"] == ("unpublish", "on_delete:unpublish", "author/ada", "author")
    # post/hello was unpublished, not deleted: page/home's on_unpublish applies to it.
    assert why(result)["page/home"] == ("unpublish", "on_unpublish:unpublish", "post/hello", "posts[0]")
    assert published(site) == {}
    assert "post/hello" in site.store.snapshot().current


# clear


@pytest.mark.parametrize(("action", "strategy"), [("unpublish", "on_unpublish"), ("archive", "on_unpublish"),
                                                  ("delete", "on_delete")])
def test_clear_publishes_a_version_without_the_link_and_moves_current(site: Site, action: str,
                                                                      strategy: str) -> None:
    chain(site, {strategy: "clear"})
    before = site.store.snapshot()
    result = getattr(site, action)("author/ada")
    after = site.store.snapshot()
    move = next(m for m in result.moves if m.record == "post/hello")
    assert (move.action, move.reason, move.via, move.path) == ("publish", f"{strategy}:clear", "author/ada", "author")
    assert after.published["post/hello"] == after.current["post/hello"] == move.version
    assert site.store.get_version(move.version).parent == before.published["post/hello"]
    assert published_data(site, "post/hello") == {"title": "Hello"}
    assert site.status("post/hello").records[0].status == "published"
    # The working file held current's bytes: it follows.
    assert (site.root / "content/post/hello.yaml").read_text() == "title: Hello\n"
    assert [c.record for c in result.versions] == ["post/hello"]
    assert [e["action"] for e in site.store.read_log("post/hello")[-2:]] == ["save", "publish"]
    assert site.store.read_log("post/hello")[-1]["reason"] == f"{strategy}:clear"


def test_clear_on_an_array_loses_that_item_in_a_chain_of_three(site: Site) -> None:
    chain(site, {"on_unpublish": "unpublish"}, {"on_unpublish": "clear"})
    write(site.root, "post/other", "title: Other\n")
    site.save("post/other")
    write(site.root, "page/home", "title: Home # the front page\nposts: [hello, other]\n")
    site.save("page/home")
    site.publish("page/home", cascade=True)
    result = site.unpublish("author/ada")
    assert why(result)["post/hello"] == ("unpublish", "on_unpublish:unpublish", "author/ada", "author")
    assert why(result)["page/home"] == ("publish", "on_unpublish:clear", "post/hello", "posts[0]")
    assert published_data(site, "page/home") == {"title": "Home", "posts": ["other"]}
    # The comment stays: the record is edited, not rewritten.
    assert (site.root / "content/page/home.yaml").read_text() == "title: Home # the front page\nposts: [other]\n"


def test_clear_with_a_draft_on_top_makes_a_second_cleared_version(site: Site) -> None:
    chain(site, {"on_unpublish": "clear"})
    write(site.root, "post/hello", "title: Hello again\nauthor: ada\n")
    site.save("post/hello")
    before = site.store.snapshot()
    result = site.unpublish("author/ada")
    after = site.store.snapshot()
    first, second = result.versions
    assert (first.parent, second.parent) == (before.published["post/hello"], before.current["post/hello"])
    assert after.published["post/hello"] == first.version and after.current["post/hello"] == second.version
    assert published_data(site, "post/hello") == {"title": "Hello"}
    assert load_record(site.show("post/hello").content, "x") == {"title": "Hello again"}
    assert site.status("post/hello").records[0].status == "updated"
    assert (site.root / "content/post/hello.yaml").read_text() == "title: Hello again\n"


def test_clear_leaves_a_working_file_with_unsaved_edits_alone(site: Site) -> None:
    chain(site, {"on_unpublish": "clear"})
    write(site.root, "post/hello", "title: Unsaved\nauthor: ada\n")
    site.unpublish("author/ada")
    assert (site.root / "content/post/hello.yaml").read_text() == "title: Unsaved\nauthor: ada\n"
    assert published_data(site, "post/hello") == {"title": "Hello"}


def test_dry_run_plans_match_what_runs(site: Site) -> None:
    chain(site, {"on_unpublish": "clear"}, {"on_unpublish": "unpublish"})
    write(site.root, "post/hello", "title: Hello again\nauthor: ada\n")
    site.save("post/hello")
    before = site.store.snapshot()
    dry = site.archive("author/ada", dry_run=True)
    assert site.store.snapshot() == before
    real = site.archive("author/ada")

    def shape(result: object) -> list[tuple[object, ...]]:
        return ([(m.record, m.action, m.reason, m.via, m.path, m.status_after) for m in result.moves]  # type: ignore[attr-defined]
                + [(v.record, v.parent, v.reason) for v in result.versions])  # type: ignore[attr-defined]

    assert shape(dry) == shape(real) and dry.versions and not dry.problems
    # page/home links to post/hello, which stays published (cleared): page is left alone.
    assert "page/home" not in {m.record for m in real.moves}


def test_hooks_see_which_strategy_moved_what(site: Site, tmp_path: Path) -> None:
    chain(site, {"on_unpublish": "clear"})
    script, out = tmp_path / "hook.py", tmp_path / "hook.jsonl"
    script.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read().replace(chr(10), '') + chr(10))\n")
    hook = python_hook(script)
    set_config(site.root, f'hooks:\n  after_unpublish: ["{hook}"]\n  after_publish: ["{hook}"]\n')
    Site.open(site.root).unpublish("author/ada")
    docs = {d["event"]: d for d in map(json.loads, out.read_text().splitlines())}
    # The clear is a publish (of the new version): after_publish hooks see it, with its strategy.
    assert [c["record"] for c in docs["after_unpublish"]["changes"]] == ["author/ada"]
    changes = {c["record"]: c for c in docs["after_publish"]["changes"]}
    assert (changes["post/hello"]["action"], changes["post/hello"]["reason"]) == ("publish", "on_unpublish:clear")
    assert (changes["post/hello"]["via"], changes["post/hello"]["path"]) == ("author/ada", "author")


# the model


@pytest.mark.parametrize("schema", [
    "required: [author]\n  properties:\n    author: {type: string, x-link: {model: author, on_unpublish: clear}}",
    "properties:\n    tags: {type: array, minItems: 1, items: {type: string, x-link: {model: author, on_delete: clear}}}",
])
def test_clear_where_it_would_break_the_schema_is_refused_at_model_load(site: Site, schema: str) -> None:
    (site.root / "models/author.yaml").write_text(AUTHOR)
    (site.root / "models/post.yaml").write_text(f"schema:\n  type: object\n  {schema}\n")
    with pytest.raises(BadContentError, match="clear would remove the link from") as e:
        site.models()
    assert e.value.where.file == "models/post.yaml"
    assert "x-link" in (e.value.where.path or "")


@pytest.mark.parametrize(("spec", "message"), [
    ("{model: author, on_publish: clear}", "on_publish must be one of refuse, publish"),
    ("{model: author, on_move: refuse}", "x-link has no key 'on_move'"),
    ("{on_publish: publish}", "x-link must name a model"),
])
def test_a_bad_mapping_form_is_a_clear_error(site: Site, spec: str, message: str) -> None:
    (site.root / "models/author.yaml").write_text(AUTHOR)
    (site.root / "models/post.yaml").write_text(
        f"schema:\n  type: object\n  properties:\n    author: {{type: string, x-link: {spec}}}\n")
    with pytest.raises(BadContentError, match=message):
        site.models()


def test_the_short_form_keeps_its_meaning(site: Site, tmp_path: Path) -> None:
    chain(site, {})
    (field,) = site.models()["post"].link_fields
    assert (field.target, field.on_publish, field.on_unpublish, field.on_delete) == (
        "author", "refuse", "refuse", "refuse")


# the planners alone, on an in-memory store


def test_the_clear_plan_in_memory_its_versions_refs_events_and_working_file() -> None:
    from pressroom.models import _parse_model
    from pressroom.records import RecordKey
    from pressroom.store import RefUpdate, SiteFile, Version, hash_bytes
    from pressroom.store.memory import MemoryStore
    from pressroom.workflow.plan import execute
    from pressroom.workflow.publishing import Stamp, WithdrawRequest, WorkingFile, plan_unpublish
    from pressroom.workflow.validation import Reader

    models = {"author": _parse_model("author", "models/author.yaml", AUTHOR.encode()),
              "post": _parse_model("post", "models/post.yaml", (
                  "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
                  "    author: {type: string, x-link: {model: author, on_unpublish: clear}}\n").encode())}
    store = MemoryStore()
    ada, post = RecordKey("author", "ada"), RecordKey("post", "hello")
    versions = {}
    for key, text in ((ada, "name: Ada\n"), (post, "title: Hi\nauthor: ada\n")):
        oid = store.put_version(Version(str(key), store.put_blob(text.encode()), None, "x", "t", ""))
        store.refs["current"][str(key)] = store.refs["published"][str(key)] = versions[str(key)] = oid
    working = WorkingFile("content/post/hello.yaml", hash_bytes(b"title: Hi\nauthor: ada\n"))
    request = WithdrawRequest([ada], Stamp("ann", "2031-01-01T00:00:00Z"), working_of=lambda key: working)
    plan = plan_unpublish(Reader.over(store, models), request)
    assert plan.problems == [] and plan.referrers == []
    (cleared,) = plan.versions
    assert cleared.data == b"title: Hi\n" and cleared.version.parent == versions["post/hello"]
    assert cleared.reason == "on_unpublish:clear"
    assert set(plan.updates) == {RefUpdate("published", "author/ada", versions["author/ada"], None),
                                 RefUpdate("published", "post/hello", versions["post/hello"], cleared.oid),
                                 RefUpdate("current", "post/hello", versions["post/hello"], cleared.oid)}
    assert plan.site_files == [SiteFile(working.path, working.blob, cleared.blob)]
    assert [(e.record, e.data["action"], e.data["reason"]) for e in plan.events] == [
        ("post/hello", "save", "on_unpublish:clear"), ("author/ada", "unpublish", "named"),
        ("post/hello", "publish", "on_unpublish:clear")]
    execute(store, plan)
    assert store.refs["published"] == {"post/hello": cleared.oid}
