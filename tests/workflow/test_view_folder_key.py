"""The whole-view check's cached answer, keyed by the ref and log folders' states: every change
that matters to the answer is still seen, including those that leave every folder's mtime alone
(a log of a record without refs growing in place)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pressroom import Site
from tests.automation.conftest import AUTHOR, POST, write_models
from tests.conftest import write


def _site(tmp_path: Path) -> Site:
    """author/ada and post/a (linking ada) published; post/gone saved, then deleted."""
    root = tmp_path / "site"
    Site.init(root)
    write_models(root, author=AUTHOR, post=POST)
    write(root, "author/ada", "name: Ada\n")
    write(root, "post/a", "title: A\nauthor: ada\n")
    write(root, "post/gone", "title: Gone\nauthor: ada\n")
    site = Site.open(root)
    site.save(all=True)
    site.publish("post/a", cascade=True)
    site.delete("post/gone")
    return Site.open(root)


def _codes(site: Site) -> tuple[set[str], bool]:
    report = Site.open(site.root).check_view()
    return {v.code for v in report.violations}, report.cached


def test_an_unchanged_store_is_answered_from_the_cache(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert Site.open(site.root).check_view().ok
    assert _codes(site) == (set(), True)
    assert _codes(site) == (set(), True)


def test_a_ref_file_replaced_behind_presss_back_is_seen(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert _codes(site)[0] == set()
    assert _codes(site)[1]
    ref = site.root / ".press" / "refs" / "published" / "author" / "ada"
    ref.unlink()
    assert _codes(site) == ({"unpublished_link"}, False)
    assert _codes(site) == ({"unpublished_link"}, True)


def test_a_log_removed_from_a_record_with_refs_is_seen(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert _codes(site)[0] == set()
    assert _codes(site)[1]
    log = site.root / ".press" / "logs" / "post" / "a"
    kept = log.read_bytes()
    log.unlink()
    assert _codes(site) == ({"refs_without_log"}, False)
    log.write_bytes(kept)
    assert _codes(site)[0] == set()


def test_a_log_of_a_deleted_record_growing_in_place_is_seen(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert _codes(site)[0] == set()
    assert _codes(site)[1]
    logs = site.root / ".press" / "logs" / "post"
    before = os.stat(logs).st_mtime_ns
    log = logs / "gone"
    first = log.read_bytes().splitlines(keepends=True)[0]
    assert b'"save"' in first
    # Appended in place: the folder's mtime does not move, only the log's size.
    with open(log, "ab") as f:
        f.write(first)
    assert os.stat(logs).st_mtime_ns == before
    assert _codes(site) == ({"refs_missing"}, False)


def test_a_ref_folder_replaced_whole_is_seen(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert _codes(site)[0] == set()
    assert _codes(site)[1]
    folder = site.root / ".press" / "refs" / "published" / "author"
    saved = tmp_path / "saved"
    shutil.copytree(folder, saved)
    shutil.rmtree(folder)
    assert _codes(site) == ({"unpublished_link"}, False)
    shutil.copytree(saved, folder)
    assert _codes(site) == (set(), True)


def test_without_the_ref_index_the_answer_is_the_same(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert _codes(site)[0] == set()
    (site.root / ".press" / "refs" / "published" / "author" / "ada").unlink()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{site.root / '.press' / 'cache' / 'refs.sqlite'}{suffix}").unlink(missing_ok=True)
    assert _codes(site)[0] == {"unpublished_link"}
