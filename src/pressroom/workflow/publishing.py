"""``press publish``, ``unpublish``, ``archive`` and ``delete``: moving the published view.

The invariant: no published record links to a record that is not published.
Each command plans its moves, validates, and checks the invariant on the
final state of the whole transaction, then commits once. Any problem, and
nothing moves; every problem of the batch is reported.

The checks read refs the command does not move (a link target, a possible
referrer, the current and archived refs of a record it moves), so the commit
guards them: a concurrent command that changed them makes this one a
conflict instead of breaking the invariant.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
import itertools
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError, Problem, UsageError, Where
from ..models import require_model
from ..naming import resolve_version
from ..outcome import Outcome
from ..records import RecordKey, load_record, parse_ref, remove_fields
from ..site import SiteCore
from ..store import Event, LazyRefs, RefUpdate, SiteFile, Snapshot, Version, hash_bytes
from .common import event, now_iso, refusal
from .plan import Action, NewVersion, Plan, RefKind, Status, execute, key_of
from .stages import publish_stage_problems
from .status import derive_status
from .validation import Progress, Reader, RecordSet

if TYPE_CHECKING:
    from .schedule import Schedule

ACTIONS = (Action.PUBLISH, Action.UNPUBLISH, Action.ARCHIVE, Action.DELETE)


@dataclass(frozen=True, slots=True)
class Move:
    """One record the command moves, and why: ``named``, ``cascade`` (``via`` the record linking to it), or
    a link strategy (``on_publish:publish``, ``on_unpublish:clear``...: ``via`` the record whose move set
    it off, ``path`` the link's field). A ``clear`` is a publish of the new version without the link.
    """

    record: str
    action: Action
    reason: str
    version: str | None  # the version published, withdrawn, archived or deleted
    old: str | None  # the published version before (for delete: current)
    status_before: Status
    status_after: Status
    via: str | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the command leaves alone, and why (e.g. already published)."""

    record: str
    why: str


@dataclass(frozen=True)
class Referrer:
    """A published record that links to one this command takes out of the published view."""

    record: str
    path: str
    target: str
    reason: str = "referrer"


@dataclass(frozen=True, slots=True)
class Created:
    """A version a link strategy (``clear``) makes: of ``record``, on top of ``parent``, and why."""

    record: str
    version: str
    parent: str
    reason: str


@dataclass(frozen=True)
class ActionResult(Outcome):
    """The plan of a publish/unpublish/archive/delete, and what was done.

    ``problems`` and ``referrers`` are filled only by a dry run (a real run
    raises instead); ``txn`` is None when nothing was committed.
    """

    action: Action
    dry_run: bool
    moves: list[Move] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    referrers: list[Referrer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    txn: str | None = None
    # Keyword only: positions of the fields before stay what callers wrote.
    versions: list[Created] = field(default_factory=list, kw_only=True)
    # Pending schedules of the records an unpublish/archive/delete moved: cancelled by it
    # (a dry run: the ones it would cancel), since each would fail or undo the command.
    cancelled_schedules: list[Schedule] = field(default_factory=list, kw_only=True)

    @property
    def ok(self) -> bool:
        """True when nothing was refused: no problems."""
        return not self.problems


@dataclass(frozen=True)
class Stamp:
    """Who acts, when and why: the fields every event of one command shares."""

    author: str
    time: str
    message: str = ""
    schedule: str | None = None  # the schedule carrying the command out, logged with each event


@dataclass(frozen=True)
class WorkingFile:
    """A record's working file as the command found it: its path in the site and the hash of its bytes."""

    path: str
    blob: str


@dataclass(frozen=True)
class PublishRequest:
    """Records to publish, each at a version (None: its current one)."""

    targets: list[tuple[RecordKey, str | None]]
    stamp: Stamp
    cascade: bool = False
    depth: int | None = None
    progress: Progress | None = None


@dataclass(frozen=True)
class WithdrawRequest:
    """Records to unpublish, archive or delete.

    ``named``: the user named them (not ``--all``/``--model``). ``working``:
    for delete, each record's working file (None: no regular file there).
    """

    targets: list[RecordKey]
    stamp: Stamp
    named: bool = True
    cascade: bool = False
    depth: int | None = None
    force: bool = False
    working: Mapping[RecordKey, WorkingFile | None] = field(default_factory=dict)
    progress: Progress | None = None
    # A record's working file, read only for the records a ``clear`` strategy gives a new version.
    working_of: Callable[[RecordKey], WorkingFile | None] | None = None


def _check_depth(depth: int | None) -> None:
    # depth bounds a cascade and the link strategies alike, so it stands without cascade too.
    if depth is not None and depth < 1:
        raise UsageError("depth must be 1 or more", cause="publishing.depth", data={"value": depth})


def _select(reader: Reader, site: SiteCore, names: list[str], *, model: str | None, all_records: bool,
            wanted: set[Status], allow_version: bool) -> list[tuple[RecordKey, str | None]]:
    """Named records (with a version spec), or those of ``--model``/``--all`` whose status is in ``wanted``."""
    if names and (all_records or model):
        raise UsageError("name records, or pass all=True / model, not both", cause="select.both")
    if names:
        return _named(reader.snapshot, names, allow_version)
    if model:
        require_model(site, reader.models, model)
    elif not all_records:
        raise UsageError("name at least one record (model/id), or pass all=True or a model",
                         cause="select.none")
    snap = reader.snapshot
    key = _key_maker()
    keys = (key(r) for r in snap.records())
    return [(k, None) for k in keys if (model is None or k.model == model) and derive_status(snap, str(k)) in wanted]


def _key_maker() -> Callable[[str], RecordKey]:
    """``key_of`` holding each model's name once: a bulk command keeps a key (two guards) per record."""
    models: dict[str, str] = {}

    def key(record: str) -> RecordKey:
        model, _, rid = record.partition("/")
        return RecordKey(models.setdefault(model, model), rid)
    return key


def _named(snap: Snapshot, names: list[str], allow_version: bool) -> list[tuple[RecordKey, str | None]]:
    out, missing = [], []
    for name in names:
        key, spec = parse_ref(name)
        if spec is not None and not allow_version:
            raise UsageError(f"{name}: this command takes records, not versions", hint=f"name it as {key}")
        record = str(key)
        if not any(record in refs for refs in (snap.current, snap.published, snap.archived)):
            missing.append(Problem("does not exist (never saved, or deleted)", code="not_found",
                                   where=Where(record=record), hint="save it first (Site.save)", cause="save_first",
                                   data={"record": record}))
        out.append((key, spec))
    if len(missing) == 1:
        p = missing[0]
        raise NotFoundError(p.message, where=p.where, hint=p.hint, cause=p.cause, data=p.data)
    if missing:
        raise NotFoundError(f"{len(missing)} named records do not exist", problems=missing)
    return list(dict.fromkeys(out))


def _log(plan: Plan, stamp: Stamp, extra: Mapping[str, Mapping[str, str | None]] | None = None) -> None:
    """One event per move of ``plan``, with its reason, and ``extra`` fields by record."""
    for m in plan.moves:
        more: dict[str, Any] = dict((extra or {}).get(m.record, {}))
        more["reason"] = m.reason
        if stamp.schedule:
            # Which schedule did it: two clones that both ran it show as two events of one schedule.
            more["schedule"] = stamp.schedule
        if m.via:
            more["via"] = m.via
        if m.path:
            more["path"] = m.path
        new = m.version if m.action is Action.PUBLISH else None
        # The move's own record string, not a key parsed and printed again: one string per record.
        plan.events.append(Event(m.record, event(m.action.value, author=stamp.author, time=stamp.time, old=m.old,
                                                 new=new, message=stamp.message, **more)))


def _result(plan: Plan, dry_run: bool, txn: str | None = None) -> ActionResult:
    created = [Created(n.version.record, n.oid, n.version.parent or "", n.reason) for n in plan.versions]
    return ActionResult(plan.action, dry_run, moves=plan.moves, skipped=plan.skipped, referrers=plan.referrers,
                        problems=plan.problems if dry_run else [], txn=txn, versions=created)


def _run(site: SiteCore, plan: Plan, dry_run: bool) -> ActionResult:
    """Refuse a plan with problems, return a dry run's, or execute it."""
    if plan.problems and not dry_run:
        raise refusal(plan.problems, f"nothing was {plan.action.past}")
    if dry_run or not plan.moves:
        return _result(plan, dry_run)
    return _result(plan, False, execute(site.store, plan, site=site))


def _order(m: Move) -> tuple[int, str]:
    return (0 if m.reason == "named" else 1, m.record)


# publish


def publish(site: SiteCore, names: Sequence[str] = (), *, model: str | None = None, all_records: bool = False,
            cascade: bool = False, depth: int | None = None, dry_run: bool = False, message: str = "",
            author: str, progress: Progress | None = None, schedule: str | None = None,
            time: str | None = None) -> ActionResult:
    """Validate each record's current version (or the version named ``REF@V``) and publish it.

    ``--all``/``--model`` take every record that is ``draft`` or ``updated``
    (archived ones only when named). A link to an unpublished record is an
    error unless that record is published in the same command: named, or
    taken along by ``cascade``, or by a link field's ``on_publish: publish`` (to
    any depth, or ``depth`` levels). ``schedule``: the id of the schedule
    carrying it out, logged with each event; ``time``: the time logged (default: now).
    """
    _check_depth(depth)
    reader = Reader(site)
    selected = _select(reader, site, list(names), model=model, all_records=all_records,
                       wanted={Status.DRAFT, Status.UPDATED}, allow_version=True)
    targets = [(key, resolve_version(site, key, spec) if spec else None) for key, spec in selected]
    request = PublishRequest(targets, Stamp(author, time or now_iso(), message, schedule), cascade=cascade,
                             depth=depth,
                             progress=progress)
    plan = plan_publish(reader, request)
    reader.checks.flush()
    # The reader's parsed data and links, and the selection (a key and a tuple per record),
    # are not needed any more: freed before the commit, the peak of a 100,000-record publish.
    del reader, selected, targets, request
    return _run(site, plan, dry_run)


def plan_publish(reader: Reader, request: PublishRequest) -> Plan:
    """The plan of a publish: moves (named, then cascaded), validation problems, refs, events and guards."""
    snap = reader.snapshot
    plan = Plan(Action.PUBLISH)
    moves: dict[str, Move] = {}
    for key, oid in request.targets:
        record = str(key)
        if oid is None and record not in snap.current:
            plan.skipped.append(Skipped(record, "has no current version (deleted)"))
            continue
        oid = oid or snap.current[record]
        if snap.published.get(record) == oid and record not in snap.archived:
            plan.skipped.append(Skipped(record, "is already published at that version"))
            continue
        moves[record] = _publish_move(snap, record, oid, "named")
    _cascade_publish(reader, moves, request.cascade, request.depth)
    plan.problems = _check_publish(reader, moves, request.cascade, request.progress)
    plan.moves = sorted(moves.values(), key=_order)
    _publish_refs(reader, plan, moves, request.stamp)
    return plan


def _publish_refs(reader: Reader, plan: Plan, moves: Mapping[str, Move], stamp: Stamp) -> None:
    """The ref updates, events and guards of a publish's moves."""
    snap = reader.snapshot
    extra: dict[str, dict[str, str | None]] = {}
    key_maker = _key_maker()
    for m in plan.moves:
        key = key_maker(m.record)
        # RefUpdate of the move's record string (Plan.move would print the key anew for each).
        plan.updates.append(RefUpdate(RefKind.PUBLISHED, m.record, m.old, m.version))
        if m.record in snap.archived:
            plan.updates.append(RefUpdate(RefKind.ARCHIVED, m.record, snap.archived[m.record], None))
            extra[m.record] = {"archived": snap.archived[m.record]}
        # The plan read each record's current and archived refs too: a delete or an
        # archive that got there first must make this a conflict, not leave a record
        # published with no current, or published and archived at once.
        plan.guard(RefKind.CURRENT, key, snap.current.get(m.record))
        plan.guard(RefKind.ARCHIVED, key, snap.archived.get(m.record))
    _log(plan, stamp, extra)
    linked: dict[str, str] = {}
    for m in plan.moves:
        for _path, target in reader.links(m.record, m.version or ""):
            t = str(target)
            if t not in moves and t in snap.published:
                linked[t] = snap.published[t]
    for t, oid in linked.items():
        plan.guard(RefKind.PUBLISHED, key_of(t), oid)


def _publish_move(snap: Snapshot, record: str, oid: str, reason: str, via: str | None = None,
                  path: str | None = None) -> Move:
    after = Status.PUBLISHED if oid == snap.current.get(record) else Status.UPDATED
    return Move(record=record, action=Action.PUBLISH, reason=reason, version=oid, old=snap.published.get(record),
                status_before=derive_status(snap, record), status_after=after, via=via, path=path)


# Records whose check-cache entries a publish reads in one query (``Reader.prefetch``).
READ_AHEAD = 512


def _cascade_publish(reader: Reader, plan: dict[str, Move], cascade: bool, depth: int | None) -> None:
    """Add the unpublished records that the plan links to, breadth first, to ``depth`` levels.

    Without ``cascade``, only the links whose field says ``on_publish: publish``.
    """
    snap = reader.snapshot
    level = {r: 0 for r in plan}
    queue = deque(sorted(plan))
    ahead = 0  # records at the queue's head whose check-cache entries are read
    while queue:
        if not ahead:
            ahead = reader.prefetch((r, plan[r].version or "") for r in itertools.islice(queue, READ_AHEAD))
        record = queue.popleft()
        ahead -= 1
        if depth is not None and level[record] >= depth:
            continue
        oid = plan[record].version or ""
        model = reader.model(key_of(record).model)
        strategic = any(lf.on_publish == "publish" for lf in model.link_fields)
        if not cascade and not strategic:
            continue
        for path, key in reader.links(record, oid):
            t = str(key)
            # Archived records were withdrawn on purpose: only naming them brings them back.
            if t in plan or t in snap.published or t not in snap.current or t in snap.archived:
                continue
            lf = model.link_field(reader.data(oid), path) if strategic else None
            if lf is not None and lf.on_publish == "publish":
                plan[t] = _publish_move(snap, t, snap.current[t], "on_publish:publish", via=record, path=path)
            elif cascade:
                plan[t] = _publish_move(snap, t, snap.current[t], "cascade", via=record)
            else:
                continue
            level[t] = level[record] + 1
            queue.append(t)


def _check_publish(reader: Reader, plan: dict[str, Move], cascade: bool,
                   progress: Progress | None) -> list[Problem]:
    """Validation of every planned version, and the closure of the final published view."""
    snap = reader.snapshot
    existing = RecordSet((), refs=snap.current)
    problems: list[Problem] = []
    ordered = sorted(plan)
    for i, record in enumerate(ordered):
        if i % READ_AHEAD == 0:
            reader.prefetch((r, plan[r].version or "") for r in ordered[i:i + READ_AHEAD])
        oid = plan[record].version or ""
        problems.extend(reader.problems(record, oid, existing))
        problems.extend(_unpublished_links(reader, plan, record, oid, cascade))
        if progress:
            progress(i + 1, len(plan))
    # A model's publish_requires: every planned version, cascaded ones too, has been reviewed.
    problems.extend(publish_stage_problems(reader.store, reader.models,
                                           {r: m.version or "" for r, m in plan.items()}))
    return problems


def _unpublished_links(reader: Reader, plan: dict[str, Move], record: str, oid: str,
                       cascade: bool) -> list[Problem]:
    """A problem for each link of ``record`` to a record that stays unpublished."""
    snap = reader.snapshot
    problems = []
    for path, key in reader.links(record, oid):
        t = str(key)
        if t not in snap.current or t in plan or t in snap.published:
            continue
        status = derive_status(snap, t)
        if status is Status.ARCHIVED:
            hint, cause = "it was archived: name it to publish it again (Site.publish)", "publishing.link_archived"
        elif cascade or _strategy_at(reader, record, oid, path) == "publish":
            hint, cause = "raise depth, or name it too (Site.publish)", "publishing.link_beyond_depth"
        else:
            hint, cause = ("publish it in the same call (Site.publish), or pass cascade=True",
                           "publishing.link_unpublished")
        problems.append(Problem(f"links to {t}, which is not published ({status})", code="unpublished_link",
                                where=Where(record=record, path=path), hint=hint, cause=cause,
                                data={"record": record, "target": t}))
    return problems


def _strategy_at(reader: Reader, record: str, oid: str, path: str, event: str = "on_publish") -> str:
    """The strategy of the link field at ``path`` in version ``oid`` of ``record``."""
    model = reader.model(key_of(record).model)
    if not any(lf.strategy(event) != "refuse" for lf in model.link_fields):
        return "refuse"
    lf = model.link_field(reader.data(oid), path)
    return lf.strategy(event) if lf is not None else "refuse"


# unpublish, archive, delete


def withdraw(site: SiteCore, action: Action | str, names: Sequence[str], *, model: str | None = None,
             all_records: bool = False, cascade: bool = False, depth: int | None = None, dry_run: bool = False,
             message: str = "", author: str, force: bool = False, progress: Progress | None = None,
             schedule: str | None = None, time: str | None = None) -> ActionResult:
    """Unpublish, archive or delete records, in one transaction (``schedule``, ``time``: as for ``publish``).

    Refused when a published record that stays published links to one that
    leaves the published view, unless the link's field says otherwise
    (``on_unpublish``/``on_delete``: ``unpublish`` takes the referrer out too,
    ``clear`` publishes a new version of it without the link); naming that
    referrer too makes it pass. With ``cascade`` (unpublish, archive), the
    records they link to go too, when no other published record still links to them.
    """
    action = Action(action)
    planner = _WITHDRAW_PLANNERS[action]
    if action is Action.DELETE and (cascade or model or all_records):
        raise UsageError("delete takes named records only (no cascade, model or all)",
                         cause="publishing.delete_named_only")
    _check_depth(depth)
    reader = Reader(site)
    wanted = set() if action is Action.DELETE else {Status.PUBLISHED, Status.UPDATED}
    keys = [key for key, _spec in _select(reader, site, list(names), model=model, all_records=all_records,
                                           wanted=wanted, allow_version=False)]
    working = {key: _working_file(site, key) for key in keys} if action is Action.DELETE else {}
    request = WithdrawRequest(keys, Stamp(author, time or now_iso(), message, schedule), named=bool(names),
                              cascade=cascade, depth=depth, force=force, working=working, progress=progress,
                              working_of=lambda key: _working_file(site, key))
    plan = planner(reader, request)
    return _run(site, plan, dry_run)


def _working_file(site: SiteCore, key: RecordKey) -> WorkingFile | None:
    path = site.working_path(key)
    if not path.is_file() or path.is_symlink():
        return None
    return WorkingFile(path.relative_to(site.root).as_posix(), hash_bytes(path.read_bytes()))


def plan_unpublish(reader: Reader, request: WithdrawRequest) -> Plan:
    """Take published records back to draft; a model that publishes every save cannot have drafts."""
    snap = reader.snapshot
    plan = Plan(Action.UNPUBLISH)
    moves: dict[str, Move] = {}
    for key in request.targets:
        record = str(key)
        if record not in snap.published:
            plan.skipped.append(Skipped(record, f"is not published ({derive_status(snap, record)})"))
        elif reader.model(key.model).draft_published:
            moves[record] = _unpublish_move(snap, record, "named")
        elif not request.named:
            # --all / --model: as publish --all leaves archived records, leave these be.
            plan.skipped.append(Skipped(record, "its model has no drafts (draft_published: false)"))
        else:
            plan.problems.append(Problem(
                "cannot be a draft: its model publishes every save (draft_published: false)",
                code="refused", where=Where(record=record),
                hint="archive it (Site.archive) or delete it (Site.delete) instead", cause="publishing.no_drafts",
                data={"record": record}))
    _plan_withdrawal(reader, request, plan, moves, _unpublish_move)
    for m in _own(plan):
        plan.move(RefKind.PUBLISHED, key_of(m.record), m.old, None)
    _log(plan, request.stamp)
    return plan


def _own(plan: Plan) -> list[Move]:
    """The moves of the plan's own action (a strategy may add unpublishes and clears to an archive or delete)."""
    return [m for m in plan.moves if m.action is plan.action and not m.reason.endswith(":clear")]


def _unpublish_move(snap: Snapshot, record: str, reason: str, via: str | None = None,
                    path: str | None = None) -> Move:
    published = snap.published.get(record)
    return Move(record=record, action=Action.UNPUBLISH, reason=reason, version=published, old=published,
                status_before=derive_status(snap, record), status_after=Status.DRAFT, via=via, path=path)


def plan_archive(reader: Reader, request: WithdrawRequest) -> Plan:
    """Withdraw records from the published view, keeping the version that was public in ``archived``."""
    snap = reader.snapshot
    plan = Plan(Action.ARCHIVE)
    moves: dict[str, Move] = {}
    for key in request.targets:
        record = str(key)
        # A git merge can leave a record archived and published, or published with no current:
        # archive and delete are the fixes `press fsck` names for those, so they act on them.
        if record in snap.archived and record not in snap.published:
            plan.skipped.append(Skipped(record, "is already archived"))
        elif record not in snap.current:
            plan.skipped.append(Skipped(record, "has no current version (deleted)"))
        else:
            moves[record] = _archive_move(snap, record, "named")
    _plan_withdrawal(reader, request, plan, moves, _archive_move)
    extra: dict[str, dict[str, str | None]] = {}
    for m in _own(plan):
        key = key_of(m.record)
        if m.record in snap.published:
            plan.move(RefKind.PUBLISHED, key, snap.published[m.record], None)
        plan.move(RefKind.ARCHIVED, key, snap.archived.get(m.record), m.version)
        extra[m.record] = {"archived": m.version}
        _guard_current_and_archived(plan, snap, key)
    _log(plan, request.stamp, extra)
    return plan


def _archive_move(snap: Snapshot, record: str, reason: str, via: str | None = None) -> Move:
    published = snap.published.get(record)
    # An archived record keeps the version that was public; a draft keeps its current one.
    return Move(record=record, action=Action.ARCHIVE, reason=reason, version=published or snap.current.get(record),
                old=published, status_before=derive_status(snap, record), status_after=Status.ARCHIVED, via=via)


def plan_delete(reader: Reader, request: WithdrawRequest) -> Plan:
    """Remove records' refs and working files; refused over unsaved changes unless ``force``."""
    snap = reader.snapshot
    plan = Plan(Action.DELETE)
    moves: dict[str, Move] = {}
    for key in request.targets:
        record = str(key)
        if not any(record in refs for refs in (snap.current, snap.published, snap.archived)):
            plan.skipped.append(Skipped(record, "is already deleted"))
            continue
        if not request.force:
            plan.problems.extend(_unsaved(reader, record, request.working.get(key)))
        moves[record] = _delete_move(snap, record, "named")
    _plan_withdrawal(reader, request, plan, moves, _delete_move)
    extra: dict[str, dict[str, str | None]] = {}
    for m in _own(plan):
        key = key_of(m.record)
        if m.record in snap.published:
            plan.move(RefKind.PUBLISHED, key, snap.published[m.record], None)
        if m.record in snap.current:
            plan.move(RefKind.CURRENT, key, snap.current[m.record], None)
            if m.record in snap.archived:
                plan.move(RefKind.ARCHIVED, key, snap.archived[m.record], None)
            extra[m.record] = {"published": snap.published.get(m.record), "archived": snap.archived.get(m.record)}
        _guard_current_and_archived(plan, snap, key)
        # A deleted record's working file goes in the same transaction: left behind by a
        # crash, the next save --all would bring the record back.
        working = request.working.get(key)
        if working is not None:
            plan.site_files.append(SiteFile(working.path, working.blob, None))
    _log(plan, request.stamp, extra)
    return plan


def _delete_move(snap: Snapshot, record: str, reason: str, via: str | None = None) -> Move:
    current = snap.current.get(record)
    return Move(record=record, action=Action.DELETE, reason=reason, version=current, old=current,
                status_before=derive_status(snap, record), status_after=Status.DELETED, via=via)


def _guard_current_and_archived(plan: Plan, snap: Snapshot, key: RecordKey) -> None:
    # Archive and delete read current and archived (the version to keep, whether
    # there is anything to do): an archive and a delete of one record racing
    # would otherwise leave an archived ref with no current.
    plan.guard(RefKind.CURRENT, key, snap.current.get(str(key)))
    plan.guard(RefKind.ARCHIVED, key, snap.archived.get(str(key)))


def _unsaved(reader: Reader, record: str, working: WorkingFile | None) -> list[Problem]:
    """Deleting removes the working file: refuse to lose changes that were never saved."""
    current = reader.snapshot.current.get(record)
    if current is None or working is None or working.blob == reader.blob(current):
        return []
    return [Problem("has unsaved changes that delete would lose", code="refused",
                    where=Where(file=working.path, record=record),
                    hint="save them first (Site.save), or pass force=True to drop them", cause="unsaved_changes",
                    data={"record": record})]


MoveMaker = Callable[[Snapshot, str, str, str | None], Move]


def _plan_withdrawal(reader: Reader, request: WithdrawRequest, plan: Plan, moves: dict[str, Move],
                     make: MoveMaker) -> None:
    """What unpublish, archive and delete share: the cascade, the referrers left behind, the guard.

    Fills ``plan.moves``, ``referrers`` and their problems; the published view
    the checks read must not change before the commit.
    """
    snap = reader.snapshot
    index = _ReverseIndex(reader, request.progress)
    if request.cascade:
        _cascade_withdraw(reader, index, plan.action, moves, request.depth, make)
    _Strategies(reader, request, plan, index).apply(moves)
    plan.problems.extend(_referrer_problem(reader, plan.action, ref) for ref in plan.referrers)
    plan.moves = sorted(moves.values(), key=_order)
    plan.unchanged[RefKind.PUBLISHED] = snap.published


def _referrer_problem(reader: Reader, action: Action, ref: Referrer) -> Problem:
    hint, cause = f"name {ref.record} in the same call (Site.{action})", "publishing.referrer"
    if action is Action.UNPUBLISH and not reader.model(key_of(ref.record).model).draft_published:
        # Naming it would be refused too: a record of such a model cannot be a draft.
        hint = (f"{ref.record} cannot be a draft (its model publishes every save): archive it first "
                f"(Site.archive), or remove the link from its field {ref.path} and save it")
        cause = "publishing.referrer_without_drafts"
    return Problem(f"is linked from {ref.record} (field {ref.path}), which stays published", code="referrer",
                   where=Where(record=ref.target), hint=hint, cause=cause,
                   data={"action": action.value, "target": ref.target, "record": ref.record, "path": ref.path})


class _Strategies:
    """The link strategies of the published records a withdrawal would leave linking to a gone one.

    ``refuse`` makes the referrer a problem; ``unpublish`` takes it out too
    (and its own referrers' strategies apply in turn, to ``depth`` levels);
    ``clear`` publishes a new version of it without the link, and moves
    current along (or puts a cleared version on top of it).
    """

    def __init__(self, reader: Reader, request: WithdrawRequest, plan: Plan, index: _ReverseIndex):
        self.reader = reader
        self.request = request
        self.plan = plan
        self.index = index

    def apply(self, moves: dict[str, Move]) -> None:
        """Add the strategies' moves to ``moves``, and the referrers that refuse to ``plan.referrers``."""
        snap = self.reader.snapshot
        depth = self.request.depth
        gone = {r for r in moves if r in snap.published}
        level = dict.fromkeys(gone, 0)
        found: list[tuple[str, str, str, str, str]] = []  # referrer, path, target, strategy, event
        queue = deque(sorted(gone))
        while queue:
            target = queue.popleft()
            # A deleted target: on_delete decides; an unpublished or archived one: on_unpublish.
            event_name = "on_delete" if moves[target].action is Action.DELETE else "on_unpublish"
            for referrer, path in self.index.referrers(target):
                if referrer in gone:
                    continue
                strategy = _strategy_at(self.reader, referrer, snap.published[referrer], path, event_name)
                if depth is not None and level[target] >= depth:
                    strategy = "refuse"
                if strategy == "unpublish" and not self.reader.model(key_of(referrer).model).draft_published:
                    strategy = "refuse"  # it cannot be a draft: the referrer problem says so
                found.append((referrer, path, target, strategy, event_name))
                if strategy == "unpublish":
                    gone.add(referrer)
                    level[referrer] = level[target] + 1
                    moves[referrer] = _unpublish_move(snap, referrer, f"{event_name}:unpublish", via=target,
                                                      path=path)
                    queue.append(referrer)
        clears: dict[str, list[tuple[str, str, str]]] = {}
        for referrer, path, target, strategy, event_name in found:
            if referrer in gone:
                continue
            if strategy == "clear":
                clears.setdefault(referrer, []).append((path, target, f"{event_name}:clear"))
            else:
                self.plan.referrers.append(Referrer(referrer, path, target))
        for referrer, links in sorted(clears.items()):
            moves[referrer] = self._clear(referrer, links)
        if self.plan.action is not Action.UNPUBLISH:
            for m in moves.values():
                if m.action is Action.UNPUBLISH:
                    self.plan.move(RefKind.PUBLISHED, key_of(m.record), m.old, None)

    def _clear(self, record: str, links: list[tuple[str, str, str]]) -> Move:
        """A new published version of ``record`` without ``links`` (path, target, reason), current following."""
        snap = self.reader.snapshot
        key = key_of(record)
        model = self.reader.model(key.model)
        published = snap.published[record]
        current = snap.current.get(record)
        path, via, reason = links[0]
        targets = {t for _p, t, _r in links}
        paths = {p for p, _t, _r in links}
        fields = {lf.field for p in paths if (lf := model.link_field(self.reader.data(published), p)) is not None}
        stamp = self.request.stamp
        message = stamp.message or f"{reason}: link to {', '.join(sorted(targets))} removed"
        first = self._version(key, published, paths, reason, message)
        data = load_record(first.content(), f"{record}@{first.oid[:7]}")
        self.plan.problems.extend(model.validate(data, record=record))
        self.plan.move(RefKind.PUBLISHED, key, published, first.oid)
        after = Status.PUBLISHED
        top: NewVersion | None = None
        if current == published:
            top = first
        elif current is not None:
            after = Status.UPDATED
            # The draft on top keeps its edits and loses the same links.
            cur = [p for p, t in self.reader.links(record, current) if str(t) in targets
                   and (lf := model.link_field(self.reader.data(current), p)) is not None and lf.field in fields]
            if cur:
                top = self._version(key, current, set(cur), reason, message)
        if top is not None and current is not None:
            self.plan.move(RefKind.CURRENT, key, current, top.oid)
            self.plan.log(key, event(Action.SAVE.value, author=stamp.author, time=stamp.time, old=current,
                                     new=top.oid, message=message, reason=reason, via=via, path=path))
            working = self.request.working_of(key) if self.request.working_of else None
            # The working file follows only when it holds current's bytes: an unsaved edit is the user's.
            if working is not None and working.blob == self.reader.blob(current):
                self.plan.site_files.append(SiteFile(working.path, working.blob, top.blob))
        self.plan.guard(RefKind.CURRENT, key, current)
        return Move(record=record, action=Action.PUBLISH, reason=reason, version=first.oid, old=published,
                    status_before=derive_status(snap, record), status_after=after, via=via, path=path)

    def _version(self, key: RecordKey, parent: str, paths: set[str], reason: str, message: str) -> NewVersion:
        record = str(key)
        source = self.reader.store.get_blob(self.reader.blob(parent))
        data = remove_fields(source, f"{record}@{parent[:7]}", paths)
        stamp = self.request.stamp
        new = NewVersion(Version(record=record, blob=hash_bytes(data), parent=parent, author=stamp.author,
                                 time=stamp.time, message=message), data, reason)
        self.plan.versions.append(new)
        return new


class _ReverseIndex:
    """Who links to whom in the published view, asked target by target.

    The store's ref index answers from the links it has recorded by version
    (versions never change); the published versions it has none for are read
    once and recorded there for the next command. A store without the index
    (or a folder it cannot vouch for) has every published record of the models
    that can link to the target read, each version once.
    """

    def __init__(self, reader: Reader, progress: Progress | None):
        self.reader = reader
        self.progress = progress
        self._found: dict[str, list[tuple[str, str]]] = {}
        # Per source model: the links of its published records the index did not have, read here.
        self._learnt: dict[str, list[tuple[str, list[tuple[str, RecordKey]]]]] = {}
        # Per source model the index cannot answer for: every published record's links, by target.
        self._scanned: dict[str, dict[str, list[tuple[str, str]]]] = {}

    def referrers(self, target: str) -> list[tuple[str, str]]:
        """``(referrer, field path)`` for each published record linking to ``target``."""
        found = self._found.get(target)
        if found is None:
            target_model = key_of(target).model
            sources = sorted(m.name for m in self.reader.models.values() if target_model in m.link_targets)
            pairs = [pair for source in sources for pair in self._from(source, target)]
            # By referrer, each one's links in their order: as a scan of the sorted records finds them.
            found = self._found[target] = sorted(pairs, key=lambda pair: pair[0])
        return found

    def _from(self, source: str, target: str) -> list[tuple[str, str]]:
        published = self.reader.snapshot.published
        if isinstance(published, LazyRefs) and source not in self._scanned:
            group = self.reader.checks.key(self.reader.model(source))
            answer = published.linking_to(group, source, target, unknown=source not in self._learnt)
            if answer is not None:
                found, unknown = answer
                if source not in self._learnt:
                    self._learnt[source] = self._learn(group, unknown)
                return [(record, path) for record, _oid, path in found] + [
                    (record, path) for record, links in self._learnt[source] for path, key in links
                    if str(key) == target]
        return self._scan(source).get(target, [])

    def _learn(self, group: str, unknown: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, RecordKey]]]]:
        """Read the links of published versions the index does not know, and record them there."""
        out = []
        for i, (record, oid) in enumerate(unknown):
            out.append((record, self.reader.links(record, oid)))
            if self.progress:
                self.progress(i + 1, len(unknown))
        published = self.reader.snapshot.published
        if isinstance(published, LazyRefs):
            published.remember_links(group, {oid: [(path, str(key)) for path, key in links]
                                             for (_record, oid), (_r, links) in zip(unknown, out)})
        return out

    def _scan(self, source: str) -> dict[str, list[tuple[str, str]]]:
        """Every published record of ``source``'s links, by target (a store without the index)."""
        index = self._scanned.get(source)
        if index is None:
            index = self._scanned[source] = {}
            todo = [(r, oid) for r, oid in sorted(self.reader.snapshot.published.items()) if key_of(r).model == source]
            for i, (record, oid) in enumerate(todo):
                for path, key in self.reader.links(record, oid):
                    index.setdefault(str(key), []).append((record, path))
                if self.progress:
                    self.progress(i + 1, len(todo))
        return index


