"""The whole-view check: is the published view one that press commands could have made?

Every command keeps the published view closed under links, but git does not:
a clean merge, a rebase, a ``git revert`` or ``press resolve`` can bring any
combination of ref files. This check looks at the view as a whole and lists
each violation with the command that fixes it:

- ``unpublished_link``: a published version links to a record that is not
  published (or does not exist at all);
- ``published_without_current`` / ``archived_without_current``: a record
  public or archived with no current version (one branch deleted it, the
  other published it);
- ``published_and_archived``: one branch archived the record, the other
  published it again;
- ``foreign_version``: a published ref names a version of another record
  (export would ship that data under the wrong name);
- ``refs_without_log``: a record has refs but no event log;
- ``refs_missing``: an event log says the record exists, but it has no refs
  (``.press/refs`` deleted or not checked out).

Nothing is repaired here: taking a referrer off the site is a choice for the
user, not for a check. The result is cached (``.press/cache``) under a digest
of everything it depends on: the refs, which records have event logs (with
the size and time of the logs of records that have no refs), and the model
files. So commands that run it on every call (status, export, the read API,
``fsck --view-only``) read versions only when one of those changed; a full
fsck checks afresh.

That digest reads every ref. When the ref index vouches for every ref folder
(``RefView.folder_states``: equal folder states mean equal refs), the answer
is first looked up under a digest of the folders' states instead: the ref
folders', the log folders' (kept only when their mtimes are before a clock
read before the logs were listed, the index's racy rule), the model files,
with the logs of records without refs checked one by one. An unchanged store
then costs a few stats.

Press's own commits move those folders, so after a one-record publish the
check would read every published version again. They do not break the view
(each planner checks the final view for what it moves), so ``carry_clean``
records the view after such a commit clean under the new folder states when
it was cached clean just before, under the same lock; anything else changing
the folders (git, a hand edit, a replayed journal) still changes the key.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..errors import Data, PressError, Problem, Where
from ..models import model_bytes
from ..site import SiteCore
from ..store import RefKind, RefUpdate, Snapshot
from ..store.refindex import LazyRefs
from .plan import Action

# Codes of the violations that concern ref states only: they also bar a preview
# (which reads drafts and so is exempt from the link rule, not from these).
STATE_CODES = frozenset({"published_without_current", "archived_without_current", "published_and_archived",
                         "foreign_version", "refs_without_log", "refs_missing"})
_CACHE_KIND = "view/2"  # 2: violations carry their cause and data
# The same answers keyed by the ref and log folders' states instead of every ref: a few stats.
_FOLDERS_KIND = "view-folders/1"
# Log actions that create or remove a record's current ref: the last of them says whether it should exist.
_EXISTENCE_ACTIONS = frozenset({"save", "revert", "delete", "resolve"})


@dataclass(frozen=True)
class Violation:
    """One way the published view breaks the rules, and the ``Site`` call that fixes it."""

    code: str
    record: str
    message: str
    fix: str
    target: str | None = None  # the record linked to, for unpublished_link
    path: str | None = None  # the field holding the link
    # How the CLI words the message and fix (pressroom.errors): not part of the report.
    cause: str | None = None
    data: Data = field(default_factory=dict, compare=False)

    def problem(self) -> Problem:
        """As an error of the JSON envelope and the human output."""
        return Problem(self.message, self.code, Where(record=self.record, path=self.path), self.fix,
                       self.cause, self.data)

    def as_dict(self) -> dict[str, Any]:
        """The violation as JSON reads it: its fields that are set."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class ViewReport:
    """The violations found, and how many published records were looked at."""

    violations: list[Violation] = field(default_factory=list)
    published: int = 0
    cached: bool = False
    # Refs are in merge conflict: the view is judged once `press resolve` ends the conflicts.
    merging: bool = False

    @property
    def ok(self) -> bool:
        """True when the published view breaks no rule."""
        return not self.violations

    def states(self) -> list[Violation]:
        """The ref-state violations alone: what bars a preview too."""
        return [v for v in self.violations if v.code in STATE_CODES]

    def problems(self, *, preview: bool = False) -> list[Problem]:
        """Each violation as a Problem; with ``preview``, only the ref-state ones (what bars a preview)."""
        return [v.problem() for v in (self.states() if preview else self.violations)]


