"""Transactions: a set of ref moves and events, applied all or nothing.

The protocol, under the exclusive store lock:

1. every expected old value is checked; one mismatch is a conflict and
   nothing is written;
2. the whole transaction is written to ``journal`` (temp file, fsync,
   rename, fsync of the folder): this rename is the commit point. The
   journal is JSON lines, a header with the counts first, written line by
   line (``journal_lines``): replay trusts only a whole one;
3. the refs are moved, the small store files replaced (a schedule's state,
   see ``FileUpdate``), the site files written or removed (a working file a
   save rewrites or a delete removes, see ``SiteFile``) and the events
   appended, then flushed to disk;
4. ``journal`` is removed.

After a crash before (2) there is no journal and nothing happened; after it,
the next ``press`` that takes the lock finds the journal and replays steps
3-4, which are idempotent. Readers take the lock shared and replay a journal
first, so nobody ever sees half a transaction.

Durability costs two flushes per transaction, not one per file. Where
syncfs(2) exists (Linux), objects, refs, logs and store files are written
without their own fsync, and ``sync_all`` flushes the store's file system
at the two points where order matters:

- before the journal is renamed into place, so that every object the
  journal names, and the journal's own bytes, are on disk before the commit
  point (a power cut after the rename must never leave a journal naming an
  empty object, nor an empty journal); then the rename is made durable with
  an fsync of ``.press/``, before any ref is written: no ref move can reach
  the disk without the journal that completes it;
- before the journal is removed, so that every ref, log line and store file
  of the transaction is on disk while the journal still stands to replay it.

An object written without fsync that no transaction named may be found torn
after a power cut; ``ObjectStore.put`` therefore trusts an existing object
only when it holds the expected bytes. A process killed (not a power cut)
loses nothing it wrote: the kernel still has it. Where syncfs is missing,
each file and folder is fsynced as before.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoreDamagedError, Where
from .events import EventLogs
from .fsio import can_sync_all, fsync_dir, fsync_file, sync_all, write_atomic
from .objects import OID_RE, ObjectStore, hash_bytes
from .refs import RefFiles, check_kind, check_record_key


@dataclass(frozen=True, slots=True)
class RefUpdate:
    """Move ``kind`` ref of ``record`` from ``old`` (expected) to ``new`` (None removes it)."""

    kind: str
    record: str
    old: str | None
    new: str | None

    def __post_init__(self) -> None:
        check_kind(self.kind)
        check_record_key(self.record)


# The store files other than refs that a transaction may replace: one folder
# per feature, flat names (the schedules of ``press schedule``).
_FILE_PATH = re.compile(r"^schedules/[A-Za-z0-9_-]{1,64}\Z")


def check_file_path(path: str) -> str:
    if not _FILE_PATH.match(path):
        raise ValueError(f"not a store file a transaction may write: {path!r}")
    return path


@dataclass(frozen=True)
class FileUpdate:
    """Replace the store file ``path`` (e.g. ``schedules/<id>``) with ``new`` text (None removes it).

    ``old`` is the sha256 of the bytes expected there now, None for no file:
    checked under the lock like a ref's old value.
    """

    path: str
    old: str | None
    new: str | None

    def __post_init__(self) -> None:
        check_file_path(self.path)


def check_site_path(path: str) -> str:
    """A file of the site folder outside the store: relative, without ``.``/``..``, not in ``.press/``."""
    parts = path.split("/")
    if (not path or path.startswith("/") or "\\" in path or "\0" in path
            or any(p in ("", ".", "..") for p in parts) or parts[0] == ".press"):
        raise ValueError(f"not a site file a transaction may write: {path!r}")
    return path


@dataclass(frozen=True)
class SiteFile:
    """Make the site file ``path`` (relative to the site folder: a record's working
    file) hold the bytes of object ``blob``; ``blob`` None removes it.

    The journal names the blob, an object already on disk before the commit
    point, so a replay after a crash writes the same bytes. ``old`` is the
    sha256 of the bytes the command saw there (None: no file): the file is
    changed only while it holds ``old`` (or already the new bytes), so an
    edit made in between (after a crash, before the replay) is kept.
    """

    path: str
    old: str | None
    blob: str | None

    def __post_init__(self) -> None:
        check_site_path(self.path)
        for oid in (self.old, self.blob):
            if oid is not None and not OID_RE.match(oid):
                raise ValueError(f"not an object id: {oid!r}")


@dataclass(frozen=True, slots=True)
class Event:
    """One line for a record's event log; ``txn`` is filled in at commit."""

    record: str
    data: dict[str, Any]


