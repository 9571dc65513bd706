"""A stat cache for status and save, in the spirit of git's index (``.press/cache/stat``).

``press status`` used to read and hash every working file, read every
current version and scan every published record's event log. This cache
remembers, per record:

- the working file's ``(inode, size, mtime_ns, ctime_ns)`` and the blob id
  its bytes hash to: while ``lstat`` says the same, the file is not read;
- the current version's blob, time and author (versions never change);
- the published version's time and author of publication, with the event
  log's ``(size, mtime_ns)``: the log is read again only when it changed.

Publication facts without a stat per log: a log grows in place, which
moves no folder's mtime, but the only event that changes when a version
was last published is a publish of it, and a publish moves the record's
published ref (a ref is created, removed or renamed, never rewritten in
place), which moves the mtime of ``refs/published/<model>``. git (checkout, merge, pull) replaces logs
rather than appending to them, which moves ``logs/<model>``. So while both
folders keep the ``(mtime_ns, inode)`` recorded when every published record
of the model was last checked, and those mtimes were before a file-system
clock read taken before that check (git's racy rule: a folder changed in the
same tick as the check is not vouched for), the facts still hold and the
logs are not stat'ed. What this cannot see: a log appended to in place by
hand, or by a tool other than press, with no ref moved; deleting the cache
file (or any change to that model's published refs) reads the logs again.

Racy files, as git calls them: a file changed twice within one tick of the
file system clock may keep its stat. A working file is remembered only when
its ctime is over ``RACY_NS`` old when it is read, so that any later change
shows in its ctime (which no tool can set back). Every entry is checked
against the disk before it is trusted, so a stale, concurrent or damaged
cache costs reading, never a wrong answer; it is local and may be deleted.
"""

from __future__ import annotations

import marshal
import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

from ..errors import PressError
from ..records import RecordKey, check_inside
from ..site import SiteCore
from ..store import hash_bytes
from ..store.fsio import write_atomic

FILE = "stat"
# marshal, not JSON: 10,000 records load in a third of the time. The first line says what follows;
# anything else in the file (the JSON of format 1, a damaged file) is an empty cache.
MAGIC = b"pressroom stat cache 3\n"
RACY_NS = 2_000_000_000
# After the first line, parts each of a 4-byte length (little-endian) and a marshal of that many
# bytes: the folder states, then the entries a part of up to CHUNK records. One marshal of the
# whole was twice the file in memory at once (24 MB at 100,000 records, 48 MB with the first line
# added), the peak of a status; a part costs a few hundred KB.
CHUNK = 4096
_LENGTH = 4

# One list a record, its facts at fixed places (None: not known):
# the working file's stat and blob, the current version's id, blob, time and author,
# the published version's id, its event log's size and mtime, and when and by whom it was published.
W_INO, W_SIZE, W_MTIME, W_CTIME, W_BLOB, C_OID, C_BLOB, C_TIME, C_AUTHOR, P_OID, P_SIZE, P_MTIME, P_TIME, P_AUTHOR \
    = range(14)
