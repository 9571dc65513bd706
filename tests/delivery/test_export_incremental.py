"""Export is incremental: it rewrites only what changed, removes only what it wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pressroom import RefusedError, Site
from tests.conftest import write
from tests.delivery.conftest import assert_export_is_published_view

OLD = 1_000_000_000  # an mtime far in the past: any rewrite moves it


def age_all(out: Path) -> None:
    for p in out.rglob("*"):
        if p.is_file():
            os.utime(p, (OLD, OLD))


def rewritten(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.stat().st_mtime != OLD}


def test_only_changed_files_are_rewritten(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog.publish("post/hello", "post/notes", cascade=True)
    first = blog.export(out)
    assert (len(first.written), first.unchanged, first.removed) == (9, 0, [])  # 6 records, 3 indexes

    age_all(out)
    again = blog.export(out)
    assert (again.written, again.unchanged, again.removed) == ([], 9, [])
    assert rewritten(out) == set()

    # a saved but unpublished change rewrites nothing
    write(blog.root, "post/notes", "title: Notes, v2\nauthor: grace\n")
    blog.save("post/notes")
    assert blog.export(out).written == []
    assert rewritten(out) == set()

    # publishing it rewrites that record and its model's index (its version is listed there)
    blog.publish("post/notes")
    result = blog.export(out)
    assert result.written == ["post/index.json", "post/notes.json"]
    assert result.unchanged == 7
    assert rewritten(out) == {"post/index.json", "post/notes.json", "manifest.json"}
    assert_export_is_published_view(blog, out)


def test_stale_files_go_and_foreign_files_stay(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog.publish("post/hello", "post/notes", cascade=True)
    blog.export(out)
    mine = {"README.txt": b"my notes\n", "post/extra.json": b"{}\n", "deploy/config.yaml": b"a: 1\n"}
    for rel, data in mine.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)

    blog.unpublish("post/notes")
    blog.archive("post/hello")
    result = blog.export(out)
    assert result.removed == ["post/hello.json", "post/notes.json"]
    assert result.foreign == ["README.txt", "deploy/config.yaml", "post/extra.json"]
    for rel, data in mine.items():
        assert (out / rel).read_bytes() == data
    assert json.loads((out / "post/index.json").read_text())["records"] == []


def test_a_foreign_file_in_the_way_is_refused_and_nothing_is_written(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "author").mkdir(parents=True)
    (out / "author/ada.json").write_text("mine\n")
    blog.publish("post/hello", cascade=True)
    with pytest.raises(RefusedError) as e:
        blog.export(out)
    assert e.value.where.file == str(out / "author/ada.json")
    assert (out / "author/ada.json").read_text() == "mine\n"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["author", "author/ada.json"]


def test_a_manifest_export_did_not_write_is_refused(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"files": {"../../precious": "x"}}\n')
    with pytest.raises(RefusedError):
        blog.export(out)


def test_manifest_entries_outside_the_folder_are_never_removed(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog.export(out)
    precious = tmp_path / "precious.json"
    precious.write_text("keep\n")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["../precious.json"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(manifest))
    blog.export(out)
    assert precious.read_text() == "keep\n"


def test_an_export_killed_halfway_is_finished_by_the_next(blog: Site, tmp_path: Path) -> None:
    """Files claimed by a pending manifest (written before any record file) are export's own."""
    out = tmp_path / "out"
    blog.publish("post/hello", cascade=True)
    blog.export(out)
    manifest = json.loads((out / "manifest.json").read_text())
    # What a killed export leaves: the claim on a new path, a half-written file, no final manifest.
    manifest["files"]["post/notes.json"] = None
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "post/notes.json").write_text("{half")
    blog.publish("post/notes", cascade=True)
    result = blog.export(out)
    assert "post/notes.json" in result.written and result.foreign == []
    assert_export_is_published_view(blog, out)


