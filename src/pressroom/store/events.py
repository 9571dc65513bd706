"""Per-record event logs: ``logs/<model>/<id>``, one JSON object a line, append-only."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .fsio import named, read_bytes, write_all
from .refs import check_record_key


# The log's lines are appended with the file's own offset (O_APPEND): a bulk command appends to a log a record,
# where an io object's set-up cost more than the write.
_APPEND = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


def _open_log(path: str) -> int:
    """``path`` open to append and read, as a descriptor; its folder made only when the open says
    it is missing."""
    try:
        return os.open(path, _APPEND, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, _APPEND, 0o666)


def encode_event(event: dict[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


class EventLogs:
    """Append and read the event log of each record."""

    def __init__(self, root: Path):
        self.root = root
        self._root = os.fspath(root)

    def path(self, record: str) -> Path:
        model, rid = check_record_key(record)
        return self.root / model / rid

    def _file(self, record: str) -> str:
        """``path`` as a string: a bulk commit appends to a log a record, where pathlib cost more than the write."""
        model, rid = check_record_key(record)
        return f"{self._root}/{model}/{rid}"

    def append(self, record: str, events: list[dict[str, Any]], *, fresh: bool = False) -> str:
        """Append one transaction's events to a record's log, skipping those already there; the log's path.

        Replaying a journal after a crash appends again. A transaction's events
        go in together and in order under the store lock, so the lines at the
        end that carry its ``txn`` are the ones a crashed run already wrote:
        only the rest is appended (a transaction may log several events for one
        record, so checking the last line alone is not enough). A line torn by
        the crash is cut off first.

        ``fresh``: this is the transaction's first application, not a replay, so
        none of its lines can be there yet: only a log that does not end with a
        whole line is read.
        """
        path = self._file(record)
        lines = [encode_event(e) for e in events]
        txn = events[0].get("txn") if events else None
        done = 0
        try:  # not the ``naming`` block: a generator-based context costs more than the append
            fd = _open_log(path)
            try:
                size = os.fstat(fd).st_size
                if size and not (fresh and os.pread(fd, 1, size - 1) == b"\n"):
                    # Lines already written equal ``lines``; a torn one is shorter than its line.
                    tail_start = max(0, size - 2 * sum(map(len, lines)) - 65536)
                    tail = os.pread(fd, size - tail_start, tail_start)
                    if not tail.endswith(b"\n"):
                        cut = tail.rfind(b"\n") + 1
                        os.ftruncate(fd, tail_start + cut)
                        tail = tail[:cut]
                    for line in reversed(tail.rstrip(b"\n").split(b"\n")):
                        if done == len(lines) or not line or _txn_of(line) != txn:
                            break
                        done += 1
                write_all(fd, b"".join(lines[done:]))
            finally:
                os.close(fd)
        except OSError as e:
            if e.filename is not None:
                raise
            raise named(e, path) from e
        return path

    def read(self, record: str) -> list[dict[str, Any]]:
        """Events oldest first; a line that does not parse is skipped (fsck reports it)."""
        path = self.path(record)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in raw.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                out.append(event)
        return out

    def last(self, record: str, action: str, new: str) -> dict[str, Any] | None:
        """The last ``action`` event of a record whose ``new`` is the version id ``new``, or None.

        Only lines that hold the version id are parsed: asking when each of
        10,000 records was published reads each log, but parses a line or two.
        """
        try:
            # Read without pathlib: export asks this of every record.
            raw = read_bytes(self._file(record))
        except FileNotFoundError:
            return None
        needle = new.encode()
        for line in reversed(raw.splitlines()):
            if needle not in line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("action") == action and event.get("new") == new:
                return event
        return None

    def records(self) -> list[str]:
        """Every record that has a log, sorted, from the folder listing alone (a link or a
        folder where a log belongs is none: reading it would fail)."""
        out: list[str] = []
        try:
            models = list(os.scandir(self.root))
        except FileNotFoundError:
            return out
        for m in models:
            if not m.is_dir(follow_symlinks=False):
                continue
            with os.scandir(m.path) as entries:
                out.extend(f"{m.name}/{e.name}" for e in entries
                           if e.is_file(follow_symlinks=False) and not e.name.startswith("."))
        return sorted(out)


def _txn_of(line: bytes) -> str | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value.get("txn") if isinstance(value, dict) else None
