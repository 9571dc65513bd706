"""A local index of the ref files, so that a one-record command need not read them all.

The loose ref files under ``refs/<kind>/<model>/<id>`` stay the source of
truth and the unit git merges; this index (``.press/cache/refs.sqlite``,
local, never committed, deletable at any time) only saves reading them.

Per ref folder (``<kind>/<model>``) it keeps the folder's ``mtime_ns`` and
inode as they were when its refs were recorded, and a *stamp*: a time read
from the file system's own clock (the mtime of a probe file touched in
``.press/cache``) after the refs were recorded. Creating, removing or
renaming a ref file (what press, ``git checkout``, ``pull``, ``merge`` and
``rebase`` do) changes its folder's mtime, so a reader trusts a folder's rows
only when

- the folder's mtime and inode are the recorded ones, and
- that mtime is strictly before the stamp.

The second rule is git's racy-timestamp rule: a folder changed again within
the same clock tick as the recording would keep its mtime; once the stamp is
in a later tick, any later change moves the mtime. A writer whose stamp does
not pass the mtime of the folders it changed waits a millisecond and reads
the clock again (up to ``_RACY_WAIT`` seconds); past that the folder simply
stays untrusted and is read again by the next command: slower, never wrong.

A folder that is not trusted is read whole (``RefFiles``) and recorded again
when the index can be written without waiting; a folder holding a ref in merge
conflict is never recorded. A damaged index is removed and rebuilt, and any
failure to use it falls back to reading the files.

What it cannot see: a ref file rewritten in place (opened for writing, not
replaced) keeps its folder's mtime and, holding one version id, its size.
Neither press nor git write refs that way; a hand edit of that kind is seen
after the folder changes for any other reason, or after the index is removed.
"""

from __future__ import annotations

import os
import threading
import time
from operator import itemgetter
from collections.abc import Callable, Iterable, ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PressError
from .conflicts import RefConflict, RefConflictError
from .fsio import fs_clock
from .objects import OID_RE
from .refs import RefFiles, RefKind

if TYPE_CHECKING:
    import sqlite3

FILE = "refs.sqlite"
PROBE = "clock"
# Bumped when the tables change meaning: an index of another format is rebuilt.
FORMAT = "2"
# How long a writer waits for the file system clock to pass the folders it changed.
_RACY_WAIT = 0.05

Folder = tuple[str, str]  # (kind, model)
Row = tuple[int, int, int]  # a folder's (mtime, inode, stamp) as the index holds it


