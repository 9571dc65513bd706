"""What exports carry for generators: draft, the exported version's publish time, and labels
(a name for each linked record), in every format; Hugo's draft and lastmod in Markdown front matter."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

from pressroom import Site
from tests.conftest import write


def front_matter(path: Path) -> dict:
    text = path.read_text()
    assert text.startswith("---\n")
    return YAML(typ="safe").load(text[4:].split("\n---\n", 1)[0])


def publish_time(site: Site, record: str, oid: str) -> str:
    [event] = [e for e in site.store.read_log(record) if e["action"] == "publish" and e["new"] == oid]
    return event["time"]


def test_published_export_marks_nothing_draft_and_names_linked_records(blog: Site, tmp_path: Path) -> None:
    blog.publish("post/hello", cascade=True)
    blog.export(tmp_path / "json")
    blog.export(tmp_path / "md", format="markdown")
    hello = json.loads((tmp_path / "json/post/hello.json").read_text())
    oid = hello["version"]
    assert hello["draft"] is False
    assert hello["published_at"] == publish_time(blog, "post/hello", oid)
    # Title, else name, else the id; in link order; the data keeps the ids.
    assert hello["labels"] == {"author/ada": "Ada", "tag/history": "History", "tag/math": "Math"}
    assert hello["data"]["author"] == "ada" and hello["data"]["tags"] == ["history", "math"]
    assert json.loads((tmp_path / "json/author/ada.json").read_text())["labels"] == {}

    front = front_matter(tmp_path / "md/post/hello.md")
    assert "draft" not in front
    assert front["lastmod"] == hello["published_at"]
    meta = front["pressroom"]
    assert (meta["draft"], meta["published_at"], meta["labels"]) == (False, hello["published_at"], hello["labels"])


def test_preview_marks_drafts_and_unpublished_edits(blog: Site, tmp_path: Path) -> None:
    blog.publish("post/hello", cascade=True)
    published = blog.get("post/hello")
    write(blog.root, "post/hello", "title: Hello again\nauthor: grace\ntags: [history, soon]\ntext: New.\n")
    write(blog.root, "author/grace", "name: Grace Hopper\n")
    write(blog.root, "tag/history", "name: History\ntitle: Old times\n")
    blog.save("post/hello", "author/grace", "tag/history")
    blog.export(tmp_path / "md", format="markdown", preview=True)
    blog.export(tmp_path / "json", preview=True)

    hello = json.loads((tmp_path / "json/post/hello.json").read_text())
    assert hello["draft"] is True and hello["version"] != published.version
    assert hello["published_at"] is None  # this version never was published
    # Names as the preview has them; a link to a record that does not exist shows its id.
    assert hello["labels"] == {"author/grace": "Grace Hopper", "tag/history": "Old times", "tag/soon": "soon"}
    front = front_matter(tmp_path / "md/post/hello.md")
    assert front["draft"] is True and "lastmod" not in front
    assert front["pressroom"]["draft"] is True and front["pressroom"]["published_at"] is None

    notes = front_matter(tmp_path / "md/post/notes.md")  # never published
    assert notes["draft"] is True and notes["pressroom"]["published_at"] is None
    ada = front_matter(tmp_path / "md/author/ada.md")  # published, unchanged: not a draft in the preview
    assert "draft" not in ada and ada["pressroom"]["draft"] is False
    assert ada["lastmod"] == ada["pressroom"]["published_at"] == blog.get("author/ada").document()["published_at"]

    # The published view of the same moment: the published version, its time, its names.
    blog.export(tmp_path / "pub", format="markdown")
    front = front_matter(tmp_path / "pub/post/hello.md")
    assert front["title"] == "Hello" and "draft" not in front
    assert front["pressroom"]["labels"] == {"author/ada": "Ada", "tag/history": "History", "tag/math": "Math"}
    assert front["lastmod"] == published.document()["published_at"]


def test_an_unpublished_version_keeps_the_time_it_was_published(blog: Site, tmp_path: Path) -> None:
    blog.publish("post/hello", cascade=True)
    when = blog.get("post/hello").document()["published_at"]
    blog.unpublish("post/hello")
    blog.export(tmp_path / "out", preview=True)
    hello = json.loads((tmp_path / "out/post/hello.json").read_text())
    assert (hello["draft"], hello["published_at"]) == (True, when)


def test_fields_named_draft_or_lastmod_are_the_records_own(blog: Site, tmp_path: Path) -> None:
    (blog.root / "models/page.yaml").write_text("schema: {type: object}\n")
    write(blog.root, "page/a", "title: A\ndraft: false\nlastmod: 2020-01-01\n")
    blog.save("page/a")
    blog.export(tmp_path / "md", format="markdown", preview=True)
    front = front_matter(tmp_path / "md/page/a.md")
    assert (front["draft"], front["lastmod"]) == (False, "2020-01-01")
    assert front["pressroom"]["draft"] is True


def test_a_linked_record_renamed_rewrites_the_files_that_show_its_name(blog: Site, tmp_path: Path) -> None:
    """Incremental export: the post did not change, its author's name did; the post's labels follow."""
    blog.publish("post/hello", "post/notes", cascade=True)
    out = tmp_path / "out"
    blog.export(out, format="markdown")
    write(blog.root, "author/ada", "name: Ada Lovelace\n")
    blog.save("author/ada")
    blog.publish("author/ada")
    result = blog.export(out, format="markdown")
    assert result.written == ["author/ada.md", "author/index.json", "post/hello.md"]
    assert front_matter(out / "post/hello.md")["pressroom"]["labels"]["author/ada"] == "Ada Lovelace"
    # Nothing moved: nothing written.
    again = blog.export(out, format="markdown")
    assert again.written == [] and again.unchanged == result.records + 3


def test_publishing_the_previewed_version_rewrites_its_draft_marks(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog.export(out, format="markdown", preview=True)
    assert front_matter(out / "post/hello.md")["draft"] is True
    blog.publish("post/hello", cascade=True)
    result = blog.export(out, format="markdown", preview=True)
    assert "post/hello.md" in result.written
    front = front_matter(out / "post/hello.md")
    assert "draft" not in front and front["pressroom"]["published_at"] == blog.get("post/hello").document()["published_at"]


def test_body_in_front_matter_leaves_the_content_empty(blog: Site, cli, tmp_path: Path) -> None:
    """For Hugo, which runs shortcodes ({{< x >}}) in content: the body stays a field, data only."""
    blog.publish("post/hello", cascade=True)
    out = tmp_path / "md"
    blog.export(out, format="markdown", body_in_front_matter=True)
    text = (out / "post/hello.md").read_text()
    assert text.endswith("---\n")
    assert front_matter(out / "post/hello.md")["text"] == "First paragraph.\n\nSecond one.\n"
    # Switching back rewrites the files with the body after the front matter.
    result = blog.export(out, format="markdown")
    assert "post/hello.md" in result.written
    assert (out / "post/hello.md").read_text().endswith("---\nFirst paragraph.\n\nSecond one.\n")
    result = cli("export", "--out", str(tmp_path / "j"), "--body-in-front-matter")
    assert result.exit_code == 2 and "--body-in-front-matter is for --format markdown" in result.output
