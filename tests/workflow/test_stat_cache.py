"""The stat cache of status: an answer from it is always the answer reading the files gives.

Entries are trusted only for files whose ctime is older than RACY_NS; the
tests shorten that window instead of waiting.
"""

from __future__ import annotations

import json
import marshal
import os
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.store.cache import DerivedCache
from pressroom.workflow import saving, statcache
from tests.conftest import write


@pytest.fixture(autouse=True)
def _no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)


def _changes(root: Path) -> dict[str, str | None]:
    return {r.record: r.changes for r in Site.open(root).status().records}


def _cache_file(root: Path) -> Path:
    return root / ".press" / "cache" / statcache.FILE


def test_status_remembers_and_still_sees_every_edit(site_dir: Path) -> None:
    path = write(site_dir, "post/a", "title: one\n")
    Site.open(site_dir).save("post/a")
    assert _changes(site_dir) == {"post/a": None}
    assert _cache_file(site_dir).is_file()
    before = path.stat()
    # Same size, and the old mtime put back: only the ctime tells.
    path.write_text("title: two\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _changes(site_dir) == {"post/a": "modified"}
    path.write_text("title: one\n")
    assert _changes(site_dir) == {"post/a": None}


def test_a_file_replaced_by_a_link_is_refused_as_without_the_cache(site_dir: Path) -> None:
    path = write(site_dir, "post/a", "title: one\n")
    Site.open(site_dir).save("post/a")
    assert _changes(site_dir) == {"post/a": None}
    target = site_dir / "elsewhere.yaml"
    target.write_text("title: one\n")
    path.unlink()
    path.symlink_to(target)
    result = Site.open(site_dir).status()
    assert [w.message for w in result.warnings] == [
        "is a symbolic link; press reads only regular files inside the site"]


def test_publication_facts_follow_the_log(site_dir: Path) -> None:
    write(site_dir, "post/a", "title: one\n")
    site = Site.open(site_dir)
    site.save("post/a")
    site.publish("post/a", author="First <f@example.org>")
    assert Site.open(site_dir).status().records[0].published_by == "First <f@example.org>"
    site.unpublish("post/a")
    site.publish("post/a", author="Second <s@example.org>")
    row = Site.open(site_dir).status().records[0]
    assert (row.status, row.published_by) == ("published", "Second <s@example.org>")


def test_a_damaged_or_foreign_cache_is_ignored(site_dir: Path) -> None:
    write(site_dir, "post/a", "title: one\n")
    Site.open(site_dir).save("post/a")
    _cache_file(site_dir).parent.mkdir(parents=True, exist_ok=True)
    st = (site_dir / "content" / "post" / "a.yaml").stat()
    stat_of_a = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    for junk in (b"\x00garbage", b"[]", b'{"format": 99, "records": {}}',
                 b'{"format": 1, "records": {"post/a": {"work": [1, 2, 3, 4, "x"], "cur": ["x"]}}}',
                 statcache.MAGIC, statcache.MAGIC + b"\x00garbage", statcache.MAGIC + _part([]),
                 statcache.MAGIC + _part({}) + _part({"post/a": [1, 2, 3]}),
                 statcache.MAGIC + _part({}) + _part([]),
                 # A part cut short, and a length past the end of the file.
                 statcache.MAGIC + _part({}) + _part({"post/a": [*stat_of_a, "x", *[None] * 9]})[:-3],
                 statcache.MAGIC + _part({}) + (10**6).to_bytes(4, "little") + marshal.dumps({}),
                 # The file's own stat, but no blob id where one belongs: read again, not believed.
                 statcache.MAGIC + _part({}) + _part({"post/a": [*stat_of_a, 7, *[None] * 9]}),
                 statcache.MAGIC + _part({}) + _part({"post/a": [*stat_of_a, None, "x", 1, 2, 3, *[None] * 5]})):
        _cache_file(site_dir).write_bytes(junk)
        assert _changes(site_dir) == {"post/a": None}
    write(site_dir, "post/a", "title: two\n")
    assert _changes(site_dir) == {"post/a": "modified"}


def _part(obj: object) -> bytes:
    data = marshal.dumps(obj)
    return len(data).to_bytes(4, "little") + data


def _parts(data: bytes) -> list[object]:
    """The parts of a cache file after its first line, as the format says (4-byte length, marshal)."""
    assert data.startswith(statcache.MAGIC)
    at, out = len(statcache.MAGIC), []
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "little")
        out.append(marshal.loads(data[at + 4:at + 4 + size]))
        at += 4 + size
    assert at == len(data)
    return out


def test_the_cache_is_written_and_read_in_parts_with_shared_texts(site_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statcache, "CHUNK", 2)
    paths = {f"post/p{i}": write(site_dir, f"post/p{i}", f"title: {i}\n") for i in range(5)}
    site = Site.open(site_dir)
    site.save(all=True)
    site.publish(all=True)
    assert {r.record: (r.status, r.changes) for r in site.status().records} == {
        r: ("published", None) for r in paths}
    folders, *parts = _parts(_cache_file(site_dir).read_bytes())
    assert isinstance(folders, dict) and set(folders) == {"post"}
    # No part holds more than CHUNK records, and every record is in one of them.
    assert [len(p) for p in parts] == [2, 2, 1]  # type: ignore[arg-type]
    entries = {r: e for p in parts for r, e in p.items()}  # type: ignore[attr-defined]
    assert set(entries) == set(paths)
    # One save and one publish: within a part, each time and author is one object (marshal wrote it
    # once), and so is a blob the working file and the current version share.
    first, second = parts[0].values()  # type: ignore[attr-defined]
    for at in (statcache.C_TIME, statcache.C_AUTHOR, statcache.P_TIME, statcache.P_AUTHOR):
        assert first[at] is second[at]
    assert first[statcache.W_BLOB] is first[statcache.C_BLOB]
    assert first[statcache.C_OID] is first[statcache.P_OID]
    # Read back part by part: the next status learns nothing (a cache it could not read would be
    # learnt again and replaced), and still sees an edit.
    before = _cache_file(site_dir).stat()
    assert _changes(site_dir) == {r: None for r in paths}
    after = _cache_file(site_dir).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    path = paths["post/p3"]
    path.write_text("title: changed\n")
    assert _changes(site_dir) == {**{r: None for r in paths}, "post/p3": "modified"}


