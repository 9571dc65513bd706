"""Data derived from objects, kept in ``.press/cache/`` (local to each machine, never committed).

Objects never change, so an entry keyed by object ids never goes stale, and
the whole folder may be deleted at any time. The cache only ever saves work:
when it cannot be read or written (another process holds it, it is damaged,
the disk is read-only), the caller computes the data instead, and a damaged
database is removed so the next command starts a fresh one.

One SQLite file, one table of ``(kind, key) -> JSON``: lookups by key keep
memory flat however large the store grows.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .fsio import fs_clock

FILE = "derived.sqlite"
# The probe file of ``clock`` (the ref index has its own).
CLOCK = "derived-clock"
# Bumped when the meaning of an entry changes: older entries are then never read.
FORMAT = 1


class DerivedCache:
    """Best-effort lookups of derived data by ``(kind, key)``; see the module docstring."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / FILE
        self._db: Any = None
        self._failed = False
        self._lock = threading.Lock()

    def _connect(self, *, create: bool) -> Any:
        if self._db is not None or self._failed:
            return self._db
        if not create and not self.path.exists():
            return None  # a lookup does not make a cache
        import sqlite3

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One connection for the Store, used by one thread at a time (``_lock``).
            db = sqlite3.connect(self.path, timeout=1.0, isolation_level=None, check_same_thread=False)
            # A cache: a power cut may lose it whole, which costs one recomputation.
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS derived (kind TEXT NOT NULL, key TEXT NOT NULL, "
                       "value TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID")
        except sqlite3.DatabaseError:
            self._give_up(damaged=True)
            return None
        except (sqlite3.Error, OSError):
            self._give_up()
            return None
        self._db = db
        return db

    def _give_up(self, *, damaged: bool = False) -> None:
        self._failed = True
        if self._db is not None:
            self._db.close()
            self._db = None
        if damaged:
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        """The entries of ``kind`` there are for ``keys`` (missing ones are left out)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        import sqlite3

        kind = f"{FORMAT}/{kind}"
        out: dict[str, Any] = {}
        with self._lock:
            db = self._connect(create=False)
            if db is None:
                return {}
            try:
                # Batches under SQLite's limit on bound parameters.
                for i in range(0, len(wanted), 500):
                    batch = wanted[i:i + 500]
                    marks = ",".join("?" * len(batch))
                    rows = db.execute(f"SELECT key, value FROM derived WHERE kind = ? AND key IN ({marks})",
                                      [kind, *batch])
                    for key, value in rows:
                        out[key] = json.loads(value)
            except sqlite3.OperationalError:
                return {}  # busy: computed this time
            except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                self._give_up()
                return {}
            except (sqlite3.DatabaseError, ValueError):
                self._give_up(damaged=True)
                return {}
        return out

    def put_many(self, kind: str, entries: Mapping[str, Any]) -> None:
        """Remember ``entries`` of ``kind`` (one transaction; nothing happens if the cache is busy)."""
        if not entries:
            return
        import sqlite3

        kind = f"{FORMAT}/{kind}"
        rows = [(kind, key, json.dumps(value, separators=(",", ":"))) for key, value in entries.items()]
        with self._lock:
            db = self._connect(create=True)
            if db is None:
                return
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    db.executemany("INSERT OR REPLACE INTO derived (kind, key, value) VALUES (?, ?, ?)", rows)
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError:
                return  # busy (another press writes it) or read-only: the entries are simply not kept
            except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                self._give_up()
            except sqlite3.DatabaseError:
                self._give_up(damaged=True)

    def clock(self) -> int | None:
        """Now in the file system's own clock (ns): the mtime of a probe file in the cache folder,
        touched. An entry keyed by files' mtimes is sound only for mtimes strictly before a clock
        read before those files were read (a later change gets a later mtime); None when the
        folder cannot be written (then no such entry is to be kept)."""
        try:
            return fs_clock(self.folder / CLOCK)
        except OSError:
            return None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