def check_view(site: SiteCore, snapshot: Snapshot | None = None, *, fresh: bool = False,
               merging: bool = False) -> ViewReport:
    """Check the published view of ``snapshot`` (default: the store's refs now).

    ``fresh`` skips the cache (fsck); otherwise an answer for the same refs and
    models is read from the cache. ``merging``: the caller knows from git that
    refs are unmerged in its index (one side deleted them), which the ref files
    alone do not show.
    """
    snap = snapshot if snapshot is not None else site.store.snapshot()
    if snap.conflicts or merging:
        # Refs in merge conflict are not the view yet: the conflicts are reported, and
        # `press resolve` checks the view for each choice.
        return ViewReport(published=len(snap.published), merging=True)
    cache = site.store.cache
    refs = _ref_states(snap)
    if refs is not None and not fresh:
        quick = _folder_key(site, refs, _log_folders(site))
        report = _cached(cache.get_many(_FOLDERS_KIND, [quick]).get(quick), site)
        if report is not None:
            return report
    # Read before the logs are listed: a log folder changed after this has an mtime not before it.
    clock = cache.clock() if refs is not None else None
    logs = _log_folders(site)
    logged = _logged_records(site)
    key = _state_key(site, snap, logged)
    report = None if fresh else _cached(cache.get_many(_CACHE_KIND, [key]).get(key), site)
    if report is None:
        report = ViewReport(violations=_violations(site, snap, logged), published=len(snap.published))
        cache.put_many(_CACHE_KIND, {key: _entry(report)})
    if refs is not None and clock is not None and all(mtime < clock for mtime, _ in logs.values()):
        with_refs = set(snap.current) | set(snap.published) | set(snap.archived)
        orphans = [[record, *(site.store.log_stamp(record) or (-1, -1))] for record in sorted(logged - with_refs)]
        cache.put_many(_FOLDERS_KIND, {_folder_key(site, refs, logs): {**_entry(report), "orphans": orphans}})
    return report


def _entry(report: ViewReport) -> dict[str, Any]:
    return {"violations": [v.as_dict() for v in report.violations], "published": report.published}


def _cached(hit: object, site: SiteCore) -> ViewReport | None:
    """The report of a cache entry; None when there is none or it does not hold (a log of a record
    without refs, listed in the entry, has changed since)."""
    if not isinstance(hit, dict):
        return None
    try:
        for record, size, mtime in hit.get("orphans", ()):
            if site.store.log_stamp(record) != ((size, mtime) if size >= 0 else None):
                return None
        return ViewReport(violations=[Violation(**v) for v in hit["violations"]],
                          published=hit["published"], cached=True)
    except (KeyError, TypeError, ValueError, PressError):
        return None


@dataclass(frozen=True)
class _Clean:
    """A view the cache knew clean just before a transaction, under the folder states it was read at."""

    logs: dict[str, tuple[int, int]]
    models: bytes
    orphans: list[str]
    published: int


def carry_clean(site: SiteCore, updates: Sequence[RefUpdate], records: Iterable[str],
                commit: Callable[[], str]) -> str:
    """Run ``commit`` (press's own transaction moving ``updates`` and logging events of
    ``records``) under the store's lock; when the cache knew the view clean just before
    it, record the view after it clean too, keyed as ``check_view`` looks it up.

    Sound because every planner checks the final view for the records it moves (links
    from what it publishes, referrers of what it withdraws, guarded refs), so a clean
    view stays clean; the records moved are checked once more as the whole check would
    (ref states, and the links of what is published), which costs what the transaction's
    own checks cost. Nothing is recorded when the view was not known clean,
    when the ref index does not vouch for every ref folder after the commit, when a log
    folder changed that the transaction did not write to, or when a log folder's mtime
    is not before the clock (the racy rule): the next check then runs as before.
    """
    with site.store.writing():
        try:
            before = _clean_now(site)
        except (OSError, ValueError, PressError):
            before = None
        txn = commit()
        if before is not None:
            try:
                _record_clean(site, before, updates, set(records) | {u.record for u in updates})
            except (OSError, ValueError, PressError):
                pass  # a cache entry is an optimisation; the transaction stands
        return txn


def _clean_now(site: SiteCore) -> _Clean | None:
    """The view now, when the folder-state cache holds it clean (None otherwise)."""
    if site.store.journal_pending():
        return None
    snap = site.store.snapshot(conflicts_ok=True)
    refs = None if snap.conflicts else _ref_states(snap)
    if refs is None:
        return None
    models = model_bytes(site)
    logs = _log_folders(site)
    key = _folder_key(site, refs, logs, models)
    hit = site.store.cache.get_many(_FOLDERS_KIND, [key]).get(key)
    report = _cached(hit, site)
    if report is None or not report.ok or not isinstance(hit, dict):
        return None
    return _Clean(logs, models, [str(o[0]) for o in hit.get("orphans", ())], report.published)


