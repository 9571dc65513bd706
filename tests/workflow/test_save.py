"""Saving through the Python API: versions, parents, unchanged content, --set."""

from __future__ import annotations

import hashlib

import pytest

from pressroom import NotFoundError, RefusedError, Site
from tests.conftest import store_files, write


def test_save_makes_versions_with_parents(site: Site) -> None:
    write(site.root, "post/hello", "title: Hello\n")
    first = site.save("post/hello", message="first").saved[0]
    assert first.parent is None
    write(site.root, "post/hello", "title: Hello again\n")
    second = site.save("post/hello", message="second").saved[0]
    assert second.parent == first.version
    entries = site.log("post/hello").entries
    assert [e.version for e in entries] == [second.version, first.version]
    assert [e.message for e in entries] == ["second", "first"]
    assert entries[0].refs == ["current"]


def test_blob_is_the_exact_bytes_and_named_by_sha256(site: Site) -> None:
    text = b"# a comment\ntitle:   'spaced'   # kept\n"
    write(site.root, "post/a", text)
    saved = site.save("post/a").saved[0]
    assert saved.blob == hashlib.sha256(text).hexdigest()
    obj = site.root / ".press" / "objects" / saved.blob[:2] / saved.blob[2:]
    assert obj.read_bytes() == text
    assert site.show("post/a").content == text


def test_unchanged_content_makes_no_version(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    before = store_files(site.root)
    result = site.save("post/a")
    assert result.saved == [] and result.unchanged == ["post/a"]
    assert store_files(site.root) == before


def test_set_edits_in_place_keeping_comments(site: Site) -> None:
    write(site.root, "post/a", "# head\ntitle: A  # the title\ntags: [x]\nbody: text\n")
    site.save("post/a", set={"title": "B", "tags[1]": "y", "seo.title": "S"})
    text = (site.root / "content/post/a.yaml").read_text()
    assert text.startswith("# head\ntitle: B  # the title\n")
    assert "tags: [x, y]" in text and "seo:\n  title: S" in text
    assert site.show("post/a").content.decode() == text


@pytest.mark.parametrize("text", [
    "title: A\nlist:\n  - id: 1  # indented dashes\n    x: 2\n  - id: 3\nseo:\n    desc: wide\n",
    "title: A\nlist:\n- id: 1\n  x: 2\nseo:\n  desc: narrow\n",
    "title: A\nnested:\n  deeper:\n      - a\n      - b\n",
])
def test_set_keeps_the_files_own_indentation(site: Site, text: str) -> None:
    """Only the line set changes: ruamel would otherwise re-indent every block its own way."""
    write(site.root, "post/a", text)
    site.save("post/a", set={"title": "B"})
    assert (site.root / "content/post/a.yaml").read_text() == text.replace("title: A", "title: B")


def test_save_all_is_one_transaction_and_refuses_whole_batch(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    write(site.root, "post/b", "title: [unclosed\n")
    write(site.root, "author/c", "name: C\n")
    before = store_files(site.root)
    with pytest.raises(RefusedError) as err:
        site.save(all=True)
    assert [p.where.file for p in err.value.problems] == ["content/post/b.yaml"]
    assert store_files(site.root) == before
    write(site.root, "post/b", "title: B\n")
    result = site.save(all=True)
    assert sorted(s.record for s in result.saved) == ["author/c", "post/a", "post/b"]


def test_content_from_bytes_refuses_to_drop_unsaved_changes(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    write(site.root, "post/a", "title: unsaved\n")
    with pytest.raises(RefusedError):
        site.save("post/a", content=b"title: from elsewhere\n")
    assert (site.root / "content/post/a.yaml").read_text() == "title: unsaved\n"
    site.save("post/a", content=b"title: from elsewhere\n", force=True)
    assert (site.root / "content/post/a.yaml").read_text() == "title: from elsewhere\n"


def test_missing_working_file_is_named(site: Site) -> None:
    with pytest.raises(NotFoundError, match="does not exist") as e:
        site.save("post/nope")
    assert (e.value.where.file, e.value.where.record) == ("content/post/nope.yaml", "post/nope")


def test_status_derivation(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    assert site.status().records[0].status == "new"
    site.save("post/a")
    row = site.status().records[0]
    assert (row.status, row.changes) == ("draft", None)
    write(site.root, "post/a", "title: A2\n")
    assert site.status("post/a").records[0].changes == "modified"
