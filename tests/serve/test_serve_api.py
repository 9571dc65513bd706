"""`press serve` over real HTTP: published by default, drafts with the token, versions, links, pages, caching."""

from __future__ import annotations

from pressroom import Site
from tests.conftest import store_files
from tests.serve.conftest import TOKEN, preview

WITH_TOKEN = {"PRESSROOM_PREVIEW_TOKEN": TOKEN}


def test_published_only_by_default(blog: Site, serve) -> None:
    server = serve(blog.root)
    listing = server.get("/api/records/post").json()
    assert [d["record"] for d in listing["records"]] == ["post/a", "post/b", "post/c"]
    assert listing["next"] is None
    a = server.get("/api/records/post/a").json()
    assert a["data"]["title"] == "Alpha" and a["draft"] is False
    # The same document as the Python API (and so press export) gives.
    assert a == blog.get("post/a").document()
    assert [d for d in listing["records"]] == [r.document() for r in blog.published("post")]
    missing = server.get("/api/records/post/draft")
    assert missing.status == 404
    body = missing.json()
    assert set(body) == {"command", "data", "errors", "exit_code", "status", "version", "warnings"}
    assert body["exit_code"] == 2 and body["errors"][0]["code"] == "not_found"
    # The record is named once, in where.
    assert (body["errors"][0]["record"], body["errors"][0]["message"]) == ("post/draft", "has no published version")
    assert "Secret" not in missing.body.decode()


def test_drafts_refused_without_the_token(blog: Site, serve) -> None:
    server = serve(blog.root, env=WITH_TOKEN)
    for headers in ({"X-Include-Drafts": "true"}, {"X-Mode": "preview"}, preview("wrong"),
                    preview("wrong", "flotiq"), {"X-Mode": "preview", "Authorization": "Basic eDp5"}):
        for path in ("/api/records/post", "/api/records/post/draft", "/api/records/post/a"):
            reply = server.get(path, headers)
            assert reply.status == 401, (path, headers)
            assert reply.headers["www-authenticate"].startswith("Bearer")
            assert "Secret" not in reply.body.decode() and "Alpha" not in reply.body.decode()
            assert reply.json()["errors"][0]["code"] == "unauthorized"
    assert server.get("/api/records/post/a?version=current").status == 401


def test_drafts_served_with_the_token_in_both_spellings(blog: Site, serve) -> None:
    server = serve(blog.root, env=WITH_TOKEN)
    for spelling in ("dato", "flotiq"):
        listing = server.get("/api/records/post", preview(spelling=spelling))
        assert listing.status == 200
        assert [d["record"] for d in listing.json()["records"]] == ["post/a", "post/b", "post/c", "post/draft"]
        assert listing.headers["cache-control"] == "private, no-store"
        draft = server.get("/api/records/post/draft", preview(spelling=spelling)).json()
        assert draft["draft"] is True and draft["data"]["title"] == "Secret draft"
        a = server.get("/api/records/post/a", preview(spelling=spelling)).json()
        assert a["data"]["title"] == "Alpha (edited)" and a["draft"] is True
    # The token alone asks for no drafts: published data, as anyone gets it.
    plain = server.get("/api/records/post", {"Authorization": f"Bearer {TOKEN}"}).json()
    assert [d["record"] for d in plain["records"]] == ["post/a", "post/b", "post/c"]


def test_no_token_configured_never_serves_drafts(blog: Site, serve) -> None:
    server = serve(blog.root)
    reply = server.get("/api/records/post/draft", preview())
    assert reply.status == 401
    assert "none is configured" in reply.json()["errors"][0]["message"]


def test_token_from_a_file_named_in_pressroom_yaml(blog: Site, serve) -> None:
    (blog.root / ".preview-token").write_text(TOKEN + "\n")
    with open(blog.root / "pressroom.yaml", "a") as f:
        f.write("serve:\n  preview_token_file: .preview-token\n  cache_control: public, max-age=30\n")
    server = serve(blog.root)
    assert server.get("/api/records/post/draft", preview()).status == 200
    assert server.get("/api/records/post/draft", preview("nope")).status == 401
    assert server.get("/api/records/post/a").headers["cache-control"] == "public, max-age=30"


