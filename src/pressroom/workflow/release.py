"""Releases: ``press release ...``, a named set of changes that go live together.

A release holds records to publish, each pinned to a version (the current
one when it was added, or the one named), and records to unpublish or
archive. Its files are in the store (``store/releases.py``), one per entry,
so git merges two branches adding to one release without a conflict.

**One plan.** Publishing a release plans it as the commands it stands for
would, then commits once: the publishes first (``plan_publish``, with the
link strategies and stages exactly as a batch publish applies them), then
the unpublishes and archives on the published view as the publishes leave
it (``plan_unpublish``, ``plan_archive``, their strategies too). The parts
are joined into one ``Plan``: a ref two parts move goes from the first old
value to the last new one, guards the first part already moves are its
update's, and the whole published view must be unchanged at commit (the
real one, read before planning). The release's own file moves to
``published`` (who, when) in the same transaction, its old bytes checked
like a ref. Entries are not checked so (rewriting 2,000 entry files to guard
them tripled the time of a 2,000-record release): an entry added while the
release was being published is named in the result's warnings, not published.
Any problem of any part refuses the whole release.

``--at`` makes a schedule (``workflow/schedule.py``, action ``release``):
``schedule run`` carries it out through the same function.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ..errors import NotFoundError, Problem, RefusedError, StoreDamagedError, UsageError, Where
from ..naming import resolve_version
from ..outcome import Outcome
from ..records import RecordKey, parse_ref
from ..site import SiteCore
from ..store import Event, FileUpdate, RefKind, RefUpdate, Snapshot, hash_bytes
from ..store.releases import (ReleaseEntry, ReleaseMeta, StoredRelease, check_release_name, entry_path, meta_path,
                              read_release, release_names, remove_empty_folders)
from ..store.releases import pinned_versions as stored_pins
from ..times import iso_utc, utc, utc_or_none
from .common import iso, now_iso, parse_time, refusal
from .plan import Action, Plan, execute, key_of
from .publishing import (Created, Move, PublishRequest, Skipped, Stamp, WithdrawRequest, WorkingFile,
                         _working_file, plan_archive, plan_publish, plan_unpublish)
from .schedule import RELEASE, Schedule, list_schedules, plan_cancel
from .status import derive_status
from .validation import Reader

ACTIONS = ("publish", "unpublish", "archive")


@dataclass(frozen=True)
class Release:
    """A release as stored: what it is, its state, its entries, and its pending schedule (if any)."""

    name: str
    message: str
    created: dt.datetime
    author: str
    state: str
    published: dt.datetime | None = None
    published_by: str | None = None
    entries: list[ReleaseEntry] = field(default_factory=list)
    schedule: Schedule | None = None


@dataclass(frozen=True)
class ReleaseResult(Outcome):
    """What ``create``, ``add``, ``remove`` or ``delete`` changed: the release after it, the entries
    added or replaced, and the records taken out."""

    release: Release
    added: list[ReleaseEntry] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    deleted: bool = False
    txn: str | None = None


@dataclass(frozen=True)
class ReleaseList:
    """Every release, open ones first, then published ones, each by name."""

    releases: list[Release] = field(default_factory=list)


@dataclass(frozen=True)
class EntryView:
    """One entry of ``release show``: the record's status and current version now, whether the pin is
    behind current, and the other open releases that hold the record."""

    record: str
    action: str
    version: str | None
    status: str
    current: str | None
    behind: bool
    others: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReleaseShow:
    """What publishing the release would do now: every move (pinned, and those link strategies or
    stages bring in, with their version), the versions a ``clear`` would make, what is skipped, and
    every problem that would refuse it (validation, the link rule on the site as it will be)."""

    release: Release
    entries: list[EntryView] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    brought: list[Move] = field(default_factory=list)
    versions: list[Created] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when publishing the release now would pass."""
        return not self.problems and self.release.state == "open"


@dataclass(frozen=True)
class ReleasePublishResult(Outcome):
    """A release published (``txn``), planned (``dry_run``: ``problems`` say whether it would pass), or
    scheduled (``schedule``)."""

    release: Release
    dry_run: bool
    moves: list[Move] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    versions: list[Created] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    schedule: Schedule | None = None
    warnings: list[Problem] = field(default_factory=list)
    txn: str | None = None

    @property
    def ok(self) -> bool:
        """True unless the publish (or its dry run) was refused with problems."""
        return not self.problems


