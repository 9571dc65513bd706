"""Export again with nothing changed trusts the stat of its files (kept in .press/cache), never over a change.

A file is remembered only once its ctime is over two seconds old (racy
files), so each test waits that long once, then exports twice: the second
export fills the cache, the third one reads through it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pressroom import RefusedError, Site
from pressroom.export import RACY_NS
from tests.delivery.conftest import assert_export_is_published_view


def warm(site: Site, out: Path) -> None:
    """Export, let the racy window pass, and export again: the stat cache now names every file."""
    site.export(out)
    time.sleep(RACY_NS / 1e9 + 0.2)
    again = site.export(out)
    assert again.written == []
    assert list((site.root / ".press" / "cache").glob("export-*"))


@pytest.fixture
def out(blog: Site, tmp_path: Path) -> Path:
    blog.publish("post/hello", "post/notes", cascade=True)
    out = tmp_path / "out"
    warm(blog, out)
    return out


def test_nothing_changed_nothing_written(blog: Site, out: Path) -> None:
    manifest = (out / "manifest.json").read_bytes()
    result = blog.export(out)
    assert (result.written, result.unchanged, result.removed) == ([], 9, [])
    assert (out / "manifest.json").read_bytes() == manifest
    assert_export_is_published_view(blog, out)


def test_a_record_file_edited_in_place_with_the_same_size_is_refused(blog: Site, out: Path) -> None:
    path = out / "post" / "hello.json"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Hello", b"HELLO", 1))
    assert len(path.read_bytes()) == len(data) and path.read_bytes() != data
    with pytest.raises(RefusedError) as e:
        blog.export(out)
    assert [p.cause for p in e.value.problems] == ["export.edited"]
    assert blog.export(out, force=True).written == ["post/hello.json"]
    assert path.read_bytes() == data


def test_an_index_edited_in_place_is_refused(blog: Site, out: Path) -> None:
    path = out / "post" / "index.json"
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"post"', b'"POST"', 1))
    with pytest.raises(RefusedError) as e:
        blog.export(out)
    assert [p.cause for p in e.value.problems] == ["export.edited"]


def test_a_new_publication_of_the_same_version_is_seen(blog: Site, out: Path) -> None:
    before = json.loads((out / "manifest.json").read_text())["records"]["post/notes"]["published_at"]
    time.sleep(1.1)  # event times are in seconds
    blog.unpublish("post/notes")
    blog.publish("post/notes")
    blog.export(out)
    after = json.loads((out / "manifest.json").read_text())["records"]["post/notes"]["published_at"]
    assert after is not None and after != before
    assert_export_is_published_view(blog, out)


def test_a_manifest_changed_by_hand_voids_the_cache(blog: Site, out: Path) -> None:
    path = out / "manifest.json"
    written = path.read_bytes()
    doc = json.loads(written)
    doc["records"]["post/notes"]["published_at"] = "1999-01-01T00:00:00Z"
    path.write_text(json.dumps(doc))
    blog.export(out)
    assert path.read_bytes() == written


def test_a_damaged_cache_costs_reading_only(blog: Site, out: Path) -> None:
    for cache in (blog.root / ".press" / "cache").glob("export-*"):
        cache.write_bytes(b"{not json")
    result = blog.export(out)
    assert (result.written, result.unchanged) == ([], 9)
    (out / "post" / "hello.json").write_bytes(b"{}\n")
    with pytest.raises(RefusedError):
        blog.export(out)


def test_the_same_records_exported_as_a_preview_are_a_new_view(blog: Site, out: Path) -> None:
    """No file and no event log changed, but the view did: the stat cache must not answer for it."""
    result = blog.export(out, preview=True)
    assert result.written == [] and result.unchanged == 9  # every record is published: the same files
    assert json.loads((out / "manifest.json").read_text())["preview"] is True
    again = blog.export(out)
    assert json.loads((out / "manifest.json").read_text())["preview"] is False
    assert again.written == []
    assert_export_is_published_view(blog, out)


def test_a_changed_model_is_seen_when_no_file_or_log_changed(blog: Site, tmp_path: Path) -> None:
    blog.publish("post/hello", "post/notes", cascade=True)
    out = tmp_path / "md"
    blog.export(out, format="markdown")
    time.sleep(RACY_NS / 1e9 + 0.2)
    blog.export(out, format="markdown")
    assert blog.export(out, format="markdown").written == []  # through the cache
    hello = out / "post" / "hello.md"
    assert hello.read_text().endswith("---\nFirst paragraph.\n\nSecond one.\n")
    model = blog.root / "models" / "post.yaml"
    model.write_text(model.read_text().replace("body_field: text\n", "body_field: title\n"))
    result = blog.export(out, format="markdown")
    assert "post/hello.md" in result.written
    assert hello.read_text().endswith("---\nHello\n")


def test_the_cache_answers_only_for_the_folder_it_was_written_for(blog: Site, out: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert blog.export(other).written != []
    assert sorted(p.relative_to(other).as_posix() for p in other.rglob("*") if p.is_file()) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
