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

Where the journal lives. A journal is local to one checkout and must outlive
anything git does to the work tree, yet never be committed. In a git work
tree it is therefore kept in the git folder, beside git's own state
(``<git dir>/pressroom/journal``, what ``git rev-parse --git-path
pressroom/journal`` names; ``journal-<site folder>`` for a site below the top
of the work tree): ``git add -A`` never sees it and ``git clean -fdX`` (or
``-fdx``) never removes it. Outside git it is ``.press/journal``, where older
versions kept it everywhere (a journal found there is still replayed).

Replay over what git changed. A journal records the old value of every ref
and store file it moves. After a ``git pull`` or ``git checkout`` a ref may
hold neither that old value nor the new one; replaying would then overwrite
what git brought in. Replay refuses instead (``JournalConflictError``, exit
3), naming each ref that moved; ``press journal drop`` sets the journal aside
(kept as ``dropped-<txn>`` beside it). A ref already at its new value is
normal: the crash came after it moved. Working files are never overwritten
unless they hold the bytes the command saw (or already the new ones): an
edit, or a file git changed, is kept.

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

import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import JournalConflictError, PressError, Problem, StoreDamagedError, Where, short_id
from .events import EventLogs
from .fsio import (can_sync_all, disk_full_error, fsync_path, is_disk_full, sync_all,
                   unfinished_error, write_atomic)
from .objects import OID_RE, ObjectStore, hash_bytes
from .refs import RefFiles, RefKind, check_kind, check_record_key


@dataclass(frozen=True, slots=True)
class RefUpdate:
    """Move ``kind`` ref of ``record`` from ``old`` (expected) to ``new`` (None removes it)."""

    kind: RefKind
    record: str
    old: str | None
    new: str | None

    def __post_init__(self) -> None:
        # A kind read from a journal arrives as text: held as the enum from here on.
        object.__setattr__(self, "kind", check_kind(self.kind))
        check_record_key(self.record)


# The store files other than refs that a transaction may replace: one folder
# per feature (the schedules of ``press schedule``; a release's file and its entries).
_FILE_PATH = re.compile(r"^(?:schedules/[A-Za-z0-9_-]{1,64}|releases/[a-z0-9][a-z0-9_.-]{0,63}/(?:release|entries/"
                        r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))\Z")


def check_file_path(path: str) -> str:
    if not _FILE_PATH.match(path) or ".." in path:
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


# Where a site file a transaction names is on disk, checked by the layer that knows the
# site's rules (``records.site_file_path``): it raises ValueError or a PressError for a
# path press may not write (outside the working files, or reached through a link).
SitePaths = Callable[[str], Path]


@dataclass(frozen=True)
class SiteFile:
    """Make the site file ``path`` (relative to the site folder, ``/``-separated: a
    record's working file) hold the bytes of object ``blob``; ``blob`` None removes it.

    The path is opaque to the store: the ``SitePaths`` check the store was opened
    with says where it is, and refuses one press may not write.

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
        for oid in (self.old, self.blob):
            if oid is not None and not OID_RE.match(oid):
                raise ValueError(f"not an object id: {oid!r}")


@dataclass(frozen=True, slots=True)
class Event:
    """One line for a record's event log; ``txn`` is filled in at commit."""

    record: str
    data: dict[str, Any]


# 3: a store file's line carries its expected old hash (format 2 had none: not checked on replay).
JOURNAL_FORMAT = 3
_READS = (2, 3)


@dataclass(frozen=True)
class Transaction:
    """A transaction as its journal holds it."""

    txn: str
    updates: list[RefUpdate]
    events: list[Event]
    files: list[tuple[str, str | None, str | None]]  # (path, new text, old hash) of FileUpdates
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
    for path, new, old in t.files:
        yield line(["f", path, new, old])
    for f in t.site_files:
        yield line(["s", f.path, f.old, f.blob])
    for e in t.events:
        yield line(["e", e.record, e.data])


# A store file's old value in a journal written before format 3: not known, so not checked.
_UNKNOWN = "unknown"