def _record_clean(site: SiteCore, before: _Clean, updates: Sequence[RefUpdate], touched: set[str]) -> None:
    snap = site.store.snapshot(conflicts_ok=True)
    refs = None if snap.conflicts else _ref_states(snap)
    clock = site.store.cache.clock()
    logs = _log_folders(site)
    if refs is None or clock is None or any(mtime >= clock for mtime, _ in logs.values()):
        return
    # A log folder that changed must be one this transaction wrote a new log into (or the root,
    # for a new model): any other change came from outside press, and its effect is unknown.
    models_written = {record.partition("/")[0] for record in touched}
    for name in set(logs) | set(before.logs):
        if logs.get(name) != before.logs.get(name) and (name not in logs or name not in models_written | {""}):
            return
    orphans = []
    for record in sorted(set(before.orphans) | touched):
        stamp = site.store.log_stamp(record)
        if any(snap.get(kind, record) for kind in RefKind):
            if _state_violations(snap, record, log=None if stamp is not None else _store_rel(site, "logs", record)):
                return
        elif stamp is not None:
            if record in touched and _expects_refs(site, record):
                return
            orphans.append([record, *stamp])
    # What it publishes is checked again as the whole check would (a revert may publish dangling
    # links it only warned of); what it withdraws was checked for referrers by its planner.
    from .validation import Reader  # here: status finds the whole check's answer cached, without it

    reader = Reader(site, snapshot=snap)
    for record in sorted(touched):
        oid = snap.published.get(record)
        if oid is not None and (reader.version(oid).record != record
                                or any(str(t) not in snap.published for _, t in reader.links(record, oid))):
            return
    reader.checks.flush()
    published = before.published + sum((u.new is not None) - (u.old is not None)
                                       for u in updates if u.kind is RefKind.PUBLISHED)
    site.store.cache.put_many(_FOLDERS_KIND, {_folder_key(site, refs, logs, before.models): {
        "violations": [], "published": published, "orphans": orphans}})


def link_violations(site: SiteCore, snapshot: Snapshot, record: str | None = None) -> list[Violation]:
    """The links ``snapshot`` would leave dangling (from or to ``record``, when given): what ``press
    resolve`` checks before it takes a side, as unpublish checks referrers (not cached: the snapshot
    is a plan)."""
    return [v for v in _violations(site, snapshot, _logged_records(site))
            if v.code == "unpublished_link" and (record is None or record in (v.record, v.target))]


def _ref_states(snap: Snapshot) -> dict[str, tuple[int, int]] | None:
    """The ref index's states of every ref folder ``snap`` was read from, when the index vouched
    for each one; None otherwise (a snapshot built by a plan, an index that could not be used)."""
    states = []
    for refs in (snap.current, snap.published, snap.archived):
        if not isinstance(refs, LazyRefs):
            return None
        states.append(refs.folder_states())
    # The three kinds of one store snapshot share one view: states that differ were read apart.
    first = states[0]
    return first if first is not None and all(s == first for s in states) else None


def _log_folders(site: SiteCore) -> dict[str, tuple[int, int]]:
    """``(mtime_ns, inode)`` of the event log folder and of each model's folder in it: creating,
    removing or renaming a log moves them (appending to one does not)."""
    root = str(site.store.root / "logs")
    out: dict[str, tuple[int, int]] = {}
    try:
        st = os.stat(root)
        out[""] = (st.st_mtime_ns, st.st_ino)
        with os.scandir(root) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    out[entry.name] = (st.st_mtime_ns, st.st_ino)
    except OSError:
        pass
    return out


def _folder_key(site: SiteCore, refs: Mapping[str, tuple[int, int]], logs: Mapping[str, tuple[int, int]],
                models: bytes | None = None) -> str:
    """A digest of the states of the ref and log folders (equal states, equal refs and set of logs:
    see ``_ref_states``; the log folders' mtimes are before the clock read when the entry was
    written), every model file (``models``: as ``model_bytes`` reads them) and this pressroom. The logs
    of records without refs, whose last event counts, are checked by the entry itself."""
    h = hashlib.sha256(__version__.encode())
    for part, states in (("refs", refs), ("logs", logs)):
        h.update(f"\0{part}".encode())
        for name, (mtime, ino) in sorted(states.items()):
            h.update(f"\n{name} {mtime} {ino}".encode())
    h.update(model_bytes(site) if models is None else models)
    return h.hexdigest()