@dataclass(frozen=True)
class PlannedView:
    """The refs as they will be once a release is published, and when each version it publishes goes
    live (``time``): what ``export`` writes for a preview of the release."""

    snapshot: Snapshot
    published_at: dict[str, str]
    time: str


# reading


def _name(name: str) -> str:
    try:
        return check_release_name(name)
    except ValueError:
        raise UsageError(f"{name!r} is not a release name", hint="lowercase letters, digits, '-', '_' and '.', "
                         "starting with a letter or digit (e.g. spring-launch)", cause="release.bad_name",
                         data={"name": name}) from None


def _read(site: SiteCore, name: str) -> StoredRelease:
    with site.store.reading():
        release = read_release(site.store, _name(name))
    if release is None:
        raise NotFoundError(f"there is no release {name}", hint="see the releases with: Site.releases()",
                            cause="release.no_such_release", data={"name": name})
    return release


def _view(stored: StoredRelease, schedules: Sequence[Schedule]) -> Release:
    m = stored.meta
    pending = next((s for s in schedules if s.action == RELEASE and s.record == m.name and s.state == "pending"),
                   None)
    return Release(name=m.name, message=m.message, created=utc(m.created), author=m.author, state=m.state,
                   published=utc_or_none(m.published), published_by=m.published_by, entries=list(stored.entries),
                   schedule=pending)


def _schedules(site: SiteCore) -> list[Schedule]:
    return list_schedules(site).schedules


def _require_open(stored: StoredRelease) -> None:
    if stored.meta.state != "open":
        raise RefusedError(f"release {stored.meta.name} was published ({stored.meta.published}, "
                           f"{stored.meta.published_by}): it no longer changes",
                           hint="make a new release (Site.release_create)", cause="release.published",
                           data={"name": stored.meta.name})


def list_releases(site: SiteCore) -> ReleaseList:
    """Every release: open ones first, then published ones."""
    schedules = _schedules(site)
    with site.store.reading():
        stored = [r for n in release_names(site.store) if (r := read_release(site.store, n)) is not None]
    releases = [_view(r, schedules) for r in stored]
    releases.sort(key=lambda r: (r.state != "open", r.name))
    return ReleaseList(releases)


def releases_of(site: SiteCore) -> dict[str, list[str]]:
    """The open releases that hold each record."""
    out: dict[str, list[str]] = {}
    with site.store.reading():
        for n in release_names(site.store):
            r = read_release(site.store, n)
            if r is not None and r.meta.state == "open":
                for e in r.entries:
                    out.setdefault(e.record, []).append(n)
    return out


# changing


def create(site: SiteCore, name: str, *, author: str, message: str = "") -> ReleaseResult:
    """A new, empty, open release; refused when one of that name exists (published ones too)."""
    name = _name(name)
    with site.store.reading():
        exists = read_release(site.store, name) is not None
    if exists:
        raise RefusedError(f"there is already a release {name}", hint="pick another name, or see it: "
                           f"Site.release_show('{name}')", cause="release.exists", data={"name": name})
    meta = ReleaseMeta(name=name, created=now_iso(), author=author, message=message)
    plan = Plan(Action.SAVE, files=[FileUpdate(meta_path(name), None, meta.encode())])
    txn = execute(site.store, plan)
    return ReleaseResult(release=_view(StoredRelease(meta, ""), []), txn=txn)


def add(site: SiteCore, name: str, refs: Sequence[str], *, action: str = "publish", author: str) -> ReleaseResult:
    """Add records to a release: ``publish`` pins ``REF@V`` or the current version; ``unpublish`` and
    ``archive`` take records alone. A record already in the release is replaced (one entry per record)."""
    if action not in ACTIONS:
        raise UsageError(f"a release cannot {action!r} a record", hint="publish, unpublish or archive",
                         cause="release.bad_action", data={"action": action})
    if not refs:
        raise UsageError("name at least one record (model/id)", cause="release.no_records")
    stored = _read(site, name)
    _require_open(stored)
    time = now_iso()
    snap = site.store.snapshot()
    entries: dict[str, ReleaseEntry] = {}
    for ref in refs:
        key, spec = parse_ref(ref)
        record = str(key)
        if record not in snap.current:
            raise NotFoundError("does not exist (never saved, or deleted)", where=Where(record=record),
                                hint="save it first (Site.save)", cause="save_first", data={"record": record})
        if action == "publish":
            version: str | None = snap.current[record] if spec is None else resolve_version(site, key, spec)
        elif spec is not None:
            raise UsageError(f"{ref}: a release {action}s a record, not a version", hint=f"name it as {key}",
                             cause="release.version_named", data={"ref": ref, "record": record, "action": action})
        else:
            version = None
        entries[record] = ReleaseEntry(record=record, action=action, version=version, added=time, author=author)
    files = [_guard(stored)]
    for record, entry in sorted(entries.items()):
        files.append(FileUpdate(entry_path(stored.meta.name, record), stored.entry_hashes.get(record),
                                entry.encode()))
    txn = execute(site.store, Plan(Action.SAVE, files=files))
    return ReleaseResult(release=_view(_read(site, name), _schedules(site)),
                         added=[entries[r] for r in sorted(entries)], txn=txn)


