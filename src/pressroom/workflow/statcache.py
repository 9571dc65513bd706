"""A stat cache for status and save, in the spirit of git's index (``.press/cache/stat``).

``press status`` used to read and hash every working file, read every
current version and scan every published record's event log. This cache
remembers, per record:

- the working file's ``(inode, size, mtime_ns, ctime_ns)`` and the blob id
  its bytes hash to: while ``lstat`` says the same, the file is not read;
- the current version's blob, time and author (versions never change);
- the published version's time and author of publication, with the event
  log's ``(size, mtime_ns)``: the log is read again only when it changed.

Racy files, as git calls them: a file changed twice within one tick of the
file system clock may keep its stat. A working file is remembered only when
its ctime is over ``RACY_NS`` old when it is read, so that any later change
shows in its ctime (which no tool can set back). Every entry is checked
against the disk before it is trusted, so a stale, concurrent or damaged
cache costs reading, never a wrong answer; it is local and may be deleted.
"""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import dataclass
from typing import Any

from ..errors import PressError
from ..records import RecordKey, check_inside
from ..site import SiteCore
from ..store import hash_bytes
from ..store.fsio import write_atomic

FILE = "stat"
FORMAT = 1
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class VersionFacts:
    """What status shows of a version."""

    blob: str
    time: str
    author: str


class StatCache:
    """Look up working-file blobs, version facts and publication facts; see the module docstring."""

    def __init__(self, site: SiteCore, *, load: bool = True):
        """``load=False``: start empty and never write (a command about a few records reads those
        directly rather than the whole cache, whose size grows with the site)."""
        self.site = site
        self.path = site.store.root / "cache" / FILE
        self._load_all = load
        self._entries = self._load() if load else {}
        self._changed = False
        self._clean_models: dict[str, bool] = {}
        self._content = str(site.content_dir)

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            doc = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        records = doc.get("records") if isinstance(doc, dict) and doc.get("format") == FORMAT else None
        return records if isinstance(records, dict) else {}

    def _entry(self, record: str) -> dict[str, Any]:
        entry = self._entries.get(record)
        if not isinstance(entry, dict):
            entry = self._entries[record] = {}
        return entry

    def _set(self, record: str, field: str, value: Any) -> None:
        entry = self._entry(record)
        if entry.get(field) != value:
            entry[field] = value
            self._changed = True

    # working files

    def working_blob(self, key: RecordKey) -> str | None:
        """The blob id of ``key``'s working file (None: there is none), as ``read_working`` would find it.

        The file is read and hashed only when its stat differs from the one
        remembered; a file press would refuse (a link, too large) raises the
        same PressError ``read_working`` does.
        """
        record = str(key)
        # records.working_path's layout, joined as text: a Path per record costs more than the lstat.
        path = f"{self._content}/{key.model}/{key.id}.yaml"
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            st = None
        if st is not None and self._trusted(key, st):
            remembered = self._entries.get(record, {}).get("work")
            if isinstance(remembered, list) and remembered[:4] == _stat_key(st) and isinstance(remembered[4], str):
                return remembered[4]
        data = self.site.read_working(key)
        if data is None:
            return None
        blob = hash_bytes(data)
        if st is not None and self._trusted(key, st) and st.st_ctime_ns < time.time_ns() - RACY_NS:
            self._set(record, "work", [*_stat_key(st), blob])
        return blob

    def _trusted(self, key: RecordKey, st: os.stat_result) -> bool:
        """A regular file within the size limit, in a model folder that is no link: what read_working accepts."""
        if not stat.S_ISREG(st.st_mode) or st.st_size > self.site.config.max_file_size:
            return False
        clean = self._clean_models.get(key.model)
        if clean is None:
            try:
                check_inside(self.site.root, self.site.content_dir / key.model)
                clean = True
            except PressError:
                clean = False
            self._clean_models[key.model] = clean
        return clean

    def remember_working(self, key: RecordKey, st: os.stat_result, blob: str) -> None:
        """Note that the working file with stat ``st`` (taken before reading it) holds ``blob``."""
        if self._trusted(key, st) and st.st_ctime_ns < time.time_ns() - RACY_NS:
            self._set(str(key), "work", [*_stat_key(st), blob])

    # versions and publications

    def version(self, record: str, oid: str) -> VersionFacts:
        """Blob, time and author of version ``oid`` of ``record``."""
        remembered = self._entries.get(record, {}).get("cur")
        if isinstance(remembered, list) and len(remembered) == 4 and remembered[0] == oid:
            return VersionFacts(*remembered[1:])
        version = self.site.store.get_version(oid)
        self._set(record, "cur", [oid, version.blob, version.time, version.author])
        return VersionFacts(version.blob, version.time, version.author)

    def published(self, record: str, oid: str) -> tuple[str | None, str | None]:
        """When and by whom ``oid`` was (last) published, from ``record``'s event log."""
        stamp = self.site.store.log_stamp(record)
        log = list(stamp) if stamp is not None else None
        remembered = self._entries.get(record, {}).get("pub")
        if log is not None and isinstance(remembered, list) and remembered[:3] == [oid, *log]:
            return remembered[3], remembered[4]
        event = self.site.store.last_event(record, "publish", oid)
        found = (event.get("time"), event.get("author")) if event is not None else (None, None)
        if log is not None:
            self._set(record, "pub", [oid, *log, *found])
        return found

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache if it learnt anything; ``keep``: drop records not in it (best effort)."""
        if keep is not None:
            for record in [r for r in self._entries if r not in keep]:
                del self._entries[record]
                self._changed = True
        if not self._changed or not self._load_all:
            return
        try:
            data = json.dumps({"format": FORMAT, "records": self._entries}, separators=(",", ":")).encode()
            write_atomic(self.path, data, durable=False)
        except OSError:
            return  # a read-only checkout: status still works, only slower
        self._changed = False


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
