"""The store in ``.press/``: objects, refs, event logs, lock and transactions.

It knows nothing of YAML or models: records are opaque ``model/id`` keys and
blobs are bytes.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConflictError, Problem, StoreDamagedError, StoreFormatError, Where, short_id
from .conflicts import GitIndex, RefConflict, RefConflictError
from .events import EventLogs
from .fsio import fsync_path, write_atomic
from .journal import (DroppedJournal, Event, FileUpdate, Journal, JournalState, Moved, RefUpdate, SiteFile,
                      SitePaths, check_file_path)
from .lock import locked
from .objects import OID_RE, ObjectStore, hash_bytes
from .pruned import PrunedMarks
from .refs import RefFiles, RefKind, check_record_key
from .versions import Version

# Loaded where they are used: reading one record's refs and objects (press show, log) needs
# neither fsck, gc, the ref index nor the derived cache.
if TYPE_CHECKING:
    from .cache import DerivedCache
    from .fsck import FsckReport
    from .gc import DEFAULT_GRACE, GcReport
    from .refindex import LazyRefs, RefIndex

__all__ = [
    "DEFAULT_GRACE",
    "DroppedJournal",
    "Event",
    "FileUpdate",
    "FsckReport",
    "GcReport",
    "GitIndex",
    "JournalState",
    "LazyRefs",
    "Moved",
    "OID_RE",
    "RefConflict",
    "RecordFiles",
    "RefConflictError",
    "RefKind",
    "RefUpdate",
    "SiteFile",
    "SitePaths",
    "Snapshot",
    "Store",
    "Version",
    "check_record_key",
    "hash_bytes",
]

_LAZY = {"DEFAULT_GRACE": ".gc", "FsckReport": ".fsck", "GcReport": ".gc", "LazyRefs": ".refindex"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __package__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FORMAT = 1
_GITIGNORE = b"# local to each machine, never committed\nlock\ncache/\n"


@dataclass(frozen=True)
class Snapshot:
    """All refs at one instant: a transaction is in it whole or not at all.

    The store's snapshots are read lazily (``refindex``): a lookup by record reads one
    entry of the ref index; iterating over a kind reads that kind whole.
    """

    current: Mapping[str, str] = field(default_factory=dict)
    published: Mapping[str, str] = field(default_factory=dict)
    archived: Mapping[str, str] = field(default_factory=dict)
    # Refs a git merge left in conflict (only with ``snapshot(conflicts_ok=True)``).
    conflicts: list[RefConflict] = field(default_factory=list)

    def get(self, kind: RefKind, record: str) -> str | None:
        """The version ref ``kind`` of ``record`` holds, or None."""
        refs: Mapping[str, str] = getattr(self, kind)
        return refs.get(record)

    def records(self) -> list[str]:
        """Every record with at least one ref, sorted."""
        return sorted(set(self.current) | set(self.published) | set(self.archived))


class Store:
    """One site's ``.press/`` folder."""

    def __init__(self, root: Path, *, site_paths: SitePaths | None = None):
        """The store at ``root``; ``site_paths`` checks the site files transactions write
        (working files): without it, the store writes none."""
        self.root = root
        # The parts are the store's own: callers use the methods below, and only
        # the store's modules (fsck, gc) reach the parts.
        self._objects = ObjectStore(root / "objects")
        self._refs = RefFiles(root / "refs")
        self._logs = EventLogs(root / "logs")
        self._logs_dir = str(root / "logs")
        self._journal = Journal(root, self._refs, self._logs, site_paths)
        self._pruned = PrunedMarks(root / "pruned")
        self._lock_path = root / "lock"
        # Paths written or removed, for `--commit` (see ``tracking``); file
        # updates waiting to join the next transaction (see ``joining``).
        self._trackers: list[set[Path]] = []
        self._joined: list[_Joined] = []

    @cached_property
    def _index(self) -> RefIndex:
        from .refindex import RefIndex
        return RefIndex(self._refs, self.root / "cache")

    @cached_property
    def cache(self) -> DerivedCache:
        """Data derived from objects (validation results), local to this machine."""
        from .cache import DerivedCache
        return DerivedCache(self.root / "cache")

    @classmethod
    def init(cls, root: Path, *, site_paths: SitePaths | None = None) -> Store:
        """Create an empty store (the caller checks that there is none)."""
        for sub in ("objects", "refs", "logs"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        write_atomic(root / ".gitignore", _GITIGNORE)
        write_atomic(root / "format", f"{FORMAT}\n".encode())
        fsync_path(root)
        return cls(root, site_paths=site_paths)

    @classmethod
    def open(cls, root: Path, *, site_paths: SitePaths | None = None) -> Store:
        """Open an existing store; refuse one written by a newer pressroom.

        ``site_paths``: where a site file a transaction names is, checked (see ``SiteFile``).
        """
        fmt_path = root / "format"
        try:
            text = fmt_path.read_text(encoding="ascii").strip()
            fmt = int(text)
        except FileNotFoundError:
            raise StoreFormatError(
                "the store has no format file",
                where=Where(file=str(fmt_path)),
                hint="restore .press/ from git, or make a new site (Site.init)",
                cause="store.no_format",
            ) from None
        except (ValueError, UnicodeDecodeError):
            raise StoreFormatError(
                "the store's format file is unreadable", where=Where(file=str(fmt_path))
            ) from None
        if fmt > FORMAT:
            raise StoreFormatError(
                f"the store was written by a newer version of pressroom (format {fmt}; "
                f"this one reads up to {FORMAT})",
                where=Where(file=str(fmt_path)),
                hint="upgrade pressroom: pip install -U pressroom",
            )
        return cls(root, site_paths=site_paths)

    # objects

    def put_blob(self, data: bytes) -> str:
        """Store a working file's bytes (outside any lock: gc spares young objects); its id."""
        oid = self._objects.put(data)
        if self._trackers:  # the object's path costs as much as writing it: only when asked
            self._touch(self._objects.path(oid))
        return oid

    def get_blob(self, oid: str) -> bytes:
        """The bytes of blob ``oid``, checked against its name (StoreDamagedError otherwise)."""
        return self._objects.get(oid)

    def put_version(self, version: Version) -> str:
        """Store a version object; its id."""
        oid = self._objects.put(version.encode())
        if self._trackers:
            self._touch(self._objects.path(oid))
        return oid

    def get_version(self, oid: str) -> Version:
        """Version ``oid``, read and checked."""
        return Version.decode(oid, self._objects.get(oid))

    def has_object(self, oid: str) -> bool:
        """Whether object ``oid`` is on disk (its bytes are checked when it is read)."""
        return self._objects.exists(oid)

    def object_path(self, oid: str) -> Path:
        """The file of object ``oid``, for git to commit (``--commit``)."""
        return self._objects.path(oid)

    def history(self, oid: str | None) -> Iterator[tuple[str, Version]]:
        """Walk the parent chain from ``oid``, newest first.

        The walk stops at a version whose older history gc pruned (``pruned/``):
        the last version yielded then still names a parent, which is gone.
        """
        seen: set[str] = set()
        cuts: frozenset[str] | None = None
        while oid is not None:
            if oid in seen:
                raise StoreDamagedError(f"the parent chain loops at {oid[:12]}")
            seen.add(oid)
            version = self.get_version(oid)
            yield oid, version
            if cuts is None:
                cuts = self._pruned.read(version.record)
            if oid in cuts:
                return
            oid = version.parent

    # reading refs

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the shared lock; a journal left by a crash is replayed first."""
        if self._journal.pending():
            with locked(self._lock_path, exclusive=True):
                self._journal.replay()
        with locked(self._lock_path, exclusive=False):
            if self._journal.pending():
                raise ConflictError("a transaction was left half-done and is being recovered; try again")
            yield

    def read_ref(self, kind: RefKind, record: str) -> str | None:
        """One ref, read under the shared lock (RefConflictError for one in merge conflict)."""
        with self.reading():
            return self._refs.read(kind, record)

    def snapshot(self, *, conflicts_ok: bool = False) -> Snapshot:
        """Every ref at one instant. A ref in merge conflict raises RefConflictError,
        unless ``conflicts_ok``: then it is left out and listed in ``conflicts``.
        """
        from .refindex import LazyRefs

        conflicts: list[RefConflict] = []
        with self.reading():
            view = self._index.view(conflicts)
        if conflicts and not conflicts_ok:
            raise RefConflictError(conflicts)
        return Snapshot(current=LazyRefs(view, RefKind.CURRENT), published=LazyRefs(view, RefKind.PUBLISHED),
                        archived=LazyRefs(view, RefKind.ARCHIVED), conflicts=conflicts)

    def read_file(self, path: str) -> bytes | None:
        """A small store file that transactions replace (``schedules/<id>``), or None."""
        try:
            return (self.root / check_file_path(path)).read_bytes()
        except FileNotFoundError:
            return None

    # what a command touched, for `--commit`

    @contextmanager
    def tracking(self) -> Iterator[set[Path]]:
        """Collect the path of every store file written or removed in this block
        (objects put, refs moved, logs appended, store files replaced)."""
        touched: set[Path] = set()
        self._trackers.append(touched)
        try:
            yield touched
        finally:
            self._trackers.remove(touched)

    def _touch(self, *paths: Path) -> None:
        for touched in self._trackers:
            touched.update(paths)

    @contextmanager
    def joining(self, files: list[FileUpdate]) -> Iterator[_Joined]:
        """File updates that join the next transaction committed in this block.

        They commit with it, all or nothing, and their ``old`` is checked like
        a ref's: a workflow command (publish) can carry a schedule's new state
        without knowing of schedules. ``joined.committed`` says whether they were.
        """
        joined = _Joined(list(files))
        self._joined.append(joined)
        try:
            yield joined
        finally:
            self._joined.remove(joined)

    def record_refs(self, record: str) -> dict[str, str | None]:
        """The three refs of one record, read together."""
        with self.reading():
            return {kind: self._refs.read(kind, record) for kind in RefKind}

    def ref_path(self, kind: RefKind, record: str) -> Path:
        """The file of one ref, for git to commit or mark resolved."""
        return self._refs.path(kind, record)

    def record_files(self, record: str) -> RecordFiles:
        """The whole state of ``record`` on disk, for ``--commit``: its ref files, event log and
        pruned marks, and the versions its refs hold. A ref a git merge left in conflict is
        left out (git commits it with the merge). ValueError for a key that is no record's."""
        refs: dict[RefKind, str] = {}
        paths = [self._logs.path(record), self._pruned.path(record)]
        for kind in RefKind:
            try:
                oid = self._refs.read(kind, record)
            except RefConflictError:
                continue
            paths.append(self._refs.path(kind, record))
            if oid is not None:
                refs[kind] = oid
        return RecordFiles(refs=refs, paths=paths)

    # event logs

    def read_log(self, record: str) -> list[dict[str, Any]]:
        """The events of ``record``, oldest first (a line that does not parse is skipped)."""
        return self._logs.read(record)

    def read_log_bytes(self, record: str) -> bytes:
        """The event log of ``record`` as stored (empty when it has none), for callers that
        search it without parsing every line."""
        try:
            return self._logs.path(record).read_bytes()
        except FileNotFoundError:
            return b""

    def last_event(self, record: str, action: str, new: str) -> dict[str, Any] | None:
        """The last ``action`` event of ``record`` whose ``new`` is version ``new``, or None."""
        return self._logs.last(record, action, new)

    def log_stamp(self, record: str) -> tuple[int, int] | None:
        """Size and modification time (ns) of ``record``'s event log, None when it has none:
        a cache keyed by it learns when the log grew."""
        model, rid = check_record_key(record)
        try:
            # Joined as text: a Path per record costs more than the stat (status stats every log).
            st = os.stat(f"{self._logs_dir}/{model}/{rid}")
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def log_records(self) -> list[str]:
        """Every record that has an event log, sorted."""
        return self._logs.records()

    def journal_pending(self) -> bool:
        """Whether a crash left a transaction half-done (read only: nothing is replayed)."""
        return self._journal.pending()

    # integrity and garbage

    def fsck(self, restore: Callable[[], list[str]] | None = None) -> FsckReport:
        """Check every object, ref, parent chain, event log and the journal (changes nothing).

        ``restore``: where a checkout git converted is to be restored (see ``fsck.fsck``).
        The local ref index is compared with the ref files too, and removed (to be rebuilt)
        when they differ: a ref rewritten in place escapes its folder's mtime, not this.
        """
        from .fsck import fsck

        report = fsck(self, restore)
        # Not ``reading()``: fsck replays no journal. A half-done transaction leaves the check for later.
        with locked(self._lock_path, exclusive=False):
            if not self._journal.pending():
                self._index.verify()
        return report

    def gc(self, *, max_versions: Mapping[str, int] | None = None,
           extra_roots: Iterable[str] | Callable[[], Iterable[str]] = (), grace: float | None = None,
           dry_run: bool = False) -> GcReport:
        """Remove objects nothing reaches (older than ``grace`` seconds, default ``DEFAULT_GRACE``);
        apply ``max_versions`` by model.

        ``extra_roots`` may be a function: gc calls it under its lock.
        """
        from .gc import DEFAULT_GRACE, gc

        return gc(self, max_versions=max_versions, extra_roots=extra_roots,
                  grace=DEFAULT_GRACE if grace is None else grace, dry_run=dry_run)

    # writing refs

    def recover(self) -> str | None:
        """Replay a journal left by a crash; return its transaction id, if any.

        JournalConflictError when refs it would move changed since (see ``journal``).
        """
        with locked(self._lock_path, exclusive=True):
            return self._journal.replay()

    def journal_state(self) -> JournalState | None:
        """A journal a crash left, and what changed under it since; None when there is none."""
        with locked(self._lock_path, exclusive=False):
            return self._journal.state()

    def drop_journal(self) -> DroppedJournal | None:
        """Set a leftover journal aside without applying it (kept as a file); None when there is none."""
        with locked(self._lock_path, exclusive=True):
            return self._journal.drop()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the exclusive lock for a block: what a caller reads in it before and after a
        ``commit`` (which takes the same hold) is what that transaction found and left."""
        with locked(self._lock_path, exclusive=True):
            yield

    def commit(self, updates: list[RefUpdate], events: Sequence[Event] = (), *,
               expect: Iterable[tuple[RefKind, str, str | None]] = (),
               unchanged: Mapping[RefKind, Mapping[str, str]] | None = None,
               files: Iterable[FileUpdate] = (), site_files: Iterable[SiteFile] = (),
               resolving: Iterable[RefConflict] = ()) -> str:
        """Apply ``updates`` and append ``events`` as one transaction.

        Every update's ``old`` must still hold under the lock; otherwise a
        ConflictError lists each stale ref and nothing is written. A command
        whose checks read refs it does not move guards them too: ``expect``
        names single refs ``(kind, record, value)``; ``unchanged`` maps a kind
        to all its refs as read (the whole kind must still be exactly that).

        ``site_files`` are working files that must agree with the new refs (a
        save's ``--set``, a delete's removal): part of the transaction, so
        no other writer reads the new refs with the old files, and a crash
        after the commit point never leaves them behind (``SiteFile``).

        ``files`` replace small store files (``FileUpdate``), with the file
        updates of any ``joining`` block. ``resolving`` names refs that must
        still hold exactly that merge conflict: their updates resolve it.
        """
        # Time first, then randomness: ids sort in commit order, so the site-wide
        # activity feed can order transactions that share a second.
        txn = f"{time.time_ns():016x}{uuid.uuid4().hex[:16]}"
        with locked(self._lock_path, exclusive=True):
            self._journal.replay()
            stale = []
            for kind, record, value in expect:
                now = self._refs.read(kind, record)
                if now != value:
                    stale.append(Problem(f"{kind} changed to {short_id(now)} while this command relied on "
                                         f"{short_id(value)}", code="conflict", where=Where(record=record)))
            if unchanged:
                view = self._index.view()
                for kind, seen in unchanged.items():
                    now_all = view.all(kind)
                    for record in sorted(set(now_all) | set(seen)):
                        if now_all.get(record) != seen.get(record):
                            stale.append(Problem(f"{kind} changed to {short_id(now_all.get(record))} while this "
                                                 f"command relied on {short_id(seen.get(record))}", code="conflict",
                                                 where=Where(record=record)))
            pending = [j for j in self._joined if not j.committed]
            all_files = [*files, *(f for j in pending for f in j.files)]
            for f in all_files:
                data = self.read_file(f.path)
                if (hash_bytes(data) if data is not None else None) != f.old:
                    stale.append(Problem(f"{f.path} changed while this command relied on it", code="conflict",
                                         where=Where(file=f".press/{f.path}")))
            conflicted = {(c.kind, c.record): c for c in resolving}
            for u in updates:
                if (u.kind, u.record) in conflicted:
                    try:
                        self._refs.read(u.kind, u.record)
                        still = False
                    except RefConflictError as e:
                        still = e.conflicts == [conflicted[(u.kind, u.record)]]
                    if not still:
                        stale.append(Problem(f"{u.kind} changed while this command resolved its merge conflict",
                                             code="conflict", where=Where(record=u.record)))
                    continue
                now = self._refs.read(u.kind, u.record)
                if now != u.old:
                    stale.append(
                        Problem(
                            f"{u.kind} moved to {short_id(now)} while this command expected "
                            f"{short_id(u.old)}",
                            code="conflict",
                            where=Where(record=u.record),
                        )
                    )
                if u.new is not None and not self._objects.exists(u.new):
                    raise StoreDamagedError(f"refusing to point {u.record} at missing object {u.new[:12]}")
            if stale:
                raise _conflict(stale)
            site_list = list(site_files)
            for site_file in site_list:
                self._journal.site_path(site_file.path)  # refused before the commit point: nothing written
            folders = {(str(u.kind), u.record.partition("/")[0]) for u in updates}  # a few, not one per ref
            trusted = self._index.trusted(folders)
            self._journal.commit(txn, list(updates), list(events), all_files, site_list)
            self._index.applied(((u.kind, u.record, u.new) for u in updates), trusted)
            for j in pending:
                j.committed = True
            if self._trackers:  # a path per ref and log costs 0.1 s at 10,000 records: only when asked
                self._touch(*(self._refs.path(u.kind, u.record) for u in updates),
                            *(self._logs.path(e.record) for e in events), *(self.root / f.path for f in all_files))
        return txn


@dataclass(frozen=True)
class RecordFiles:
    """What ``Store.record_files`` finds: the versions the refs hold, and every file of the record's state."""

    refs: dict[RefKind, str]
    paths: list[Path]


class _Joined:
    """File updates waiting for the next transaction (see ``Store.joining``)."""

    def __init__(self, files: list[FileUpdate]):
        self.files = files
        self.committed = False


def _conflict(stale: list[Problem]) -> ConflictError:
    return ConflictError(
        f"{len(stale)} ref(s) changed under this command: another press process got there first"
        if len(stale) > 1
        else stale[0].message,
        where=stale[0].where if len(stale) == 1 else None,
        hint="look at the records' status (Site.status) and run the command again",
        cause="store.stale_refs",
        problems=stale if len(stale) > 1 else None,
    )