def _guard(stored: StoredRelease) -> FileUpdate:
    """The release's own file, rewritten with its bytes: checked unchanged at commit (not published, not
    deleted), without a change git would see."""
    return FileUpdate(meta_path(stored.meta.name), stored.meta_hash, stored.meta.encode())


def remove(site: SiteCore, name: str, refs: Sequence[str]) -> ReleaseResult:
    """Take records out of an open release; a record not in it is refused, naming it."""
    if not refs:
        raise UsageError("name at least one record (model/id)", cause="release.no_records")
    stored = _read(site, name)
    _require_open(stored)
    records = []
    for ref in refs:
        key, spec = parse_ref(ref)
        if spec is not None:
            raise UsageError(f"{ref}: name the record alone to take it out", hint=f"name it as {key}",
                             cause="release.remove_version", data={"ref": ref, "record": str(key)})
        records.append(str(key))
    missing = [r for r in records if r not in stored.entry_hashes]
    if missing:
        raise NotFoundError(f"release {name} does not hold {', '.join(missing)}", where=Where(record=missing[0]),
                            hint=f"see what it holds: Site.release_show('{name}')", cause="release.not_in_release",
                            data={"name": name, "records": ", ".join(missing)})
    files = [_guard(stored)] + [FileUpdate(entry_path(name, r), stored.entry_hashes[r], None)
                                for r in dict.fromkeys(records)]
    txn = execute(site.store, Plan(Action.SAVE, files=files))
    return ReleaseResult(release=_view(_read(site, name), _schedules(site)), removed=list(dict.fromkeys(records)),
                         txn=txn)


def delete(site: SiteCore, name: str, *, author: str) -> ReleaseResult:
    """Delete a release (open or published): its files go; its pending schedule is cancelled with it."""
    stored = _read(site, name)
    files = [FileUpdate(meta_path(stored.meta.name), stored.meta_hash, None)]
    files += [FileUpdate(entry_path(stored.meta.name, r), h, None) for r, h in sorted(stored.entry_hashes.items())]
    plan = Plan(Action.DELETE, files=files)
    for s in _schedules(site):
        if s.action == RELEASE and s.record == stored.meta.name and s.state == "pending":
            raw = site.store.read_file(s.path)
            cancel, _ = plan_cancel(s, _sha(raw), author=author, time=now_iso(),
                                    message=f"release {name} was deleted")
            plan.files.extend(cancel.files)
    txn = execute(site.store, plan)
    remove_empty_folders(site.store, stored.meta.name)
    return ReleaseResult(release=_view(stored, []), removed=[e.record for e in stored.entries], deleted=True,
                         txn=txn)


def _sha(raw: bytes | None) -> str:
    # A schedule file gone meanwhile matches no hash: the commit is then a conflict.
    return hash_bytes(raw) if raw is not None else ""


# planning the publish