def _state_key(site: SiteCore, snap: Snapshot, logged: set[str]) -> str:
    """A digest of all the view's answer depends on: every ref, which records have an event log
    (and, for those with no refs, the log's size and time: its last event says whether they
    should exist), every model file and this pressroom. Versions are immutable."""
    h = hashlib.sha256(__version__.encode())
    for kind in ("current", "published", "archived"):
        h.update(f"\0{kind}".encode())
        for record, oid in sorted(getattr(snap, kind).items()):
            h.update(f"\n{record} {oid}".encode())
    h.update(b"\0logs")
    with_refs = set(snap.current) | set(snap.published) | set(snap.archived)
    for record in sorted(logged):
        h.update(f"\n{record}".encode())
        if record not in with_refs:
            stamp = site.store.log_stamp(record)
            h.update(f" {stamp[0]} {stamp[1]}".encode() if stamp is not None else b" gone")
    h.update(model_bytes(site))
    return h.hexdigest()


def _violations(site: SiteCore, snap: Snapshot, logged: set[str]) -> list[Violation]:
    out: list[Violation] = []
    for record in snap.records():
        out.extend(_state_violations(snap, record, log=None if record in logged else _store_rel(site, "logs", record)))
    for record in sorted(logged - set(snap.records())):
        if _expects_refs(site, record):
            out.append(Violation(
                "refs_missing", record, "its event log says it exists, but it has no refs",
                f"restore its refs from git: git checkout -- {_store_rel(site, 'refs')}"))
    from .validation import Reader  # here: status finds the whole check's answer cached, without it

    reader = Reader(site, snapshot=snap)
    for record, oid in sorted(snap.published.items()):
        version = reader.version(oid)
        if version.record != record:
            out.append(Violation(
                "foreign_version", record, f"its published ref names a version of {version.record}",
                f"restore the ref from git: git checkout -- {_store_rel(site, 'refs', 'published', record)}"))
            continue
        for path, target in reader.links(record, oid):
            t = str(target)
            if t not in snap.published:
                out.append(_link_violation(snap, record, path, t))
    reader.checks.flush()
    return out


def _state_violations(snap: Snapshot, record: str, *, log: str | None) -> list[Violation]:
    """``log``: where the record's missing event log belongs, or None when it has one."""
    current, published, archived = (snap.get(k, record) for k in RefKind)
    out = []
    if published and archived:
        out.append(Violation(
            "published_and_archived", record, "is published and archived at once (one branch archived it, "
            "the other published it)",
            f"keep it withdrawn: Site.archive('{record}'); or public: Site.publish('{record}')",
            cause="view.published_and_archived", data={"record": record}))
    if current is None and published:
        out.append(Violation(
            "published_without_current", record, "is published but has no current version (one branch "
            "deleted it, the other published it)",
            f"take it off the site: Site.delete('{record}'); or keep it: "
            f"Site.revert('{record}', to='{published[:12]}')",
            cause="view.published_without_current", data={"record": record, "version": published[:12]}))
    elif current is None and archived:
        out.append(Violation(
            "archived_without_current", record, "is archived but has no current version",
            f"delete it for good: Site.delete('{record}'); or keep it: Site.revert('{record}', to='{archived[:12]}')",
            cause="view.archived_without_current", data={"record": record, "version": archived[:12]}))
    if log is not None:
        out.append(Violation(
            "refs_without_log", record, "has refs but no event log",
            f"restore the log from git: git checkout -- {log}"))
    return out


def _link_violation(snap: Snapshot, record: str, path: str, target: str) -> Violation:
    if target in snap.current:
        state = "archived" if target in snap.archived else "not published"
        return Violation("unpublished_link", record, f"links to {target}, which is {state}",
                         f"publish it: Site.publish('{target}', cascade=True); or take {record} off the site: "
                         f"Site.unpublish('{record}')", target=target, path=path,
                         cause="view.link_to_unpublished", data={"record": record, "target": target})
    return Violation("unpublished_link", record, f"links to {target}, which does not exist",
                     f"take {record} off the site: Site.unpublish('{record}'); or restore {target} "
                     f"(Site.save('{target}'), then Site.publish('{target}'))", target=target, path=path,
                     cause="view.link_to_missing", data={"record": record, "target": target})


def _logged_records(site: SiteCore) -> set[str]:
    """``model/id`` of every event log, from the folder listing alone."""
    return set(site.store.log_records())


def _expects_refs(site: SiteCore, record: str) -> bool:
    """Whether the log's last event that creates or removes the record leaves it existing."""
    for ev in reversed(site.store.read_log(record)):
        action = ev.get("action")
        if action in _EXISTENCE_ACTIONS:
            if action == Action.RESOLVE:
                if ev.get("kind") != "current":
                    continue
                return ev.get("new") is not None
            return bool(action != Action.DELETE)
    return False


def _store_rel(site: SiteCore, *parts: str) -> str:
    return "/".join([site.rel(site.store.root), *parts])
