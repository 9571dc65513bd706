"""A read-only checkout (a CI cache, a mounted volume): reads work, writes fail clearly.

Tests run as root here, and root writes through permission bits, so the
read-only file system is made in the process: ``os.open`` and ``os.mkdir``
refuse with EROFS (or EACCES) whatever would create or write a file in
``.press/``, as the kernel would. The lock file is gitignored, so a fresh
checkout has none.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

import pytest

from pressroom import LockTimeoutError, Site
from tests.conftest import store_files, write

_REAL_OPEN = os.open
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def make_read_only(monkeypatch: pytest.MonkeyPatch, root: Path, err: int = errno.EROFS) -> None:
    press = str(root / ".press")
    real_open, real_mkdir = os.open, os.mkdir

    def inside(path: object) -> bool:
        p = os.path.abspath(os.fsdecode(path))
        return p == press or p.startswith(press + os.sep)

    def fake_open(path, flags, *args, **kwargs):
        if flags & _WRITING and inside(path):
            raise OSError(err, os.strerror(err), os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if inside(path):
            raise OSError(err, os.strerror(err), os.fsdecode(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)


@pytest.fixture
def checkout(site: Site) -> Site:
    """A site with a published and a draft record, as a fresh checkout has it: no lock file."""
    write(site.root, "post/a", "title: A\n")
    write(site.root, "post/b", "title: B\n")
    site.save(all=True)
    site.publish("post/a")
    (site.root / ".press" / "lock").unlink()
    return site


@pytest.mark.parametrize("err", [errno.EROFS, errno.EACCES])
def test_reads_work_on_a_read_only_checkout_without_a_lock_file(checkout: Site, cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch, err: int) -> None:
    before = store_files(checkout.root)
    make_read_only(monkeypatch, checkout.root, err)
    code, out = cli.json("status")
    assert code == 0, out
    assert {r["record"]: r["status"] for r in out["data"]["records"]} == {"post/a": "published", "post/b": "draft"}
    code, out = cli.json("export", "--out", str(tmp_path / "out"))
    assert code == 0, out
    assert [r.record for r in Site.open(checkout.root).published()] == ["post/a"]
    assert Site.open(checkout.root).show("post/b").content == b"title: B\n"
    assert not (checkout.root / ".press" / "lock").exists()
    assert store_files(checkout.root) == before


def test_a_reader_takes_an_existing_lock_file_read_only_and_still_waits_for_a_writer(
        checkout: Site, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = checkout.root / ".press" / "lock"
    lock.touch()
    make_read_only(monkeypatch, checkout.root)
    code, out = cli.json("status")
    assert code == 0, out
    # A writer elsewhere (another mount of the same store) holds the lock: the reader waits for it.
    monkeypatch.setenv("PRESSROOM_LOCK_TIMEOUT", "0.2")
    with open(lock, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(LockTimeoutError):
            Site.open(checkout.root).store.snapshot()
    assert Site.open(checkout.root).store.snapshot().published.keys() == {"post/a"}


def test_a_reader_without_a_lock_file_still_waits_for_a_writer(checkout: Site,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock is a flock on the .press folder, which a checkout always has: no read goes unlocked."""
    make_read_only(monkeypatch, checkout.root)
    monkeypatch.setenv("PRESSROOM_LOCK_TIMEOUT", "0.2")
    # A writer on another mount of the same store holds the folder.
    held = _REAL_OPEN(checkout.root / ".press", os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(LockTimeoutError):
            Site.open(checkout.root).store.snapshot()
    finally:
        os.close(held)
    assert Site.open(checkout.root).store.snapshot().published.keys() == {"post/a"}
    assert not (checkout.root / ".press" / "lock").exists()


@pytest.mark.parametrize("command", [("save", "post/b"), ("publish", "post/b"), ("gc",),
                                     ("save", "post/b", "--set", "title=C")])
def test_a_writer_on_a_read_only_store_is_refused_naming_the_folder(checkout: Site, cli,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     command: tuple[str, ...]) -> None:
    write(checkout.root, "post/b", "title: B2\n")
    before = store_files(checkout.root)
    make_read_only(monkeypatch, checkout.root)
    code, out = cli.json(*command)
    assert code == 1, out
    (error,) = out["errors"]
    assert error["code"] == "refused"
    assert "read-only" in error["message"]
    assert error["file"] == str(checkout.root / ".press")
    assert store_files(checkout.root) == before
