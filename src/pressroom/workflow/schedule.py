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
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import (ConflictError, NotFoundError, PressError, Problem, RefusedError, StoreDamagedError, UsageError,
                      Where)
from ..outcome import Outcome
from ..records import RecordKey, parse_key, parse_ref
from ..site import SiteCore
from ..store import FileUpdate, RefConflictError, RefKind, hash_bytes
from ..store.releases import check_release_name
from ..times import iso_or_none, iso_utc, utc, utc_or_none
from .common import event, iso, now_iso, parse_time
from .plan import Action, Plan, execute, key_of
from .publishing import ActionResult, Move, publish, withdraw
from .reruns import runs_of

SCHEDULE_TYPE = "pressroom.schedule/1"
# A release's publish (``workflow/release.py``): its ``record`` is the release's name.
RELEASE = "release"
ACTIONS = (Action.PUBLISH, Action.UNPUBLISH, RELEASE)
STATES = ("pending", "done", "failed", "cancelled")
FOLDER = "schedules"
# A run retries an action this many times when a concurrent command moved a ref under it.
RETRIES = 3


@dataclass(frozen=True)
class Schedule:
    """One scheduled action and its state; its times are aware UTC datetimes (ISO 8601 text in the file)."""

    id: str
    action: str
    record: str
    version: str | None  # the pinned version of a publish; None: the latest at run time
    at: dt.datetime
    created: dt.datetime
    author: str
    message: str = ""
    state: str = "pending"
    finished: dt.datetime | None = None  # when it was done, failed or cancelled
    finished_by: str | None = None
    note: str | None = None  # e.g. "nothing to do: already published at that version"
    errors: list[dict[str, Any]] = field(default_factory=list)
    acknowledged: int = 0  # runs seen by `press schedule ack` (two clones each ran it); 0: none

    @property
    def path(self) -> str:
        """The schedule's file, relative to the store."""
        return f"{FOLDER}/{self.id}"

    @property
    def latest(self) -> bool:
        """True for a publish of whatever is current at run time (no pinned version)."""
        return self.action == Action.PUBLISH and self.version is None

    def encode(self) -> str:
        """The schedule's file content (JSON)."""
        doc = {**asdict(self), "at": iso_utc(self.at), "created": iso_utc(self.created),
               "finished": iso_or_none(self.finished)}
        if not self.acknowledged:
            del doc["acknowledged"]  # the file stays as every earlier pressroom wrote and reads it
        return json.dumps({"type": SCHEDULE_TYPE, **doc}, sort_keys=True, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def decode(cls, text: bytes, label: str) -> Schedule:
        """A schedule from its file content; a StoreDamagedError names ``label`` when it is not one."""
        try:
            doc = json.loads(text)
            if doc.pop("type") != SCHEDULE_TYPE:
                raise ValueError("wrong type")
            schedule = cls(**{**doc, "at": parse_time(doc["at"]), "created": utc(doc["created"]),
                                "finished": utc_or_none(doc.get("finished"))})
            if schedule.action not in ACTIONS or schedule.state not in STATES:
                raise ValueError("unknown action or state")
            if schedule.action == RELEASE:
                check_release_name(schedule.record)
            else:
                parse_key(schedule.record)
            return schedule
        except (ValueError, TypeError, KeyError, AttributeError, PressError):
            raise StoreDamagedError(
                "is not a readable schedule", where=Where(file=label),
                hint="if a git merge left markers in it, keep one side's text; else restore it from git",
            ) from None


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


def _order(s: Schedule) -> tuple[dt.datetime, dt.datetime, str]:
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
                f"schedule {s.id} ({s.action} {s.record} at {iso_utc(s.at)}) pins version {s.version[:12]}: "
                f"{e.message}",
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


@dataclass(frozen=True)
class ScheduleRequest:
    """A schedule to make: ``action`` of ``record`` at ``at`` (UTC, ISO 8601), pinning the current version
    of a publish unless ``latest``; ``id`` and ``time`` are given so that planning stays pure."""

    id: str
    action: str
    record: RecordKey
    at: str
    latest: bool
    author: str
    time: str
    message: str = ""


def schedule_action(site: SiteCore, action: str, ref: str, at: str, *, latest: bool = False, author: str,
                    message: str = "") -> ScheduleResult:
    """Schedule ``action`` of ``ref`` at ``at``; a publish pins the current version unless ``latest``."""
    if action not in ACTIONS or action == RELEASE:
        raise UsageError(f"cannot schedule {action!r}", hint="schedule publish or unpublish")
    key, spec = parse_ref(ref)
    if spec is not None:
        raise UsageError("a schedule pins the current version; name the record alone",
                         hint=f"save the version you want first, then: Site.schedule('{action}', '{key}', at=...)",
                         cause="schedule.version_named", data={"action": action, "record": str(key)})
    if latest and action != Action.PUBLISH:
        raise UsageError("latest is for scheduled publishes", cause="schedule.latest_not_publish")
    request = ScheduleRequest(id=uuid.uuid4().hex[:10], action=action, record=key, at=iso(parse_time(at)),
                              latest=latest, author=author, time=now_iso(), message=message)
    refs = site.store.record_refs(str(key))
    plan, schedule = plan_schedule(refs, request)
    warnings: list[Problem] = []
    if action == Action.PUBLISH:
        # Say now what would stop it, while there is time to fix it (links may be published by then).
        check = publish(site, [f"{key}@{refs['current']}"], dry_run=True, author=author)
        # The prefix stays in the CLI's wording too: publish's check problems are worded by their hints alone.
        warnings = [Problem(f"if it ran now: {p.message}", "schedule_check", p.where, p.hint, p.cause, p.data)
                    for p in check.problems]
    return ScheduleResult(schedule=schedule, warnings=warnings, txn=execute(site.store, plan))


def plan_schedule(refs: Mapping[str, str | None], request: ScheduleRequest) -> tuple[Plan, Schedule]:
    """The new schedule file and its ``schedule`` event; a pinned publish guards the current ref it pins.

    ``refs``: the record's three refs, read together.
    """
    record = str(request.record)
    if not any(refs.values()):
        raise NotFoundError("does not exist (never saved, or deleted)", where=Where(record=record),
                            hint="save it first (Site.save)", cause="save_first", data={"record": record})
    if request.action == Action.PUBLISH and refs["current"] is None:
        raise NotFoundError("has no current version to publish", where=Where(record=record))
    version = refs["current"] if request.action == Action.PUBLISH and not request.latest else None
    schedule = Schedule(id=request.id, action=request.action, record=record, version=version, at=utc(request.at),
                        created=utc(request.time), author=request.author, message=request.message)
    plan = Plan(Action.SCHEDULE, files=[FileUpdate(schedule.path, None, schedule.encode())])
    plan.log(request.record, event("schedule", author=request.author, time=request.time, old=None, new=version,
                                   message=f"{request.action} at {request.at} ({schedule.id})" + _said(request.message),
                                   schedule=schedule.id, scheduled=request.action, at=request.at))
    if version:
        plan.guard(RefKind.CURRENT, request.record, version)
    return plan, schedule


def _said(message: str) -> str:
    return f": {message}" if message else ""


def cancel(site: SiteCore, sid: str, *, author: str, message: str = "") -> ScheduleResult:
    """Cancel a pending (or dismiss a failed) schedule; one that is done is refused."""
    schedule, old = _read_one(site, sid)
    plan, cancelled = plan_cancel(schedule, old, author=author, time=now_iso(), message=message)
    return ScheduleResult(schedule=cancelled, txn=execute(site.store, plan))


def plan_cancel(schedule: Schedule, old: str, *, author: str, time: str, message: str = "") -> tuple[Plan, Schedule]:
    """The schedule file moved to ``cancelled`` (``old``: the sha256 of its bytes as read) and an
    ``unschedule`` event; refused for a schedule that is done or cancelled."""
    if schedule.state not in ("pending", "failed"):
        raise RefusedError(f"schedule {schedule.id} is already {schedule.state} ({iso_or_none(schedule.finished)})",
                           where=Where(record=schedule.record), hint="see it with: Site.schedules(all=True)",
                           cause="schedule.finished")
    cancelled = replace(schedule, state="cancelled", finished=utc(time), finished_by=author, note=message or None)
    plan = Plan(Action.UNSCHEDULE, files=[FileUpdate(schedule.path, old, cancelled.encode())])
    if schedule.action == RELEASE:
        return plan, cancelled  # no record's log to write to: the release's schedule file says it all
    plan.log(key_of(schedule.record),
             event("unschedule", author=author, time=time, old=schedule.version, new=None,
                   message=f"cancelled {schedule.action} at {iso_utc(schedule.at)} ({schedule.id})" + _said(message),
                   schedule=schedule.id))
    return plan, cancelled


def acknowledge(site: SiteCore, sid: str, *, author: str, message: str = "") -> ScheduleResult:
    """Record that a schedule carried out more than once (two merged clones each ran it) was seen.

    fsck and status stop reporting it until a further run is merged in.
    Refused for a schedule that ran once or less.
    """
    schedule, old = _read_one(site, sid)
    runs = runs_of(site, sid, schedule.record)
    plan, acked = plan_acknowledge(schedule, old, runs, author=author, time=now_iso(), message=message)
    return ScheduleResult(schedule=acked, txn=execute(site.store, plan))


def plan_acknowledge(schedule: Schedule, old: str, runs: Sequence[str], *, author: str, time: str,
                     message: str = "") -> tuple[Plan, Schedule]:
    """The schedule file with ``runs`` (the transactions that carried it out) acknowledged, and no
    event; refused when it ran once or less, or no run came since the last acknowledgement."""
    if len(runs) <= max(1, schedule.acknowledged):
        said = "was acknowledged at" if schedule.acknowledged else "ran"
        raise RefusedError(f"schedule {schedule.id} {said} {max(len(runs), schedule.acknowledged)} time(s): "
                           "nothing to acknowledge", where=Where(record=schedule.record),
                           hint="Site.fsck() lists the schedules carried out more than once",
                           cause="schedule.nothing_to_acknowledge")
    seen = f"acknowledged {len(runs)} runs ({time}, {author})" + _said(message)
    acked = replace(schedule, acknowledged=len(runs), note=f"{schedule.note}; {seen}" if schedule.note else seen)
    return Plan(Action.SCHEDULE, files=[FileUpdate(schedule.path, old, acked.encode())]), acked


def stored_problem(problem: Problem) -> dict[str, Any]:
    """A failed action's problem as its schedule file keeps it: ``as_dict()`` and, when the problem has
    one, its ``cause`` and ``data``, so a reader can word it again (the CLI does)."""
    out = problem.as_dict()
    if problem.cause is not None:
        out.update(cause=problem.cause, data=dict(problem.data))
    return out


def plan_finish(schedule: Schedule, old: str, *, state: str, author: str, time: str, note: str | None,
                errors: Sequence[Problem] | None = None) -> Plan:
    """A run's mark on a schedule it carried out (``done``) or could not (``failed``, with ``errors``;
    None keeps the file's): the file alone, which joins the action's own transaction or commits by itself."""
    finished = replace(schedule, state=state, finished=utc(time), finished_by=author, note=note,
                       errors=schedule.errors if errors is None else [stored_problem(p) for p in errors])
    return Plan(Action.SCHEDULE, files=[FileUpdate(schedule.path, old, finished.encode())])


@dataclass(frozen=True)
class NextResult:
    """The next pending action (None when nothing is scheduled), its time (an aware UTC datetime),
    and whether it is due already."""

    next: Schedule | None
    at: dt.datetime | None
    due: bool
    pending: int


def next_due(site: SiteCore, now: str | None = None) -> NextResult:
    """The earliest pending schedule, so a pipeline can plan its next run."""
    pending = [s for s in _read_all(site)[0] if s.state == "pending"]
    if not pending:
        return NextResult(next=None, at=None, due=False, pending=0)
    first = pending[0]
    when = parse_time(now) if now else dt.datetime.now(dt.timezone.utc)
    return NextResult(next=first, at=first.at, due=first.at <= when, pending=len(pending))


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
    at: dt.datetime
    outcome: str
    note: str | None = None
    moves: list[Move] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    txn: str | None = None


@dataclass(frozen=True)
class RunResult(Outcome):
    """What ``press schedule run`` did, in time order; ``ok`` when no action failed.

    ``now`` (the run's clock) and ``next_at`` (the next pending action's time) are aware UTC datetimes.
    """

    now: dt.datetime
    actions: list[RunAction] = field(default_factory=list)
    not_due: int = 0
    next_at: dt.datetime | None = None
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every due action was done or skipped, none failed."""
        return all(a.outcome in ("done", "skipped") for a in self.actions)

    @property
    def problems(self) -> list[Problem]:
        """The errors of every action that failed, in run order."""
        return [p for a in self.actions for p in a.errors]


def run(site: SiteCore, *, now: str | None = None, author: str) -> RunResult:
    """Carry out every pending action due at ``now`` (default: the current time), in time order, once.

    A ``now`` given is the run's clock: the events it logs carry that time.
    """
    when = parse_time(now) if now else dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    schedules, warnings = _read_all(site)
    pending = [s for s in schedules if s.state == "pending"]
    due = [s for s in pending if s.at <= when]
    later = [s for s in pending if s.at > when]
    actions = [_carry_out(site, s, author, iso(when) if now else None) for s in due]
    return RunResult(now=when, actions=actions, not_due=len(later), next_at=later[0].at if later else None,
                     warnings=warnings)


def _carry_out(site: SiteCore, schedule: Schedule, author: str, time: str | None) -> RunAction:
    base = RunAction(schedule=schedule.id, action=schedule.action, record=schedule.record, version=schedule.version,
                     at=schedule.at, outcome="done")
    for _attempt in range(RETRIES):
        current, old = _read_one(site, schedule.id)
        if current.state != "pending":
            return replace(base, outcome="skipped", note=f"already {current.state} by another run")
        finished = now_iso()
        try:
            done = plan_finish(current, old, state="done", author=author, time=finished, note=current.note)
            with site.store.joining(done.files) as joined:
                result = _act(site, current, time)
            if joined.committed:
                return replace(base, moves=result.moves, txn=result.txn)
            # Nothing moved (already in the wanted state): mark it done on its own.
            note = "nothing to do: " + "; ".join(s.why for s in result.skipped) if result.skipped else None
            txn = execute(site.store, plan_finish(current, old, state="done", author=author, time=finished,
                                                  note=note))
            return replace(base, note=note, txn=txn)
        except RefConflictError:
            raise  # a git merge left the store in conflict: resolve it before anything runs
        except ConflictError as e:
            error = e
            continue  # another run, or a concurrent command: read the schedule again
        except (RefusedError, UsageError) as e:
            failed = plan_finish(current, old, state="failed", author=author, time=finished, note=current.note,
                                 errors=e.problems)
            try:
                txn = execute(site.store, failed)
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


def _act(site: SiteCore, schedule: Schedule, time: str | None) -> ActionResult:
    message = f"scheduled {schedule.action} ({schedule.id})" + (f": {schedule.message}" if schedule.message else "")
    if schedule.action == RELEASE:
        from . import release
        done = release.publish(site, schedule.record, author=schedule.author, message=schedule.message,
                               schedule=schedule.id, time=time)
        return ActionResult(Action.PUBLISH, False, moves=done.moves, skipped=done.skipped, txn=done.txn,
                            versions=done.versions)
    if schedule.action == Action.PUBLISH:
        name = f"{schedule.record}@{schedule.version}" if schedule.version else schedule.record
        return publish(site, [name], author=schedule.author, message=message, schedule=schedule.id, time=time)
    return withdraw(site, Action.UNPUBLISH, [schedule.record], author=schedule.author, message=message,
                    schedule=schedule.id, time=time)
