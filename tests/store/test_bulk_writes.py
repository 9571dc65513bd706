"""The store's files written the short way (``fsio.write_fresh``): same bytes, same modes, no temp left.

A bulk save writes an object pair, a ref and a log line per record; the
short path drops the mkdir and chmod of each file. What must not change:
the files' mode (the umask's, as ``write_atomic`` gives), folders made when
missing, nothing left behind when a write fails, and a version's bytes
(its id is their hash).
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.store import fsio
from pressroom.store.versions import VERSION_TYPE, Version
from tests.conftest import write


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_files_get_the_mode_write_atomic_gives(site_dir: Path) -> None:
    write(site_dir, "post/a", "title: A\n")
    site = Site.open(site_dir)
    site.save("post/a")
    site.publish("post/a")
    expected = 0o666 & ~fsio._umask()
    press = site_dir / ".press"
    files = [p for p in press.rglob("*") if p.is_file() and ("objects" in p.parts or "refs" in p.parts)]
    assert len(files) >= 4  # blob, version, current and published refs
    assert {_mode(p) for p in files} == {expected}
    fsio.write_atomic(site_dir / "probe", b"x")
    assert _mode(site_dir / "probe") == expected


def test_write_fresh_makes_a_missing_folder_and_replaces_a_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file"
    fsio.write_fresh(str(target), b"one")
    fsio.write_fresh(str(target), b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["file"]


def test_write_fresh_takes_the_next_name_over_a_temp_file_a_crash_left(tmp_path: Path) -> None:
    # Names are the pid and a serial: a crashed process of the same pid may have left the next one.
    last = next(fsio._SERIAL)
    left = [tmp_path / f".tmp-{os.getpid()}-{last + n}~" for n in range(1, 6)]
    for path in left:
        path.write_bytes(b"old")
    fsio.write_fresh(str(tmp_path / "file"), b"new")
    assert (tmp_path / "file").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == sorted(["file", *(p.name for p in left)])


def test_a_failed_write_leaves_no_temp_file_and_names_the_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int, _data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsio.os, "write", full)
    with pytest.raises(OSError) as caught:
        fsio.write_fresh(str(tmp_path / "file"), b"data")
    assert caught.value.filename == str(tmp_path / "file")
    assert os.listdir(tmp_path) == []


def test_a_version_encodes_every_field_as_canonical_json() -> None:
    version = Version(record="post/a", blob="b" * 64, parent=None, author="Ada", time="2026-01-02T03:04:05Z",
                      message="é")
    doc = {"type": VERSION_TYPE, **{f.name: getattr(version, f.name) for f in dataclasses.fields(Version)}}
    assert version.encode() == json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert Version.decode("v" * 64, version.encode()) == version


def test_a_commit_cuts_a_torn_last_line_of_a_log_before_it_appends(site_dir: Path) -> None:
    # A commit reads only a log's last byte when the log ends with a whole line; one that does
    # not (a line torn outside any transaction) is cut first, as a replay cuts it.
    write(site_dir, "post/a", "title: A\n")
    site = Site.open(site_dir)
    site.save("post/a", message="one")
    log = site_dir / ".press" / "logs" / "post" / "a"
    whole = log.read_bytes()
    log.write_bytes(whole + b'{"action":"save","auth')
    write(site_dir, "post/a", "title: B\n")
    site.save("post/a", message="two")
    raw = log.read_bytes()
    assert raw.startswith(whole)
    events = [json.loads(line) for line in raw.splitlines()]
    assert [e["message"] for e in events] == ["one", "two"]


def test_a_commit_appends_to_each_log_after_its_earlier_lines(site_dir: Path) -> None:
    names = [f"post/p{i}" for i in range(5)]
    for name in names:
        write(site_dir, name, "title: one\n")
    site = Site.open(site_dir)
    site.save(*names, message="one")
    site.publish(*names, message="live")
    for name in names:
        write(site_dir, name, "title: two\n")
    site.save(*names, message="two")
    for name in names:
        lines = (site_dir / ".press" / "logs" / name).read_bytes().splitlines()
        assert [(e["action"], e["message"]) for e in map(json.loads, lines)] == [
            ("save", "one"), ("publish", "live"), ("save", "two")]
