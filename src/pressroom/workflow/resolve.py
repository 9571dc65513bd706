"""``press resolve REF``: end a merge conflict in a record's refs by picking a side.

A git merge of two branches that moved the same ref in ways that do not
descend from each other leaves the ref file in conflict (``store/conflicts``).
``--ours`` or ``--theirs`` takes that side for every conflicted ref of the
record; ``--version V`` points them all at V (any version of the record:
either side's history). One transaction, logged as ``resolve`` events. The
versions chosen must be in the store (after the merge, both sides' objects
are). A published version whose links point at unpublished records is
reported as a warning: the side chosen was already public on its branch.
When ``current`` is resolved and git left conflict markers in the working
file too, the file gets the chosen version's content (a working file without
markers is the user's, and is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFoundError, Problem, RefusedError, UsageError, Where
from ..naming import MIN_PREFIX
from ..records import parse_ref
from ..store.fsio import write_atomic
from ..site import SiteCore
from ..store import Event, RefConflict, RefUpdate, StoreDamagedError
from .common import event, now_iso
from .validation import Reader

SIDES = ("ours", "theirs", "version")


@dataclass(frozen=True)
class Resolved:
    """One ref that was in conflict, and the version it now holds."""

    kind: str
    ours: str
    theirs: str
    base: str | None
    chosen: str


@dataclass(frozen=True)
class ResolveResult:
    """What ``press resolve`` chose for each conflicted ref of the record."""

    record: str
    side: str
    resolved: list[Resolved] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    txn: str | None = None
    after: Any = None  # hooks and git commit (pressroom.automation.AfterResult)


def resolve(site: SiteCore, ref: str, *, side: str, version: str | None = None, author: str,
            message: str = "") -> ResolveResult:
    """Resolve every conflicted ref of ``ref``: ``side`` is ``ours``, ``theirs`` or ``version`` (then ``version``)."""
    if side not in SIDES:
        raise UsageError("pick one side: --ours, --theirs or --version V")
    if (side == "version") != (version is not None):
        raise UsageError("--version takes a version id (7+ characters)")
    key, spec = parse_ref(ref)
    record = str(key)
    if spec is not None:
        raise UsageError("name the record alone; give the version with --version", hint=f"press resolve {key} ...")
    snapshot = site.store.snapshot(conflicts_ok=True)
    conflicts = [c for c in snapshot.conflicts if c.record == record]
    if not conflicts:
        raise RefusedError(f"{record} has no merge conflict", where=Where(record=record),
                           hint="press status lists the records in conflict")
    chosen = _version(site, record, version, conflicts, snapshot) if version else None
    resolved = [Resolved(kind=c.kind, ours=c.ours, theirs=c.theirs, base=c.base,
                         chosen=chosen or (c.ours if side == "ours" else c.theirs)) for c in conflicts]
    for r in resolved:
        if not site.store.objects.exists(r.chosen):
            raise RefusedError(f"version {r.chosen[:7]} ({r.kind}, {side}) is not in the store",
                               where=Where(record=record),
                               hint="finish the git merge so that both sides' .press/objects are in the work tree")
        if site.store.get_version(r.chosen).record != record:
            raise StoreDamagedError(f"version {r.chosen[:7]} belongs to another record", where=Where(record=record))
    time = now_iso()
    updates = [RefUpdate(r.kind, record, None, r.chosen) for r in resolved]
    events = [Event(record, event("resolve", author=author, time=time, old=None, new=r.chosen,
                                  message=f"{r.kind}: took {side} {r.chosen[:7]}" + (f": {message}" if message else ""),
                                  kind=r.kind, ours=r.ours, theirs=r.theirs)) for r in resolved]
    warnings = _dangling(site, snapshot, record, resolved)
    current = next((r.chosen for r in resolved if r.kind == "current"), None)
    path = site.working_path(key)

    def reset_working() -> None:
        if current is not None and path.is_file() and not path.is_symlink() and _has_markers(path.read_bytes()):
            write_atomic(path, site.store.get_blob(site.store.get_version(current).blob), durable=False)

    txn = site.store.commit(updates, events, resolving=conflicts, then=reset_working)
    return ResolveResult(record=record, side=side, resolved=resolved, warnings=warnings, txn=txn)


def _has_markers(data: bytes) -> bool:
    lines = data.splitlines()
    return any(line.startswith(b"<<<<<<< ") for line in lines) and any(line.startswith(b">>>>>>> ")
                                                                        for line in lines)


def _version(site: SiteCore, record: str, spec: str, conflicts: list[RefConflict], snapshot: Any) -> str:
    """A version of ``record`` named by id or 7+ character prefix, from either side's history."""
    spec = spec.strip().lstrip("@")
    if len(spec) < MIN_PREFIX or any(ch not in "0123456789abcdef" for ch in spec):
        raise UsageError(f"--version {spec!r} is not a version id", hint=f"give {MIN_PREFIX}+ hex characters of it")
    heads = [oid for c in conflicts for oid in (c.ours, c.theirs, c.base) if oid]
    heads += [oid for kind in ("current", "published", "archived") if (oid := snapshot.get(kind, record))]
    seen: set[str] = set()
    for head in heads:
        if not site.store.objects.exists(head):
            continue
        for oid, _v in site.store.history(head):
            if oid in seen:
                break
            seen.add(oid)
    found = sorted(oid for oid in seen if oid.startswith(spec))
    if not found:
        raise NotFoundError(f"{record} has no version {spec} on either side", where=Where(record=record),
                            hint=f"the sides: {', '.join(sorted({c.ours[:7] for c in conflicts} | {c.theirs[:7] for c in conflicts}))}")
    if len(found) > 1:
        raise UsageError(f"version prefix {spec} is ambiguous in {record}", hint="give more characters")
    return found[0]


def _dangling(site: SiteCore, snapshot: Any, record: str, resolved: list[Resolved]) -> list[Problem]:
    published = next((r.chosen for r in resolved if r.kind == "published"), None)
    if published is None:
        return []
    public = set(snapshot.published) | {c.record for c in snapshot.conflicts if c.kind == "published"}
    reader = Reader(site, snapshot=snapshot)
    return [Problem(f"the published version links to {key}, which is not published", "unpublished_link",
                    Where(record=record, path=path), f"publish it: press publish {key}")
            for path, key in reader.links(record, published) if str(key) not in public]