def test_records_gone_are_forgotten(site_dir: Path) -> None:
    write(site_dir, "post/a", "title: one\n")
    write(site_dir, "post/b", "title: two\n")
    site = Site.open(site_dir)
    site.save(all=True)
    site.status()
    site.delete("post/b")
    site.status()
    assert b"post/a" in _cache_file(site_dir).read_bytes()
    assert b"post/b" not in _cache_file(site_dir).read_bytes()


def test_save_skips_unchanged_files_by_stat_and_still_sees_every_edit(site_dir: Path) -> None:
    # As many records as make a save look the stat cache up (fewer are read instead).
    n = saving.STAT_CACHE_FROM
    paths = [write(site_dir, f"post/p{i:03d}", f"title: {i}\n") for i in range(n)]
    site = Site.open(site_dir)
    site.save(all=True)
    assert Site.open(site_dir).save(all=True).unchanged == [f"post/p{i:03d}" for i in range(n)]
    before = paths[3].stat()
    paths[3].write_text("title: X\n")
    os.utime(paths[3], ns=(before.st_atime_ns, before.st_mtime_ns))
    result = Site.open(site_dir).save(all=True)
    assert [s.record for s in result.saved] == ["post/p003"]
    assert Site.open(site_dir).show("post/p003").content == b"title: X\n"


def _age_folders(root: Path) -> None:
    """Give the folders that vouch for post's publication facts an mtime well before now, as a
    status run a while after the last change sees them."""
    past = (os.stat(root).st_mtime_ns - 60 * 10**9,) * 2
    for folder in (root / ".press" / "refs" / "published" / "post", root / ".press" / "logs" / "post"):
        os.utime(folder, ns=past)


def _published_by(root: Path) -> str | None:
    return Site.open(root).status().records[0].published_by


def _published_site(root: Path) -> Site:
    write(root, "post/a", "title: one\n")
    site = Site.open(root)
    site.save("post/a")
    site.publish("post/a", author="First <f@example.org>")
    _age_folders(root)
    assert _published_by(root) == "First <f@example.org>"  # facts and folder states recorded
    return site


def _log_line(author: str, version: str) -> bytes:
    return json.dumps({"action": "publish", "author": author, "new": version, "old": None,
                       "time": "2026-12-01T10:00:00Z", "txn": "0" * 32}, separators=(",", ":")).encode() + b"\n"


def test_publishing_the_same_version_again_is_seen_without_a_stat_of_its_log(site_dir: Path) -> None:
    site = _published_site(site_dir)
    assert _published_by(site_dir) == "First <f@example.org>"
    # The log grows in place; the published ref goes and comes back, which its folder shows.
    site.unpublish("post/a")
    site.publish("post/a", author="Second <s@example.org>")
    assert _published_by(site_dir) == "Second <s@example.org>"


def test_a_log_replaced_as_git_replaces_it_is_read_again(site_dir: Path) -> None:
    site = _published_site(site_dir)
    log = site_dir / ".press" / "logs" / "post" / "a"
    version = site.status().records[0].published
    assert version is not None
    # As git checks a log out: a new file in place of the old one, the refs untouched.
    new = log.with_name("a.new")
    new.write_bytes(log.read_bytes() + _log_line("Third <t@example.org>", version))
    new.replace(log)
    assert _published_by(site_dir) == "Third <t@example.org>"


def test_a_log_appended_to_by_hand_is_not_stat_ed_while_its_folders_vouch(site_dir: Path) -> None:
    """The blind spot the module docstring names, shown: the facts come from the cache, not the log;
    deleting the cache reads the log again."""
    site = _published_site(site_dir)
    version = site.status().records[0].published
    assert version is not None
    with open(site_dir / ".press" / "logs" / "post" / "a", "ab") as f:
        f.write(_log_line("Hand <h@example.org>", version))
    assert _published_by(site_dir) == "First <f@example.org>"
    _cache_file(site_dir).unlink()
    assert _published_by(site_dir) == "Hand <h@example.org>"


def test_folders_changed_in_the_clock_s_tick_do_not_vouch(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The racy rule: a folder whose mtime is not before the clock read is not recorded, so
    every log is stat'ed and an append by hand is seen."""
    site = _published_site(site_dir)
    _cache_file(site_dir).unlink()
    monkeypatch.setattr(DerivedCache, "clock", lambda self: os.stat(site_dir).st_mtime_ns - 60 * 10**9)
    assert _published_by(site_dir) == "First <f@example.org>"
    version = site.status().records[0].published
    assert version is not None
    with open(site_dir / ".press" / "logs" / "post" / "a", "ab") as f:
        f.write(_log_line("Hand <h@example.org>", version))
    assert _published_by(site_dir) == "Hand <h@example.org>"
