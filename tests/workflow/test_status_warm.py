"""status's one-lookup answer from the stat cache (``StatCache.warm``): each of its checks, shown.

Each test plants a lie in a cache entry (a blob, time or author the files do
not hold) next to one fact that no longer matches the disk or has the wrong
shape; status must then read the files and tell the truth. Were the check
removed, the lie would be shown.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.workflow import statcache
from pressroom.workflow.statcache import (C_AUTHOR, C_BLOB, C_OID, P_AUTHOR, P_OID, P_TIME, W_BLOB, W_CTIME, W_INO,
                                          W_MTIME, W_SIZE)
from tests.conftest import write

AUTHOR = "First <f@example.org>"
LIE = "0" * 64


@pytest.fixture(autouse=True)
def _no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)


def _cache_file(root: Path) -> Path:
    return root / ".press" / "cache" / statcache.FILE


def _published_site(root: Path) -> tuple[str | None, str | None, str | None]:
    """post/a saved and published, its folders aged so that they vouch, the cache filled: its true row."""
    write(root, "post/a", "title: one\n")
    site = Site.open(root)
    site.save("post/a")
    site.publish("post/a", author=AUTHOR)
    past = (os.stat(root).st_mtime_ns - 60 * 10**9,) * 2
    for folder in (root / ".press" / "refs" / "published" / "post", root / ".press" / "logs" / "post"):
        os.utime(folder, ns=past)
    truth = _row(root)
    assert (truth[0], truth[2]) == (None, AUTHOR)
    return truth


def _forge(root: Path, change: Callable[[list[object]], list[object]]) -> None:
    """Rewrite post/a's cache entry with ``change``, the rest of the file as status wrote it.

    The file after its first line: parts of a 4-byte length and a marshal, the folder states first.
    """
    data = _cache_file(root).read_bytes()
    at, parts = len(statcache.MAGIC), []
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "little")
        parts.append(marshal.loads(data[at + 4:at + 4 + size]))
        at += 4 + size
    for part in parts[1:]:
        if "post/a" in part:
            part["post/a"] = change(list(part["post/a"]))
    dumped = [marshal.dumps(part) for part in parts]
    _cache_file(root).write_bytes(statcache.MAGIC + b"".join(len(d).to_bytes(4, "little") + d for d in dumped))


def _set(**at: object) -> Callable[[list[object]], list[object]]:
    fields = {"W_INO": W_INO, "W_SIZE": W_SIZE, "W_MTIME": W_MTIME, "W_CTIME": W_CTIME, "W_BLOB": W_BLOB,
              "C_OID": C_OID, "C_BLOB": C_BLOB, "C_AUTHOR": C_AUTHOR, "P_OID": P_OID, "P_TIME": P_TIME,
              "P_AUTHOR": P_AUTHOR}

    def change(entry: list[object]) -> list[object]:
        for name, value in at.items():
            entry[fields[name]] = value
        return entry
    return change


def _row(root: Path) -> tuple[str | None, str | None, str | None]:
    row = Site.open(root).status().records[0]
    return row.changes, row.updated_by, row.published_by


def _bump(name: str) -> Callable[[list[object]], list[object]]:
    def change(entry: list[object]) -> list[object]:
        value = entry[{"W_INO": W_INO, "W_SIZE": W_SIZE, "W_MTIME": W_MTIME, "W_CTIME": W_CTIME}[name]]
        assert isinstance(value, int)
        return _set(**{name: value + 1, "W_BLOB": LIE})(entry)
    return change


@pytest.mark.parametrize("field", ["W_INO", "W_SIZE", "W_MTIME", "W_CTIME"])
def test_a_working_file_whose_stat_differs_in_any_field_is_read(site_dir: Path, field: str) -> None:
    truth = _published_site(site_dir)
    _forge(site_dir, _bump(field))
    assert _row(site_dir) == truth


def test_the_lie_is_shown_when_nothing_tells_it_apart(site_dir: Path) -> None:
    """The premise of the other tests: a forged blob with the file's own stat is believed."""
    _published_site(site_dir)
    _forge(site_dir, _set(W_BLOB=LIE))
    assert _row(site_dir)[0] == "modified"


@pytest.mark.parametrize("change", [
    _set(W_BLOB=7),  # a blob that is no text
    lambda entry: [*entry[:W_BLOB], LIE, *entry[W_BLOB + 1:], "one field too many"],
], ids=["blob-not-text", "entry-too-long"])
def test_an_entry_of_the_wrong_shape_is_not_believed(site_dir: Path,
                                                     change: Callable[[list[object]], list[object]]) -> None:
    truth = _published_site(site_dir)
    _forge(site_dir, change)
    assert _row(site_dir) == truth


def test_the_current_version_s_facts_are_for_that_version_only(site_dir: Path) -> None:
    truth = _published_site(site_dir)
    _forge(site_dir, _set(C_OID=LIE, C_BLOB=LIE, C_AUTHOR="Liar <l@example.org>"))
    assert _row(site_dir) == truth


@pytest.mark.parametrize("change", [_set(C_BLOB=5), _set(C_AUTHOR=5)], ids=["blob", "author"])
def test_current_version_facts_of_the_wrong_type_are_read_again(site_dir: Path,
                                                                 change: Callable[[list[object]], list[object]]) -> None:
    truth = _published_site(site_dir)
    _forge(site_dir, change)
    assert _row(site_dir) == truth


def test_publication_facts_are_for_the_published_version_only(site_dir: Path) -> None:
    truth = _published_site(site_dir)
    _forge(site_dir, _set(P_OID=LIE, P_AUTHOR="Liar <l@example.org>"))
    assert _row(site_dir) == truth


def test_publication_facts_of_the_wrong_type_are_read_again(site_dir: Path) -> None:
    truth = _published_site(site_dir)
    _forge(site_dir, _set(P_AUTHOR=5))
    assert _row(site_dir) == truth


def test_a_link_with_the_remembered_stat_is_still_refused(site_dir: Path) -> None:
    """A link's own stat planted in the entry: what read_working refuses is never taken from the cache."""
    _published_site(site_dir)
    path = site_dir / "content" / "post" / "a.yaml"
    target = site_dir / "elsewhere.yaml"
    target.write_text("title: one\n")
    path.unlink()
    path.symlink_to(target)
    st = os.lstat(path)
    _forge(site_dir, _set(W_INO=st.st_ino, W_SIZE=st.st_size, W_MTIME=st.st_mtime_ns, W_CTIME=st.st_ctime_ns))
    result = Site.open(site_dir).status()
    assert [w.message for w in result.warnings] == [
        "is a symbolic link; press reads only regular files inside the site"]
