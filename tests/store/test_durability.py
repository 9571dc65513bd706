"""Durability without one fsync per file: what a power cut may leave, and the fsync fallback.

A power cut (unlike a kill) may leave an object that no transaction named
empty or torn; it must never be taken for the real object later. Where
syncfs(2) is missing, every file is fsynced as before, and everything works.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.store import fsio
from tests.conftest import write


def _object_path(root: Path, data: bytes) -> Path:
    oid = hashlib.sha256(data).hexdigest()
    return root / ".press" / "objects" / oid[:2] / oid[2:]


@pytest.mark.parametrize("left", [b"", b"title: He"])
def test_an_object_left_torn_by_a_power_cut_is_written_again(site_dir: Path, left: bytes) -> None:
    content = b"title: Hello\n"
    torn = _object_path(site_dir, content)
    torn.parent.mkdir(parents=True, exist_ok=True)
    torn.write_bytes(left)
    write(site_dir, "post/hello", content)

    site = Site.open(site_dir)
    (saved,) = site.save("post/hello").saved
    assert torn.read_bytes() == content
    assert site.show("post/hello").content == content
    assert site.fsck().ok, site.fsck().problems
    assert saved.blob == hashlib.sha256(content).hexdigest()


def test_an_object_already_there_is_kept(site_dir: Path) -> None:
    content = b"title: Same\n"
    write(site_dir, "post/a", content)
    write(site_dir, "post/b", content)
    site = Site.open(site_dir)
    site.save("post/a")
    inode = _object_path(site_dir, content).stat().st_ino
    site.save("post/b")
    assert _object_path(site_dir, content).stat().st_ino == inode
    assert site.fsck().ok


def test_without_syncfs_every_file_is_fsynced_and_everything_works(site_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsio, "_syncfs", None)
    assert not fsio.can_sync_all()
    for i in range(20):
        write(site_dir, f"post/p{i}", f"title: Post {i}\n")
    site = Site.open(site_dir)
    saved = site.save(all=True).saved
    assert len(saved) == 20
    published = site.publish(all=True)
    assert len(published.moves) == 20
    assert not (site_dir / ".press" / "journal").exists()
    assert {r.record for r in site.published()} == {f"post/p{i}" for i in range(20)}
    assert site.fsck().ok


@pytest.mark.skipif(not fsio.can_sync_all(), reason="syncfs(2) is Linux only")
def test_with_syncfs_a_transaction_flushes_twice_not_once_per_file(site_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    flushes: list[tuple[Path, ...]] = []
    real = fsio.sync_all
    monkeypatch.setattr("pressroom.store.journal.sync_all", lambda *folders: (flushes.append(folders),
                                                                            real(*folders)))
    fsyncs = []
    real_fsync = fsio.os.fsync
    monkeypatch.setattr(fsio.os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd)))
    for i in range(30):
        write(site_dir, f"post/p{i}", f"title: Post {i}\n")
    Site.open(site_dir).save(all=True)
    assert len(flushes) == 2
    # The two folder fsyncs of the journal's rename and removal; no file of the 30 records.
    assert len(fsyncs) == 2
