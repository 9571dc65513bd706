"""`press serve ?hydrate=N` gives links the one shape of the Python API's ``resolve_links``:
a preview's link to a record not in the view is an object saying ``resolved: false``, not a bare id."""

from __future__ import annotations

from pressroom import Site
from tests.conftest import write
from tests.serve.conftest import MODELS, TOKEN, preview


def test_hydrate_gives_an_unresolvable_link_the_shape_of_a_resolved_one(blog: Site, serve) -> None:
    (blog.root / "models/post.yaml").write_text("allow_invalid_drafts: true\n" + MODELS["post"])
    write(blog.root, "post/wip", "title: WIP\nauthor: ghost\ntags: [math]\n")
    blog.save("post/wip")
    server = serve(blog.root, env={"PRESSROOM_PREVIEW_TOKEN": TOKEN})
    doc = server.get("/api/records/post/wip?hydrate=1", preview()).json()
    assert doc == blog.get("post/wip", version="current", resolve_links=1).document()
    assert doc["data"]["author"] == {"record": "author/ghost", "model": "author", "id": "ghost", "resolved": False}
    [math] = doc["data"]["tags"]
    assert math["resolved"] is True and math["data"] == {"name": "Math"} and math["record"] == "tag/math"
    listing = server.get("/api/records/post?hydrate=1", preview()).json()
    authors = {d["id"]: d["data"]["author"] for d in listing["records"]}
    assert authors["wip"]["resolved"] is False and authors["a"]["resolved"] is True
    assert all(set(a) >= {"record", "model", "id", "resolved"} for a in authors.values())