def _cascade_withdraw(reader: Reader, index: _ReverseIndex, action: Action, plan: dict[str, Move],
                      depth: int | None, make: MoveMaker) -> None:
    """Add the published records the plan links to that nothing staying published still needs.

    A record is taken only once every published record linking to it is
    leaving too, so the test is repeated until nothing more can go.
    """
    snap = reader.snapshot
    gone = {r for r in plan if r in snap.published}
    candidates, via = _linked_published(reader, action, gone, depth)
    changed = True
    while changed:
        changed = False
        for t in candidates:
            if t in gone:
                continue
            refs = index.referrers(t)
            if all(r in gone for r, _p in refs):
                gone.add(t)
                plan[t] = make(snap, t, "cascade", _first_gone(refs, gone) or via[t])
                changed = True


def _linked_published(reader: Reader, action: Action, start: set[str],
                      depth: int | None) -> tuple[list[str], dict[str, str]]:
    """The published records ``start`` links to, breadth first to ``depth`` levels, and who reached each."""
    snap = reader.snapshot
    level = {r: 0 for r in start}
    via: dict[str, str] = {}
    queue = deque(sorted(start))
    candidates = []
    while queue:
        record = queue.popleft()
        if depth is not None and level[record] >= depth:
            continue
        for _path, key in reader.links(record, snap.published[record]):
            t = str(key)
            if t in level or t not in snap.published:
                continue
            if action is Action.UNPUBLISH and not reader.model(key.model).draft_published:
                continue
            level[t] = level[record] + 1
            via[t] = record
            candidates.append(t)
            queue.append(t)
    return candidates, via


