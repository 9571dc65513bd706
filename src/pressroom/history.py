"""Reading history: ``show`` a version, ``log`` a record (or the whole site), ``diff`` two states."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .diffing import Change, diff_data, stat, text_diff
from .errors import (BadContentError, HistoryBrokenError, NotFoundError, PressError, Problem, StoreDamagedError,
                     UsageError, Where)
from .naming import check_not_a_path, require_records, resolve_version
from .records import RecordKey, load_record, parse_ref
from .site import SiteCore
from .store import RefKind, Version
from .times import utc
from .workflow.common import iso, parse_time

# Events that make a version (the version's own log entry); the rest are
# shown as events between versions.
CREATING = ("save", "revert")
WORKING = "working"
# The events that move the published view (``log --site``).
PUBLISHING = ("publish", "unpublish", "archive", "delete")


@dataclass(frozen=True)
class ShowResult:
    """One version's content, exactly as it was saved; ``time`` (of the save) is an aware UTC datetime."""

    record: str
    version: str
    content: bytes
    author: str
    time: dt.datetime
    message: str


def show(site: SiteCore, ref: str) -> ShowResult:
    """The content of ``model/id[@version]`` (default: current)."""
    key, spec = parse_ref(ref)
    oid = resolve_version(site, key, spec)
    version = site.store.get_version(oid)
    return ShowResult(
        record=str(key), version=oid, content=site.store.get_blob(version.blob),
        author=version.author, time=utc(version.time), message=version.message,
    )


# log


@dataclass(frozen=True)
class LogEntry:
    """One line of history: a version (``type == "version"``) or an event about one.

    For a version, ``action`` is the event that made it (``save``, ``revert``)
    and ``refs`` the refs pointing at it; for an event (``publish``,
    ``unpublish``, ``archive``, ``delete``, …), ``version`` is the version it
    concerns and ``old``/``new`` the ref's values before and after. ``time`` is an aware UTC datetime.
    """

    type: str
    record: str
    action: str
    version: str | None
    time: dt.datetime
    author: str
    message: str
    parent: str | None = None
    refs: list[str] = field(default_factory=list)
    old: str | None = None
    new: str | None = None
    reverted_to: str | None = None
    changes: list[Change] | None = None


@dataclass(frozen=True)
class LogResult:
    """History newest first: a record's versions with its events interleaved, or the site's feed.

    ``pruned``: the record's history goes back further, but gc pruned it
    (``max_versions``). ``more``: ``limit`` cut the list short.
    """

    record: str | None
    items: list[LogEntry]
    refs: dict[str, str | None] = field(default_factory=dict)
    pruned: bool = False
    more: bool = False

    @property
    def entries(self) -> list[LogEntry]:
        """The versions alone, newest first."""
        return [i for i in self.items if i.type == "version"]


