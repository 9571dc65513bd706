"""``press status``: each record's status, derived from its refs, and unsaved changes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter, itemgetter

from ..errors import PressError, Problem
from ..naming import require_records
from ..records import parse_key, scan_working
from ..site import SiteCore
from ..store import GitIndex, RefConflict, Snapshot
from ..times import utc
from .plan import Status
from .stages import stage_of_version, stage_view
from .statcache import StatCache
from .reruns import duplicate_run_violations
from .view import Violation, check_view

# Up to this many named records, status reads them without the stat cache.
_FEW = 20
STATUSES = ("new", "draft", "published", "updated", "archived", "deleted", "conflict")


def derive_status(snapshot: Snapshot, record: str) -> Status:
    """draft / published / updated / archived from the refs (``new`` if never saved)."""
    if record in snapshot.archived:
        return Status.ARCHIVED
    current = snapshot.current.get(record)
    published = snapshot.published.get(record)
    if published is None:
        return Status.DRAFT if current else Status.NEW
    return Status.PUBLISHED if published == current else Status.UPDATED


@dataclass(frozen=True)
class RecordStatus:
    """One row of ``press status``: times are aware UTC datetimes."""

    record: str
    status: Status
    changes: str | None  # "modified", "untracked", "missing" (no working file), or None
    current: str | None
    published: str | None
    archived: str | None
    updated_at: dt.datetime | None
    updated_by: str | None
    published_at: dt.datetime | None = None
    published_by: str | None = None
    stage: str | None = None  # the current version's review stage, for models with stages
    # Refs a git merge left in conflict: kind, ours, theirs, base (status is then "conflict").
    conflicts: list[dict[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class StatusResult:
    """Every requested record's status, and files that could not be read."""

    records: list[RecordStatus] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # The published view's violations (also first among the warnings): status still exits 0.
    violations: list[Violation] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many records have each status."""
        # Counted in C: the text output and --json each ask it of every row.
        found = Counter(map(attrgetter("status"), self.records))
        return {s: found[s] for s in STATUSES}


def status(site: SiteCore, names: Sequence[str] = (), *, model: str | None = None,
           index: GitIndex | None = None) -> StatusResult:
    """The status of the named records, of a model's, or of every record in the site.

    ``index``: what git's index holds unmerged in the store (a ref one branch
    deleted is in conflict there only); the caller asks git.
    """
    snapshot = site.store.snapshot(conflicts_ok=True)
    index = index or GitIndex()
    git_refs, git_warnings = index.refs, index.warnings
    in_conflict: dict[str, list[RefConflict]] = {}
    for c in [*snapshot.conflicts, *git_refs]:
        in_conflict.setdefault(c.record, []).append(c)
    stages, stage_warning = stage_view(site)
    skipped: list[Problem] = []
    if names:
        keys = sorted({parse_key(n) for n in names})
        # A typo is not a new record: a name with no ref, no working file and no log is not found.
        # Looked up by key: listing every record's refs would make one record's status cost the site's.
        require_records(site, keys, with_refs={str(k) for k in keys if str(k) in in_conflict or any(
            str(k) in refs for refs in (snapshot.current, snapshot.published, snapshot.archived))})
        listed = [(k.model, k.id) for k in keys]
        # A few named records are read directly: the cache file holds every record of the site.
        refs = snapshot
    else:
        if model:
            site.require_model_dir(model)
        # Listing every record read each kind whole: plain dicts then, not a lookup through the view per row.
        refs = Snapshot(current=dict(snapshot.current.items()), published=dict(snapshot.published.items()),
                        archived=dict(snapshot.archived.items()))
        # By name, as text, grouped by model: hashing and ordering 10,000s of RecordKey dataclasses
        # is most of the listing.
        working, skipped = scan_working(site.root, model)
        ids = {m: set(found) for m, found in working.items()}
        # Set operations, not a test per ref: nearly every ref's record has its working file.
        on_disk = {f"{m}/{rid}" for m, found in working.items() for rid in found}
        stored = (*refs.current, *refs.published, *refs.archived, *in_conflict)
        missing = set(stored) - on_disk
        for record in (r for r in stored if r in missing) if missing else ():
            m, _, rid = record.partition("/")
            parse_key(record)  # a name from the store alone is checked as the listing checked the files'
            if not model or m == model:
                ids.setdefault(m, set()).add(rid)
        listed = [(m, rid) for m in sorted(ids) for rid in sorted(ids[m])]
    # What a git merge broke comes first: it is what to fix before anything ships.
    violations = [*check_view(site, snapshot, merging=bool(git_refs)).violations, *duplicate_run_violations(site)]
    rows, warnings = [], [v.problem() for v in violations]
    if stage_warning:
        warnings.append(stage_warning)
    warnings.extend(skipped)
    warnings.extend(git_warnings)
    cache = StatCache(site, load=not names or len(listed) > _FEW)
    times: dict[str, dt.datetime] = {}
    warm, current_of, published_of, archived_of, time_of = (
        cache.warm, refs.current.get, refs.published.get, refs.archived.get, times.get)
    # An enum member looked up on its class costs ten times a local name, each row.
    archived_, draft, new, published_, updated = (Status.ARCHIVED, Status.DRAFT, Status.NEW, Status.PUBLISHED,
                                                  Status.UPDATED)
    for m, rid in listed:
        record = f"{m}/{rid}"
        current, published = current_of(record), published_of(record)
        facts = warm(record, m, rid, current, published)
        if facts is None:
            row, warning = _status_of(site, refs, record, m, rid, current, published, cache, times)
        else:
            # Everything from the cache, nothing read: _status_of's row, without its calls.
            on_file, blob, updated_at, updated_by, published_at, published_by = facts
            archived = archived_of(record)
            row, warning = _new(RecordStatus), None
            row.__dict__.update(
                record=record,
                status=(archived_ if archived is not None else (draft if current else new) if published is None
                        else published_ if published == current else updated),
                changes="untracked" if blob is None else None if on_file == blob else "modified",
                current=current, published=published, archived=archived,
                updated_at=None if updated_at is None else time_of(updated_at) or _utc(updated_at, times),
                updated_by=updated_by,
                published_at=None if published_at is None else time_of(published_at) or _utc(published_at, times),
                published_by=published_by,
                stage=None, conflicts=[])
        if m in stages and row.current:
            row = replace(row, stage=stage_of_version(site.store.read_log(row.record), row.current, stages[m]))
        if record in in_conflict:
            # A merge state, reported as such: which refs, both sides, and how to pick one.
            conflicts = in_conflict[record]
            row = replace(row, status=Status.CONFLICT, changes=None if any(c.kind == "current" for c in conflicts)
                          else row.changes,
                          conflicts=[{"kind": c.kind, "ours": c.ours, "theirs": c.theirs, "base": c.base}
                                     for c in conflicts])
            warnings.extend(c.problem() for c in conflicts)
        rows.append(row)
        if warning:
            warnings.append(warning)
    # Records no longer anywhere are forgotten only by a status of the whole site.
    # Every published record of each model listed was looked up: their folders can vouch for them next time.
    cache.save(keep=None if names or model else set(map(attrgetter("record"), rows)),
               checked=() if names else set(map(itemgetter(0), listed)))
    return StatusResult(records=rows, warnings=warnings, violations=violations)


def _utc(text: str | None, times: dict[str, dt.datetime]) -> dt.datetime | None:
    """``utc_or_none``, each text read once: a bulk save or publish gives thousands of records one time."""
    if text is None:
        return None
    if not isinstance(text, str):
        return utc(text)  # a log edited by hand: the same StoreDamagedError as ever
    when = times.get(text)
    if when is None:
        when = times[text] = utc(text)
    return when


_new = object.__new__


def _status_of(site: SiteCore, snapshot: Snapshot, record: str, model: str, rid: str, current: str | None,
               published: str | None, cache: StatCache,
               times: dict[str, dt.datetime]) -> tuple[RecordStatus, Problem | None]:
    version = cache.version_facts(record, current) if current else None
    warning = None
    try:
        working = cache.blob(record, model, rid)
    except PressError as e:
        working, warning = "", e.problems[0]
    if working is None:
        changes = "missing" if current else None
    elif version is None:
        changes = "untracked"
    else:
        changes = None if working == version[0] else "modified"
    published_at = published_by = None
    if published:
        published_at, published_by = cache.published(record, published)
    archived = snapshot.archived.get(record)
    # derive_status, from the refs already read.
    state = (Status.ARCHIVED if archived is not None else
             (Status.DRAFT if current else Status.NEW) if published is None else
             Status.PUBLISHED if published == current else Status.UPDATED)
    updated_at, updated_by = (version[1], version[2]) if version else (None, None)
    if state == "new" and working is None:
        # No refs and no working file: known from its event log only, a deleted record.
        state = Status.DELETED
        last = site.store.read_log(record)[-1:]
        updated_at, updated_by = (last[0].get("time"), last[0].get("author")) if last else (None, None)
    # RecordStatus(...) as its __init__ would set it, every field: a frozen dataclass's __init__ sets
    # each field through object.__setattr__, a tenth of the status of 10,000 records
    # (tests/workflow/test_status_rows.py holds this to the __init__).
    row = _new(RecordStatus)
    row.__dict__.update(record=record, status=state, changes=changes, current=current, published=published,
                        archived=archived, updated_at=_utc(updated_at, times), updated_by=updated_by,
                        published_at=_utc(published_at, times), published_by=published_by, stage=None,
                        conflicts=[])
    return row, warning
