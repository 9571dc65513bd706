"""After every kind of change, press export writes exactly the published view."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

from pressroom import Site
from tests.conftest import write
from tests.delivery.conftest import assert_export_is_published_view, exported_records


def export(cli, out: Path, *args: str) -> dict:
    code, env = cli.json("export", "--out", str(out), *args)
    assert code == 0, env
    return env["data"]


def test_export_follows_every_change(blog: Site, cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    site = blog

    export(cli, out)  # nothing published yet
    assert_export_is_published_view(site, out)
    assert exported_records(out) == {}

    site.publish("post/hello", cascade=True, message="go live")
    data = export(cli, out)
    assert_export_is_published_view(site, out)
    assert set(exported_records(out)) == {"post/hello", "author/ada", "tag/history", "tag/math"}
    assert data["removed"] == []

    # update without publish: the export keeps the published content
    write(site.root, "post/hello", "title: Hello, changed\nauthor: ada\ntags: [history]\n")
    site.save("post/hello")
    export(cli, out)
    assert_export_is_published_view(site, out)
    assert json.loads((out / "post/hello.json").read_text())["data"]["title"] == "Hello"

    # publish the update: the tag it no longer links to stays published, the post changes
    site.publish("post/hello")
    export(cli, out)
    assert_export_is_published_view(site, out)
    assert json.loads((out / "post/hello.json").read_text())["data"]["title"] == "Hello, changed"

    # revert to the first version and publish it
    first = site.log("post/hello").entries[-1].version
    site.revert("post/hello", to=first)
    export(cli, out)
    assert_export_is_published_view(site, out)
    assert json.loads((out / "post/hello.json").read_text())["data"]["title"] == "Hello, changed"
    site.publish("post/hello")
    export(cli, out)
    assert_export_is_published_view(site, out)
    assert json.loads((out / "post/hello.json").read_text())["data"]["title"] == "Hello"

    # unpublish
    site.publish("post/notes", cascade=True)
    export(cli, out)
    site.unpublish("post/notes")
    data = export(cli, out)
    assert_export_is_published_view(site, out)
    assert data["removed"] == ["post/notes.json"]

    # archive
    site.archive("tag/math", "post/hello")
    data = export(cli, out)
    assert_export_is_published_view(site, out)
    assert "tag/math.json" in data["removed"] and "post/hello.json" in data["removed"]

    # delete a published record
    site.delete("author/grace")
    export(cli, out)
    assert_export_is_published_view(site, out)
    assert "author/grace" not in exported_records(out)


def test_yaml_and_markdown_hold_the_same_data(blog: Site, cli, tmp_path: Path) -> None:
    blog.publish("post/hello", "post/notes", cascade=True)
    view = {r.record: r for r in blog.published()}
    yaml = YAML(typ="safe")

    export(cli, tmp_path / "y", "--format", "yaml")
    files = exported_records(tmp_path / "y", ".yaml")
    assert set(files) == set(view)
    for record, path in files.items():
        assert yaml.load(path.read_text()) == view[record].document()

    export(cli, tmp_path / "md", "--format", "markdown")
    files = exported_records(tmp_path / "md", ".md")
    assert set(files) == set(view)
    hello = files["post/hello"].read_text()
    front, body = hello.removeprefix("---\n").split("---\n", 1)
    # the post model names `text` as its body field
    assert body == "First paragraph.\n\nSecond one.\n"
    meta = yaml.load(front)
    rec = view["post/hello"]
    assert meta == {**{k: v for k, v in rec.data.items() if k != "text"}, "lastmod": rec.document()["published_at"],
                    "pressroom": {k: v for k, v in rec.document().items() if k != "data"}}
    # a model with no body field keeps every field in the front matter
    front, body = files["author/ada"].read_text().removeprefix("---\n").split("---\n", 1)
    assert body == "" and yaml.load(front)["bio"] == "Wrote the first program."


def test_same_store_same_bytes(blog: Site, cli, tmp_path: Path) -> None:
    blog.publish("post/hello", cascade=True)
    for fmt in ("json", "yaml", "markdown"):
        export(cli, tmp_path / f"a-{fmt}", "--format", fmt)
        export(cli, tmp_path / f"b-{fmt}", "--format", fmt)
        a = {p.relative_to(tmp_path / f"a-{fmt}"): p.read_bytes() for p in (tmp_path / f"a-{fmt}").rglob("*")
             if p.is_file()}
        b = {p.relative_to(tmp_path / f"b-{fmt}"): p.read_bytes() for p in (tmp_path / f"b-{fmt}").rglob("*")
             if p.is_file()}
        assert a == b and len(a) == 8  # 4 records, 3 indexes, the manifest