def log(site: SiteCore, ref: str | None = None, *, limit: int | None = None, patch: bool = False,
        published: bool = False, since: str | None = None, until: str | None = None) -> LogResult:
    """A record's history (``model/id[@version]``), or with no ref the site-wide activity feed.

    ``published``: the feed's publish, unpublish, archive and delete events
    only (what changed on the site); ``since``/``until`` (times as
    ``schedule --at`` takes them, both included) bound the feed.
    """
    if limit is not None and limit < 1:
        raise UsageError("limit must be 1 or more", cause="history.limit")
    if ref is not None and (published or since or until):
        raise UsageError("published, since and until are for the site's feed: name no record",
                         cause="history.feed_options_with_record")
    if ref is None:
        if patch:
            raise UsageError("patch needs a record", hint="e.g. Site.log('post/x', patch=True)",
                             cause="history.patch_without_record")
        return _feed(site, limit, actions=PUBLISHING if published else None,
                     since=parse_time(since) if since else None, until=parse_time(until) if until else None)
    key, spec = parse_ref(ref)
    record = str(key)
    refs = site.store.record_refs(record)
    events = site.store.read_log(record)
    if spec is None:
        heads = list(dict.fromkeys(oid for kind in RefKind if (oid := refs[kind])))
        if not heads and not events:
            require_records(site, [key])
            raise NotFoundError(f"{record} has no versions", hint="save it first (Site.save)",
                                cause="save_first", data={"record": record})
    else:
        heads = [resolve_version(site, key, spec)]
    chain: dict[str, Version] = {}
    pruned = False
    broken: StoreDamagedError | None = None
    for head in heads:
        last: Version | None = None
        try:
            for oid, version in site.store.history(head):
                if oid in chain:
                    break
                chain[oid] = version
                last = version
            else:
                pruned = pruned or (last is not None and last.parent is not None)
        except StoreDamagedError as e:
            broken = broken or e
    items = _interleave(record, chain, events, refs, spec is not None)
    more = limit is not None and len(items) > limit
    items = items[:limit] if limit is not None else items
    if patch:
        items = _with_patches(site, key, items, chain)
    result = LogResult(record=record, items=items, refs=refs, pruned=pruned and not more, more=more)
    if broken is not None:
        if not chain:
            raise broken
        raise HistoryBrokenError(broken, result)
    return result


def _interleave(record: str, chain: dict[str, Version], events: list[dict[str, Any]],
                refs: dict[str, str | None], from_version: bool) -> list[LogEntry]:
    """Versions and events in one timeline, by the order of the record's (append-only) event log."""
    made_by: dict[str, int] = {}
    for i, ev in enumerate(events):
        new = ev.get("new")
        if ev.get("action") in CREATING and isinstance(new, str) and new not in made_by:
            made_by[new] = i
    cutoff = len(events)
    if from_version and chain:
        head = next(iter(chain))
        start = made_by.get(head, -1)
        later = [i for oid, i in made_by.items() if oid not in chain and i > start]
        cutoff = min(later, default=cutoff)
    keyed: list[tuple[float, int, LogEntry]] = []
    for pos, (oid, version) in enumerate(chain.items()):
        made = made_by.get(oid)
        ev = events[made] if made is not None else {}
        where = float(made) if made is not None else _by_time(events, version.time)
        keyed.append((where, -pos, LogEntry(
            type="version", record=record, action=ev.get("action", "save"), version=oid, time=utc(version.time),
            author=version.author, message=version.message, parent=version.parent,
            refs=[kind for kind in RefKind if refs.get(kind) == oid],
            reverted_to=ev.get("reverted_to") if isinstance(ev.get("reverted_to"), str) else None,
        )))
    # A version gone from history (pruned, or of a deleted record's earlier
    # life) is not listed as its save event; a deleted record shows them all.
    creations = set(made_by.values()) if chain else set()
    for i, ev in enumerate(events[:cutoff]):
        if i in creations:
            continue
        keyed.append((float(i), 0, _event_entry(record, ev)))
    keyed.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [entry for _, _, entry in keyed]


def _by_time(events: list[dict[str, Any]], time: str) -> float:
    """Where a version with no event of its own falls among the events: by its time."""
    for i, ev in enumerate(events):
        if str(ev.get("time", "")) > time:
            return i - 0.5
    return len(events) - 0.5


def _event_entry(record: str, ev: dict[str, Any]) -> LogEntry:
    old, new = _oid(ev.get("old")), _oid(ev.get("new"))
    action = str(ev.get("action", "?"))
    concerns = old if action in ("unpublish", "archive", "delete") and old else new or old
    return LogEntry(
        type="event", record=record, action=action, version=concerns, time=utc(str(ev.get("time", ""))),
        author=str(ev.get("author", "")), message=str(ev.get("message", "") or ""), old=old, new=new,
        reverted_to=_oid(ev.get("reverted_to")),
    )