def _first_gone(refs: list[tuple[str, str]], gone: set[str]) -> str | None:
    return next((r for r, _p in sorted(refs) if r in gone), None)


def plan_link_strategies(reader: Reader, plan: Plan, record: str, action: Action, stamp: Stamp,
                         working_of: Callable[[RecordKey], WorkingFile | None] | None = None) -> list[Move]:
    """The link strategies that a change made elsewhere (``press resolve``) to ``record``'s place in
    the published view sets off, added to ``plan``: their moves (returned), new versions, ref updates,
    events, guards, and the validation problems of what they publish.

    ``action`` PUBLISH: ``record`` is published in the reader's snapshot (at its new version), and the
    ``on_publish: publish`` links of that version bring their targets in, to any depth. UNPUBLISH,
    ARCHIVE or DELETE: ``record`` is published in the reader's snapshot and leaves the view, and its
    referrers' ``on_unpublish`` (DELETE: ``on_delete``) apply. A referrer whose strategy refuses is
    left in ``plan.referrers``; the caller judges the final view. The record's own refs and events are
    the caller's.
    """
    snap = reader.snapshot
    if action is Action.PUBLISH:
        moves = {record: _publish_move(snap, record, snap.published[record], "resolve")}
        _cascade_publish(reader, moves, False, None)
        del moves[record]
        existing = RecordSet((), refs=snap.current)
        for m in sorted(moves.values(), key=_order):
            key = key_of(m.record)
            plan.problems.extend(reader.problems(m.record, m.version or "", existing))
            plan.move(RefKind.PUBLISHED, key, m.old, m.version)
            plan.guard(RefKind.CURRENT, key, snap.current.get(m.record))
            plan.guard(RefKind.ARCHIVED, key, snap.archived.get(m.record))
        plan.problems.extend(publish_stage_problems(reader.store, reader.models,
                                                    {r: m.version or "" for r, m in moves.items()}))
    else:
        # The record's own move only tells the strategies which event it is (on_delete or on_unpublish):
        # made as an archive, so that _Strategies plans no unpublish of it (its refs are the caller's).
        own = (_delete_move if action is Action.DELETE else _archive_move)(snap, record, "resolve")
        moves = {record: own}
        request = WithdrawRequest([], stamp, working_of=working_of)
        _Strategies(reader, request, plan, _ReverseIndex(reader, None)).apply(moves)
        del moves[record]
    plan.moves = sorted(moves.values(), key=_order)
    _log(plan, stamp)
    return plan.moves


_WITHDRAW_PLANNERS: dict[Action, Callable[[Reader, WithdrawRequest], Plan]] = {
    Action.UNPUBLISH: plan_unpublish, Action.ARCHIVE: plan_archive, Action.DELETE: plan_delete}