JOURNAL_FORMAT = 2


@dataclass(frozen=True)
class Transaction:
    """A transaction as its journal holds it."""

    txn: str
    updates: list[RefUpdate]
    events: list[Event]
    files: list[tuple[str, str | None]]  # (path, new text) of FileUpdates
    site_files: list[SiteFile]


def journal_lines(t: Transaction) -> Iterator[bytes]:
    """The journal, a JSON document a line: a header with the counts, then one line per
    ref move, store file, site file and event. Written line by line, so a transaction of
    100,000 records is never one string in memory; the counts tell a whole journal."""
    def line(value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, ensure_ascii=False).encode() + b"\n"

    yield line({"journal": JOURNAL_FORMAT, "txn": t.txn, "updates": len(t.updates), "events": len(t.events),
                "files": len(t.files), "site_files": len(t.site_files)})
    for u in t.updates:
        yield line(["u", u.kind, u.record, u.old, u.new])
    for path, new in t.files:
        yield line(["f", path, new])
    for f in t.site_files:
        yield line(["s", f.path, f.old, f.blob])
    for e in t.events:
        yield line(["e", e.record, e.data])


def parse_journal(raw: bytes) -> Transaction:
    """A journal's transaction; ValueError, KeyError or TypeError when it is not a whole one.

    Reads the line format, and the single JSON document of format 1 (a journal a
    crash left before an upgrade).
    """
    lines = raw.splitlines()
    head = json.loads(lines[0]) if lines else None
    if isinstance(head, dict) and head.get("journal") == JOURNAL_FORMAT:
        items = [json.loads(x) for x in lines[1:]]
        kinds = {k: [i[1:] for i in items if i[0] == k] for k in ("u", "f", "s", "e")}
        if len(items) != sum(map(len, kinds.values())):
            raise ValueError("a journal line of no known kind")
        counts = {"updates": "u", "files": "f", "site_files": "s", "events": "e"}
        if any(len(kinds[k]) != head[name] for name, k in counts.items()):
            raise ValueError("the journal is not whole")
        txn, updates, files, site_files, events = head["txn"], kinds["u"], kinds["f"], kinds["s"], kinds["e"]
    else:
        doc = json.loads(raw)
        txn, updates, events = doc["txn"], doc["updates"], doc["events"]
        files, site_files = doc.get("files", []), doc.get("site_files", [])
        events = [[record, {k: v for k, v in data.items() if k != "txn"}] for record, data in events]
    if not isinstance(txn, str):
        raise TypeError("the transaction id must be text")
    for path, new in files:
        check_file_path(path)
        if new is not None and not isinstance(new, str):
            raise TypeError("file content must be text")
    for _record, data in events:
        if not isinstance(data, dict):
            raise TypeError("an event is a mapping")
    return Transaction(
        txn=txn,
        updates=[RefUpdate(kind, record, old, new) for kind, record, old, new in updates],
        events=[Event(record, data) for record, data in events],
        files=[(path, new) for path, new in files],
        site_files=[SiteFile(path, old, blob) for path, old, blob in site_files],
    )