def parse_journal(raw: bytes) -> Transaction:
    """A journal's transaction; ValueError, KeyError or TypeError when it is not a whole one.

    Reads the line format, and the single JSON document of format 1 (a journal a
    crash left before an upgrade).
    """
    lines = raw.splitlines()
    head = json.loads(lines[0]) if lines else None
    if isinstance(head, dict) and head.get("journal") in _READS:
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
    files = [(f[0], f[1], f[2] if len(f) > 2 else _UNKNOWN) for f in files]
    for path, new, old in files:
        check_file_path(path)
        if new is not None and not isinstance(new, str):
            raise TypeError("file content must be text")
        if old is not None and old != _UNKNOWN and not OID_RE.match(old):
            raise ValueError("a store file's old hash is not one")
    for _record, data in events:
        if not isinstance(data, dict):
            raise TypeError("an event is a mapping")
    return Transaction(
        txn=txn,
        updates=[RefUpdate(kind, record, old, new) for kind, record, old, new in updates],
        events=[Event(record, data) for record, data in events],
        files=files,
        site_files=[SiteFile(path, old, blob) for path, old, blob in site_files],
    )


def _git_dir(top: Path) -> Path | None:
    """The git folder of a work tree whose top is ``top``, or None when ``top`` is not one.

    Read from the file system, as git finds it: a ``.git`` folder, or a ``.git``
    file naming the folder (a linked worktree, a submodule, ``--separate-git-dir``).
    """
    dot = top / ".git"
    if dot.is_dir():
        return dot
    try:
        text = dot.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return None
    if not text.startswith("gitdir:"):
        return None
    target = Path(text[len("gitdir:"):].strip())
    target = target if target.is_absolute() else top / target
    return target if target.is_dir() else None


def journal_location(press_dir: Path) -> Path:
    """Where the journal of the store at ``press_dir`` is written: in the git folder
    when the site is in a git work tree, else ``.press/journal`` (see the module's docstring)."""
    site = press_dir.parent.resolve()
    for top in (site, *site.parents):
        git_dir = _git_dir(top)
        if git_dir is not None:
            rel = site.relative_to(top).as_posix()
            return git_dir / "pressroom" / ("journal" if rel == "." else "journal-" + quote(rel, safe=""))
    return press_dir / "journal"


@dataclass(frozen=True)
class Moved:
    """A ref, store file or working file a leftover journal would change, which holds
    neither the value the journal expected there nor its new one."""

    kind: str  # a ref kind, "store file" or "working file"
    name: str  # the record, or the file's path (relative to .press/ or to the site)
    expected: str | None
    found: str | None

    def problem(self, txn: str) -> Problem:
        """The move as a problem of transaction ``txn``: what changed under it, and where."""
        if self.kind in ("store file", "working file"):
            where = Where(file=self.name if self.kind == "working file" else f".press/{self.name}")
            what = f"{self.kind} {self.name}"
        else:
            where, what = Where(record=self.name), f"{self.kind} ref"
        return Problem(f"{what} holds {short_id(self.found)}, not {short_id(self.expected)} as the transaction a crash "
                       f"left ({txn[:12]}) expected: it changed since, so the transaction is not replayed over it",
                       code="journal_conflict", where=where)


@dataclass(frozen=True)
class JournalState:
    """A journal a crash left: where it is, its transaction, and what moved under it.

    ``txn`` is None when it is unreadable; ``moved`` empty means the next command
    (or ``press journal finish``) finishes it.
    """

    path: str
    txn: str | None
    refs: int
    events: int
    files: int
    working_files: int
    moved: list[Moved]


@dataclass(frozen=True)
class DroppedJournal:
    """A journal set aside unapplied by ``press journal drop``: its transaction and where it is kept."""

    txn: str | None
    kept: str


