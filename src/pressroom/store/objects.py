"""Immutable objects named by the sha256 of their bytes.

Laid out as ``objects/<oid[:2]>/<oid[2:]>`` (like git and dvc), so
``sha256sum`` of an object file prints its name.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import StoreDamagedError, Where
from .fsio import (READ_FLAGS, can_sync_all, disk_full_error, fsync_path, is_disk_full, read_bytes, write_atomic,
                   write_fresh)
from .lock import is_read_only, read_only_error

# \Z, not $: $ also matches before a final newline, and "<oid>\n" is no id.
OID_RE = re.compile(r"^[0-9a-f]{64}\Z")


def hash_bytes(data: bytes) -> str:
    """The object id of ``data``."""
    return hashlib.sha256(data).hexdigest()


class ObjectStore:
    """Put, get and verify content-addressed objects under one folder."""

    def __init__(self, root: Path):
        self.root = root
        self._root = os.fspath(root)

    def path(self, oid: str) -> Path:
        if not OID_RE.match(oid):
            raise StoreDamagedError(f"not an object id: {oid!r}")
        return self.root / oid[:2] / oid[2:]

    def _file(self, oid: str) -> str:
        """``path`` as a string: a bulk command reads or checks an object a record, and pathlib
        costs more than the stat."""
        if not OID_RE.match(oid):
            raise StoreDamagedError(f"not an object id: {oid!r}")
        return f"{self._root}/{oid[:2]}/{oid[2:]}"

    def exists(self, oid: str) -> bool:
        return os.path.isfile(self._file(oid))

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its id; a no-op when it is there.

        Where one syncfs(2) makes a whole transaction durable (Linux), the
        object is not flushed here: the transaction that names it flushes it
        before its commit point (see ``journal``). Elsewhere it is fsynced now.
        """
        oid = hash_bytes(data)
        # A string path: pathlib costs more than the write of a small object (a bulk save writes
        # two a record), and the id, made here, needs no check.
        path = f"{self._root}/{oid[:2]}/{oid[2:]}"
        if self._holds(path, data):
            # Freshen it, as git does: gc spares young objects, so one that a
            # command is about to reference again is not removed under it. If gc
            # moved it aside meanwhile, utime fails and it is written anew.
            try:
                os.utime(path)
                return oid
            except FileNotFoundError:
                pass
            except OSError:
                return oid
        try:
            if can_sync_all():
                write_fresh(path, data)
                return oid
            fresh_dir = not os.path.isdir(os.path.dirname(path))
            write_atomic(Path(path), data)
        except OSError as e:
            # The first write of most commands: say the store is read-only, not which temp file failed.
            if is_read_only(e):
                raise read_only_error(self.root.parent, e) from None
            if is_disk_full(e):
                raise disk_full_error(e) from None
            raise
        if fresh_dir:
            fsync_path(self.root)
        fsync_path(Path(path).parent)
        return oid

    @staticmethod
    def _holds(path: str, data: bytes) -> bool:
        # An object written without its own fsync may be found empty or torn
        # after a power cut, if no transaction named it; so a file that is
        # there is trusted only when it holds the bytes (and is then rewritten).
        # os calls, not an io object: a bulk save asks this of two new objects a record.
        try:
            fd = os.open(path, READ_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            return False
        try:
            return os.read(fd, len(data) + 1) == data
        except IsADirectoryError:
            return False
        finally:
            os.close(fd)

    def get(self, oid: str) -> bytes:
        """Read an object and check that its bytes still match its name."""
        path = self._file(oid)
        try:
            data = read_bytes(path)
        except FileNotFoundError:
            raise StoreDamagedError(
                f"object {oid[:12]} is missing",
                where=Where(file=str(path)),
                hint="check the store (Site.fsck); restore .press/objects from git (`git checkout -- .press`)",
                cause="objects.missing",
            ) from None
        got = hash_bytes(data)
        if got != oid and hash_bytes(data.replace(b"\r\n", b"\n")) == oid:
            raise StoreDamagedError(
                f"object {oid[:12]} was checked out by git with CRLF line endings",
                where=Where(file=str(path)),
                hint="check the store (Site.fsck): it gives the git commands that restore the bytes",
                cause="objects.crlf",
            )
        if got != oid:
            raise StoreDamagedError(
                f"object {oid[:12]} is damaged: its bytes hash to {got[:12]}",
                where=Where(file=str(path)),
                hint="check the store (Site.fsck); restore the file from git (`git checkout -- .press`)",
                cause="objects.damaged",
            )
        return data

    def __iter__(self) -> Iterator[str]:
        """Every object id on disk, one at a time (memory does not grow with the store)."""
        if not self.root.is_dir():
            return
        with os.scandir(self.root) as fans:
            for fan in sorted(fans, key=lambda e: e.name):
                if not fan.is_dir() or len(fan.name) != 2:
                    continue
                with os.scandir(fan.path) as entries:
                    for entry in sorted(entries, key=lambda e: e.name):
                        oid = fan.name + entry.name
                        if OID_RE.match(oid):
                            yield oid