class Journal:
    """Write, replay and clear the single journal file of a store."""

    def __init__(self, press_dir: Path, refs: RefFiles, logs: EventLogs):
        self.path = press_dir / "journal"
        self.press_dir = press_dir
        self.objects = ObjectStore(press_dir / "objects")
        self.refs = refs
        self.logs = logs

    def _sync_all(self, *more: Path) -> None:
        sync_all(self.press_dir, *(p for p in (self.refs.root, self.logs.root, self.press_dir / "objects")
                                   if p.is_dir()), *more)

    def pending(self) -> bool:
        return self.path.exists()

    def commit(self, txn: str, updates: list[RefUpdate], events: list[Event],
               files: list[FileUpdate] = (), site_files: list[SiteFile] = ()) -> None:
        t = Transaction(txn=txn, updates=updates, events=events, files=[(f.path, f.new) for f in files],
                        site_files=list(site_files))
        if can_sync_all():
            # Objects and the journal's bytes on disk before the rename (the commit point).
            write_atomic(self.path, journal_lines(t), flush=self._sync_all)
        else:
            write_atomic(self.path, journal_lines(t))
        fsync_dir(self.press_dir)
        self._apply(t)

    def replay(self) -> str | None:
        """Finish a transaction left by a crash; return its id, or None if there was none."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            t = parse_journal(raw)
        except (ValueError, KeyError, TypeError, IndexError):
            raise StoreDamagedError(
                "the transaction journal is unreadable",
                where=Where(file=str(self.path)),
                hint="the journal is written whole before it is renamed into place, so this is "
                "outside damage; inspect it, then remove it to drop that transaction",
            ) from None
        self._apply(t)
        return t.txn

    def _apply(self, t: Transaction) -> None:
        sync = can_sync_all()
        # Paths to fsync one by one, only where there is no syncfs: 100,000 of them cost memory.
        touched: set[Path] = set()
        note = (lambda *paths: None) if sync else touched.update
        for u in t.updates:
            path = self.refs.write(u.kind, u.record, u.new)
            note((path.parent, path.parent.parent, *([path] if u.new is not None else [])))
        for rel, new in t.files:
            path = self.press_dir / rel
            if new is None:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
            else:
                write_atomic(path, new.encode("utf-8"), durable=False)
                note((path,))
            note((path.parent, path.parent.parent))
        for f in t.site_files:
            path = self._apply_site_file(f.path, f.old, f.blob)
            if path is not None:
                note((path, path.parent))
        by_record: dict[str, list[Event]] = {}
        for e in t.events:
            by_record.setdefault(e.record, []).append(e)
        for record, events in by_record.items():
            path = self.logs.append(record, [{**e.data, "txn": t.txn} for e in events])
            note((path, path.parent, path.parent.parent))
        if sync:
            # The site folder too, for working files (one syncfs when it is on the store's file system).
            self._sync_all(*([self.press_dir.parent] if t.site_files else []))
        else:
            for path in sorted(touched, key=lambda p: (p.is_dir(), str(p))):
                if path.is_dir():
                    fsync_dir(path)
                elif path.exists():
                    fsync_file(path)
        os.unlink(self.path)
        fsync_dir(self.press_dir)

    def _apply_site_file(self, rel: str, old: str | None, blob: str | None) -> Path | None:
        """Write or remove one site file, unless someone changed it since the command read it."""
        site = self.press_dir.parent
        path = site / rel
        probe = site
        for part in rel.split("/"):
            probe = probe / part
            if probe.is_symlink():
                return None  # press never writes through a link (see records.check_inside)
        try:
            now = hash_bytes(path.read_bytes())
        except FileNotFoundError:
            now = None
        except (IsADirectoryError, NotADirectoryError):
            return None
        if now == blob:
            return None
        if now != old:
            return None  # changed since: the user's edit wins over finishing this one
        if blob is None:
            path.unlink()
        else:
            write_atomic(path, self.objects.get(blob), durable=False)
        return path
