"""``resolve_links`` gives every link one shape, resolved or not: a preview build reading
``link["data"]`` after ``link["resolved"]`` never meets a bare id (issue 17: a preview build
crashed with ``string indices must be integers`` on a link to a record not yet saved)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom import Link, Site
from tests.conftest import write

ALWAYS = {"record", "model", "id", "resolved"}


def _draft_with_dangling_links(blog: Site) -> None:
    """post/wip, a draft linking author/ghost (never saved), tag/math and tag/gone (archived)."""
    write(blog.root, "tag/gone", "name: Gone\n")
    blog.save("tag/gone")
    blog.publish("tag/gone")
    blog.archive("tag/gone")
    write(blog.root, "post/wip", "title: Work in progress\nauthor: ghost\ntags: [math, gone]\n")
    blog.save("post/wip")


def test_an_unresolvable_link_has_the_shape_of_a_resolved_one_without_the_document(blog: Site) -> None:
    _draft_with_dangling_links(blog)
    [wip] = [r for r in blog.records("post", resolve_links=1) if r.id == "wip"]
    author, (math, gone) = wip.data["author"], wip.data["tags"]
    assert author == {"record": "author/ghost", "model": "author", "id": "ghost", "resolved": False}
    assert gone == {"record": "tag/gone", "model": "tag", "id": "gone", "resolved": False}
    assert math == {**blog.get("tag/math", version="current").document(), "resolved": True}
    assert math["data"] == {"name": "Math"}


def test_a_preview_build_reads_every_link_the_same_way(blog: Site) -> None:
    _draft_with_dangling_links(blog)

    def name(link: Link) -> str:
        data = link.get("data")
        return str(data["name"]) if link["resolved"] and data is not None else link["id"]

    bylines = {r.id: (name(r.data["author"]), [name(t) for t in r.data.get("tags") or []])
               for r in Site.open(blog.root).records("post", resolve_links=1)}
    assert bylines == {"hello": ("Ada", ["History", "Math"]), "notes": ("Grace", []),
                       "wip": ("ghost", ["Math", "gone"])}


def test_links_past_the_depth_asked_stay_ids_and_within_it_every_level_has_the_shape(site: Site) -> None:
    (site.root / "models/page.yaml").write_text(
        "allow_invalid_drafts: true\n"
        "schema:\n  type: object\n  properties:\n    parent: {type: string, x-link: page}\n")
    write(site.root, "page/a", "title: A\nparent: nowhere\n")
    write(site.root, "page/b", "title: B\nparent: a\n")
    site.save(all=True)
    two = site.get("page/b", version="current", resolve_links=2).data["parent"]
    assert two["resolved"] and two["id"] == "a"
    assert two["data"]["parent"] == {"record": "page/nowhere", "model": "page", "id": "nowhere", "resolved": False}
    one = site.get("page/b", version="current", resolve_links=1).data["parent"]
    assert one["resolved"] and one["data"]["parent"] == "nowhere"  # depth 1: a's own links are not resolved
    assert site.get("page/b", version="current").data["parent"] == "a"  # resolve_links=0: ids, as stored


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(author=st.sampled_from(["ada", "grace", "ghost"]),
       tags=st.lists(st.sampled_from(["history", "math", "nope"]), max_size=3))
def test_every_link_is_a_dict_that_says_whether_it_resolved(blog: Site, author: str, tags: list[str]) -> None:
    write(blog.root, "post/prop", f"title: P\nauthor: {author}\ntags: [{', '.join(tags)}]\n")
    blog.save("post/prop")
    rec = blog.get("post/prop", version="current", resolve_links=1)
    links: list[Any] = [rec.data["author"], *rec.data["tags"]]
    saved = {"author/ada", "author/grace", "tag/history", "tag/math"}
    assert len(links) == 1 + len(tags)
    for value, target in zip(links, [f"author/{author}", *(f"tag/{t}" for t in tags)]):
        assert isinstance(value, dict) and ALWAYS <= set(value)
        assert value["record"] == target and value["resolved"] == (target in saved)
        assert ("data" in value) == value["resolved"]