_FIELDS = 14
# Where an entry holds blob and version ids, some of them often equal.
_IDS = (W_BLOB, C_OID, C_BLOB, P_OID)
_Text = TypeVar("_Text", str, str | None)
Entry = list[object]
# (mtime_ns, inode) of refs/published/<model>, then of logs/<model>.
FolderStates = list[int]


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
        self._entries: dict[str, Entry] = {}
        # Per model, the states of refs/published/<model> and logs/<model> that vouch for its facts.
        self._folders: dict[str, FolderStates] = {}
        if load:
            self._entries, self._folders = self._load()
        self._changed = False
        self._texts: dict[str, str] = {}
        self._clean_models: dict[str, bool] = {}
        self._content = str(site.content_dir)
        self._max_size = site.config.max_file_size
        self._clock: int | None = None
        self._seen: dict[str, FolderStates | None] = {}
        self._vouched: dict[str, bool] = {}

    def _load(self) -> tuple[dict[str, Entry], dict[str, FolderStates]]:
        entries: dict[str, Entry] = {}
        try:
            with open(self.path, "rb") as f:
                if f.read(len(MAGIC)) != MAGIC:
                    return {}, {}
                parts = _parts(f)
                folders = next(parts, None)
                if type(folders) is not dict:
                    return {}, {}
                for part in parts:
                    if type(part) is not dict:
                        return {}, {}
                    # Each entry's shape is checked where it is read: a pass over all of them here would cost as much.
                    entries.update(part)
        except (OSError, ValueError, EOFError, TypeError):
            return {}, {}
        return entries, folders

    def _entry(self, record: str) -> Entry:
        entry = self._entries.get(record)
        if type(entry) is not list or len(entry) != _FIELDS:
            entry = self._entries[record] = [None] * _FIELDS
        return entry

    def _set(self, record: str, start: int, values: list[object]) -> None:
        entry = self._entry(record)
        if entry[start:start + len(values)] != values:
            entry[start:start + len(values)] = values
            self._changed = True

    # Equal texts as one object (the first status of 100,000 records held each of them many times
    # over): marshal then writes one object met again in a part as a reference, so they stay
    # shared in the next command's memory too.

    def _common(self, text: _Text) -> _Text:
        """``text`` (a time or an author: a bulk save gives thousands of records one) as one object for
        all; anything else a log edited by hand holds there is kept as it is."""
        return self._texts.setdefault(text, text) if type(text) is str else text

    def _held(self, record: str, text: str) -> str:
        """``text`` as the object ``record``'s entry already holds as a blob or version id, if it does."""
        entry = self._entries.get(record)
        if type(entry) is list and len(entry) == _FIELDS:
            for at in _IDS:
                held = entry[at]
                if type(held) is str and held == text:
                    return held
        return text

    # working files

    def working_blob(self, key: RecordKey) -> str | None:
        """The blob id of ``key``'s working file (None: there is none), as ``read_working`` would find it.

        The file is read and hashed only when its stat differs from the one
        remembered; a file press would refuse (a link, too large) raises the
        same PressError ``read_working`` does.
        """
        return self.blob(str(key), key.model, key.id)

    def blob(self, record: str, model: str, rid: str) -> str | None:
        """``working_blob`` of the record ``model/id`` (``record``), for callers that hold its name as text."""
        # records.working_path's layout, joined as text: a Path per record costs more than the lstat.
        try:
            st = os.lstat(f"{self._content}/{model}/{rid}.yaml")
        except (FileNotFoundError, NotADirectoryError):
            st = None
        if st is not None:
            entry = self._entries.get(record)
            if (type(entry) is list and len(entry) == _FIELDS and entry[W_MTIME] == st.st_mtime_ns
                    and entry[W_CTIME] == st.st_ctime_ns and entry[W_INO] == st.st_ino
                    and entry[W_SIZE] == st.st_size and self._trusted(model, st)):
                remembered = entry[W_BLOB]
                if isinstance(remembered, str):
                    return remembered
        data = self.site.read_working(RecordKey(model, rid))
        if data is None:
            return None
        blob = hash_bytes(data)
        if st is not None:
            self._remember(record, model, st, blob)
        return blob

    def warm(self, record: str, model: str, rid: str, current: str | None,
             published: str | None) -> tuple[str, str | None, str | None, str | None, str | None, str | None] | None:
        """``blob``, ``version_facts`` and ``published`` at once, when the entry answers all three as they
        would without reading anything: (working blob, current blob, time, author, published time, author),
        None for the current and published ones the record has not. None: ask each of them.

        The same checks as theirs, made on one lookup of the entry: ``status`` asks this of every record.
        """
        entry = self._entries.get(record)
        if type(entry) is not list or len(entry) != _FIELDS:
            return None
        try:
            st = os.lstat(f"{self._content}/{model}/{rid}.yaml")
        except (FileNotFoundError, NotADirectoryError):
            return None
        blob = entry[W_BLOB]
        if not (entry[W_MTIME] == st.st_mtime_ns and entry[W_CTIME] == st.st_ctime_ns and entry[W_INO] == st.st_ino
                and entry[W_SIZE] == st.st_size and isinstance(blob, str) and self._trusted(model, st)):
            return None
        version: tuple[str | None, str | None, str | None] = (None, None, None)
        publication: tuple[str | None, str | None] = (None, None)
        if current:
            if entry[C_OID] != current:
                return None
            c_blob, c_time, c_author = entry[C_BLOB], entry[C_TIME], entry[C_AUTHOR]
            if not (isinstance(c_blob, str) and isinstance(c_time, str) and isinstance(c_author, str)):
                return None
            version = c_blob, c_time, c_author
        if published:
            vouched = self._vouched.get(model)
            if vouched is None:
                vouched = self._vouch(model)
            if not vouched or entry[P_OID] != published:
                return None
            p_time, p_author = entry[P_TIME], entry[P_AUTHOR]
            # _publication's test, inline.
            if not ((p_time is None or isinstance(p_time, str)) and (p_author is None or isinstance(p_author, str))):
                return None
            publication = p_time, p_author
        return blob, *version, *publication

    def _trusted(self, model: str, st: os.stat_result) -> bool:
        """A regular file within the size limit, in a model folder that is no link: what read_working accepts."""
        if not stat.S_ISREG(st.st_mode) or st.st_size > self._max_size:
            return False
        clean = self._clean_models.get(model)
        if clean is None:
            try:
                check_inside(self.site.root, self.site.content_dir / model)
                clean = True
            except PressError:
                clean = False
            self._clean_models[model] = clean
        return clean

    def _remember(self, record: str, model: str, st: os.stat_result, blob: str) -> None:
        if self._trusted(model, st) and st.st_ctime_ns < time.time_ns() - RACY_NS:
            self._set(record, W_INO,
                      [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, self._held(record, blob)])

    def remember_working(self, key: RecordKey, st: os.stat_result, blob: str) -> None:
        """Note that the working file with stat ``st`` (taken before reading it) holds ``blob``."""
        self._remember(str(key), key.model, st, blob)

    # versions and publications

    def version(self, record: str, oid: str) -> VersionFacts:
        """Blob, time and author of version ``oid`` of ``record``."""
        return VersionFacts(*self.version_facts(record, oid))

    def version_facts(self, record: str, oid: str) -> tuple[str, str, str]:
        """``version`` as a tuple (blob, time, author): status asks it of every record."""
        entry = self._entries.get(record)
        if type(entry) is list and len(entry) == _FIELDS and entry[C_OID] == oid:
            blob, when, who = entry[C_BLOB:C_AUTHOR + 1]
            if isinstance(blob, str) and isinstance(when, str) and isinstance(who, str):
                return blob, when, who
        version = self.site.store.get_version(oid)
        facts = self._held(record, version.blob), self._common(version.time), self._common(version.author)
        self._set(record, C_OID, [self._held(record, oid), *facts])
        return facts

    def published(self, record: str, oid: str) -> tuple[str | None, str | None]:
        """When and by whom ``oid`` was (last) published, from ``record``'s event log."""
        model = record.partition("/")[0]
        vouched = self._vouched.get(model)
        if vouched is None:
            vouched = self._vouch(model)
        entry = self._entries.get(record)
        if type(entry) is not list or len(entry) != _FIELDS or entry[P_OID] != oid:
            entry = None
        if vouched and entry is not None and (found := _publication(entry)) is not None:
            return found
        stamp = self.site.store.log_stamp(record)
        if (stamp is not None and entry is not None and entry[P_MTIME] == stamp[1] and entry[P_SIZE] == stamp[0]
                and (found := _publication(entry)) is not None):
            return found
        event = self.site.store.last_event(record, "publish", oid)
        found = (self._common(event.get("time")), self._common(event.get("author"))) if event is not None \
            else (None, None)
        if stamp is not None:
            self._set(record, P_OID, [self._held(record, oid), *stamp, *found])
        return found

    def _vouch(self, model: str) -> bool:
        """Whether ``model``'s folders are as recorded (see the module docstring); their states are
        kept for ``save``, read after a clock read, as the rule wants."""
        if not self._load_all:
            self._vouched[model] = False
            return False
        if self._clock is None:
            self._clock = self.site.store.cache.clock() or 0
        root = self.site.store.root
        states: FolderStates = []
        for folder in (f"{root}/refs/published/{model}", f"{root}/logs/{model}"):
            try:
                st = os.stat(folder)
            except OSError:
                break
            states += [st.st_mtime_ns, st.st_ino]
        # A folder changed in the clock's current tick could change again and keep its mtime.
        clean = len(states) == 4 and states[0] < self._clock and states[2] < self._clock
        self._seen[model] = states if clean else None
        vouched = self._vouched[model] = clean and self._folders.get(model) == states
        return vouched

    def save(self, keep: set[str] | None = None, *, checked: Iterable[str] = ()) -> None:
        """Write the cache if it learnt anything; ``keep``: drop records not in it (best effort).

        ``checked``: models every published record of which was looked up (``published``) since
        this cache was made: their folder states are kept, to vouch for their facts next time.
        """
        if keep is not None:
            for record in self._entries.keys() - keep:
                del self._entries[record]
                self._changed = True
        for model in checked:
            states = self._seen.get(model)
            if states is None:
                if self._folders.pop(model, None) is not None:
                    self._changed = True
            elif self._folders.get(model) != states:
                self._folders[model] = states
                self._changed = True
        if not self._changed or not self._load_all:
            return
        try:
            write_atomic(self.path, _dump(self._entries, self._folders), durable=False)
        except OSError:
            return  # a read-only checkout: status still works, only slower
        self._changed = False


