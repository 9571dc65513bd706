"""A store held in dicts, for testing the workflow's planners without a disk.

It has the reading side planners use (snapshot, versions, blobs, logs,
history, the derived cache) and the writing side ``execute`` uses (put
objects, commit one transaction with the same guards as ``Store.commit``),
the way dulwich tests its refs with a dict-backed container. It keeps no
journal, no lock and no working files: a transaction's site files are
recorded in ``site_files`` instead of written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import ConflictError, NotFoundError, Problem, StoreDamagedError, Where
from .journal import Event, RefUpdate, SiteFile
from .objects import hash_bytes
from .refs import RefKind
from .versions import Version
from . import Snapshot


class MemoryCache:
    """The derived cache, as a dict of ``(kind, key) -> value``."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], Any] = {}

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        return {k: self.entries[(kind, k)] for k in keys if (kind, k) in self.entries}

    def put_many(self, kind: str, entries: Mapping[str, Any]) -> None:
        for k, v in entries.items():
            self.entries[(kind, k)] = v


class MemoryStore:
    """Objects, refs and event logs in dicts; see the module docstring."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.refs: dict[str, dict[str, str]] = {kind.value: {} for kind in RefKind}
        self.logs: dict[str, list[dict[str, Any]]] = {}
        self.site_files: dict[str, str | None] = {}
        self.cache = MemoryCache()
        self.commits = 0

    # objects

    def put_blob(self, data: bytes) -> str:
        oid = hash_bytes(data)
        self.objects[oid] = data
        return oid

    def get_blob(self, oid: str) -> bytes:
        try:
            return self.objects[oid]
        except KeyError:
            raise NotFoundError(f"object {oid[:12]} does not exist") from None

    def put_version(self, version: Version) -> str:
        return self.put_blob(version.encode())

    def get_version(self, oid: str) -> Version:
        return Version.decode(oid, self.get_blob(oid))

    def has_object(self, oid: str) -> bool:
        return oid in self.objects

    def history(self, oid: str | None) -> Iterator[tuple[str, Version]]:
        seen: set[str] = set()
        while oid is not None:
            if oid in seen:
                raise StoreDamagedError(f"the parent chain loops at {oid[:12]}")
            seen.add(oid)
            version = self.get_version(oid)
            yield oid, version
            oid = version.parent

    # refs and logs

    def snapshot(self, *, conflicts_ok: bool = False) -> Snapshot:
        return Snapshot(current=dict(self.refs["current"]), published=dict(self.refs["published"]),
                        archived=dict(self.refs["archived"]))

    def read_ref(self, kind: str, record: str) -> str | None:
        return self.refs[kind].get(record)

    def record_refs(self, record: str) -> dict[str, str | None]:
        return {kind.value: self.refs[kind].get(record) for kind in RefKind}

    def read_log(self, record: str) -> list[dict[str, Any]]:
        return [dict(e) for e in self.logs.get(record, [])]

    def commit(self, updates: list[RefUpdate], events: Sequence[Event] = (), *,
               expect: Iterable[tuple[RefKind, str, str | None]] = (),
               unchanged: Mapping[RefKind, Mapping[str, str]] | None = None,
               site_files: Iterable[SiteFile] = ()) -> str:
        """Apply one transaction, or raise ConflictError naming each stale ref (nothing applied)."""
        stale = [(kind, record) for kind, record, value in expect if self.refs[kind].get(record) != value]
        stale += [(kind, r) for kind, seen in (unchanged or {}).items()
                  for r in sorted(set(seen) | set(self.refs[kind])) if self.refs[kind].get(r) != seen.get(r)]
        stale += [(u.kind, u.record) for u in updates if self.refs[u.kind].get(u.record) != u.old]
        if stale:
            raise ConflictError(f"{len(stale)} ref(s) changed under this command",
                                problems=[Problem(f"{kind} changed", code="conflict", where=Where(record=record))
                                          for kind, record in stale])
        for u in updates:
            if u.new is not None and u.new not in self.objects:
                raise StoreDamagedError(f"refusing to point {u.record} at missing object {u.new[:12]}")
        self.commits += 1
        txn = f"{self.commits:032x}"
        for u in updates:
            if u.new is None:
                self.refs[u.kind].pop(u.record, None)
            else:
                self.refs[u.kind][u.record] = u.new
        for e in events:
            self.logs.setdefault(e.record, []).append({**e.data, "txn": txn})
        for f in site_files:
            self.site_files[f.path] = f.blob
        return txn
