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
from itertools import chain
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError, Problem, UsageError, Where
from ..models import require_model
from ..naming import resolve_version
from ..outcome import Outcome
from ..records import RecordKey, parse_ref
from ..site import SiteCore
from ..store import Event, RefUpdate, SiteFile, Snapshot, hash_bytes
from .common import event, now_iso, refusal
from .stages import publish_stage_problems
from .status import derive_status
from .validation import Progress, Reader, RecordSet

if TYPE_CHECKING:
    from .schedule import Schedule

ACTIONS = ("publish", "unpublish", "archive", "delete")


@dataclass(frozen=True, slots=True)
class Move:
    """One record the command moves, and why: ``named``, or ``cascade`` (``via`` the record linking to it)."""

    record: str
    action: str
    reason: str
    version: str | None  # the version published, withdrawn, archived or deleted
    old: str | None  # the published version before (for delete: current)
    status_before: str
    status_after: str
    via: str | None = None


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


@dataclass(frozen=True)
class ActionResult(Outcome):
    """The plan of a publish/unpublish/archive/delete, and what was done.

    ``problems`` and ``referrers`` are filled only by a dry run (a real run
    raises instead); ``txn`` is None when nothing was committed.
    """

    action: str
    dry_run: bool
    moves: list[Move] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    referrers: list[Referrer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    txn: str | None = None
    # Pending schedules of the records an unpublish/archive/delete moved: cancelled by it
    # (a dry run: the ones it would cancel), since each would fail or undo the command.
    cancelled_schedules: list[Schedule] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_depth(cascade: bool, depth: int | None) -> None:
    if depth is not None and not cascade:
        raise UsageError("--depth bounds a cascade: add --cascade")
    if depth is not None and depth < 1:
        raise UsageError("--depth must be 1 or more")


def _select(reader: Reader, site: SiteCore, names: list[str], *, model: str | None, all_records: bool,
            wanted: set[str], allow_version: bool) -> list[tuple[str, str | None]]:
    """Named records (with a version spec), or those of ``--model``/``--all`` whose status is in ``wanted``."""
    if names and (all_records or model):
        raise UsageError("name records, or use --all / --model, not both")
    snap = reader.snapshot
    if names:
        out, missing = [], []
        for name in names:
            key, spec = parse_ref(name)
            if spec is not None and not allow_version:
                raise UsageError(f"{name}: this command takes records, not versions", hint=f"name it as {key}")
            record = str(key)
            if not any(record in getattr(snap, kind) for kind in ("current", "published", "archived")):
                missing.append(Problem("does not exist (never saved, or deleted)", code="not_found",
                                       where=Where(record=record), hint=f"save it first: press save {record}"))
            out.append((record, spec))
        if missing:
            if len(missing) == 1:
                p = missing[0]
                raise NotFoundError(p.message, where=p.where, hint=p.hint)
            raise NotFoundError(f"{len(missing)} named records do not exist", problems=missing)
        return list(dict.fromkeys(out))
    if model:
        require_model(site, reader.models, model)
    elif not all_records:
        raise UsageError("name at least one record (model/id), or use --all or --model M")
    records = [r for r in snap.records()
               if (model is None or r.partition("/")[0] == model) and derive_status(snap, r) in wanted]
    return [(r, None) for r in records]


def _events(moves: list[Move], *, action: str, author: str, time: str, message: str,
            extra: dict[str, dict[str, str | None]] | None = None, schedule: str | None = None) -> list[Event]:
    out = []
    for m in moves:
        more = dict((extra or {}).get(m.record, {}))
        more["reason"] = m.reason
        if schedule:
            # Which schedule did it: two clones that both ran it show as two events of one schedule.
            more["schedule"] = schedule
        if m.via:
            more["via"] = m.via
        new = m.version if action == "publish" else None
        out.append(Event(m.record, event(action, author=author, time=time, old=m.old, new=new, message=message,
                                         **more)))
    return out


# publish


def publish(site: SiteCore, names: list[str] = (), *, model: str | None = None, all_records: bool = False,
            cascade: bool = False, depth: int | None = None, dry_run: bool = False, message: str = "",
            author: str, progress: Progress | None = None, schedule: str | None = None) -> ActionResult:
    """Validate each record's current version (or the version named ``REF@V``) and publish it.

    ``--all``/``--model`` take every record that is ``draft`` or ``updated``
    (archived ones only when named). A link to an unpublished record is an
    error unless that record is published in the same command: named, or
    taken along by ``cascade`` (to any depth, or ``depth`` levels).
    ``schedule``: the id of the schedule carrying it out, logged with each event.
    """
    _check_depth(cascade, depth)
    reader = Reader(site)
    snap = reader.snapshot
    selected = _select(reader, site, list(names), model=model, all_records=all_records,
                              wanted={"draft", "updated"}, allow_version=True)
    plan: dict[str, Move] = {}
    skipped: list[Skipped] = []
    for record, spec in selected:
        if spec is None and record not in snap.current:
            skipped.append(Skipped(record, "has no current version (deleted)"))
            continue
        oid = resolve_version(site, parse_ref(record)[0], spec) if spec else snap.current[record]
        if snap.published.get(record) == oid and record not in snap.archived:
            skipped.append(Skipped(record, "is already published at that version"))
            continue
        plan[record] = _publish_move(snap, record, oid, "named")
    if cascade:
        _cascade_publish(reader, plan, depth)
    problems = _check_publish(reader, plan, cascade, progress)
    reader.checks.flush()
    result = ActionResult("publish", dry_run, moves=sorted(plan.values(), key=_order), skipped=skipped,
                          problems=problems if dry_run else [])
    if problems and not dry_run:
        raise refusal(problems, "nothing was published")
    if dry_run or not plan:
        return result
    time = now_iso()
    updates = []
    for m in result.moves:
        updates.append(RefUpdate("published", m.record, m.old, m.version))
        if m.record in snap.archived:
            updates.append(RefUpdate("archived", m.record, snap.archived[m.record], None))
    extra = {m.record: {"archived": snap.archived[m.record]} for m in result.moves if m.record in snap.archived}
    events = _events(result.moves, action="publish", author=author, time=time, message=message, extra=extra,
                     schedule=schedule)
    # The plan read each record's current and archived refs too: a delete or an
    # archive that got there first must make this a conflict, not leave a record
    # published with no current, or published and archived at once.
    linked: dict[str, str] = {}
    for m in result.moves:
        for _path, key in reader.links(m.record, m.version):
            t = str(key)
            if t not in plan and t in snap.published:
                linked[t] = snap.published[t]
    # The reader's parsed data and links are not needed any more: freed before the
    # commit, the peak of a 100,000-record publish (the guards below are generated).
    del reader
    expect = chain(((kind, m.record, snap.get(kind, m.record))
                    for m in result.moves for kind in ("current", "archived")),
                   (("published", t, oid) for t, oid in linked.items()))
    txn = site.store.commit(updates, events, expect=expect)
    return ActionResult("publish", False, moves=result.moves, skipped=skipped, txn=txn)


def _order(m: Move) -> tuple[int, str]:
    return (0 if m.reason == "named" else 1, m.record)


def _publish_move(snap: Snapshot, record: str, oid: str, reason: str, via: str | None = None) -> Move:
    after = "published" if oid == snap.current.get(record) else "updated"
    return Move(record=record, action="publish", reason=reason, version=oid, old=snap.published.get(record),
                status_before=derive_status(snap, record), status_after=after, via=via)


def _cascade_publish(reader: Reader, plan: dict[str, Move], depth: int | None) -> None:
    """Add the unpublished records that the plan links to, breadth first, to ``depth`` levels."""
    snap = reader.snapshot
    level = {r: 0 for r in plan}
    queue = deque(sorted(plan))
    while queue:
        record = queue.popleft()
        if depth is not None and level[record] >= depth:
            continue
        for _path, key in reader.links(record, plan[record].version):
            t = str(key)
            # Archived records were withdrawn on purpose: only naming them brings them back.
            if t in plan or t in snap.published or t not in snap.current or t in snap.archived:
                continue
            plan[t] = _publish_move(snap, t, snap.current[t], "cascade", via=record)
            level[t] = level[record] + 1
            queue.append(t)


def _check_publish(reader: Reader, plan: dict[str, Move], cascade: bool,
                   progress: Progress | None) -> list[Problem]:
    """Validation of every planned version, and the closure of the final published view."""
    snap = reader.snapshot
    existing = RecordSet(snap.current)
    problems: list[Problem] = []
    for i, record in enumerate(sorted(plan)):
        oid = plan[record].version
        problems.extend(reader.problems(record, oid, existing))
        for path, key in reader.links(record, oid):
            t = str(key)
            if t not in snap.current or t in plan or t in snap.published:
                continue
            status = derive_status(snap, t)
            if status == "archived":
                hint = f"it was archived: name it to publish it again (press publish {record} {t})"
            elif cascade:
                hint = f"raise --depth, or name it: press publish {record} {t}"
            else:
                hint = f"publish it in the same command (press publish {record} {t}), or add --cascade"
            problems.append(Problem(f"links to {t}, which is not published ({status})", code="unpublished_link",
                                    where=Where(record=record, path=path), hint=hint))
        if progress:
            progress(i + 1, len(plan))
    # A model's publish_requires: every planned version, cascaded ones too, has been reviewed.
    problems.extend(publish_stage_problems(reader.site, reader.models, {r: m.version for r, m in plan.items()}))
    return problems


# unpublish, archive, delete


def withdraw(site: SiteCore, action: str, names: list[str], *, model: str | None = None,
             all_records: bool = False, cascade: bool = False, depth: int | None = None, dry_run: bool = False,
             message: str = "", author: str, force: bool = False, progress: Progress | None = None,
             schedule: str | None = None) -> ActionResult:
    """Unpublish, archive or delete records, in one transaction (``schedule``: as for ``publish``).

    Refused when a published record that stays published links to one that
    leaves the published view; naming that referrer too makes it pass. With
    ``cascade`` (unpublish, archive), the records they link to go too, when no
    other published record still links to them.
    """
    if action == "delete" and (cascade or model or all_records):
        raise UsageError("delete takes named records only (no --cascade, --model or --all)")
    _check_depth(cascade, depth)
    reader = Reader(site)
    snap = reader.snapshot
    wanted = {"published", "updated"} if action != "delete" else set()
    selected = _select(reader, site, names, model=model, all_records=all_records, wanted=wanted,
                               allow_version=False)
    plan: dict[str, Move] = {}
    skipped: list[Skipped] = []
    problems: list[Problem] = []
    for record, _spec in selected:
        why = _nothing_to_do(snap, action, record)
        if why:
            skipped.append(Skipped(record, why))
            continue
        if action == "unpublish" and not reader.model(record.partition("/")[0]).draft_published:
            if not names:
                # --all / --model: as publish --all leaves archived records, leave these be.
                skipped.append(Skipped(record, "its model has no drafts (draft_published: false)"))
                continue
            problems.append(Problem(
                "cannot be a draft: its model publishes every save (draft_published: false)",
                code="refused", where=Where(record=record),
                hint=f"archive it (press archive {record}) or delete it instead"))
            continue
        if action == "delete":
            problems.extend(_unsaved(site, snap, record, force))
        plan[record] = _withdraw_move(snap, action, record, "named")
    index = _ReverseIndex(reader, progress)
    if cascade:
        _cascade_withdraw(reader, index, action, plan, depth)
    gone = {r for r in plan if r in snap.published}
    referrers = []
    for target in sorted(gone):
        for referrer, path in index.referrers(target):
            if referrer not in gone:
                referrers.append(Referrer(referrer, path, target))
    for ref in referrers:
        hint = f"name it in the same command: press {action} {ref.target} {ref.record}"
        if action == "unpublish" and not reader.model(ref.record.partition("/")[0]).draft_published:
            # Naming it would be refused too: a record of such a model cannot be a draft.
            hint = (f"{ref.record} cannot be a draft (its model publishes every save): archive it first "
                    f"(press archive {ref.record}), or remove the link from its field {ref.path} and save it")
        problems.append(Problem(
            f"is linked from {ref.record} (field {ref.path}), which stays published", code="referrer",
            where=Where(record=ref.target), hint=hint))
    moves = sorted(plan.values(), key=_order)
    if problems and not dry_run:
        raise refusal(problems, f"nothing was {_past(action)}")
    if dry_run or not plan:
        return ActionResult(action, dry_run, moves=moves, skipped=skipped, referrers=referrers,
                            problems=problems if dry_run else [])
    time = now_iso()
    updates: list[RefUpdate] = []
    extra: dict[str, dict[str, str | None]] = {}
    for m in moves:
        r = m.record
        if r in snap.published:
            updates.append(RefUpdate("published", r, snap.published[r], None))
        if action == "archive":
            updates.append(RefUpdate("archived", r, snap.archived.get(r), m.version))
            extra[r] = {"archived": m.version}
        if action == "delete" and r in snap.current:
            updates.append(RefUpdate("current", r, snap.current[r], None))
            if r in snap.archived:
                updates.append(RefUpdate("archived", r, snap.archived[r], None))
            extra[r] = {"published": snap.published.get(r), "archived": snap.archived.get(r)}
    events = _events(moves, action=action, author=author, time=time, message=message, extra=extra,
                     schedule=schedule)
    # Archive and delete read current and archived (the version to keep, whether
    # there is anything to do): an archive and a delete of one record racing
    # would otherwise leave an archived ref with no current.
    expect = [(kind, m.record, snap.get(kind, m.record))
              for m in moves if action in ("archive", "delete") for kind in ("current", "archived")]
    # A deleted record's working file goes in the same transaction: left behind by a
    # crash, the next save --all would bring the record back.
    files = [f for m in moves if action == "delete" and (f := _removal(site, m.record))]
    txn = site.store.commit(updates, events, expect=expect, unchanged={"published": snap.published},
                            site_files=files)
    return ActionResult(action, False, moves=moves, skipped=skipped, txn=txn)


def _removal(site: SiteCore, record: str) -> SiteFile | None:
    path = site.working_path(RecordKey(*record.split("/", 1)))
    if not path.is_file() or path.is_symlink():
        return None
    return SiteFile(path.relative_to(site.root).as_posix(), hash_bytes(path.read_bytes()), None)


def _past(action: str) -> str:
    return {"unpublish": "unpublished", "archive": "archived", "delete": "deleted"}[action]


def _nothing_to_do(snap: Snapshot, action: str, record: str) -> str | None:
    status = derive_status(snap, record)
    if action == "unpublish" and record not in snap.published:
        return f"is not published ({status})"
    # A git merge can leave a record archived and published, or published with no current:
    # archive and delete are the fixes `press fsck` names for those, so they act on them.
    if action == "archive" and record in snap.archived and record not in snap.published:
        return "is already archived"
    if action == "archive" and record not in snap.current:
        return "has no current version (deleted)"
    if action == "delete" and not any(record in getattr(snap, k) for k in ("current", "published", "archived")):
        return "is already deleted"
    return None


def _unsaved(site: SiteCore, snap: Snapshot, record: str, force: bool) -> list[Problem]:
    """Deleting removes the working file: refuse to lose changes that were never saved."""
    key = RecordKey(*record.split("/", 1))
    path = site.working_path(key)
    if force or record not in snap.current or not path.is_file() or path.is_symlink():
        return []
    blob = site.store.get_version(snap.current[record]).blob
    if hash_bytes(path.read_bytes()) == blob:
        return []
    return [Problem("has unsaved changes that delete would lose", code="refused",
                    where=Where(file=site.rel(path), record=record),
                    hint=f"save them first (press save {record}), or pass --force to drop them")]


def _withdraw_move(snap: Snapshot, action: str, record: str, reason: str, via: str | None = None) -> Move:
    published = snap.published.get(record)
    if action == "delete":
        version, old, after = snap.current.get(record), snap.current.get(record), "deleted"
    elif action == "archive":
        # An archived record keeps the version that was public; a draft keeps its current one.
        version, old, after = published or snap.current.get(record), published, "archived"
    else:
        version, old, after = published, published, "draft"
    return Move(record=record, action=action, reason=reason, version=version, old=old,
                status_before=derive_status(snap, record), status_after=after, via=via)


class _ReverseIndex:
    """Who links to whom in the published view, built once per command.

    Only published records of models that can link to a target's model are
    read, each version once.
    """

    def __init__(self, reader: Reader, progress: Progress | None):
        self.reader = reader
        self.progress = progress
        self._done: set[str] = set()
        self._index: dict[str, list[tuple[str, str]]] = {}

    def referrers(self, target: str) -> list[tuple[str, str]]:
        """``(referrer, field path)`` for each published record linking to ``target``."""
        self._cover(target.partition("/")[0])
        return self._index.get(target, [])

    def _cover(self, target_model: str) -> None:
        sources = {m.name for m in self.reader.models.values()
                   if target_model in m.link_targets and m.name not in self._done}
        if not sources:
            return
        self._done |= sources
        todo = [(r, oid) for r, oid in sorted(self.reader.snapshot.published.items())
                if r.partition("/")[0] in sources]
        for i, (record, oid) in enumerate(todo):
            for path, key in self.reader.links(record, oid):
                self._index.setdefault(str(key), []).append((record, path))
            if self.progress:
                self.progress(i + 1, len(todo))


def _cascade_withdraw(reader: Reader, index: _ReverseIndex, action: str, plan: dict[str, Move],
                      depth: int | None) -> None:
    """Add the published records the plan links to that nothing staying published still needs.

    A record is taken only once every published record linking to it is
    leaving too, so the test is repeated until nothing more can go.
    """
    snap = reader.snapshot
    gone = {r for r in plan if r in snap.published}
    level = {r: 0 for r in gone}
    via: dict[str, str] = {}
    queue = deque(sorted(gone))
    candidates = []
    while queue:
        record = queue.popleft()
        if depth is not None and level[record] >= depth:
            continue
        for _path, key in reader.links(record, snap.published[record]):
            t = str(key)
            if t in level or t not in snap.published:
                continue
            if action == "unpublish" and not reader.model(key.model).draft_published:
                continue
            level[t] = level[record] + 1
            via[t] = record
            candidates.append(t)
            queue.append(t)
    changed = True
    while changed:
        changed = False
        for t in candidates:
            if t in gone:
                continue
            refs = index.referrers(t)
            if all(r in gone for r, _p in refs):
                gone.add(t)
                plan[t] = _withdraw_move(snap, action, t, "cascade", via=_first_gone(refs, gone) or via[t])
                changed = True


def _first_gone(refs: list[tuple[str, str]], gone: set[str]) -> str | None:
    return next((r for r, _p in sorted(refs) if r in gone), None)
