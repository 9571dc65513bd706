"""``gc``: remove objects that nothing reaches, and apply retention.

What is kept (the roots and what they reach):

- every version a ref names (current, published, archived) and every version
  the caller names (``extra_roots``: schedules pin versions), with its blob;
- each record's history behind those versions: all of it, or, when its model
  sets ``max_versions: N`` (N > 0), the newest N versions of ``current``'s
  chain. Older versions fall out of history: the cut is written to
  ``pruned/`` (see ``pruned.py``) *before* anything is removed.

Everything else is garbage, but only once it is older than the grace period:
a ``save`` writes its objects before it takes the lock to commit, so a young
unreachable object may be about to become reachable (git's prune expiry).
``ObjectStore.put`` freshens an object it would write again, for the same
reason. To close the last window, an object is first renamed aside, its age
checked again, and only then removed: a ``put`` that freshened it in between
is seen, and the object is put back; a ``put`` that comes after the rename
finds no file and writes it anew.

gc holds the store's exclusive lock while it runs, so no ref moves under it,
and it refuses to remove anything when the store is damaged (run fsck).
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreDamagedError
from .fsck import TEMP_PREFIXES
from .lock import locked
from .objects import OID_RE
from .refs import RefKind
from .versions import Version

if TYPE_CHECKING:
    from . import Store

DEFAULT_GRACE = 3600.0
_PEEK = 64 * 1024


@dataclass(frozen=True)
class GcObject:
    """One object gc removed (or, with ``dry_run``, would remove)."""

    oid: str
    size: int
    kind: str  # "version" or "blob"
    record: str | None = None  # for a version: its record


@dataclass(frozen=True)
class PrunedHistory:
    """A record whose history retention cut: it now begins at ``cut_at``."""

    record: str
    cut_at: list[str]
    max_versions: int


@dataclass(frozen=True)
class GcReport:
    """What gc removed or kept; with ``dry_run`` nothing was changed."""

    dry_run: bool
    grace_seconds: float
    removed: list[GcObject] = field(default_factory=list)
    removed_bytes: int = 0
    reachable: int = 0
    young: int = 0
    pruned: list[PrunedHistory] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)


def gc(store: Store, *, max_versions: Mapping[str, int] | None = None,
       extra_roots: Iterable[str] | Callable[[], Iterable[str]] = (), grace: float = DEFAULT_GRACE,
       dry_run: bool = False) -> GcReport:
    """Remove unreachable objects older than ``grace`` seconds; apply ``max_versions`` (by model).

    ``extra_roots`` may be a function, called under gc's lock: roots read
    before it (schedules) could miss one made while gc waited for the lock.
    """
    retention = dict(max_versions or {})
    with locked(store._lock_path, exclusive=True):
        store._journal.replay()
        now = _time.time()
        _restore_set_aside(store)
        roots = list(extra_roots() if callable(extra_roots) else extra_roots)
        reachable, cuts = _mark(store, retention, roots)
        pruned = _plan_cuts(store, cuts, retention)
        if not dry_run:
            # Cut points are durable before any object goes, so a crash in
            # between never leaves a chain that nothing explains.
            for change in pruned:
                store._pruned.write(change.record, set(change.cut_at))
            for record in store._pruned.records():
                if record not in cuts:
                    store._pruned.write(record, set())
        removed, removed_bytes, young, kept = _sweep(store, reachable, now - grace, dry_run)
        temps = _temp_files(store, now - grace, dry_run)
    return GcReport(
        dry_run=dry_run, grace_seconds=grace, removed=removed, removed_bytes=removed_bytes, reachable=kept,
        young=young, pruned=[p for p in pruned if p.cut_at], temp_files=temps,
    )


def _mark(store: Store, retention: dict[str, int],
          extra_roots: list[str]) -> tuple[set[bytes], dict[str, set[str]]]:
    heads: dict[str, list[tuple[str, str]]] = {}
    for kind in RefKind:
        for record, oid in sorted(store._refs.read_all(kind).items()):
            heads.setdefault(record, []).append((kind, oid))
    for oid in extra_roots:
        if not (OID_RE.match(oid) and store._objects.exists(oid)):
            raise StoreDamagedError(f"version {oid[:12]}, which gc was asked to keep (a schedule pins it), is missing",
                                    hint="check the store (Site.fsck); gc removes nothing from a damaged store",
                                    cause="gc.damaged")
        heads.setdefault(store.get_version(oid).record, []).append(("extra", oid))
    reachable: set[bytes] = set()
    cuts: dict[str, set[str]] = {}
    for record in sorted(heads):
        keep = retention.get(record.split("/", 1)[0], 0)
        parents: dict[str, str | None] = {}
        for root, head in heads[record]:
            # With retention, only current keeps history; any other root keeps itself.
            limit = keep if root == RefKind.CURRENT else (1 if keep else 0)
            for count, (oid, version) in enumerate(store.history(head), 1):
                if oid in parents:
                    break
                parents[oid] = version.parent
                reachable.add(bytes.fromhex(oid))
                reachable.add(bytes.fromhex(version.blob))
                if not store._objects.exists(version.blob):
                    raise StoreDamagedError(
                        f"version {oid[:12]} of {record} names missing content {version.blob[:12]}",
                        hint="check the store (Site.fsck); gc removes nothing from a damaged store",
                        cause="gc.damaged",
                    )
                if limit and count >= limit:
                    break
        record_cuts = {oid for oid, parent in parents.items() if parent is not None and parent not in parents}
        if record_cuts:
            cuts[record] = record_cuts
    return reachable, cuts


def _plan_cuts(store: Store, cuts: dict[str, set[str]], retention: dict[str, int]) -> list[PrunedHistory]:
    out = []
    for record, oids in sorted(cuts.items()):
        if store._pruned.read(record) != oids:
            out.append(PrunedHistory(record=record, cut_at=sorted(oids),
                                     max_versions=retention.get(record.split("/", 1)[0], 0)))
    return out


def _sweep(store: Store, reachable: set[bytes], cutoff: float,
           dry_run: bool) -> tuple[list[GcObject], int, int, int]:
    removed: list[GcObject] = []
    removed_bytes = young = kept = 0
    for oid in store._objects:
        if bytes.fromhex(oid) in reachable:
            kept += 1
            continue
        path = store._objects.path(oid)
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if st.st_mtime > cutoff:
            young += 1
            continue
        described = _describe(path, oid, st.st_size)
        if not dry_run and not _remove(path, cutoff):
            young += 1
            continue
        removed.append(described)
        removed_bytes += st.st_size
    # Empty fan-out folders stay: removing one could fail a concurrent put
    # between its mkdir and its temp file.
    return removed, removed_bytes, young, kept


def _remove(path: Path, cutoff: float) -> bool:
    aside = path.with_name(f".gc-{path.name}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return False
    if aside.stat().st_mtime > cutoff:
        os.replace(aside, path)
        return False
    os.unlink(aside)
    return True


def _describe(path: Path, oid: str, size: int) -> GcObject:
    if size <= _PEEK:
        try:
            version = Version.decode(oid, path.read_bytes())
            return GcObject(oid=oid, size=size, kind="version", record=version.record)
        except (StoreDamagedError, FileNotFoundError):
            pass
    return GcObject(oid=oid, size=size, kind="blob")


def _restore_set_aside(store: Store) -> None:
    """Put back objects an interrupted gc had renamed aside; this run decides afresh."""
    root = store._objects.root
    if not root.is_dir():
        return
    for aside in root.glob("??/.gc-*"):
        target = aside.with_name(aside.name[len(".gc-"):])
        if OID_RE.match(aside.parent.name + target.name) and not target.exists():
            os.replace(aside, target)
        else:
            aside.unlink()


def _temp_files(store: Store, cutoff: float, dry_run: bool) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(store.root):
        for name in filenames:
            if not name.startswith(TEMP_PREFIXES):
                continue
            path = Path(dirpath) / name
            try:
                if path.stat().st_mtime > cutoff:
                    continue
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue
            out.append(str(Path(".press") / path.relative_to(store.root)))
    return sorted(out)