def test_version_parameter(blog: Site, serve) -> None:
    server = serve(blog.root, env=WITH_TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    current = server.get("/api/records/post/a?version=current", auth).json()
    assert current["data"]["title"] == "Alpha (edited)"
    assert current == blog.get("post/a", version="current").document()
    published = server.get("/api/records/post/a?version=published", preview()).json()
    assert published["data"]["title"] == "Alpha"
    assert server.get("/api/records/post/a?version=latest").status == 400


def test_hydrate_resolves_links_like_the_python_api(blog: Site, serve) -> None:
    server = serve(blog.root)
    plain = server.get("/api/records/post/a").json()
    assert plain["data"]["author"] == "ada"
    for depth in (1, 2):
        doc = server.get(f"/api/records/post/a?hydrate={depth}").json()
        assert doc == blog.get("post/a", resolve_links=depth).document()
        assert doc["data"]["author"]["record"] == "author/ada"
        assert doc["data"]["tags"][0]["data"]["name"] == "Math"
    listing = server.get("/api/records/post?hydrate=1").json()
    assert listing["records"][0]["data"]["author"]["data"]["name"] == "Ada"
    assert server.get("/api/records/post/a?hydrate=-1").status == 400
    assert server.get("/api/records/post/a?hydrate=1000").status == 400


def test_pagination_filters_and_order(blog: Site, serve) -> None:
    server = serve(blog.root)
    seen, cursor = [], None
    while True:
        reply = server.get("/api/records/post?limit=1" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [d["record"] for d in reply["records"]]
        cursor = reply["next"]
        if cursor is None:
            break
    assert seen == ["post/a", "post/b", "post/c"]
    by_author = server.get("/api/records/post?fields.author=ada").json()
    assert [d["record"] for d in by_author["records"]] == ["post/a", "post/c"]
    assert [d["record"] for d in server.get("/api/records/post?fields.tags=math").json()["records"]] == ["post/a"]
    assert [d["record"] for d in server.get("/api/records/post?fields.title=Beta").json()["records"]] == ["post/b"]
    assert [d["record"] for d in server.get("/api/records/post?fields.rank=2").json()["records"]] == ["post/c"]
    assert server.get("/api/records/post?fields.author=nobody").json()["records"] == []
    ranked = server.get("/api/records/post?order=rank").json()
    assert [d["record"] for d in ranked["records"]] == ["post/b", "post/c", "post/a"]
    down, cursor = [], None
    while True:
        reply = server.get("/api/records/post?order=-title&limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        down += [d["data"]["title"] for d in reply["records"]]
        cursor = reply["next"]
        if cursor is None:
            break
    assert down == ["Gamma", "Beta", "Alpha"]
    # A cursor belongs to its order.
    first = server.get("/api/records/post?order=rank&limit=1").json()["next"]
    assert server.get(f"/api/records/post?order=title&cursor={first}").status == 400
    assert server.get("/api/records/post?cursor=bm90LWEtY3Vyc29y").status == 400


def test_models(blog: Site, serve) -> None:
    server = serve(blog.root)
    models = {m["name"]: m for m in server.get("/api/models").json()["models"]}
    assert set(models) == {"author", "post", "tag"}
    assert models["post"]["links"] == {"author": "author", "tags[]": "tag"}
    assert models["post"]["schema"]["required"] == ["title", "author"]
    assert models["post"]["records"] == 3


def test_etag_304_and_cache_headers(blog: Site, serve) -> None:
    server = serve(blog.root, "--cors-origin", "https://site.example", env=WITH_TOKEN)
    for path in ("/api/records/post/a", "/api/records/post?limit=2", "/api/models"):
        first = server.get(path)
        etag = first.headers["etag"]
        assert etag.startswith('"') and first.headers["cache-control"] == "public, max-age=0, must-revalidate"
        assert "X-Include-Drafts" in first.headers["vary"] and "Authorization" in first.headers["vary"]
        again = server.get(path, {"If-None-Match": etag})
        assert again.status == 304 and again.body == b"" and again.headers["etag"] == etag
        assert server.get(path, {"If-None-Match": '"other"'}).status == 200
    draft = server.get("/api/records/post/a", preview())
    assert draft.headers["etag"] != server.get("/api/records/post/a").headers["etag"]
    assert draft.headers["cache-control"] == "private, no-store"
    # A publish changes the answer, so the ETag.
    before = server.get("/api/records/post/a").headers["etag"]
    blog.publish("post/a")
    import time

    time.sleep(1.0)
    assert server.get("/api/records/post/a", {"If-None-Match": before}).status == 200
    cors = server.get("/api/records/post/a", {"Origin": "https://site.example"})
    assert cors.headers["access-control-allow-origin"] == "https://site.example"
    assert "access-control-allow-origin" not in server.get("/api/records/post/a", {"Origin": "https://evil.example"}
                                                           ).headers


def test_bad_input_and_path_traversal_refused(blog: Site, serve) -> None:
    server = serve(blog.root)
    bad = {
        "/api/records/..%2F..%2Fetc/passwd": (400, 404),
        "/api/records/post/..%2F..%2Fpressroom": (400, 404),
        "/api/records/post/%2e%2e": (400, 404),
        "/api/records/Post!/a": (400,),
        "/api/records/post/a%00b": (400,),
        "/api/records/nomodel/a": (404,),
        "/api/records/nomodel": (404,),
        "/api/records/post?limit=abc": (400,),
        "/api/records/post?limit=0": (400,),
        "/api/records/post?limit=100000": (400,),
        "/api/records/post?bogus=1": (400,),
        "/api/records/post?limit=1&limit=2": (400,),
        "/api/records/post?fields.a.b=1": (400,),
        "/api/records/post?order=%3Bdrop": (400,),
        "/api/records/post/a?version=../../x": (400,),
        "/api/sync": (400,),
        "/api/sync?token=%%%": (400,),
        "/api/models?x=1": (400,),
        "/etc/passwd": (404,),
        "/api/records/post?fields.title=" + "x" * 10_000: (414,),
    }
    for path, statuses in bad.items():
        reply = server.get(path)
        assert reply.status in statuses, (path, reply.status, reply.body[:200])
        body = reply.json()
        assert body["errors"] and body["errors"][0]["message"], path
        assert "Traceback" not in reply.body.decode()
    assert server.get("/api/records/post/a", {"X-Include-Drafts": "maybe"}).status == 400
    post = server.get("/api/records/post/a", method="POST")
    assert post.status == 405 and post.json()["errors"]
    assert server.get("/api/records/post/a", method="DELETE").status == 405
    # The server still answers after all that.
    assert server.get("/api/records/post/a").status == 200


def test_serving_writes_nothing_but_caches(blog: Site, serve) -> None:
    before = store_files(blog.root)
    content = sorted(p.read_bytes() for p in (blog.root / "content").rglob("*") if p.is_file())
    server = serve(blog.root, env=WITH_TOKEN)
    for path in ("/api/models", "/api/records/post?hydrate=2", "/api/records/post/a", "/api/sync?initial=true"):
        assert server.get(path).status == 200
        assert server.get(path, preview()).status == 200
    assert store_files(blog.root) == before
    assert sorted(p.read_bytes() for p in (blog.root / "content").rglob("*") if p.is_file()) == content


def test_a_publish_keeps_other_answers_and_changes_those_it_touches(blog: Site, serve) -> None:
    import time

    server = serve(blog.root)
    b = server.get("/api/records/post/b")
    a = server.get("/api/records/post/a")
    blog.publish("post/draft")  # links to ada only: post/b and post/a are unchanged
    time.sleep(1.0)
    assert server.get("/api/records/post/draft").status == 200
    assert server.get("/api/records/post/b", {"If-None-Match": b.headers["etag"]}).status == 304
    assert server.get("/api/records/post/a", {"If-None-Match": a.headers["etag"]}).status == 304
    # A new name for the author post/a links to: its label changes, so its answer.
    (blog.root / "content" / "author" / "ada.yaml").write_text("name: Ada Lovelace\n")
    blog.save("author/ada")
    blog.publish("author/ada")
    time.sleep(1.0)
    again = server.get("/api/records/post/a", {"If-None-Match": a.headers["etag"]})
    assert again.status == 200 and again.json()["labels"]["author/ada"] == "Ada Lovelace"
    assert again.json() == Site.open(blog.root).get("post/a").document()
    assert server.get("/api/records/post/b", {"If-None-Match": b.headers["etag"]}).status == 304
    # Unpublished and published again: the same version, a new publication time.
    blog.unpublish("post/b")
    blog.publish("post/b")
    time.sleep(1.0)
    b2 = server.get("/api/records/post/b")
    assert b2.json() == Site.open(blog.root).get("post/b").document()
