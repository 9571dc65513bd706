"""Ref files: ``refs/<kind>/<model>/<id>``, one line holding a version id."""

from __future__ import annotations

import enum
import os
import re
from pathlib import Path

from ..errors import StoreDamagedError, Where
from .conflicts import RefConflict, RefConflictError, parse_conflict
from .fsio import read_bytes, write_fresh
from .objects import OID_RE



class RefKind(enum.StrEnum):
    """The three refs a record may have; each member is its folder's name (and its JSON string)."""

    CURRENT = "current"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# The store checks record keys itself so that no caller can make it write
# outside .press/ (the records layer has the stricter, user-facing rule).
# \Z, not $: $ also matches before a final newline, which would reach the file name.
# Two parts in one match: a status of every record checks tens of thousands of keys.
_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")


def check_record_key(key: str) -> tuple[str, str]:
    """Split ``model/id`` and refuse anything that is not two safe path parts."""
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"unsafe record key for the store: {key!r}")
    model, _, rid = key.partition("/")
    return model, rid


def check_kind(kind: str) -> RefKind:
    """``kind`` as a RefKind; ValueError for a name that is none."""
    if isinstance(kind, RefKind):
        return kind
    try:
        return RefKind(kind)
    except ValueError:
        raise ValueError(f"unknown ref kind {kind!r}") from None


class RefFiles:
    """Read and write the loose ref files under ``refs/``."""

    def __init__(self, root: Path):
        self.root = root
        self._root = os.fspath(root)

    def path(self, kind: RefKind, record: str) -> Path:
        model, rid = check_record_key(record)
        return self.root / check_kind(kind) / model / rid

    def _file(self, kind: RefKind, record: str) -> str:
        """``path`` as a string: a bulk commit reads three refs a record, where pathlib cost more than the read."""
        model, rid = check_record_key(record)
        return f"{self._root}/{check_kind(kind).value}/{model}/{rid}"

    def read(self, kind: RefKind, record: str) -> str | None:
        return self._read(self._file(kind, record), kind, record)

    @staticmethod
    def _read(path: Path | str, kind: RefKind, record: str) -> str | None:
        try:
            text = read_bytes(os.fspath(path)).decode("ascii").strip()
        except FileNotFoundError:
            return None
        except (UnicodeDecodeError, IsADirectoryError):
            text = "<unreadable>"
        if not OID_RE.match(text):
            conflict = parse_conflict(text, kind, record)
            if conflict is not None:
                raise RefConflictError([conflict])
            raise StoreDamagedError(
                "does not hold a version id",
                where=Where(file=str(path), record=record),
                hint="check the store (Site.fsck); restore the ref from git (`git checkout -- .press/refs`)",
                cause="refs.not_an_id",
            )
        return text

    def read_all(self, kind: RefKind, conflicts: list[RefConflict] | None = None) -> dict[str, str]:
        """Every ref of one kind, as ``{record: version id}``.

        A ref left in conflict by a git merge raises RefConflictError, or, when
        a ``conflicts`` list is given, is added to it and left out.
        """
        out: dict[str, str] = {}
        base = self.root / check_kind(kind)
        if not base.is_dir():
            return out
        with os.scandir(base) as models:
            for model in models:
                if not model.is_dir() or model.name.startswith("."):
                    continue
                for rid, value in self.read_folder(kind, model.name, conflicts).items():
                    out[f"{model.name}/{rid}"] = value
        return out

    def read_folder(self, kind: RefKind, model: str, conflicts: list[RefConflict] | None = None) -> dict[str, str]:
        """The refs of one folder ``<kind>/<model>``, as ``{id: version id}`` (conflicts as in ``read_all``)."""
        out: dict[str, str] = {}
        try:
            entries = os.scandir(self.root / check_kind(kind) / model)
        except (FileNotFoundError, NotADirectoryError):
            return out
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                record = f"{model}/{entry.name}"
                check_record_key(record)
                try:
                    # The entry's own path: building it again from the key is most of the cost.
                    value = self._read(entry.path, kind, record)
                except RefConflictError as e:
                    if conflicts is None:
                        raise
                    conflicts.extend(e.conflicts)
                    continue
                if value is not None:
                    out[entry.name] = value
        return out

    def write(self, kind: RefKind, record: str, oid: str | None) -> str:
        """Point a ref at ``oid``, or remove it for None; the ref's path. Not durable by itself."""
        file = self._file(kind, record)
        if oid is None:
            try:
                os.unlink(file)
            except FileNotFoundError:
                pass
            return file
        # No temp file is left behind by a failed write (a full disk), and no mkdir is tried when
        # the folder is there: a bulk publish writes a ref a record.
        write_fresh(file, oid.encode() + b"\n")
        return file
