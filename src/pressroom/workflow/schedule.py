"""Scheduled publish and unpublish: ``press schedule ...``.

A schedule is one small JSON file in the store, ``.press/schedules/<id>``,
committed to git with the rest of ``.press/``. It names the action
(``publish`` or ``unpublish``), the record, the time, and for a publish the
version that was current when it was scheduled (what was reviewed is what
goes live), or none with ``--latest``. Its ``state`` moves once, from
``pending`` to ``done``, ``failed`` or ``cancelled``.

**Exactly once.** ``press schedule run`` carries out a due action with the
normal publishing functions (validation, stages, the link invariant), and
the schedule's move to ``done`` *joins the transaction of the publish it
causes* (``Store.joining``): the ref moves and the new schedule state are
written by one journal commit, with the schedule file's expected old bytes
checked under the store lock like any ref. So:

- the action and its ``done`` mark are on disk together or not at all: a run
  killed at any instant has either carried out an action and marked it, or
  done neither, and the next run carries out the rest;
- of two overlapping runs, only the first to commit an action can move its
  schedule from ``pending``; the other's commit finds the file changed, is
  refused as a conflict without writing anything, and reads the schedule
  again: done, so it skips it.

An action that fails (invalid, a link that would dangle, the record gone) is
marked ``failed`` with its errors, by the same compare-and-swap, and the run
goes on; ``press schedule run`` then exits 1.

**Across clones** there is no shared lock: two clones that each run a due
schedule both carry it out. Each event of a scheduled action names its
schedule, so after git merges the two, fsck and status report the schedule
as run twice (``workflow/reruns.py``) until ``press schedule ack ID``.
Hooks get the ids of the schedules they run for (``PRESSROOM_SCHEDULE_IDS``),
so a deploy can itself refuse an id it has seen.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..errors import (ConflictError, NotFoundError, PressError, Problem, RefusedError, StoreDamagedError, UsageError,
                      Where)
from ..outcome import Outcome
from ..records import parse_key, parse_ref
from ..settings import duration_seconds
from ..site import SiteCore
from ..store import Event, FileUpdate, RefConflictError, RefKind, hash_bytes
from .common import event, now_iso
from .plan import Action
from .publishing import ActionResult, Move, publish, withdraw
from .reruns import runs_of

SCHEDULE_TYPE = "pressroom.schedule/1"
ACTIONS = (Action.PUBLISH, Action.UNPUBLISH)
STATES = ("pending", "done", "failed", "cancelled")
FOLDER = "schedules"
# A run retries an action this many times when a concurrent command moved a ref under it.
RETRIES = 3


@dataclass(frozen=True)
class Schedule:
    """One scheduled action and its state."""

    id: str
    action: str
    record: str
    version: str | None  # the pinned version of a publish; None: the latest at run time
    at: str
    created: str
    author: str
    message: str = ""
    state: str = "pending"
    finished: str | None = None  # when it was done, failed or cancelled
    finished_by: str | None = None
    note: str | None = None  # e.g. "nothing to do: already published at that version"
    errors: list[dict[str, Any]] = field(default_factory=list)
    acknowledged: int = 0  # runs seen by `press schedule ack` (two clones each ran it); 0: none

    @property
    def path(self) -> str:
        return f"{FOLDER}/{self.id}"

    @property
    def latest(self) -> bool:
        return self.action == Action.PUBLISH and self.version is None

    def encode(self) -> str:
        doc = asdict(self)
        if not self.acknowledged:
            del doc["acknowledged"]  # the file stays as every earlier pressroom wrote and reads it
        return json.dumps({"type": SCHEDULE_TYPE, **doc}, sort_keys=True, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def decode(cls, text: bytes, label: str) -> Schedule:
        try:
            doc = json.loads(text)
            if doc.pop("type") != SCHEDULE_TYPE:
                raise ValueError("wrong type")
            schedule = cls(**doc)
            if schedule.action not in ACTIONS or schedule.state not in STATES:
                raise ValueError("unknown action or state")
            parse_time(schedule.at)
            parse_key(schedule.record)
            return schedule
        except (ValueError, TypeError, KeyError, AttributeError, PressError):
            raise StoreDamagedError(
                "is not a readable schedule", where=Where(file=label),
                hint="if a git merge left markers in it, keep one side's text; else restore it from git",
            ) from None


# times


def parse_time(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """ISO 8601 with an offset (``2025-06-01T09:00:00+02:00``, ``...Z``) or ``+30m``/``+2h``/``+3d``/``+1w``."""
    text = text.strip()
    try:
        return _parse_time(text, now)
    except OverflowError:
        raise UsageError(f"{text!r} is out of range", hint="a time between the years 1 and 9999 (UTC)") from None


def _parse_time(text: str, now: dt.datetime | None) -> dt.datetime:
    seconds = duration_seconds(text[1:]) if text.startswith("+") else None
    if seconds is not None:
        base = now or dt.datetime.now(dt.timezone.utc)
        return (base + dt.timedelta(seconds=seconds)).replace(microsecond=0)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"cannot read {text!r} as a time",
                         hint="ISO 8601 with an offset (2025-06-01T09:00:00+02:00 or ...Z), or +30m, +2h, +3d, +1w"
                         ) from None
    if when.tzinfo is None:
        raise UsageError(f"{text!r} has no UTC offset, so it names no single instant",
                         hint=f"add one: {text}Z for UTC, or {text}+02:00")
    return when.astimezone(dt.timezone.utc).replace(microsecond=0)


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# reading schedules


@dataclass(frozen=True)
class ScheduleList:
    """Schedules ordered by time (pending and failed ones; ``all``: done and cancelled too)."""

    schedules: list[Schedule] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _read_all(site: SiteCore) -> tuple[list[Schedule], list[Problem]]:
    folder = site.store.root / FOLDER
    out, warnings = [], []
    with site.store.reading():
        names = sorted(os.listdir(folder)) if folder.is_dir() else []
        for name in names:
            if name.startswith("."):
                continue
            try:
                raw = site.store.read_file(f"{FOLDER}/{name}")
                if raw is not None:
                    out.append(Schedule.decode(raw, f".press/{FOLDER}/{name}"))
            except (PressError, ValueError) as e:
                problem = e.problems[0] if isinstance(e, PressError) else Problem(str(e))
                warnings.append(Problem(problem.message, "bad_schedule", Where(file=f".press/{FOLDER}/{name}"),
                                        problem.hint, problem.cause, problem.data))
    return sorted(out, key=_order), warnings


def _order(s: Schedule) -> tuple[str, str, str]:
    return (s.at, s.created, s.id)


def list_schedules(site: SiteCore, *, all_states: bool = False) -> ScheduleList:
    """Pending and failed schedules by time; with ``all_states`` also done and cancelled ones."""
    schedules, warnings = _read_all(site)
    if not all_states:
        schedules = [s for s in schedules if s.state in ("pending", "failed")]
    return ScheduleList(schedules=schedules, warnings=warnings)


def pinned_versions(site: SiteCore) -> list[str]:
    """Versions that pending schedules will publish: gc must keep them."""
    return [s.version for s in _read_all(site)[0] if s.state == "pending" and s.version]


def pinned_problems(site: SiteCore) -> list[Problem]:
    """A pending schedule whose pinned version, or its content, is gone or damaged (for fsck).

    gc keeps these versions, so this is outside damage; found now, not when
    the schedule runs.
    """
    problems = []
    for s in _read_all(site)[0]:
        if s.state != "pending" or not s.version:
            continue
        try:
            version = site.store.get_version(s.version)
            site.store.get_blob(version.blob)
            if version.record != s.record:
                raise StoreDamagedError(f"names version {s.version[:12]}, which is a version of {version.record}")
        except StoreDamagedError as e:
            problems.append(Problem(
                f"schedule {s.id} ({s.action} {s.record} at {s.at}) pins version {s.version[:12]}: {e.message}",
                code="schedule_version", where=Where(file=f".press/{s.path}", record=s.record),
                hint=f"restore .press/ from git (`git checkout -- .press`), or cancel it: "
                     f"Site.cancel_schedule('{s.id}')",
                cause="schedule.bad_version", data={"id": s.id},
            ))
    return problems


def _read_one(site: SiteCore, sid: str) -> tuple[Schedule, str]:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", sid):
        raise UsageError(f"{sid!r} is not a schedule id", hint="see the ids with: Site.schedules()",
                         cause="schedule.bad_id")
    with site.store.reading():
        raw = site.store.read_file(f"{FOLDER}/{sid}")
    if raw is None:
        raise NotFoundError(f"there is no schedule {sid}", hint="see the ids with: Site.schedules(all=True)",
                            cause="schedule.no_such_id")
    return Schedule.decode(raw, f".press/{FOLDER}/{sid}"), hash_bytes(raw)


# scheduling and cancelling


@dataclass(frozen=True)
class ScheduleResult(Outcome):
    """A schedule that was made or cancelled, and problems a publish would have now (warnings)."""

    schedule: Schedule
    warnings: list[Problem] = field(default_factory=list)
    txn: str | None = None


def schedule_action(site: SiteCore, action: str, ref: str, at: str, *, latest: bool = False, author: str,
                    message: str = "") -> ScheduleResult:
    """Schedule ``action`` of ``ref`` at ``at``; a publish pins the current version unless ``latest``."""
    if action not in ACTIONS:
        raise UsageError(f"cannot schedule {action!r}", hint="schedule publish or unpublish")
    key, spec = parse_ref(ref)
    record = str(key)
    if spec is not None:
        raise UsageError("a schedule pins the current version; name the record alone",
                         hint=f"save the version you want first, then: Site.schedule('{action}', '{key}', at=...)",
                         cause="schedule.version_named", data={"action": action, "record": str(key)})
    if latest and action != Action.PUBLISH:
        raise UsageError("latest is for scheduled publishes", cause="schedule.latest_not_publish")
    when = iso(parse_time(at))
    refs = site.store.record_refs(record)
    if not any(refs.values()):
        raise NotFoundError("does not exist (never saved, or deleted)", where=Where(record=record),
                            hint="save it first (Site.save)", cause="save_first", data={"record": record})
    if action == Action.PUBLISH and refs["current"] is None:
        raise NotFoundError("has no current version to publish", where=Where(record=record))
    version = refs["current"] if action == Action.PUBLISH and not latest else None
    warnings: list[Problem] = []
    if action == Action.PUBLISH:
        # Say now what would stop it, while there is time to fix it (links may be published by then).
        check = publish(site, [f"{record}@{refs['current']}"], dry_run=True, author=author)
        # The prefix stays in the CLI's wording too: publish's check problems are worded by their hints alone.
        warnings = [Problem(f"if it ran now: {p.message}", "schedule_check", p.where, p.hint, p.cause, p.data)
                    for p in check.problems]
    time = now_iso()
    schedule = Schedule(id=uuid.uuid4().hex[:10], action=action, record=record, version=version, at=when,
                        created=time, author=author, message=message)
    ev = event("schedule", author=author, time=time, old=None, new=version,
               message=f"{action} at {when} ({schedule.id})" + (f": {message}" if message else ""),
               schedule=schedule.id, scheduled=action, at=when)
    expect = [(RefKind.CURRENT, record, version)] if version else []
    txn = site.store.commit([], [Event(record, ev)], expect=expect,
                            files=[FileUpdate(schedule.path, None, schedule.encode())])
    return ScheduleResult(schedule=schedule, warnings=warnings, txn=txn)


def cancel(site: SiteCore, sid: str, *, author: str, message: str = "") -> ScheduleResult:
    """Cancel a pending (or dismiss a failed) schedule; one that is done is refused."""
    schedule, old = _read_one(site, sid)
    if schedule.state not in ("pending", "failed"):
        raise RefusedError(f"schedule {sid} is already {schedule.state} ({schedule.finished})",
                           where=Where(record=schedule.record), hint="see it with: Site.schedules(all=True)",
                           cause="schedule.finished")
    time = now_iso()
    cancelled = replace(schedule, state="cancelled", finished=time, finished_by=author,
                        note=message or None)
    ev = event("unschedule", author=author, time=time, old=schedule.version, new=None,
               message=f"cancelled {schedule.action} at {schedule.at} ({sid})" + (f": {message}" if message else ""),
               schedule=sid)
    txn = site.store.commit([], [Event(schedule.record, ev)],
                            files=[FileUpdate(schedule.path, old, cancelled.encode())])
    return ScheduleResult(schedule=cancelled, txn=txn)


def acknowledge(site: SiteCore, sid: str, *, author: str, message: str = "") -> ScheduleResult:
    """Record that a schedule carried out more than once (two merged clones each ran it) was seen.

    fsck and status stop reporting it until a further run is merged in.
    Refused for a schedule that ran once or less.
    """
    schedule, old = _read_one(site, sid)
    runs = runs_of(site, sid, schedule.record)
    if len(runs) <= max(1, schedule.acknowledged):
        said = "was acknowledged at" if schedule.acknowledged else "ran"
        raise RefusedError(f"schedule {sid} {said} {max(len(runs), schedule.acknowledged)} time(s): "
                           "nothing to acknowledge", where=Where(record=schedule.record),
                           hint="Site.fsck() lists the schedules carried out more than once",
                           cause="schedule.nothing_to_acknowledge")
    seen = f"acknowledged {len(runs)} runs ({now_iso()}, {author})" + (f": {message}" if message else "")
    acked = replace(schedule, acknowledged=len(runs), note=f"{schedule.note}; {seen}" if schedule.note else seen)
    txn = site.store.commit([], files=[FileUpdate(schedule.path, old, acked.encode())])
    return ScheduleResult(schedule=acked, txn=txn)


@dataclass(frozen=True)
class NextResult:
    """The next pending action (None when nothing is scheduled), and whether it is due already."""

    next: Schedule | None
    at: str | None
    due: bool
    pending: int


def next_due(site: SiteCore, now: str | None = None) -> NextResult:
    """The earliest pending schedule, so a pipeline can plan its next run."""
    pending = [s for s in _read_all(site)[0] if s.state == "pending"]
    if not pending:
        return NextResult(next=None, at=None, due=False, pending=0)
    first = pending[0]
    when = parse_time(now) if now else dt.datetime.now(dt.timezone.utc)
    return NextResult(next=first, at=first.at, due=parse_time(first.at) <= when, pending=len(pending))


# running


@dataclass(frozen=True)
class RunAction:
    """One due schedule and what this run did with it.

    ``outcome``: ``done`` (carried out, or nothing was left to do: see
    ``note``), ``failed`` (``errors``), ``skipped`` (another run got there
    first), or ``retry`` (a concurrent change kept it pending for the next run).
    """

    schedule: str
    action: str
    record: str
    version: str | None
    at: str
    outcome: str
    note: str | None = None
    moves: list[Move] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    txn: str | None = None


@dataclass(frozen=True)
class RunResult(Outcome):
    """What ``press schedule run`` did, in time order; ``ok`` when no action failed."""

    now: str
    actions: list[RunAction] = field(default_factory=list)
    not_due: int = 0
    next_at: str | None = None
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(a.outcome in ("done", "skipped") for a in self.actions)

    @property
    def problems(self) -> list[Problem]:
        return [p for a in self.actions for p in a.errors]


def run(site: SiteCore, *, now: str | None = None, author: str) -> RunResult:
    """Carry out every pending action due at ``now`` (default: the current time), in time order, once."""
    when = parse_time(now) if now else dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    schedules, warnings = _read_all(site)
    pending = [s for s in schedules if s.state == "pending"]
    due = [s for s in pending if parse_time(s.at) <= when]
    later = [s for s in pending if parse_time(s.at) > when]
    actions = [_carry_out(site, s, author) for s in due]
    return RunResult(now=iso(when), actions=actions, not_due=len(later), next_at=later[0].at if later else None,
                     warnings=warnings)


def _carry_out(site: SiteCore, schedule: Schedule, author: str) -> RunAction:
    base = RunAction(schedule=schedule.id, action=schedule.action, record=schedule.record, version=schedule.version,
                     at=schedule.at, outcome="done")
    for _attempt in range(RETRIES):
        current, old = _read_one(site, schedule.id)
        if current.state != "pending":
            return replace(base, outcome="skipped", note=f"already {current.state} by another run")
        finished = now_iso()
        done = replace(current, state="done", finished=finished, finished_by=author)
        try:
            with site.store.joining([FileUpdate(current.path, old, done.encode())]) as joined:
                result = _act(site, current)
            if joined.committed:
                return replace(base, moves=result.moves, txn=result.txn)
            # Nothing moved (already in the wanted state): mark it done on its own.
            note = "nothing to do: " + "; ".join(s.why for s in result.skipped) if result.skipped else None
            txn = site.store.commit([], files=[FileUpdate(current.path, old, replace(done, note=note).encode())])
            return replace(base, note=note, txn=txn)
        except RefConflictError:
            raise  # a git merge left the store in conflict: resolve it before anything runs
        except ConflictError as e:
            error = e
            continue  # another run, or a concurrent command: read the schedule again
        except (RefusedError, UsageError) as e:
            failed = replace(current, state="failed", errors=[p.as_dict() for p in e.problems], finished=finished,
                             finished_by=author)
            try:
                txn = site.store.commit([], files=[FileUpdate(current.path, old, failed.encode())])
            except RefConflictError:
                raise
            except ConflictError as again:
                error = again
                continue
            return replace(base, outcome="failed", errors=e.problems, txn=txn)
    current, _old = _read_one(site, schedule.id)
    if current.state != "pending":
        return replace(base, outcome="skipped", note=f"already {current.state} by another run")
    return replace(base, outcome="retry", errors=error.problems,
                   note=f"kept pending: the store changed under it {RETRIES} times; the next run tries again")


def _act(site: SiteCore, schedule: Schedule) -> ActionResult:
    message = f"scheduled {schedule.action} ({schedule.id})" + (f": {schedule.message}" if schedule.message else "")
    if schedule.action == Action.PUBLISH:
        name = f"{schedule.record}@{schedule.version}" if schedule.version else schedule.record
        return publish(site, [name], author=schedule.author, message=message, schedule=schedule.id)
    return withdraw(site, Action.UNPUBLISH, [schedule.record], author=schedule.author, message=message,
                    schedule=schedule.id)