def _publication(entry: Entry) -> tuple[str | None, str | None] | None:
    """When and by whom, as an entry remembers them; None when the file held something else there."""
    when, who = entry[P_TIME:P_AUTHOR + 1]
    if (when is None or isinstance(when, str)) and (who is None or isinstance(who, str)):
        return when, who
    return None


def _parts(f: BinaryIO) -> Iterator[object]:
    """The parts of a cache file after its first line (see ``CHUNK``); ValueError when one is cut short."""
    while head := f.read(_LENGTH):
        size = int.from_bytes(head, "little")
        data = f.read(size)
        if len(head) != _LENGTH or len(data) != size:
            raise ValueError("a part of the stat cache is cut short")
        yield marshal.loads(data)


def _dump(entries: dict[str, Entry], folders: dict[str, FolderStates]) -> Iterator[bytes]:
    """The cache file, a part at a time; entries of another shape are left out."""
    yield MAGIC
    yield from _part(folders)
    part: dict[str, Entry] = {}
    for record, entry in entries.items():
        if type(entry) is list and len(entry) == _FIELDS:
            part[record] = entry
            if len(part) == CHUNK:
                yield from _part(part)
                part = {}
    if part:
        yield from _part(part)


def _part(obj: dict[str, Any]) -> Iterator[bytes]:
    data = marshal.dumps(obj)
    yield len(data).to_bytes(_LENGTH, "little")
    yield data