def _oid(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _event_time(ev: Mapping[str, Any]) -> dt.datetime | None:
    try:
        return parse_time(str(ev.get("time")))
    except UsageError:
        return None


def _feed(site: SiteCore, limit: int | None, *, actions: tuple[str, ...] | None = None,
          since: dt.datetime | None = None, until: dt.datetime | None = None) -> LogResult:
    """The latest events across every record, newest first (the CMS audit log), of ``actions`` in a period."""
    rows: list[tuple[str, str, str, int, dict[str, Any]]] = []
    for record in site.store.log_records():
        for i, ev in enumerate(site.store.read_log(record)):
            if actions is not None and ev.get("action") not in actions:
                continue
            if since is not None or until is not None:
                when = _event_time(ev)
                if when is None or (since is not None and when < since) or (until is not None and when > until):
                    continue
            # Transaction ids sort in commit order: they order events within a second.
            row = (str(ev.get("time", "")), str(ev.get("txn", "")), record, i, ev)
            if limit is None:
                rows.append(row)
            elif len(rows) <= limit:
                heapq.heappush(rows, row)
            else:
                heapq.heappushpop(rows, row)
    rows.sort(key=lambda r: r[:4], reverse=True)
    more = limit is not None and len(rows) > limit
    items = [_event_entry(record, ev) for _time, _txn, record, _i, ev in rows[:limit]]
    return LogResult(record=None, items=items, more=more)


def _with_patches(site: SiteCore, key: RecordKey, items: list[LogEntry],
                  chain: dict[str, Version]) -> list[LogEntry]:
    schema, keys, _warning = _model_view(site, key.model)
    data: dict[str, dict[str, Any]] = {}

    def parsed(oid: str) -> dict[str, Any]:
        if oid not in data:
            data[oid] = load_record(site.store.get_blob(chain[oid].blob), f"{key}@{oid[:7]}")
        return data[oid]

    out = []
    for item in items:
        if item.type == "version" and item.version is not None:
            parent = item.parent
            if parent is None or parent in chain:
                changes = diff_data(parsed(parent) if parent else None, parsed(item.version), keys=keys,
                                    schema=schema)
                item = replace(item, changes=changes)
        out.append(item)
    return out


# diff


@dataclass(frozen=True)
class DiffSide:
    """One side of a diff: a version, or the working file (``version`` None)."""

    label: str
    version: str | None
    exists: bool


@dataclass(frozen=True)
class DiffResult:
    """The changes from ``old`` to ``new``; ``different`` is whether their bytes differ.

    ``text`` is the unified diff of the YAML text, when asked for.
    """

    record: str
    old: DiffSide
    new: DiffSide
    different: bool
    changes: list[Change]
    stat: dict[str, int]
    text: list[str] | None = None
    warnings: list[Problem] = field(default_factory=list)


def diff(site: SiteCore, ref: str, a: str | None = None, b: str | None = None, *, published: bool = False,
         text: bool = False) -> DiffResult:
    """Field-level changes of a record.

    No version: the working file against ``current``. One (``a``, or
    ``REF@V``): that version against the working file. Two: the first against
    the second. ``published``: ``published`` against ``current`` (what a
    publish would change). A version may be ``working`` (the working file) or
    another record's ``model/id@V``.
    """
    key, spec = parse_ref(ref)
    named = [v for v in (spec, a, b) if v is not None]
    if published:
        if named:
            raise UsageError("published=True compares published with current; name no versions with it",
                             cause="history.published_with_versions")
        named = ["published", "current"]
    if len(named) > 2:
        raise UsageError("diff compares two versions; name at most two",
                         hint=f"e.g. Site.diff('{key}', '@~1', '@current')",
                         cause="history.diff_three", data={"record": str(key)})
    if not named:
        named = ["current", WORKING]
    elif len(named) == 1:
        named = [named[0], WORKING]
    old_side, old_bytes, old_key = _side(site, key, named[0], absent_ok=not spec and not a and not published)
    new_side, new_bytes, _ = _side(site, key, named[1], absent_ok=True)
    if old_bytes is None and new_bytes is None:
        require_records(site, [key])
        raise NotFoundError(f"{key} has neither a saved version nor a working file", hint="nothing to compare")
    schema, keys, warning = _model_view(site, old_key.model)
    warnings = [warning] if warning else []
    try:
        changes = diff_data(_parse(old_bytes, old_side.label), _parse(new_bytes, new_side.label), keys=keys,
                            schema=schema)
    except BadContentError as e:
        if not text:
            raise
        changes = []
        warnings.extend(e.problems)
    lines = text_diff(old_bytes, new_bytes, f"a/{old_side.label}", f"b/{new_side.label}") if text else None
    return DiffResult(record=str(key), old=old_side, new=new_side, different=old_bytes != new_bytes,
                      changes=changes, stat=stat(changes), text=lines, warnings=warnings)


def _side(site: SiteCore, key: RecordKey, name: str, *, absent_ok: bool) -> tuple[DiffSide, bytes | None, RecordKey]:
    check_not_a_path(name)
    if "/" in name:
        key, spec = parse_ref(name)
        name = spec or "current"
    if name.lstrip("@") == WORKING:
        label = site.rel(site.working_path(key))
        data = site.read_working(key)
        return DiffSide(label=label, version=None, exists=data is not None), data, key
    if absent_ok and name == "current" and site.store.read_ref(RefKind.CURRENT, str(key)) is None:
        return DiffSide(label=f"{key}@current", version=None, exists=False), None, key
    oid = resolve_version(site, key, name)
    data = site.store.get_blob(site.store.get_version(oid).blob)
    return DiffSide(label=f"{key}@{oid[:7]}", version=oid, exists=True), data, key


def _parse(data: bytes | None, label: str) -> dict[str, Any] | None:
    return None if data is None else load_record(data, label)


def _model_view(site: SiteCore, model: str) -> tuple[Mapping[str, Any] | None, dict[str, str], Problem | None]:
    """The model's schema and ``diff_keys``; a broken model file must not stop a read, so it is a warning."""
    from .models import load_models  # diff and log's patches alone read models

    try:
        found = load_models(site).get(model)
    except BadContentError as e:
        return None, {}, e.problems[0]
    if found is None:
        return None, {}, None
    return found.schema, dict(found.options.get("diff_keys") or {}), None


# the published view at a past time


@dataclass(frozen=True)
class AsOf:
    """The published view as it stood at ``time``, read from the event logs.

    ``published``: each record then published, at its version;
    ``published_at``: when that version was last published, by then.
    """

    time: str
    published: dict[str, str] = field(default_factory=dict)
    published_at: dict[str, str] = field(default_factory=dict)


def published_as_of(site: SiteCore, when: str) -> AsOf:
    """Replay every record's publish events up to ``when`` (as ``schedule --at`` takes it).

    A version that view needs and gc removed is refused (NotFoundError), naming the record.
    """
    until = parse_time(when)
    published: dict[str, str] = {}
    times: dict[tuple[str, str], str] = {}
    for record in site.store.log_records():
        for ev in site.store.read_log(record):
            at = _event_time(ev)
            if at is None or at > until:
                continue
            action, new = ev.get("action"), _oid(ev.get("new"))
            if action == "publish" or (action == "resolve" and ev.get("kind") == "published"):
                if new is None:
                    published.pop(record, None)
                else:
                    published[record] = new
                    times[(record, new)] = str(ev.get("time"))
            elif action in ("unpublish", "archive", "delete"):
                published.pop(record, None)
    for record, oid in sorted(published.items()):
        try:
            site.store.get_blob(site.store.get_version(oid).blob)
        except PressError:
            raise NotFoundError(
                f"version {oid[:12]}, published at {iso(until)}, is no longer in the store (gc removed it, "
                "or a clone never fetched it)", where=Where(record=record),
                hint="choose a later time, or restore the store from a backup that still holds it") from None
    return AsOf(iso(until), published, {r: times[(r, oid)] for r, oid in published.items() if (r, oid) in times})