def plan_release(reader: Reader, stored: StoredRelease, stamp: Stamp,
                 working_of: Callable[[RecordKey], WorkingFile | None] | None = None) -> Plan:
    """The one plan of publishing ``stored``: its publishes, then its unpublishes and archives, joined."""
    snap = reader.snapshot
    name = stored.meta.name
    problems: list[Problem] = []
    if not stored.entries:
        problems.append(Problem(f"release {name} holds no records", code="nothing_to_do",
                                hint=f"add records first: Site.release_add('{name}', ...)", cause="release.empty",
                                data={"name": name}))
    publishes: list[tuple[RecordKey, str | None]] = []
    withdraw: dict[str, list[RecordKey]] = {"unpublish": [], "archive": []}
    for e in stored.entries:
        key = key_of(e.record)
        if e.record not in snap.current:
            problems.append(Problem(f"was deleted after it was added to release {name}", code="release_entry",
                                    where=Where(record=e.record),
                                    hint=f"take it out: Site.release_remove('{name}', '{e.record}')",
                                    cause="release.record_gone", data={"name": name, "record": e.record}))
        elif e.action == "publish":
            problems.extend(_pin_problems(reader, name, e))
            publishes.append((key, e.version))
        else:
            withdraw[e.action].append(key)
    first = plan_publish(reader, PublishRequest(publishes, stamp))
    after = _applied(snap, first.updates)
    later_reader = Reader.over(reader.store, reader.models, after)
    later: list[Plan] = []
    for action, planner in (("unpublish", plan_unpublish), ("archive", plan_archive)):
        if withdraw[action]:
            later.append(planner(later_reader, WithdrawRequest(withdraw[action], stamp, working_of=working_of)))
    plan = _join(first, later, snap, name)
    plan.problems[:0] = problems
    plan.problems = [_in_release(p, name) for p in plan.problems]
    if not plan.problems:
        plan.problems = _closure_problems(reader, snap, plan, name)
    plan.files.append(FileUpdate(meta_path(name), stored.meta_hash, replace(
        stored.meta, state="published", published=stamp.time, published_by=stamp.author).encode()))
    plan.events = [Event(e.record, {**e.data, "release": name}) for e in plan.events]
    return plan


def _in_release(problem: Problem, name: str) -> Problem:
    """A publish's or withdrawal's link problem, with the fix a release has: add the other record to it."""
    data = dict(problem.data)
    if problem.cause in ("publishing.link_unpublished", "publishing.link_beyond_depth"):
        target = str(data.get("target"))
        return replace(problem, hint=f"add {target} to the release: Site.release_add('{name}', '{target}')",
                       cause="release.link", data={**data, "name": name})
    if problem.cause in ("publishing.referrer", "publishing.referrer_without_drafts"):
        record, action = str(data.get("record")), str(data.get("action"))
        return replace(problem, hint=f"add {record} to the release too: Site.release_add('{name}', '{record}', "
                                     f"action='{action}')", cause="release.referrer", data={**data, "name": name})
    return problem


def _pin_problems(reader: Reader, name: str, entry: ReleaseEntry) -> list[Problem]:
    try:
        version = reader.version(entry.version or "")
    except StoreDamagedError:
        version = None
    if version is not None and version.record == entry.record:
        return []
    return [Problem(f"release {name} pins version {(entry.version or '')[:12]}, which is missing or not one of "
                    "this record's", code="release_entry", where=Where(record=entry.record),
                    hint=f"pin it again: Site.release_add('{name}', '{entry.record}')", cause="release.bad_pin",
                    data={"name": name, "record": entry.record})]


def _applied(snap: Snapshot, updates: Sequence[RefUpdate]) -> Snapshot:
    refs: dict[RefKind, dict[str, str]] = {kind: dict(getattr(snap, kind)) for kind in RefKind}
    for u in updates:
        if u.new is None:
            refs[RefKind(u.kind)].pop(u.record, None)
        else:
            refs[RefKind(u.kind)][u.record] = u.new
    return Snapshot(current=refs[RefKind.CURRENT], published=refs[RefKind.PUBLISHED],
                    archived=refs[RefKind.ARCHIVED])