class Journal:
    """Write, replay and clear the single journal file of a store."""

    def __init__(self, press_dir: Path, refs: RefFiles, logs: EventLogs, site_paths: SitePaths | None = None):
        self.path = journal_location(press_dir)
        self.press_dir = press_dir
        # Where older versions kept it, and where it stays outside git: replayed too.
        self.legacy = press_dir / "journal"
        self.objects = ObjectStore(press_dir / "objects")
        self.refs = refs
        self.logs = logs
        self._site_paths = site_paths

    def _sync_all(self, *more: Path) -> None:
        sync_all(self.press_dir, *(p for p in (self.refs.root, self.logs.root, self.press_dir / "objects")
                                   if p.is_dir()), *more)

    def found(self) -> Path | None:
        """The journal file left by a crash, or None."""
        for path in (self.path, self.legacy):
            if path.exists():
                return path
        return None

    def pending(self) -> bool:
        return self.found() is not None

    def commit(self, txn: str, updates: list[RefUpdate], events: list[Event],
               files: Iterable[FileUpdate] = (), site_files: Iterable[SiteFile] = ()) -> None:
        t = Transaction(txn=txn, updates=updates, events=events,
                        files=[(f.path, f.new, f.old) for f in files], site_files=list(site_files))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if can_sync_all():
                # Objects and the journal's bytes on disk before the rename (the commit point).
                write_atomic(self.path, journal_lines(t),
                             flush=lambda: self._sync_all(*([self.path.parent] if self.path != self.legacy else [])))
            else:
                write_atomic(self.path, journal_lines(t))
        except OSError as e:
            if is_disk_full(e):
                raise disk_full_error(e) from None
            raise
        # Past the commit point: whatever fails now, the change is made and a replay finishes it.
        try:
            fsync_path(self.path.parent)
            self._apply(t)
        except OSError as e:
            raise unfinished_error(e, t.txn, replay=False) from None

    def read(self) -> tuple[Path, Transaction] | None:
        """The leftover journal and its transaction, or None; StoreDamagedError when it is unreadable."""
        path = self.found()
        if path is None:
            return None
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return path, parse_journal(raw)
        except (ValueError, KeyError, TypeError, IndexError):
            raise StoreDamagedError(
                "the transaction journal is unreadable",
                where=Where(file=str(path)),
                hint="the journal is written whole before it is renamed into place, so this is "
                "outside damage; inspect it, then drop it (Site.drop_journal; refs keep their present values)",
                cause="journal.unreadable",
            ) from None

    def moved(self, t: Transaction) -> list[Moved]:
        """What a replay of ``t`` would overwrite: refs and store files that hold neither
        the old value ``t`` recorded nor its new one; working files only for the report
        (replay never overwrites one that moved)."""
        out: list[Moved] = []
        for u in t.updates:
            try:
                now = self.refs.read(u.kind, u.record)
            except PressError as e:  # a ref a merge left in conflict, or a damaged one
                now = f"<{e.code}>"
            if now != u.old and now != u.new:
                out.append(Moved(u.kind, u.record, u.old, now))
        for rel, new, old in t.files:
            data = _read_or_none(self.press_dir / rel)
            now = hash_bytes(data) if data is not None else None
            if old != _UNKNOWN and now != old and now != (hash_bytes(new.encode("utf-8")) if new is not None else None):
                out.append(Moved("store file", rel, old, now))
        if out:
            for f in t.site_files:
                path = self._site_path(f.path)
                if path is None:
                    continue
                try:
                    data = _read_or_none(path)
                except (IsADirectoryError, NotADirectoryError):
                    continue
                now = hash_bytes(data) if data is not None else None
                if now != f.old and now != f.blob:
                    out.append(Moved("working file", f.path, f.old, now))
        return out

    def missing(self, t: Transaction) -> list[str]:
        """The objects ``t`` would point refs or working files at that are not in the store."""
        wanted = [u.new for u in t.updates if u.new is not None] + [f.blob for f in t.site_files if f.blob]
        return [oid for oid in dict.fromkeys(wanted) if not self.objects.exists(oid)]

    def replay(self) -> str | None:
        """Finish a transaction left by a crash; return its id, or None if there was none.

        Refuses (JournalConflictError, nothing written) when a ref or store file it
        would move holds neither its recorded old value nor its new one.
        """
        found = self.read()
        if found is None:
            return None
        path, t = found
        missing = self.missing(t)
        if missing:
            raise StoreDamagedError(
                f"the transaction a crash left ({t.txn[:12]}) names {len(missing)} object(s) that are missing "
                f"(removed since, e.g. by `git clean -x`), first {missing[0][:12]}; nothing was written",
                where=Where(file=str(path)),
                hint="it cannot be finished: drop it (Site.drop_journal; refs keep their present values)",
                cause="journal.objects_missing",
            )
        moved = self.moved(t)
        if moved:
            raise journal_conflict(path, t, moved)
        try:
            self._apply(t, path)
        except OSError as e:
            raise unfinished_error(e, t.txn, replay=True) from None
        return t.txn

    def state(self) -> JournalState | None:
        """The leftover journal, read without applying it; None when there is none."""
        path = self.found()
        if path is None:
            return None
        try:
            t = parse_journal(path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, IndexError):
            return JournalState(str(path), None, 0, 0, 0, 0, [])
        return JournalState(str(path), t.txn, len(t.updates), len(t.events), len(t.files), len(t.site_files),
                            self.moved(t))

    def drop(self) -> DroppedJournal | None:
        """Set the leftover journal aside, unapplied: renamed to ``journal.dropped-<txn>``
        beside the journal's place. None when there was none."""
        path = self.found()
        if path is None:
            return None
        try:
            t: Transaction | None = parse_journal(path.read_bytes())
        except (ValueError, KeyError, TypeError, IndexError):
            t = None
        name = re.sub(r"[^0-9A-Za-z]", "_", t.txn)[:64] if t is not None else "unreadable"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kept = self.path.parent / f"{self.path.name}.dropped-{name}"
        n = 1
        while kept.exists():
            n += 1
            kept = kept.with_name(f"{self.path.name}.dropped-{name}-{n}")
        os.replace(path, kept)
        fsync_path(kept.parent)
        if kept.parent != path.parent:
            fsync_path(path.parent)
        return DroppedJournal(t.txn if t is not None else None, str(kept))

    def _apply(self, t: Transaction, journal: Path | None = None) -> None:
        """Make the transaction's changes and remove its journal: the one ``commit`` has just written
        (``journal`` None: its first application), or the one a replay found at ``journal``."""
        fresh = journal is None
        journal = journal or self.path
        sync = can_sync_all()
        # Paths to fsync one by one, only where there is no syncfs: 100,000 of them cost memory.
        touched: set[Path] = set()
        note = (lambda *paths: None) if sync else touched.update
        for u in t.updates:
            ref = self.refs.write(u.kind, u.record, u.new)
            if not sync:  # a Path a ref costs more than its write
                path = Path(ref)
                note((path.parent, path.parent.parent, *([path] if u.new is not None else [])))
        for rel, new, _old in t.files:
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
            written = self._apply_site_file(f.path, f.old, f.blob)
            if written is not None:
                note((written, written.parent))
        by_record: dict[str, list[Event]] = {}
        for e in t.events:
            by_record.setdefault(e.record, []).append(e)
        for record, events in by_record.items():
            log = self.logs.append(record, [{**e.data, "txn": t.txn} for e in events], fresh=fresh)
            if not sync:
                path = Path(log)
                note((path, path.parent, path.parent.parent))
        if sync:
            # The site folder too, for working files (one syncfs when it is on the store's file system).
            self._sync_all(*([self.press_dir.parent] if t.site_files else []), journal.parent)
        else:
            for path in sorted(touched, key=lambda p: (p.is_dir(), str(p))):
                if path.exists():
                    fsync_path(path)
        os.unlink(journal)
        fsync_path(journal.parent)

    def site_path(self, rel: str) -> Path:
        """Where the site file ``rel`` is, as the check the store was opened with says;
        its refusal (ValueError or a PressError) when press may not write there."""
        if self._site_paths is None:
            raise ValueError(f"this store was opened without its site's path check: it writes no site file ({rel!r})")
        return self._site_paths(rel)

    def _site_path(self, rel: str) -> Path | None:
        try:
            return self.site_path(rel)
        except (ValueError, PressError):
            return None

    def _apply_site_file(self, rel: str, old: str | None, blob: str | None) -> Path | None:
        """Write or remove one site file, unless someone changed it since the command read it,
        or its path is refused now (a link put there since: press never writes through one)."""
        path = self._site_path(rel)
        if path is None:
            return None
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


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def journal_conflict(path: Path, t: Transaction, moved: list[Moved]) -> JournalConflictError:
    """The refusal to replay ``t`` over what git (or a hand) changed since."""
    refs = sum(1 for m in moved if m.kind not in ("store file", "working file"))
    hint = ("to finish it, check out again the commit it was made on (opening the store then finishes it); "
            "to drop it, Site.drop_journal() (the refs keep their present values; a copy of the journal "
            "is kept); Site.journal() lists what it would change")
    problems = [m.problem(t.txn) for m in moved]
    if len(problems) == 1:
        problems = [dataclasses.replace(problems[0], hint=hint, cause="journal.conflict")]
    return JournalConflictError(
        f"a transaction left by a crash ({t.txn[:12]}) would overwrite {len(moved)} ref(s) or file(s) that "
        f"changed since (a git pull, checkout or merge?): {refs} ref(s) moved; nothing was written",
        txn=t.txn, journal=str(path), moved=[(m.kind, m.name, m.expected or "", m.found or "") for m in moved],
        where=Where(file=str(path)), hint=hint, problems=problems, cause="journal.conflict",
    )
