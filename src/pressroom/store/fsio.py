"""Durable file writes: temp file in the same folder, fsync, rename.

A reader never sees a half-written file: it sees the old one or the new one.

On Linux a transaction makes its files durable with one ``syncfs(2)`` of the
store's file system instead of one ``fsync`` per file (see ``sync_all`` and
the journal's docstring for the order this relies on).
"""

from __future__ import annotations

import errno
import itertools
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DiskFullError, UnfinishedError, Where


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp makes 0600 files; store files and working files get the usual mode.
_FILE_MODE = 0o666 & ~_umask()


def fsync_path(path: Path) -> None:
    """Flush ``path`` to the disk: a folder makes a rename or unlink in it durable, a file
    the bytes written to it earlier without fsync."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fs_clock(probe: Path) -> int:
    """Now in the file system's own clock (ns): the mtime of ``probe``, touched (made, with its
    folder, when missing). Files' mtimes come from this clock, not from the process's."""
    try:
        os.utime(probe)
    except FileNotFoundError:
        probe.parent.mkdir(parents=True, exist_ok=True)
        with open(probe, "ab"):
            pass
        os.utime(probe)
    return os.stat(probe).st_mtime_ns


def named(error: OSError, path: Path | str) -> OSError:
    """``error`` with the file name ``path`` when it has none: a failed write(2) names no
    file, and a full disk must say which one."""
    if error.filename is not None:
        return error
    return OSError(error.errno, error.strerror, str(path))


@contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """Give an OSError raised in the block the file name ``path`` when it has none (``named``)."""
    try:
        yield
    except OSError as e:
        if e.filename is not None:
            raise
        raise named(e, path) from e


# How the store opens a file to read it through os calls.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the open file ``fd`` (write(2) may take part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_bytes(path: str) -> bytes:
    """The bytes of the file ``path``, with the OSErrors ``open(path, "rb").read()`` raises, through
    os calls: a bulk command reads a ref or an object a record, where an io object costs more than
    the read."""
    fd = os.open(path, READ_FLAGS)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) <= size:
            return data
        # Grown since the stat (or a file the stat does not size): read to the end.
        chunks = [data]
        while chunk := os.read(fd, max(size, 65536)):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_temp(path: Path, data: bytes | Iterable[bytes], *, durable: bool = False) -> str:
    """Write ``data`` (bytes, or chunks of them) to a new temp file beside ``path``, with the
    usual mode; return its name.

    ``os.replace(name, path)`` then puts it in place: a caller may write many
    files first and move them only once it knows it will keep them all.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix="~")
    try:
        os.fchmod(fd, _FILE_MODE)
        with naming(path), os.fdopen(fd, "wb") as f:
            f.writelines([data] if isinstance(data, bytes) else data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, durable: bool = True,
                 flush: Callable[[], None] | None = None) -> None:
    """Replace ``path`` with ``data`` so that no reader sees a torn file.

    ``flush``, when given, runs between the write and the rename instead of
    the fsync of this one file (``sync_all``: one flush for many files).
    """
    tmp = write_temp(path, data, durable=durable and flush is None)
    try:
        if flush is not None:
            flush()
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


# Temp file names of ``write_fresh``: the process and a serial, so no two writers of one folder clash.
_SERIAL = itertools.count()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def write_fresh(path: str, data: bytes) -> None:
    """Replace the file ``path`` with ``data`` through a temp file and a rename, without an fsync:
    for the many small files of a transaction, which ``sync_all`` flushes at once.

    The fewest system calls ``write_atomic`` can be cut to (a bulk save writes four files
    a record): the temp file is made with its mode, not chmodded after, and its folder
    is made only when the create says it is missing.
    """
    folder = os.path.dirname(path)
    made = False
    while True:
        tmp = f"{folder}/.tmp-{os.getpid()}-{next(_SERIAL)}~"
        try:
            # 0o666 less the umask: the mode write_temp gives.
            fd = os.open(tmp, _CREATE, 0o666)
            break
        except FileExistsError:
            continue  # left by a crashed process of the same pid: take the next name
        except FileNotFoundError:
            if made:
                raise
            os.makedirs(folder, exist_ok=True)
            made = True
    try:
        # Not the ``naming`` block: a generator-based context costs more than a small file's write.
        try:
            write_all(fd, data)
        except OSError as e:
            if e.filename is not None:
                raise
            raise named(e, path) from e
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        _unlink_quietly(tmp)
        raise


# The system says there is no room: the disk, the user's quota, or the file size limit (ulimit -f).
_NO_ROOM = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
            errno.EFBIG: "the file size limit is reached"}


def is_disk_full(error: OSError) -> bool:
    """Whether ``error`` says there is no room left to write."""
    return error.errno in _NO_ROOM


def _failure(error: OSError) -> tuple[str, str | None]:
    """What went wrong, and the file it names (reported as the error's place)."""
    what = (_NO_ROOM.get(error.errno) if error.errno is not None else None) or error.strerror or str(error)
    return what, os.fsdecode(error.filename) if error.filename is not None else None


def disk_full_error(error: OSError) -> DiskFullError:
    """The error for a write that found no room before the change was committed."""
    what, path = _failure(error)
    return DiskFullError(f"{what}: nothing was changed", where=Where(file=path),
                         hint="free space on that disk (or raise the limit) and run the command again")


def unfinished_error(error: OSError, txn: str, *, replay: bool) -> UnfinishedError:
    """The error for a write that failed after the commit point of transaction ``txn``."""
    what, path = _failure(error)
    if replay:
        message = (f"{what}: the transaction a crash left ({txn[:12]}) could not be finished, and this command "
                   "changed nothing")
    else:
        message = (f"{what}: the change was made (transaction {txn[:12]} is committed in the store's journal) "
                   "but not finished")
    return UnfinishedError(message, where=Where(file=path),
                           hint="free space (or fix the cause), then finish it (Site.finish_journal, or any "
                                "command that opens the store); do not make the change again",
                           cause="store.unfinished")


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# syncfs(2), looked up once: None where there is none (not Linux, no glibc).
_syncfs: Any = False


def _load_syncfs() -> Any:
    global _syncfs
    if _syncfs is False:
        _syncfs = None
        if sys.platform.startswith("linux"):
            import ctypes

            try:
                fn = ctypes.CDLL(None, use_errno=True).syncfs
            except (OSError, AttributeError):
                pass
            else:
                fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
                _syncfs = fn
    return _syncfs


def can_sync_all() -> bool:
    """Whether ``sync_all`` is one syncfs(2) here, so writes may skip their own fsync."""
    return _load_syncfs() is not None


def sync_all(*folders: Path) -> None:
    """Flush every written file and folder of the file systems holding ``folders`` to disk.

    One syncfs(2) per file system (a store is normally on one). Where the
    kernel refuses syncfs (a sandbox without it), sync(2) does the same for
    every file system: slower, never less safe. A write error the kernel
    reports (EIO, ENOSPC) is raised, like a failed fsync. Call it only where
    ``can_sync_all()``: elsewhere sync(2) may return before the data is on disk.
    """
    fn = _load_syncfs()
    if fn is None:
        os.sync()
        return
    import ctypes

    seen: set[int] = set()
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        try:
            dev = os.fstat(fd).st_dev
            if dev in seen:
                continue
            seen.add(dev)
            if fn(fd) != 0:
                err = ctypes.get_errno()
                if err not in (errno.ENOSYS, errno.EPERM, errno.EACCES):
                    raise OSError(err, f"syncfs: {os.strerror(err)}", str(folder))
                os.sync()
                return
        finally:
            os.close(fd)