class RefIndex:
    """The ref index of one store; see the module docstring."""

    def __init__(self, refs: RefFiles, cache_dir: Path):
        self.refs = refs
        self.cache_dir = cache_dir
        self.path = cache_dir / FILE
        self._broken = False

    # the file system's clock

    def stamp(self) -> int:
        """Now, in the file system's clock (ns): the mtime of the probe file, touched."""
        return fs_clock(self.cache_dir / PROBE)

    def stamp_after(self, mtimes: Iterable[int]) -> int:
        """A stamp strictly after every one of ``mtimes``, if the clock gets there within ``_RACY_WAIT``
        (otherwise the last stamp read: the folders it does not pass stay untrusted)."""
        latest = max(mtimes, default=-1)
        deadline = time.monotonic() + _RACY_WAIT
        stamp = self.stamp()
        while stamp <= latest and time.monotonic() < deadline:
            time.sleep(0.001)
            stamp = self.stamp()
        return stamp

    # the database

    def _connect(self) -> sqlite3.Connection | None:
        """A connection to the index, created when missing; None when it cannot be used."""
        if self._broken:
            return None
        import sqlite3

        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=0.1, isolation_level=None, check_same_thread=False)
        except (sqlite3.Error, OSError):
            self._broken = True
            return None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # A lost index transaction leaves an older, self-consistent index: its mtimes no longer match.
            db.execute("PRAGMA synchronous=NORMAL")
            row = db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone()
            fmt = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() if row else None
            if fmt is None or fmt[0] != FORMAT:
                db.execute("BEGIN IMMEDIATE")
                for table in ("meta", "dirs", "refs", "vdone", "vlinks"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute("CREATE TABLE dirs (kind TEXT NOT NULL, model TEXT NOT NULL, mtime INTEGER NOT NULL, "
                           "ino INTEGER NOT NULL, stamp INTEGER NOT NULL, PRIMARY KEY (kind, model)) WITHOUT ROWID")
                db.execute("CREATE TABLE refs (kind TEXT NOT NULL, model TEXT NOT NULL, id TEXT NOT NULL, "
                           "oid TEXT NOT NULL, PRIMARY KEY (kind, model, id)) WITHOUT ROWID")
                db.execute("CREATE INDEX refs_oid ON refs (oid, kind, model)")
                # Links of versions (immutable), by the group their meaning depends on (the model):
                # ``vdone`` says a version's links are all recorded, ``vlinks`` holds them.
                db.execute("CREATE TABLE vdone (grp TEXT NOT NULL, version TEXT NOT NULL, "
                           "PRIMARY KEY (grp, version)) WITHOUT ROWID")
                db.execute("CREATE TABLE vlinks (grp TEXT NOT NULL, target TEXT NOT NULL, version TEXT NOT NULL, "
                           "pos INTEGER NOT NULL, path TEXT NOT NULL, PRIMARY KEY (grp, target, version, pos)) "
                           "WITHOUT ROWID")
                db.execute("INSERT INTO meta (key, value) VALUES ('format', ?)", (FORMAT,))
                db.execute("COMMIT")
        except sqlite3.OperationalError:
            db.close()
            return None  # busy (another press is creating it) or read-only: the files are read
        except sqlite3.DatabaseError:
            db.close()
            self.drop()
            return None
        return db

    def drop(self) -> None:
        """Remove the index (damaged, or not to be trusted): the next command rebuilds it."""
        self._broken = True
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except OSError:
                pass

    # reading

    def view(self, conflicts: list[RefConflict] | None = None) -> RefView:
        """Every ref as of now, read lazily; the caller holds the store's lock (shared or exclusive).

        Folders the index cannot vouch for are read from the files (and recorded when the
        index can be written without waiting). A ref in merge conflict raises
        RefConflictError, or is added to ``conflicts`` and left out.
        """
        import sqlite3

        on_disk = {kind: self._models(kind) for kind in RefKind}
        db = self._connect()
        if db is None:
            return self._scanned(on_disk, conflicts)
        try:
            known = {(k, m): (mtime, ino, stamp)
                     for k, m, mtime, ino, stamp in db.execute("SELECT kind, model, mtime, ino, stamp FROM dirs")}
            scanned: dict[Folder, dict[str, str]] = {}
            fresh: dict[Folder, os.stat_result] = {}
            vouched: dict[str, tuple[int, int]] = {}
            for kind, models in on_disk.items():
                for model, st in models.items():
                    seen = known.get((kind, model))
                    if seen is not None and seen[0] == st.st_mtime_ns and seen[1] == st.st_ino and seen[0] < seen[2]:
                        vouched[f"{kind.value}/{model}"] = (seen[0], seen[1])
                        continue
                    refs, clean, after = self._scan(kind, model, conflicts)
                    scanned[(kind, model)] = refs
                    if clean and after is not None and after.st_mtime_ns == st.st_mtime_ns:
                        fresh[(kind, model)] = after
            gone = [f for f in known if f[1] not in on_disk.get(RefKind(f[0]), {})]
            stamp = self._record(db, fresh, scanned, gone) if fresh or gone else None
            recorded = stamp is not None
            for folder, st in fresh.items():
                if stamp is not None and st.st_mtime_ns < stamp:
                    vouched["/".join(folder)] = (st.st_mtime_ns, st.st_ino)
            db.execute("BEGIN")
            # The first read fixes what this transaction sees: the index as the lock holder left it.
            db.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.DatabaseError as e:
            db.close()
            if not isinstance(e, sqlite3.OperationalError):
                self.drop()
            return self._scanned(on_disk, conflicts)
        every = sum(len(models) for models in on_disk.values())
        return RefView(self, db, {k: set(models) for k, models in on_disk.items()}, scanned,
                       set(fresh) if recorded else set(), vouched if len(vouched) == every else None)

    def _models(self, kind: RefKind) -> dict[str, os.stat_result]:
        """The model folders of ``kind`` on disk, with their stat."""
        out: dict[str, os.stat_result] = {}
        try:
            with os.scandir(self.refs.root / kind) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            out[entry.name] = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
        except (FileNotFoundError, NotADirectoryError):
            pass
        return out

    def _scan(self, kind: RefKind, model: str,
              conflicts: list[RefConflict] | None) -> tuple[dict[str, str], bool, os.stat_result | None]:
        """The refs of one folder read from the files: ``(refs by id, no conflict, stat after)``."""
        found: list[RefConflict] = []
        refs = self.refs.read_folder(kind, model, found)
        if found:
            if conflicts is None:
                raise RefConflictError(found)
            conflicts.extend(found)
        try:
            after = os.stat(self.refs.root / kind / model)
        except OSError:
            after = None
        return refs, not found, after

    def _scanned(self, on_disk: Mapping[RefKind, Mapping[str, os.stat_result]],
                 conflicts: list[RefConflict] | None) -> RefView:
        """A view read whole from the files, for when the index cannot be used."""
        scanned: dict[Folder, dict[str, str]] = {(kind, model): self._scan(kind, model, conflicts)[0]
                                                 for kind, models in on_disk.items() for model in models}
        return RefView(self, None, {k: set(models) for k, models in on_disk.items()}, scanned, set(), None)

    def _record(self, db: sqlite3.Connection, fresh: Mapping[Folder, os.stat_result],
                scanned: Mapping[Folder, Mapping[str, str]], gone: Iterable[Folder]) -> int | None:
        """Write folders read from the files, and forget folders gone; nothing when the index is busy
        (None then). The stamp the folders were recorded with (0 when none was)."""
        import sqlite3

        try:
            stamp = self.stamp_after(st.st_mtime_ns for st in fresh.values()) if fresh else 0
            db.execute("BEGIN IMMEDIATE")
        except (OSError, sqlite3.OperationalError):
            return None
        try:
            for kind, model in gone:
                db.execute("DELETE FROM dirs WHERE kind = ? AND model = ?", (kind, model))
                db.execute("DELETE FROM refs WHERE kind = ? AND model = ?", (kind, model))
            for (kind, model), st in fresh.items():
                db.execute("DELETE FROM refs WHERE kind = ? AND model = ?", (kind, model))
                # In key order: a folder listing's order would split B-tree pages all over.
                db.executemany("INSERT INTO refs (kind, model, id, oid) VALUES (?, ?, ?, ?)",
                               ((kind, model, rid, oid) for rid, oid in sorted(scanned[(kind, model)].items())))
                db.execute("INSERT OR REPLACE INTO dirs (kind, model, mtime, ino, stamp) VALUES (?, ?, ?, ?, ?)",
                           (kind, model, st.st_mtime_ns, st.st_ino, stamp))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return stamp

    def verify(self) -> bool:
        """Compare every ref the index vouches for with its file; remove the index when one differs.
        The caller holds the store's lock. True when it agreed (or there was none to check)."""
        if not self.path.exists():
            return True
        try:
            view = self.view([])
            agrees = all(view.all(kind) == self.refs.read_all(kind, []) for kind in RefKind)
            view.close()
        except (OSError, ValueError, PressError):
            agrees = False  # a damaged ref is fsck's to report; the index is simply not kept
        if not agrees:
            self.drop()
        return agrees

    # writing: press's own transactions, under the exclusive lock

    def trusted(self, folders: Iterable[Folder]) -> dict[Folder, Row | None]:
        """For each folder the index vouches for now (before a transaction writes its refs), the row
        that vouches for it; None for the others."""
        import sqlite3

        wanted = list(dict.fromkeys(folders))
        out: dict[Folder, Row | None] = {f: None for f in wanted}
        db = self._connect()
        if db is None:
            return out
        try:
            for kind, model in wanted:
                row = db.execute("SELECT mtime, ino, stamp FROM dirs WHERE kind = ? AND model = ?",
                                 (kind, model)).fetchone()
                try:
                    st = os.stat(self.refs.root / kind / model)
                except OSError:
                    continue
                if row is not None and row[0] == st.st_mtime_ns and row[1] == st.st_ino and row[0] < row[2]:
                    out[(kind, model)] = (row[0], row[1], row[2])
        except sqlite3.DatabaseError as e:
            if not isinstance(e, sqlite3.OperationalError):
                self.drop()
            return {f: None for f in wanted}
        finally:
            db.close()
        return out

    def applied(self, moves: Iterable[tuple[RefKind, str, str | None]],
                trusted: Mapping[Folder, Row | None]) -> None:
        """Record a transaction's ref moves ``(kind, record, new)`` once they are in the files.

        A folder the index vouched for before (``trusted``) gets the moves and its new
        mtime, with a stamp after it, if the index still holds the row that vouched for
        it (``git clean`` may have removed the index meanwhile, and a new one holds
        none of the folder's other refs); any other folder the transaction wrote is
        forgotten, so the next command reads it from the files. Best effort: an index
        that is not updated keeps the folder's old mtime, which no longer matches.
        """
        by_folder: dict[Folder, list[tuple[str, str | None]]] = {}
        for kind, record, new in moves:
            model, _, rid = record.partition("/")
            by_folder.setdefault((str(kind), model), []).append((rid, new))
        if not by_folder:
            return
        stats: dict[Folder, os.stat_result] = {}
        for folder in by_folder:
            if trusted.get(folder):
                try:
                    stats[folder] = os.stat(self.refs.root / folder[0] / folder[1])
                except OSError:
                    pass
        try:
            stamp = self.stamp_after(st.st_mtime_ns for st in stats.values()) if stats else 0
        except OSError:
            stats, stamp = {}, 0

        def write(db: sqlite3.Connection) -> None:
            for folder, items in by_folder.items():
                st = stats.get(folder)
                row = db.execute("SELECT mtime, ino, stamp FROM dirs WHERE kind = ? AND model = ?",
                                 folder).fetchone()
                if st is None or row is None or tuple(row) != trusted.get(folder):
                    db.execute("DELETE FROM dirs WHERE kind = ? AND model = ?", folder)
                    continue
                for rid, new in items:
                    if new is None:
                        db.execute("DELETE FROM refs WHERE kind = ? AND model = ? AND id = ?", (*folder, rid))
                    else:
                        db.execute("INSERT OR REPLACE INTO refs (kind, model, id, oid) VALUES (?, ?, ?, ?)",
                                   (*folder, rid, new))
                db.execute("INSERT OR REPLACE INTO dirs (kind, model, mtime, ino, stamp) VALUES (?, ?, ?, ?, ?)",
                           (*folder, st.st_mtime_ns, st.st_ino, stamp))

        # Busy or read-only: the folders' mtimes moved, so their old rows are not trusted.
        self._write(write)


    def remember_links(self, group: str, links: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """Record the links ``(path, target)`` of versions (by id), in the order given, under ``group``
        (what their meaning depends on). Versions never change, so any process may write this,
        lock or not; a busy index records nothing."""
        if not links:
            return

        def write(db: sqlite3.Connection) -> None:
            for version, pairs in links.items():
                db.executemany("INSERT OR REPLACE INTO vlinks (grp, target, version, pos, path) "
                               "VALUES (?, ?, ?, ?, ?)",
                               ((group, target, version, pos, path) for pos, (path, target) in enumerate(pairs)))
                db.execute("INSERT OR IGNORE INTO vdone (grp, version) VALUES (?, ?)", (group, version))

        self._write(write)

    def _write(self, body: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``body`` in one write transaction of the index; nothing when the index is busy or
        read-only, and the index is removed when it is damaged. Best effort: the files stay the truth."""
        import sqlite3

        db = self._connect()
        if db is None:
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                body(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError:
            pass
        except sqlite3.DatabaseError:
            self.drop()
        finally:
            db.close()


class RefView:
    """Every ref at the instant it was opened: rows of the index seen in one read transaction,
    and the folders read from the files. Lookups by key read one row."""

    def __init__(self, index: RefIndex, db: sqlite3.Connection | None, models: dict[RefKind, set[str]],
                 scanned: dict[Folder, dict[str, str]], recorded: set[Folder],
                 vouched: dict[str, tuple[int, int]] | None):
        self._index = index
        self._db = db
        self._models = models
        self._scanned = scanned
        # Folders read from the files and recorded before the read transaction began: the rows agree.
        self._recorded = recorded
        # ``kind/model`` -> (mtime_ns, inode) of every ref folder, when the index vouched for all of them.
        self._vouched = vouched
        self._lock = threading.Lock()

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        """End the read transaction (lookups then fail; a view read whole keeps its dicts)."""
        db, self._db = self._db, None
        if db is not None:
            try:
                db.close()
            except Exception:
                pass

    def folder_states(self) -> dict[str, tuple[int, int]] | None:
        """``kind/model`` -> ``(mtime_ns, inode)`` of every ref folder as this view read it, when the
        index vouched for each one (by the rule of the module docstring); None when any was not.

        Under that rule equal states mean equal refs, so a cache keyed by them learns of any
        change to the refs from a few stats, as this index does.
        """
        return None if self._vouched is None else dict(self._vouched)

    def get(self, kind: RefKind, record: str) -> str | None:
        """The version ``kind`` of ``record`` holds, or None."""
        model, _, rid = record.partition("/")
        if not rid or "/" in rid or model not in self._models[kind]:
            return None
        scanned = self._scanned.get((kind, model))
        if scanned is not None:
            return scanned.get(rid)
        row = self._query("SELECT oid FROM refs WHERE kind = ? AND model = ? AND id = ?", (kind.value, model, rid))
        if row is None:
            return self._index.refs.read(kind, record)
        return row[0][0] if row else None

    def all(self, kind: RefKind) -> dict[str, str]:
        """Every ref of ``kind``, as ``{record: version id}``."""
        out: dict[str, str] = {}
        for model in sorted(self._models[kind]):
            scanned = self._scanned.get((kind, model))
            # Rows keyed by record as SQLite writes them: 10,000s of keys made in Python cost more than the read.
            rows = None if scanned is not None else self._query(
                "SELECT ? || id, oid FROM refs WHERE kind = ? AND model = ?", (f"{model}/", kind.value, model))
            if rows is None:
                found = scanned if scanned is not None else self._index.refs.read_folder(kind, model)
                rows = [(f"{model}/{rid}", oid) for rid, oid in found.items()]
            out.update(rows)
        return out

    def linking_to(self, group: str, model: str, target: str, *,
                   unknown: bool) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]] | None:
        """The published refs of ``model`` whose version links to ``target`` by the links recorded under
        ``group``, as ``(record, version, path)`` in record then link order; with ``unknown``, also the
        published refs of ``model`` whose version has no links recorded, as ``(record, version)``.

        None when the view cannot say (no index, or that folder was read from the files this time).
        """
        folder = (RefKind.PUBLISHED, model)
        if self._db is None or (folder in self._scanned and folder not in self._recorded):
            return None
        if model not in self._models[RefKind.PUBLISHED]:
            return [], []
        found = self._query(
            "SELECT r.id, l.path, r.oid FROM vlinks l JOIN refs r ON r.oid = l.version AND r.kind = 'published' "
            "AND r.model = ? WHERE l.grp = ? AND l.target = ? ORDER BY r.id, l.pos", (model, group, target))
        missing = self._query(
            "SELECT r.id, r.oid FROM refs r WHERE r.kind = 'published' AND r.model = ? AND NOT EXISTS "
            "(SELECT 1 FROM vdone d WHERE d.grp = ? AND d.version = r.oid) ORDER BY r.id",
            (model, group)) if unknown else []
        if found is None or missing is None:
            return None
        return ([(f"{model}/{rid}", oid, path) for rid, path, oid in found],
                [(f"{model}/{rid}", oid) for rid, oid in missing])

    def remember_links(self, group: str, links: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """See ``RefIndex.remember_links`` (this view does not see them: it is one instant)."""
        self._index.remember_links(group, links)

    def _query(self, sql: str, args: tuple[str, ...]) -> list[Any] | None:
        """Rows of the read transaction; None when the index failed (the caller reads the files)."""
        import sqlite3

        with self._lock:
            if self._db is None:
                return None
            try:
                rows = self._db.execute(sql, args).fetchall()
            except sqlite3.DatabaseError:
                self._index.drop()
                return None
        # Every row's last column a version id, tested in one pass (match raises TypeError on what is no text).
        try:
            valid = all(map(OID_RE.match, map(itemgetter(-1), rows)))
        except TypeError:
            valid = False
        if not valid:
            self._index.drop()
            return None
        return rows


class LazyRefs(Mapping[str, str]):
    """The refs of one kind in a view, as a read-only mapping: lookups by key read one row;
    iterating reads the kind whole, once."""

    def __init__(self, view: RefView, kind: RefKind):
        self._view = view
        self._kind = kind
        self._all: dict[str, str] | None = None
        self._seen: dict[str, str | None] = {}

    def _whole(self) -> dict[str, str]:
        if self._all is None:
            self._all = self._view.all(self._kind)
        return self._all

    def __getitem__(self, record: str) -> str:
        value: str | None = self.get(record)
        if value is None:
            raise KeyError(record)
        return value

    def get(self, record: str, default: Any = None) -> Any:  # noqa: D102 (Mapping's)
        if self._all is not None:
            return self._all.get(record, default)
        if not isinstance(record, str):
            return default
        if record not in self._seen:
            self._seen[record] = self._view.get(self._kind, record)
        value = self._seen[record]
        return default if value is None else value

    def __contains__(self, record: object) -> bool:
        return isinstance(record, str) and self.get(record) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    # The dict's own views: Mapping's would look every key up again through ``get``.
    def keys(self) -> KeysView[str]:
        return self._whole().keys()

    def items(self) -> ItemsView[str, str]:
        return self._whole().items()

    def values(self) -> ValuesView[str]:
        return self._whole().values()

    def __len__(self) -> int:
        return len(self._whole())

    def linking_to(self, group: str, model: str, target: str, *,
                   unknown: bool) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]] | None:
        """Reverse links from the index: see ``RefView.linking_to`` (published refs only; None otherwise)."""
        if self._kind is not RefKind.PUBLISHED:
            return None
        return self._view.linking_to(group, model, target, unknown=unknown)

    def remember_links(self, group: str, links: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """Record versions' links for ``linking_to``: see ``RefIndex.remember_links``."""
        self._view.remember_links(group, links)

    def folder_states(self) -> dict[str, tuple[int, int]] | None:
        """The states of every ref folder of the view (all kinds): see ``RefView.folder_states``."""
        return self._view.folder_states()

    def __repr__(self) -> str:
        return f"LazyRefs({self._kind.value}, {'loaded' if self._all is not None else 'lazy'})"