def test_switching_format_replaces_the_files(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog.publish("post/hello", cascade=True)
    blog.export(out)
    result = blog.export(out, format="markdown")
    assert sorted(result.removed) == ["author/ada.json", "post/hello.json", "tag/history.json", "tag/math.json"]
    assert sorted(p.name for p in out.rglob("*.md")) == ["ada.md", "hello.md", "history.md", "math.md"]
    assert result.foreign == []


def test_export_refuses_a_folder_that_overlaps_the_working_files(blog: Site, cli) -> None:
    """An export folder inside content/ would mix exports into the working files; one that holds
    content/ (the site root, or a folder above it) would hand every draft to a generator."""
    blog.publish("post/hello", cascade=True)
    before = sorted(p.relative_to(blog.root.parent) for p in blog.root.parent.rglob("*"))
    for out in (blog.root, blog.root.parent, blog.root / ".press", blog.root / "content",
                blog.root / "content/post", blog.root / "content/new", blog.root / "models"):
        with pytest.raises(RefusedError):
            blog.export(out)
        result = cli("export", "--out", str(out), "--format", "markdown")
        assert result.exit_code == 1, result.output
        assert f"--out {out}" in result.output and "_export" in result.output
    assert sorted(p.relative_to(blog.root.parent) for p in blog.root.parent.rglob("*")) == before
    blog.export(blog.root / "_export")
    assert (blog.root / "_export/post/hello.json").is_file()


def test_cli_summary_counts(blog: Site, cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog.publish("post/hello", cascade=True)
    result = cli("export", "--out", str(out))
    assert result.exit_code == 0
    assert "7 written, 0 unchanged, 0 removed" in result.stdout
    code, env = cli.json("export", "--out", str(out))
    assert code == 0
    assert (env["data"]["written"], env["data"]["unchanged"], env["data"]["removed"]) == ([], 7, [])


def test_a_stale_file_the_user_edited_is_kept(blog: Site, cli, tmp_path: Path) -> None:
    """Only files export wrote are removed: a file edited since is the user's now."""
    out = tmp_path / "out"
    blog.publish("post/hello", "post/notes", cascade=True)
    blog.export(out)
    (out / "post/notes.json").write_text('{"my": "edit"}\n')
    blog.unpublish("post/notes")
    code, env = cli.json("export", "--out", str(out))
    assert code == 0
    assert env["data"]["removed"] == []
    assert env["data"]["modified"] == ["post/notes.json"]
    assert "post/notes.json" in env["data"]["foreign"]
    assert (out / "post/notes.json").read_text() == '{"my": "edit"}\n'
    assert "post/notes.json" not in json.loads((out / "manifest.json").read_text())["files"]
    human = cli("export", "--out", str(out))
    assert human.exit_code == 0 and "post/notes.json" in human.stderr


def test_an_edited_file_is_not_overwritten_without_force(blog: Site, cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog.publish("post/hello", "post/notes", cascade=True)
    blog.export(out)
    (out / "post/notes.json").write_text('{"my": "edit"}\n')
    write(blog.root, "post/notes", "title: Notes, v2\nauthor: grace\n")
    blog.save("post/notes")
    blog.publish("post/notes")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    code, env = cli.json("export", "--out", str(out))
    assert code == 1
    (error,) = env["errors"]
    assert error["code"] == "modified" and error["file"] == str(out / "post/notes.json")
    assert "--force" in error["hint"]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing written

    code, env = cli.json("export", "--out", str(out), "--force")
    assert code == 0 and "post/notes.json" in env["data"]["written"]
    assert json.loads((out / "post/notes.json").read_text())["data"]["title"] == "Notes, v2"
    assert_export_is_published_view(blog, out)


def test_a_file_an_unfinished_export_rewrote_is_not_taken_for_an_edit(blog: Site, tmp_path: Path) -> None:
    """A killed export may have written a record's new content before its manifest: the next one goes on."""
    out = tmp_path / "out"
    blog.publish("post/hello", "post/notes", cascade=True)
    blog.export(out)
    manifest = (out / "manifest.json").read_bytes()
    write(blog.root, "post/notes", "title: Notes, v2\nauthor: grace\n")
    blog.save("post/notes")
    blog.publish("post/notes")
    blog.export(out)
    (out / "manifest.json").write_bytes(manifest)  # as if killed before the manifest was written
    result = blog.export(out)
    assert result.modified == [] and result.foreign == []
    assert_export_is_published_view(blog, out)
