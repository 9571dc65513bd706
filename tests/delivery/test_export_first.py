"""A first export (into a new or foreign folder): what its checks find with one listing a folder,
and the hashes it records for files it encodes once, as they are written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom import RefusedError, Site
from tests.conftest import write
from tests.delivery.conftest import assert_export_is_published_view


def _dangling_link(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere.json")


def _folder(path: Path) -> None:
    path.mkdir()


def _file(path: Path) -> None:
    path.write_text("mine\n")


@pytest.mark.parametrize("make", [_dangling_link, _folder, _file], ids=["dangling link", "folder", "file"])
def test_anything_where_a_new_file_goes_is_refused_and_nothing_is_written(
        blog: Site, tmp_path: Path, make: Callable[[Path], None]) -> None:
    """A link to nowhere is in the way too: the folder's listing names it, though it stats as missing."""
    out = tmp_path / "out"
    (out / "post").mkdir(parents=True)
    make(out / "post/hello.json")
    blog.publish("post/hello", cascade=True)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    with pytest.raises(RefusedError) as e:
        blog.export(out)
    assert e.value.where.file == str(out / "post/hello.json")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


@pytest.mark.parametrize("make", [_dangling_link, _folder, _file], ids=["dangling link", "folder", "file"])
def test_among_many_new_files_one_in_the_way_is_refused(blog: Site, tmp_path: Path,
                                                        make: Callable[[Path], None]) -> None:
    """Past a few new paths in a folder, the folder is listed once instead of each path stat'ed:
    the listing must find the same obstacles."""
    for i in range(80):
        write(blog.root, f"post/p{i:02d}", f"title: Post {i}\nauthor: ada\n")
    blog.save(all=True, message="many")
    blog.publish(*(f"post/p{i:02d}" for i in range(80)), cascade=True)
    out = tmp_path / "out"
    (out / "post").mkdir(parents=True)
    make(out / "post/p41.json")
    with pytest.raises(RefusedError) as e:
        blog.export(out)
    assert e.value.where.file == str(out / "post/p41.json")
    assert sorted(p.name for p in (out / "post").iterdir()) == ["p41.json"]
    assert not (out / "manifest.json").exists()


def test_an_index_in_the_way_is_refused(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "tag").mkdir(parents=True)
    (out / "tag/index.json").write_text("{}\n")
    blog.publish("post/hello", cascade=True)
    with pytest.raises(RefusedError) as e:
        blog.export(out)
    assert e.value.where.file == str(out / "tag/index.json")
    assert (out / "tag/index.json").read_text() == "{}\n"


def test_a_first_export_beside_foreign_files_writes_its_own_and_reports_theirs(blog: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "post").mkdir(parents=True)
    (out / "post/notes.txt").write_text("mine\n")
    (out / "README").write_text("mine\n")
    blog.publish("post/hello", cascade=True)
    result = blog.export(out)
    assert result.foreign == ["README", "post/notes.txt"]
    assert "post/hello.json" in result.written and result.unchanged == 0
    assert (out / "post/notes.txt").read_text() == "mine\n"
    clean = tmp_path / "clean"
    blog.export(clean)
    ours = sorted(p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file())
    assert ours == sorted([*result.written, "manifest.json"])
    assert all((out / rel).read_bytes() == (clean / rel).read_bytes() for rel in ours)


def test_every_hash_in_a_first_manifest_is_of_the_bytes_written(blog: Site, tmp_path: Path) -> None:
    """Indexes and the manifest are encoded once, hashed as they are written: the hashes must be the files'."""
    out = tmp_path / "out"
    # Enough records for the post index to be written in more than one block (over 64 KiB).
    for i in range(300):
        write(blog.root, f"post/p{i:03d}", f"title: Post {i}\nauthor: ada\ntags: [math]\ntext: Body {i}.\n")
    blog.save(all=True, message="many")
    blog.publish(*(f"post/p{i:03d}" for i in range(300)), cascade=True)
    result = blog.export(out)
    manifest = json.loads((out / "manifest.json").read_text())
    files = manifest["files"]
    assert set(files) == set(result.written) and "post/index.json" in files
    assert (out / "post/index.json").stat().st_size > 1 << 16
    for rel, sha in files.items():
        assert sha == hashlib.sha256((out / rel).read_bytes()).hexdigest(), rel
    index = json.loads((out / "post/index.json").read_text())
    assert [e["record"] for e in index["records"]] == sorted(r for r in manifest["records"] if r.startswith("post/"))
    assert_export_is_published_view(blog, out)
    again = blog.export(out)
    assert (again.written, again.removed) == ([], [])


def test_a_first_export_after_a_refused_one_finds_no_claims_left(blog: Site, tmp_path: Path) -> None:
    """The claim on new paths goes with a refused export: moved away, the next export writes them all."""
    out = tmp_path / "out"
    (out / "post").mkdir(parents=True)
    (out / "post/hello.json").write_text("mine\n")
    blog.publish("post/hello", cascade=True)
    with pytest.raises(RefusedError):
        blog.export(out)
    assert not (out / "manifest.json").exists()
    (out / "post/hello.json").unlink()
    result = blog.export(out)
    assert "post/hello.json" in result.written and result.foreign == []
    assert_export_is_published_view(blog, out)


def test_models_that_link_to_each_other_export_whole_and_in_order(site: Site, tmp_path: Path) -> None:
    """Records are read a model after the models it links to; a cycle of links (and a model
    linking to itself) still exports every record once, each index in its records' order."""
    link = "schema:\n  type: object\n  properties:\n    name: {type: string}\n"
    (site.root / "models" / "zebra.yaml").write_text(
        link + "    friend: {type: string, x-link: ant}\n    next: {type: string, x-link: zebra}\n")
    (site.root / "models" / "ant.yaml").write_text(link + "    friend: {type: string, x-link: zebra}\n")
    (site.root / "models" / "moth.yaml").write_text(link + "    friend: {type: string, x-link: zebra}\n")
    for i in range(3):
        write(site.root, f"ant/a{i}", f"name: Ant {i}\nfriend: z{2 - i}\n")
        write(site.root, f"zebra/z{i}", f"name: Zebra {i}\nfriend: a{i}\nnext: z{(i + 1) % 3}\n")
        write(site.root, f"moth/m{i}", f"name: Moth {i}\nfriend: z{i}\n")
    site.save(all=True, message="all")
    site.publish(all=True)
    out = tmp_path / "out"
    result = site.export(out)
    assert result.records == 9 and len(result.written) == 12
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["records"]) == sorted(manifest["records"])
    for model in ("ant", "moth", "zebra"):
        index = json.loads((out / model / "index.json").read_text())
        assert [e["id"] for e in index["records"]] == [f"{model[0]}{i}" for i in range(3)]
    z0 = json.loads((out / "zebra/z0.json").read_text())
    assert z0["labels"] == {"ant/a0": "Ant 0", "zebra/z1": "Zebra 1"}