def _join(first: Plan, later: list[Plan], real: Snapshot, name: str) -> Plan:
    """One plan of ``first`` and the ``later`` parts planned on the refs ``first`` leaves."""
    plan = Plan(Action.PUBLISH)
    published = {m.record: m for m in first.moves}
    leaving = {m.record for part in later for m in part.moves if m.action in (Action.UNPUBLISH, Action.ARCHIVE)}
    seen: dict[str, Move] = {}
    for part in later:
        # A referrer that leaves through the other part is no referrer once both are done.
        part.referrers = [r for r in part.referrers if r.record not in leaving]
        part.problems = [p for p in part.problems
                         if not (p.code == "referrer" and p.data.get("record") in leaving)]
        for m in part.moves:
            if m.record in published:
                # A strategy of a withdrawal reached a record the release publishes: refused, not undone.
                part.problems.append(Problem(
                    f"is published by release {name}, and links to {m.via} (field {m.path}), which the "
                    "release takes out", code="referrer", where=Where(record=m.record, path=m.path),
                    hint=f"take one of the two out of the release: Site.release_remove('{name}', ...)",
                    cause="release.publishes_referrer",
                    data={"name": name, "record": m.record, "target": m.via or "", "path": m.path or ""}))
            elif m.record in seen:
                part.problems.append(Problem(
                    f"would be moved twice by release {name} ({seen[m.record].action} and {m.action})",
                    code="release_entry", where=Where(record=m.record),
                    hint=f"keep one of them: Site.release_remove('{name}', ...)", cause="release.moved_twice",
                    data={"name": name, "record": m.record}))
            seen[m.record] = m
    parts = [first, *later]
    updates: dict[tuple[str, str], RefUpdate] = {}
    for part in parts:
        for u in part.updates:
            k = (u.kind, u.record)
            updates[k] = RefUpdate(u.kind, u.record, updates[k].old if k in updates else u.old, u.new)
        plan.moves.extend(part.moves)
        plan.skipped.extend(part.skipped)
        plan.referrers.extend(part.referrers)
        plan.versions.extend(part.versions)
        plan.events.extend(part.events)
        plan.site_files.extend(part.site_files)
        plan.problems.extend(part.problems)
        plan.warnings.extend(part.warnings)
    plan.updates = list(updates.values())
    moved_first = {(u.kind, u.record) for u in first.updates}
    plan.guards = [*first.guards, *(g for part in later for g in part.guards
                                     if (g.kind, str(g.key)) not in moved_first)]
    if any(RefKind.PUBLISHED in part.unchanged for part in parts):
        # The later parts read the view the publishes leave; what must be unchanged is the real one.
        plan.unchanged[RefKind.PUBLISHED] = dict(real.published)
    return plan


def _closure_problems(reader: Reader, real: Snapshot, plan: Plan, name: str) -> list[Problem]:
    """The link rule on the published view as the whole release leaves it, for each version it publishes.

    Each part checked its own moves; this catches what only the parts together do.
    """
    final = _applied(real, plan.updates).published
    created = {n.oid for n in plan.versions}
    problems = []
    for record, oid in sorted(final.items()):
        if real.published.get(record) == oid or oid in created:
            continue  # unchanged, or a ``clear``: its parent's links less some
        for path, target in reader.links(record, oid):
            if str(target) not in final:
                problems.append(Problem(f"links to {target}, which is not published once release {name} is",
                                        code="unpublished_link", where=Where(record=record, path=path),
                                        hint=f"add {target} to the release, or take {record} out",
                                        cause="release.link", data={"name": name, "record": record,
                                                                    "target": str(target)}))
    return problems


def _stamp(author: str, time: str | None, message: str, name: str, schedule: str | None = None) -> Stamp:
    said = f"release {name}" + (f": {message}" if message else "")
    return Stamp(author, time or now_iso(), said, schedule)


def _plan(site: SiteCore, name: str, *, author: str, message: str = "", time: str | None = None,
          schedule: str | None = None) -> tuple[StoredRelease, Plan, Snapshot]:
    """The release as read, the plan of publishing it, and the refs the plan was made on."""
    stored = _read(site, name)
    _require_open(stored)
    reader = Reader(site)
    plan = plan_release(reader, stored, _stamp(author, time, message or stored.meta.message, stored.meta.name,
                                               schedule),
                        working_of=lambda key: _working_file(site, key))
    reader.checks.flush()
    return stored, plan, reader.snapshot


def _created(plan: Plan) -> list[Created]:
    return [Created(n.version.record, n.oid, n.version.parent or "", n.reason) for n in plan.versions]


def show(site: SiteCore, name: str) -> ReleaseShow:
    """The release, each entry against the record now, and what publishing it now would do (nothing is written)."""
    stored = _read(site, name)
    schedules = _schedules(site)
    release = _view(stored, schedules)
    snap = site.store.snapshot()
    others = releases_of(site)
    entries = []
    for e in stored.entries:
        current = snap.current.get(e.record)
        entries.append(EntryView(
            record=e.record, action=e.action, version=e.version, status=derive_status(snap, e.record),
            current=current, behind=e.version is not None and current is not None and e.version != current,
            others=[n for n in others.get(e.record, []) if n != stored.meta.name]))
    if stored.meta.state != "open":
        return ReleaseShow(release=release, entries=entries)
    _stored, plan, _snap = _plan(site, name, author="", time=iso_utc(release.schedule.at) if release.schedule else None)
    pinned = {e.record for e in stored.entries}
    return ReleaseShow(release=release, entries=entries, moves=list(plan.moves),
                       brought=[m for m in plan.moves if m.record not in pinned], versions=_created(plan),
                       skipped=list(plan.skipped), problems=list(plan.problems))


