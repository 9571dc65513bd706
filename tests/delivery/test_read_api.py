"""The Python read API: published view, preview, single records, links resolved inline."""

from __future__ import annotations

import datetime as dt
import gc
import json
import tracemalloc

import pytest

from pressroom import NotFoundError, Site, UsageError
from tests.conftest import write


def ids(records) -> list[str]:
    return [r.record for r in records]


def test_published_view_and_preview(blog: Site) -> None:
    site = blog
    site.publish("post/hello", cascade=True)
    write(site.root, "post/hello", "title: Hello v2\nauthor: ada\n")
    site.save("post/hello")

    assert ids(site.published()) == ["author/ada", "post/hello", "tag/history", "tag/math"]
    assert ids(site.published("post")) == ["post/hello"]
    [hello] = site.published("post")
    assert hello.data["title"] == "Hello"
    assert hello.status == "updated"
    assert hello.data["date"] == "2024-05-01"  # a YAML date comes out as ISO text
    assert json.loads(json.dumps(hello.document())) == hello.document()
    assert hello.published_at is not None

    preview = {r.record: r for r in site.records("post")}
    assert preview["post/hello"].data["title"] == "Hello v2"
    assert preview["post/notes"].status == "draft" and preview["post/notes"].published_at is None
    assert ids(site.records("post", preview=False)) == ["post/hello"]


def test_preview_never_shows_archived_or_deleted(blog: Site) -> None:
    blog.publish("post/hello", "post/notes", cascade=True)
    blog.archive("post/notes")
    blog.delete("post/hello")
    assert ids(blog.records("post")) == []
    assert ids(blog.published("post")) == []
    assert {r.record for r in blog.records()} == {"author/ada", "author/grace", "tag/history", "tag/math"}


def test_published_at_is_the_time_of_the_publish(blog: Site) -> None:
    blog.publish("post/hello", cascade=True)
    events = [e for e in blog.store.read_log("post/hello") if e["action"] == "publish"]
    published_at = blog.get("post/hello").published_at
    # An aware UTC datetime: the event's text, read back.
    assert published_at is not None and published_at.utcoffset() == dt.timedelta(0)
    assert published_at == dt.datetime.fromisoformat(events[-1]["time"])
    assert blog.get("post/hello").document()["published_at"] == events[-1]["time"]
    status = blog.status("post/hello").records[0]
    assert blog.get("post/hello").published_at == status.published_at


def test_get_versions(blog: Site) -> None:
    blog.publish("post/hello", cascade=True)
    first = blog.get("post/hello").version
    write(blog.root, "post/hello", "title: Second\nauthor: ada\n")
    blog.save("post/hello")

    assert blog.get("post/hello").data["title"] == "Hello"
    assert blog.get("post/hello", version="current").data["title"] == "Second"
    assert blog.get("post/hello", version=first[:8]).version == first
    assert blog.get("post/hello", version="~1").version == first
    assert blog.get(f"post/hello@{first}").data["title"] == "Hello"
    with pytest.raises(NotFoundError):
        blog.get("post/notes")  # a draft has no published version
    assert blog.get("post/notes", version="current").status == "draft"
    with pytest.raises(NotFoundError):
        blog.get("post/nothing", version="current")
    with pytest.raises(UsageError):
        blog.get("post/../x")


def test_links_resolved_inline(blog: Site) -> None:
    blog.publish("post/hello", cascade=True)
    plain = blog.get("post/hello")
    assert plain.data["author"] == "ada" and plain.data["tags"] == ["history", "math"]

    deep = blog.get("post/hello", resolve_links=1)
    author = deep.data["author"]
    assert author["record"] == "author/ada" and author["data"] == {"name": "Ada", "bio": "Wrote the first program."}
    assert author == {**blog.get("author/ada").document(), "resolved": True}
    assert [t["data"]["name"] for t in deep.data["tags"]] == ["History", "Math"]

    [post] = blog.published("post", resolve_links=1)
    assert post.data == deep.data


def test_links_resolve_to_the_depth_asked(site: Site) -> None:
    (site.root / "models/page.yaml").write_text(
        "schema:\n  type: object\n  properties:\n    parent: {type: string, x-link: page}\n")
    write(site.root, "page/a", "title: A\n")
    write(site.root, "page/b", "title: B\nparent: a\n")
    write(site.root, "page/c", "title: C\nparent: b\n")
    site.save(all=True)
    site.publish("page/c", cascade=True)
    one = site.get("page/c", resolve_links=1)
    assert one.data["parent"]["data"] == {"title": "B", "parent": "a"}
    two = site.get("page/c", resolve_links=2)
    assert two.data["parent"]["data"]["parent"]["data"] == {"title": "A"}
    # a cycle ends at the depth asked for
    write(site.root, "page/a", "title: A\nparent: c\n")
    site.save("page/a")
    site.publish("page/a")
    three = site.get("page/a", resolve_links=3)
    assert three.data["parent"]["data"]["parent"]["data"]["parent"]["data"]["parent"] == "c"


def test_preview_links_resolve_to_current_versions(blog: Site) -> None:
    blog.publish("post/hello", cascade=True)
    write(blog.root, "author/ada", "name: Ada Lovelace\n")
    blog.save("author/ada")
    assert blog.get("post/hello", resolve_links=1).data["author"]["data"]["name"] == "Ada"
    assert blog.get("post/hello", version="current", resolve_links=1).data["author"]["data"]["name"] == "Ada Lovelace"
    [post] = [r for r in blog.records("post", resolve_links=1) if r.id == "hello"]
    assert post.data["author"]["data"]["name"] == "Ada Lovelace"


def test_unknown_model_is_an_error_not_an_empty_list(blog: Site) -> None:
    with pytest.raises(NotFoundError):
        list(blog.published("psot"))
    assert list(blog.published("tag")) == []


def test_iteration_streams(site: Site) -> None:
    """Memory held while iterating does not grow with the number of records read."""
    body = "x" * 40_000
    for i in range(200):
        write(site.root, f"note/n{i:05d}", f"title: Note {i}\nbody: {body}{i}\n")
    site.save(model="note")
    held = []
    tracemalloc.start()
    try:
        for count, _rec in enumerate(site.records("note"), 1):
            if count % 20 == 0:
                # The YAML loader leaves cycles for the collector; what matters is what stays.
                gc.collect()
                held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert count == 200 and len(held) == 10
    # Keeping the 180 records read after the first sample would hold over 7 MB.
    assert max(held) - held[0] < 200_000, held
