"""``press resolve REF``: end a merge conflict in a record's refs by picking a side.

A git merge of two branches that moved the same ref in ways that do not
descend from each other leaves the ref file in conflict (``store/conflicts``).
``--ours`` or ``--theirs`` takes that side for every conflicted ref of the
record; ``--version V`` points them all at V (any version of the record:
either side's history). One transaction, logged as ``resolve`` events. The
versions chosen must be in the store (after the merge, both sides' objects
are). The link strategies of the models apply as they do for publish and
unpublish, in the same transaction: a chosen published version's
``on_publish: publish`` links bring their targets in, and a choice that takes
the record out of the published view sets off its referrers' ``on_unpublish``
(``on_delete`` when the side chosen deleted it). A choice that would still
leave the published view with a dangling link is refused, as ``unpublish``
refuses: the chosen published version links to an unpublished record, or
published records link to one the choice withdraws. When ``current`` is
resolved and git left conflict markers in the working file too, the file gets
the chosen version's content (a working file without markers is the user's,
and is left alone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFoundError, Problem, RefusedError, StoreDamagedError, UsageError, Where
from ..models import Model, load_models
from ..naming import MIN_PREFIX, versions_by_prefix
from ..outcome import Outcome
from ..records import RecordKey, load_record, parse_ref
from ..site import SiteCore
from ..store import GitIndex, RefConflict, RefKind, SiteFile, Snapshot, hash_bytes
from .common import event, now_iso, refusal
from .plan import Action, Plan, StoreReader, execute, key_of
from .publishing import Created, Move, Stamp, WorkingFile, _working_file, plan_link_strategies
from .validation import Reader
from .view import Violation, link_violations

SIDES = ("ours", "theirs", "version")


@dataclass(frozen=True)
class Resolved:
    """One ref that was in conflict, and the version it now holds."""

    kind: RefKind
    ours: str | None  # None: that side deleted the ref
    theirs: str | None
    base: str | None
    chosen: str | None  # None: the ref is removed (the side chosen had deleted it)


@dataclass(frozen=True)
class ResolveResult(Outcome):
    """What ``press resolve`` chose for each conflicted ref of the record."""

    record: str
    side: str
    resolved: list[Resolved] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    txn: str | None = None
    # The files (relative to the site) git lists as unmerged that this resolution settles: the
    # caller tells git, as `git add` would.
    settled: list[str] = field(default_factory=list)
    # Keyword only: positions of the fields before stay what callers wrote.
    dry_run: bool = field(default=False, kw_only=True)
    # What the link strategies moved (or, in a dry run, would move), and the versions a clear made.
    moves: list[Move] = field(default_factory=list, kw_only=True)
    versions: list[Created] = field(default_factory=list, kw_only=True)
    # Filled by a dry run only (a real run raises instead): why the resolution would be refused.
    problems: list[Problem] = field(default_factory=list, kw_only=True)

    @property
    def ok(self) -> bool:
        """True unless the resolve (or its dry run) was refused with problems."""
        return not self.problems


def resolve(site: SiteCore, ref: str, *, side: str, version: str | None = None, author: str,
            message: str = "", index: GitIndex | None = None, dry_run: bool = False) -> ResolveResult:
    """Resolve every conflicted ref of ``ref``: ``side`` is ``ours``, ``theirs`` or ``version`` (then ``version``).

    ``index``: what git's index holds unmerged in the store (a ref one side deleted is in
    conflict there only); the caller asks git, and tells it the ``settled`` files afterwards.
    ``dry_run``: the plan (refs, the link strategies' moves and versions, the problems), nothing written.
    """
    if side not in SIDES:
        raise UsageError("pick one side: ours, theirs or version V", cause="resolve.pick_side")
    if (side == "version") != (version is not None):
        raise UsageError("version takes a version id (7+ characters)", cause="resolve.version_id")
    key, spec = parse_ref(ref)
    record = str(key)
    if spec is not None:
        raise UsageError("name the record alone; give the version as version=V", hint=f"Site.resolve('{key}', ...)",
                         cause="resolve.version_in_ref", data={"record": str(key)})
    snapshot = site.store.snapshot(conflicts_ok=True)
    conflicts = [c for c in snapshot.conflicts if c.record == record]
    # A ref one branch deleted: the conflict is in git's index, the file reads as an ordinary ref.
    in_git = [c for c in (index or GitIndex()).refs if c.record == record]
    if not conflicts and not in_git:
        raise RefusedError("has no merge conflict", where=Where(record=record),
                           hint="Site.status() lists the records in conflict", cause="resolve.no_conflict")
    chosen = _version(site, record, version, [*conflicts, *in_git], snapshot) if version else None
    path = site.working_path(key)
    working = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    request = ResolveRequest(record=key, side=side, chosen=chosen, conflicts=conflicts, in_git=in_git,
                             author=author, time=now_iso(), message=message,
                             working=WorkingText(path.relative_to(site.root).as_posix(), working)
                             if working is not None else None,
                             working_of=lambda other: _working_file(site, other),
                             unmerged=frozenset(c.record for c in (index or GitIndex()).refs))
    plan, resolved = plan_resolve(site.store, snapshot, request, lambda after: link_violations(site, after),
                                  models=load_models(site), dry_run=dry_run)
    created = [Created(n.version.record, n.oid, n.version.parent or "", n.reason) for n in plan.versions]
    if dry_run:
        return ResolveResult(record=record, side=side, resolved=resolved, warnings=plan.warnings, dry_run=True,
                             moves=plan.moves, versions=created, problems=plan.problems)
    txn = execute(site.store, plan)
    current = next((r.chosen for r in resolved if r.kind == "current"), None)
    ref_paths = [site.store.ref_path(r.kind, record) for r in resolved]
    merged_text = current is not None and path.is_file() and not _has_markers(path.read_bytes())
    return ResolveResult(record=record, side=side, resolved=resolved, warnings=plan.warnings, txn=txn,
                         settled=[site.rel(p) for p in [*ref_paths, *([path] if merged_text else [])]],
                         moves=plan.moves, versions=created)


@dataclass(frozen=True)
class WorkingText:
    """The record's working file as read (a regular file, not a symlink): its path in the site and bytes."""

    path: str
    data: bytes


@dataclass(frozen=True)
class ResolveRequest:
    """What to take for each conflicted ref of ``record``: ``side`` (``version``: ``chosen``), the
    conflicts the store and git's index hold for it, and its working file (None: none to mend)."""

    record: RecordKey
    side: str
    chosen: str | None
    conflicts: list[RefConflict]
    in_git: list[RefConflict]
    author: str
    time: str
    message: str = ""
    working: WorkingText | None = None
    # Another record's working file, read only for a referrer a ``clear`` strategy gives a new version.
    working_of: Callable[[RecordKey], WorkingFile | None] | None = None
    # The other records git's index holds unmerged refs of: no strategy moves them.
    unmerged: frozenset[str] = frozenset()


def plan_resolve(reader: StoreReader, snapshot: Snapshot, request: ResolveRequest,
                 violations: Callable[[Snapshot], list[Violation]], *, models: Mapping[str, Model] | None = None,
                 dry_run: bool = False) -> tuple[Plan, list[Resolved]]:
    """The ref updates and ``resolve`` events that end the record's conflicts, the moves and versions
    of the link strategies (of ``models``; none given: no strategies) the choice sets off, and the
    working file when git left conflict markers in it. Refused (raised) for a choice that leaves refs
    no command makes, names a version not in the store, or breaks the link rule (``violations``: the
    dangling links of a snapshot; those from or to the record and what the strategies move count),
    or whose strategies are refused; with ``dry_run`` the last two are left in ``plan.problems``."""
    record = str(request.record)
    side = request.side
    both = [*request.conflicts, *request.in_git]
    resolved = [Resolved(kind=c.kind, ours=c.ours, theirs=c.theirs, base=c.base,
                         chosen=request.chosen if request.chosen is not None
                         else (c.ours if side == "ours" else c.theirs))
                for c in both]
    _check_final_state(snapshot, record, side, resolved)
    _check_versions(reader, record, side, resolved)
    plan = Plan(Action.RESOLVE, resolving=list(request.conflicts))
    # A ref in conflict in git's index only holds a version on disk: it moves by compare-and-swap like any other.
    olds = {c.kind: snapshot.get(c.kind, record) for c in request.in_git}
    for r in resolved:
        plan.move(r.kind, request.record, olds.get(r.kind), r.chosen)
        plan.log(request.record, event(
            "resolve", author=request.author, time=request.time, old=None, new=r.chosen,
            message=f"{r.kind}: took {side} {(r.chosen or 'deleted')[:7]}" + (f": {request.message}" if request.message else ""),
            kind=r.kind, ours=r.ours, theirs=r.theirs))
    after = _after(snapshot, record, resolved)
    moved = _strategies(reader, dict(models or {}), snapshot, after, request, resolved, plan)
    final, kept_links = _with_moves(after, plan, dict(models or {}))
    _refuse_dangling(violations, final, kept_links, record, {record, *moved}, side, plan, dry_run)
    current = next((r.chosen for r in resolved if r.kind == "current"), None)
    working = request.working
    if current is not None and working is not None and _has_markers(working.data):
        # In the transaction: a crash after the refs moved must not leave the markers behind.
        plan.site_files.append(SiteFile(working.path, hash_bytes(working.data), reader.get_version(current).blob))
    return plan, resolved


def _check_versions(reader: StoreReader, record: str, side: str, resolved: list[Resolved]) -> None:
    for r in resolved:
        if r.chosen is None:
            continue
        if not reader.has_object(r.chosen):
            raise RefusedError(f"version {r.chosen[:7]} ({r.kind}, {side}) is not in the store",
                               where=Where(record=record),
                               hint="finish the git merge so that both sides' .press/objects are in the work tree")
        if reader.get_version(r.chosen).record != record:
            raise StoreDamagedError(f"version {r.chosen[:7]} belongs to another record", where=Where(record=record))


def _check_final_state(snapshot: Any, record: str, side: str, resolved: list[Resolved]) -> None:
    """Refuse a choice that leaves refs no press command makes: published or archived without current,
    or published and archived at once (one branch withdrew the record, the other kept it public)."""
    after = {kind: snapshot.get(kind, record) for kind in ("current", "published", "archived")}
    after.update({r.kind: r.chosen for r in resolved})
    if after["current"] is None and (after["published"] or after["archived"]):
        why = f"it would be {'published' if after['published'] else 'archived'} without a current version"
    elif after["published"] and after["archived"]:
        why = "it would be published and archived at once"
    else:
        return
    raise RefusedError(f"taking {side} for every ref in conflict: {why}", where=Where(record=record),
                       hint="take the other side (then publish or archive again if that is what should stay), "
                            "or version=V", cause="resolve.bad_state")


def _has_markers(data: bytes) -> bool:
    lines = data.splitlines()
    return any(line.startswith(b"<<<<<<< ") for line in lines) and any(line.startswith(b">>>>>>> ")
                                                                        for line in lines)


def _version(site: SiteCore, record: str, spec: str, conflicts: list[RefConflict], snapshot: Any) -> str:
    """A version of ``record`` named by id or 7+ character prefix, from either side's history."""
    spec = spec.strip().lstrip("@")
    if len(spec) < MIN_PREFIX or any(ch not in "0123456789abcdef" for ch in spec):
        raise UsageError(f"version {spec!r} is not a version id", hint=f"give {MIN_PREFIX}+ hex characters of it",
                         cause="resolve.not_an_id", data={"version": repr(spec)})
    heads = [oid for c in conflicts for oid in (c.ours, c.theirs, c.base) if oid]
    heads += [oid for kind in ("current", "published", "archived") if (oid := snapshot.get(kind, record))]
    found = versions_by_prefix(site, record, spec, heads)
    if not found:
        raise NotFoundError(f"has no version {spec} on either side", where=Where(record=record),
                            hint=f"the sides: {', '.join(sorted({oid[:7] for c in conflicts for oid in (c.ours, c.theirs) if oid}))}")
    if len(found) > 1:
        raise UsageError(f"version prefix {spec} is ambiguous in {record}", hint="give more characters")
    return found[0]


def _after(snapshot: Snapshot, record: str, resolved: list[Resolved]) -> Snapshot:
    """The refs once ``resolved`` is taken; another record still in conflict is judged as public if
    either side keeps it so."""
    after: dict[RefKind, dict[str, str]] = {kind: dict(getattr(snapshot, kind)) for kind in RefKind}
    for c in snapshot.conflicts:
        if c.record != record and (kept := c.ours or c.theirs):
            after[c.kind].setdefault(c.record, kept)
    for r in resolved:
        if r.chosen is None:
            after[r.kind].pop(record, None)
        else:
            after[r.kind][record] = r.chosen
    return Snapshot(current=after[RefKind.CURRENT], published=after[RefKind.PUBLISHED],
                    archived=after[RefKind.ARCHIVED])


def _strategies(reader: StoreReader, models: dict[str, Model], snapshot: Snapshot, after: Snapshot,
                request: ResolveRequest, resolved: list[Resolved], plan: Plan) -> set[str]:
    """Add the link strategies the choice sets off to ``plan``, as publish and unpublish apply them;
    the records they move. Only a resolved published ref sets them off: a choice that leaves the
    published view as it was repairs nothing on its own."""
    record = str(request.record)
    published = next((r for r in resolved if r.kind == RefKind.PUBLISHED), None)
    if published is None:
        return set()
    if published.chosen is not None:
        action, view = Action.PUBLISH, after
    else:
        # The record leaves the view: its referrers are judged against the side that kept it public.
        kept = published.ours or published.theirs or published.base
        if kept is None:
            return set()
        action = (Action.DELETE if record not in after.current
                  else Action.ARCHIVE if record in after.archived else Action.UNPUBLISH)
        view = Snapshot(current=after.current, published={**after.published, record: kept},
                        archived=after.archived)
    stamp = Stamp(request.author, request.time, request.message)
    moves = plan_link_strategies(Reader.over(reader, models, view), plan, record, action, stamp,
                                 working_of=request.working_of)
    conflicted = {c.record for c in snapshot.conflicts} | request.unmerged
    for m in moves:
        if m.record in conflicted:
            # Its refs cannot move before its own conflict is resolved.
            plan.problems.append(Problem(
                f"is in a merge conflict too: {m.reason} would move it (from {m.via})", code="merge_conflict",
                where=Where(record=m.record), hint=f"resolve {m.record} first (Site.resolve)",
                cause="resolve.strategy_in_conflict", data={"record": m.record, "reason": m.reason}))
    return {m.record for m in moves}


def _with_moves(after: Snapshot, plan: Plan, models: dict[str, Model]) -> tuple[Snapshot, dict[str, set[str]]]:
    """``after`` with the strategies' ref updates applied (the record's own set what ``after`` holds),
    and for each record a ``clear`` gives a new version, the records that version still links to.

    The new versions are not in the store yet, so the view is judged with each cleared record at the
    version the clear starts from, and its links that the clear removes are not counted.
    """
    created = {n.oid: n for n in plan.versions}
    refs: dict[RefKind, dict[str, str]] = {kind: dict(getattr(after, kind)) for kind in RefKind}
    kept_links: dict[str, set[str]] = {}
    for u in plan.updates:
        new = created.get(u.new or "")
        if new is not None:
            model = models.get(key_of(u.record).model) or Model.implicit(key_of(u.record).model)
            data = load_record(new.content(), f"{u.record}@{new.oid[:7]}")
            kept_links[u.record] = {str(target) for _path, target in model.links(data)}
        elif u.new is None:
            refs[RefKind(u.kind)].pop(u.record, None)
        else:
            refs[RefKind(u.kind)][u.record] = u.new
    return Snapshot(current=refs[RefKind.CURRENT], published=refs[RefKind.PUBLISHED],
                    archived=refs[RefKind.ARCHIVED]), kept_links


def _refuse_dangling(violations: Callable[[Snapshot], list[Violation]], final: Snapshot,
                     kept_links: dict[str, set[str]], record: str, involved: set[str], side: str, plan: Plan,
                     dry_run: bool) -> None:
    """Refuse a choice that breaks the link rule once its strategies have moved, as unpublish refuses to
    strand a referrer: the chosen published version (or one a strategy publishes) links to an
    unpublished record, or published records link to one the choice or a strategy withdraws; or
    whose strategies are refused (an invalid record to publish, a record in conflict). A dry run
    keeps the problems in ``plan.problems`` instead."""
    found = [v for v in violations(final) if (v.record in involved or v.target in involved)
             and (v.record not in kept_links or v.target in kept_links[v.record])]
    problems = [*plan.problems, *(v.problem() for v in found)]
    if dry_run or not problems:
        plan.problems = problems
        return
    if not found:
        raise refusal(problems, f"taking {side}: the link strategies it sets off are refused, nothing was changed")
    referrers = sorted({v.record for v in found if v.target in involved and v.record not in involved})
    targets = sorted({v.target for v in found if v.record in involved and v.target})
    fixes = []
    if referrers:
        fixes.append(f"unpublish its referrers first (Site.unpublish: {' '.join(referrers)})")
    if targets:
        fixes.append(f"publish what it links to first (Site.publish with cascade=True: {' '.join(targets)})")
    raise RefusedError(f"taking {side}: the published view would not be closed under links, nothing was changed",
                       where=Where(record=record),
                       hint="take the other side, or " + ", or ".join(fixes),
                       problems=problems,
                       cause={(True, False): "resolve.unclosed_referrers", (False, True): "resolve.unclosed_targets",
                              (True, True): "resolve.unclosed_both"}.get((bool(referrers), bool(targets))),
                       data={"referrers": " ".join(referrers), "targets": " ".join(targets)})