def publish(site: SiteCore, name: str, *, author: str, message: str = "", dry_run: bool = False,
            schedule: str | None = None, time: str | None = None) -> ReleasePublishResult:
    """Publish the release in one transaction, or refuse it whole, naming each problem.

    ``schedule``, ``time``: the schedule carrying it out and the time its events carry (``schedule run``).
    """
    stored, plan, _snap = _plan(site, name, author=author, message=message, time=time, schedule=schedule)
    base = ReleasePublishResult(release=_view(stored, _schedules(site)), dry_run=dry_run, moves=list(plan.moves),
                                skipped=list(plan.skipped), versions=_created(plan))
    if dry_run:
        return replace(base, problems=list(plan.problems))
    pending = base.release.schedule
    if pending is not None and pending.id != schedule:
        # Published by hand before its time: the schedule would only fail then.
        cancel, _ = plan_cancel(pending, _sha(site.store.read_file(pending.path)), author=author, time=now_iso(),
                                message=f"release {name} was published")
        plan.files.extend(cancel.files)
    txn = execute(site.store, plan, site=site)
    after = _read(site, name)
    planned = {e.record: e for e in stored.entries}
    late = [e for e in after.entries if planned.get(e.record) != e]
    warnings = [Problem(f"was added to release {name} while it was being published, and was not published",
                        code="release_late_entry", where=Where(record=e.record),
                        hint="publish it, or put it in a new release (Site.release_create)",
                        cause="release.late_entry", data={"name": name, "record": e.record}) for e in late]
    return replace(base, release=_view(after, []), txn=txn, warnings=warnings)


def schedule_publish(site: SiteCore, name: str, at: str, *, author: str, message: str = "") -> ReleasePublishResult:
    """Schedule the release's publish at ``at``: ``schedule run`` carries it out (the problems it would have
    now are warnings). Refused for a release already scheduled."""
    stored = _read(site, name)
    _require_open(stored)
    release = _view(stored, _schedules(site))
    if release.schedule is not None:
        raise RefusedError(f"release {name} is already scheduled at {iso_utc(release.schedule.at)} "
                           f"({release.schedule.id})", hint=f"cancel it first: Site.cancel_schedule("
                           f"'{release.schedule.id}')", cause="release.scheduled",
                           data={"name": name, "id": release.schedule.id, "at": iso_utc(release.schedule.at)})
    when = iso(parse_time(at))
    _stored, check, _snap = _plan(site, name, author=author, message=message, time=when)
    warnings = [Problem(f"if it ran now: {p.message}", "schedule_check", p.where, p.hint, p.cause, p.data)
                for p in check.problems]
    sched = Schedule(id=uuid.uuid4().hex[:10], action=RELEASE, record=stored.meta.name, version=None, at=utc(when),
                     created=utc(now_iso()), author=author, message=message)
    plan = Plan(Action.SCHEDULE, files=[FileUpdate(sched.path, None, sched.encode()), _guard(stored)])
    txn = execute(site.store, plan)
    return ReleasePublishResult(release=replace(release, schedule=sched), dry_run=False, moves=list(check.moves),
                                versions=_created(check), schedule=sched, warnings=warnings, txn=txn)


def planned_view(site: SiteCore, name: str, *, time: str | None = None) -> PlannedView:
    """The refs once release ``name`` is published (refused, naming each problem, when it would not be),
    for an export of the site as it will be.

    Its events would carry ``time``: the release's pending schedule's, else now. The versions a ``clear``
    strategy would make are written to the store (unreferenced until the release is published; gc takes
    them otherwise), so that the preview can read them.
    """
    stored = _read(site, name)
    _require_open(stored)
    pending = _view(stored, _schedules(site)).schedule
    when = time or (iso_utc(pending.at) if pending else None) or now_iso()
    _stored, plan, snap = _plan(site, name, author="", time=when)
    if plan.problems:
        raise refusal(plan.problems, f"release {name} would not publish")
    for new in plan.versions:
        site.store.put_blob(new.content())
        site.store.put_version(new.version)
    published_at = {m.record: when for m in plan.moves if m.action is Action.PUBLISH}
    return PlannedView(snapshot=_applied(snap, plan.updates), published_at=published_at, time=when)


def pinned_versions(site: SiteCore) -> list[str]:
    """Versions open releases pin: gc keeps them."""
    return stored_pins(site.store)
