"""The front door: ``from pressroom import Site``.

Everything a ``press`` command does is a method here; the CLI, the tests and
the sample site's generator are all clients of this class.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PressError, Problem, StoreDamagedError, UsageError
from .site import STORE_NAME, SiteCore

if TYPE_CHECKING:
    from .outcome import AfterResult, GitCommit, HookRun, Outcome
    from .settings import duration_seconds
    from . import delivery
    from .audit import DEFAULT_MIN_LENGTH, AuditResult, Finding
    from .audit import audit as audit_out
    from .automation import Change, automation, changes_of_action, changes_of_save
    from .delivery import Link, Record
    from .diffing import Change as FieldChange
    from .export import ExportResult
    from .export import export as export_view
    from .githooks import GitSetup, HooksInstall, setup_git
    from .gitio import (DriverInstall, DriverOutcome, default_author, in_head, install_merge_driver, mark_resolved,
                        run_merge_driver)
    from .history import DiffResult, DiffSide, LogEntry, LogResult, ShowResult, diff, log, show
    from .hooks import ScheduleDocument
    from .models import LinkField, MapValues, Model, load_models, require_model
    from .records import SET_VALUE, parse_key, parse_scalar, ref_of_path, skipped_working
    from .yamlread import stored_reading_problems
    from .store import DEFAULT_GRACE, DroppedJournal, FsckReport, GcReport, JournalState, Moved, RefKind
    from .store.gc import GcObject, PrunedHistory
    from .unmerged import git_conflicts
    from .workflow import schedule as _schedule
    from .workflow.init import InitResult, init_site
    from .workflow.newrecord import NewResult, new_record
    from .workflow.plan import Action, Status
    from .workflow.publishing import ActionResult, Created, Move, Referrer, Skipped, publish, withdraw
    from .workflow import release as _release
    from .workflow.release import EntryView, Release, ReleaseList, ReleasePublishResult, ReleaseResult, ReleaseShow
    from .store.releases import ReleaseEntry
    from .workflow.reruns import duplicate_run_violations
    from .workflow.resolve import Resolved, ResolveResult, resolve
    from .workflow.revert import RevertResult, revert
    from .workflow.saving import SavedRecord, SaveResult, save, select_records
    from .workflow.schedule import NextResult, RunAction, RunResult, Schedule, ScheduleList, ScheduleResult
    from .workflow.stages import StageResult, records_at_stage, set_stage
    from .workflow.status import RecordStatus, StatusResult, status
    from .workflow.validation import Progress, RecordCheck, ValidateResult, validate
    from .workflow.view import ViewReport, Violation, check_view

_WITHDRAWN = {"unpublish": "unpublished", "archive": "archived", "delete": "deleted"}

# What a client of Site needs besides Site: the result types its methods return, and what they hold.
__all__ = [
    "DEFAULT_MIN_LENGTH",
    "Action",
    "ActionResult",
    "AfterResult",
    "AuditResult",
    "Created",
    "DiffResult",
    "DiffSide",
    "DriverInstall",
    "DriverOutcome",
    "DroppedJournal",
    "ExportResult",
    "FieldChange",
    "Finding",
    "FsckReport",
    "GcObject",
    "GcReport",
    "GitCommit",
    "GitSetup",
    "HookRun",
    "HooksInstall",
    "InitResult",
    "JournalState",
    "Link",
    "LinkField",
    "LogEntry",
    "LogResult",
    "MapValues",
    "Model",
    "Move",
    "Moved",
    "NewResult",
    "NextResult",
    "Outcome",
    "Progress",
    "PrunedHistory",
    "Record",
    "RecordCheck",
    "RecordStatus",
    "Referrer",
    "RefKind",
    "Release",
    "ReleaseEntry",
    "ReleaseList",
    "ReleasePublishResult",
    "ReleaseResult",
    "ReleaseShow",
    "EntryView",
    "Resolved",
    "ResolveResult",
    "RevertResult",
    "RunAction",
    "RunResult",
    "SavedRecord",
    "SaveResult",
    "Schedule",
    "ScheduleList",
    "ScheduleResult",
    "ShowResult",
    "Site",
    "Skipped",
    "StageResult",
    "Status",
    "StatusResult",
    "ValidateResult",
    "SET_VALUE",
    "ViewReport",
    "Violation",
    "duration_seconds",
]


# What `from pressroom.api import X` may name, loaded on first use: a command imports only the
# library it runs (`press show` needs neither jsonschema nor the audit's automaton).
_EXPORTS: dict[str, tuple[str, str]] = {
    "Action": (".workflow.plan", "Action"),
    "ActionResult": (".workflow.publishing", "ActionResult"),
    "AfterResult": (".outcome", "AfterResult"),
    "AuditResult": (".audit", "AuditResult"),
    "Created": (".workflow.publishing", "Created"),
    "DEFAULT_MIN_LENGTH": (".audit", "DEFAULT_MIN_LENGTH"),
    "DiffResult": (".history", "DiffResult"),
    "DiffSide": (".history", "DiffSide"),
    "DriverInstall": (".gitio", "DriverInstall"),
    "DriverOutcome": (".gitio", "DriverOutcome"),
    "DroppedJournal": (".store", "DroppedJournal"),
    "ExportResult": (".export", "ExportResult"),
    "FieldChange": (".diffing", "Change"),
    "Finding": (".audit", "Finding"),
    "FsckReport": (".store", "FsckReport"),
    "GcObject": (".store.gc", "GcObject"),
    "GcReport": (".store", "GcReport"),
    "GitCommit": (".outcome", "GitCommit"),
    "GitSetup": (".githooks", "GitSetup"),
    "HookRun": (".outcome", "HookRun"),
    "HooksInstall": (".githooks", "HooksInstall"),
    "InitResult": (".workflow.init", "InitResult"),
    "JournalState": (".store", "JournalState"),
    "Link": (".delivery", "Link"),
    "LinkField": (".models", "LinkField"),
    "LogEntry": (".history", "LogEntry"),
    "LogResult": (".history", "LogResult"),
    "MapValues": (".models", "MapValues"),
    "Model": (".models", "Model"),
    "Move": (".workflow.publishing", "Move"),
    "Moved": (".store.journal", "Moved"),
    "NewResult": (".workflow.newrecord", "NewResult"),
    "NextResult": (".workflow.schedule", "NextResult"),
    "Outcome": (".outcome", "Outcome"),
    "Progress": (".workflow.validation", "Progress"),
    "PrunedHistory": (".store.gc", "PrunedHistory"),
    "Record": (".delivery", "Record"),
    "RecordCheck": (".workflow.validation", "RecordCheck"),
    "RecordStatus": (".workflow.status", "RecordStatus"),
    "Referrer": (".workflow.publishing", "Referrer"),
    "RefKind": (".store", "RefKind"),
    "Release": (".workflow.release", "Release"),
    "ReleaseEntry": (".store.releases", "ReleaseEntry"),
    "ReleaseList": (".workflow.release", "ReleaseList"),
    "ReleasePublishResult": (".workflow.release", "ReleasePublishResult"),
    "ReleaseResult": (".workflow.release", "ReleaseResult"),
    "ReleaseShow": (".workflow.release", "ReleaseShow"),
    "EntryView": (".workflow.release", "EntryView"),
    "ResolveResult": (".workflow.resolve", "ResolveResult"),
    "Resolved": (".workflow.resolve", "Resolved"),
    "RevertResult": (".workflow.revert", "RevertResult"),
    "RunAction": (".workflow.schedule", "RunAction"),
    "RunResult": (".workflow.schedule", "RunResult"),
    "SET_VALUE": (".records", "SET_VALUE"),
    "SaveResult": (".workflow.saving", "SaveResult"),
    "SavedRecord": (".workflow.saving", "SavedRecord"),
    "Schedule": (".workflow.schedule", "Schedule"),
    "ScheduleList": (".workflow.schedule", "ScheduleList"),
    "ScheduleResult": (".workflow.schedule", "ScheduleResult"),
    "ShowResult": (".history", "ShowResult"),
    "Skipped": (".workflow.publishing", "Skipped"),
    "StageResult": (".workflow.stages", "StageResult"),
    "Status": (".workflow.plan", "Status"),
    "StatusResult": (".workflow.status", "StatusResult"),
    "ValidateResult": (".workflow.validation", "ValidateResult"),
    "ViewReport": (".workflow.view", "ViewReport"),
    "Violation": (".workflow.view", "Violation"),
    "duration_seconds": (".settings", "duration_seconds"),
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        module, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(module, __package__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _time_text(value: str | dt.datetime) -> str:
    """A time argument as the core reads it: text as given (ISO 8601 with an offset, or +2h);
    a ``datetime`` in ISO 8601. A naive one names no single instant, as text without an offset."""
    if isinstance(value, str):
        return value
    if value.utcoffset() is None:
        raise UsageError(f"{value.isoformat()} has no UTC offset, so it names no single instant",
                         hint="give an aware datetime: datetime(..., tzinfo=timezone.utc)")
    return value.isoformat()


def _time_or_none(value: str | dt.datetime | None) -> str | None:
    return None if value is None else _time_text(value)


class Site(SiteCore):
    """A pressroom site: open one with ``Site.open(path)``."""

    @classmethod
    def init(cls, path: str | os.PathLike[str] = ".") -> InitResult:
        """Make ``path`` a site (creates only what is missing)."""
        from .workflow.init import init_site
        return init_site(Path(path))

    def ref(self, text: str, *, base: str | os.PathLike[str] | None = None) -> str:
        """``text`` as a ref: the path of a working file (``content/post/x.yaml``, relative to ``base``,
        default the current folder; ``@version`` may follow) becomes ``post/x``; any other text is kept."""
        from .records import ref_of_path
        return ref_of_path(self.root, text, Path.cwd() if base is None else Path(base))

    def author(self, author: str | None = None) -> str:
        """The given author, or the default identity for this site."""
        from .gitio import default_author
        return author or default_author(self.root)

    def save(self, *refs: str, all: bool = False, model: str | None = None, message: str = "",
             author: str | None = None, content: bytes | None = None,
             set: Mapping[str, object] | Sequence[tuple[str, object]] | None = None, force: bool = False,
             hooks: bool = True, commit: bool | None = None, progress: Progress | None = None) -> SaveResult:
        """Save working files (or ``content``) as new versions; ``set`` edits fields first.

        ``set`` values that are strings are read as YAML scalars, like ``--set``
        (``"42"`` is a number; ``'"42"'`` the string).
        ``progress(done, total)``: called once for each record as it is
        checked, then once for each new version as it is written (``done``
        starts again at 1, ``total`` is then the number of new versions).
        ``commit``: commit the command's files to git (default: ``git.commit``
        in pressroom.yaml); ``hooks``: run after_publish hooks when the save
        publishes (``draft_published: false``).
        """
        from .automation import automation, changes_of_save
        from .records import parse_scalar, skipped_working
        from .workflow.saving import save, select_records
        keys = select_records(self, list(refs), all_records=all, model=model)
        pairs = list(set.items()) if isinstance(set, Mapping) else list(set or [])
        assignments = [(k, parse_scalar(v) if isinstance(v, str) else v) for k, v in pairs]
        who = self.author(author)
        with automation(self, "save", hooks=hooks, commit=commit, author=who, message=message) as auto:
            result = save(self, keys, author=who, message=message, content=content, assignments=assignments,
                          force=force, skip_stale=bool(all or model), progress=progress)
            if all or model:
                # What --all passes over (content/post/Hello.yaml) is named, not left out in silence.
                result = dataclasses.replace(result, warnings=[*skipped_working(self.root, model),
                                                               *result.warnings])
            return auto.finish(result, changes_of_save(result))

    def models(self) -> dict[str, Model]:
        """Every model: ``models/*.yaml``, and content folders without a model file (schema-less)."""
        from .models import load_models
        return load_models(self)

    def model(self, name: str) -> Model:
        """One model by name; NotFoundError naming the known models when there is none."""
        from .models import require_model
        return require_model(self, self.models(), name)

    def new(self, model: str, id: str) -> NewResult:
        """Write a working file for a new record from the model's defaults and required fields."""
        from .workflow.newrecord import new_record
        return new_record(self, model, id)

    def validate(self, *refs: str, model: str | None = None, all: bool = False, published: bool = False,
                 progress: Progress | None = None) -> ValidateResult:
        """Schema and link errors of working files (or ``REF@V`` versions); ``ok`` when there are none.

        ``published``: check the published view against today's models instead
        (schemas, and every link naming a published record).
        """
        from .workflow.validation import validate
        return validate(self, list(refs), model=model, all_records=all, published=published, progress=progress)

    def publish(self, *refs: str, model: str | None = None, all: bool = False, cascade: bool = False,
                depth: int | None = None, dry_run: bool = False, message: str = "", author: str | None = None,
                progress: Progress | None = None, stage: str | None = None, hooks: bool = True,
                commit: bool | None = None) -> ActionResult:
        """Validate and publish records (``REF@V``: that version); refused if a link would dangle.

        ``all``/``model`` take every draft or updated record; ``cascade`` also
        publishes the unpublished records they link to (``depth`` levels).
        ``stage``: every record whose current version is at that review stage
        (that version, even if a save comes in meanwhile). Then the git commit
        (``commit``) and the after_publish hooks (``hooks``).
        """
        from .automation import automation, changes_of_action
        from .models import load_models
        from .workflow.plan import Action
        from .workflow.publishing import ActionResult, publish
        from .workflow.stages import records_at_stage
        names = list(refs)
        if stage is not None:
            if names or all:
                raise UsageError("stage selects the records: name no records and leave all unset",
                                 cause="publish.stage_with_records")
            names = records_at_stage(self, load_models(self), stage, model)
            model = None
            if not names:
                return ActionResult(Action.PUBLISH, dry_run)
        who = self.author(author)
        with automation(self, "publish", hooks=hooks, commit=commit, author=who, message=message) as auto:
            result = publish(self, names, model=model, all_records=all, cascade=cascade, depth=depth,
                             dry_run=dry_run, message=message, author=who, progress=progress)
            return auto.finish(result, changes_of_action(result))

    def _withdraw(self, action: str, refs: tuple[str, ...], *, model: str | None = None, all: bool = False,
                  cascade: bool = False, depth: int | None = None, dry_run: bool, message: str,
                  author: str | None, force: bool = False, progress: Progress | None, hooks: bool,
                  commit: bool | None) -> ActionResult:
        from .automation import Change, automation, changes_of_action
        from .workflow.publishing import withdraw
        who = self.author(author)
        with automation(self, action, hooks=hooks, commit=commit, author=who, message=message) as auto:
            result = withdraw(self, action, list(refs), model=model, all_records=all, cascade=cascade, depth=depth,
                              dry_run=dry_run, message=message, author=who, force=force, progress=progress)
            result = dataclasses.replace(result, cancelled_schedules=self._cancel_schedules(result, who))
            changes = changes_of_action(result)
            if not result.dry_run:
                changes += [Change("unschedule", s.record, s.version, reason="schedule", schedule=s.id)
                            for s in result.cancelled_schedules]
            return auto.finish(result, changes)

    def _cancel_schedules(self, result: ActionResult, who: str) -> list[Schedule]:
        """Cancel the pending schedules of the records ``result`` moved (a dry run: just list them)."""
        from .workflow import schedule as _schedule
        moved = {m.record for m in result.moves}
        pending = [s for s in _schedule.list_schedules(self).schedules if s.state == "pending" and s.record in moved]
        if result.dry_run or not moved:
            return pending
        return [_schedule.cancel(self, s.id, author=who, message=f"{s.record} was {_WITHDRAWN[result.action]}").schedule
                for s in pending]

    def unpublish(self, *refs: str, model: str | None = None, all: bool = False, cascade: bool = False,
                  depth: int | None = None, dry_run: bool = False, message: str = "", author: str | None = None,
                  progress: Progress | None = None, hooks: bool = True, commit: bool | None = None) -> ActionResult:
        """Take records out of the published view (back to draft); refused while published records link to them.

        Pending schedules of the records it moves are cancelled (``ActionResult.cancelled_schedules``).
        """
        return self._withdraw("unpublish", refs, model=model, all=all, cascade=cascade, depth=depth,
                              dry_run=dry_run, message=message, author=author, progress=progress, hooks=hooks,
                              commit=commit)

    def archive(self, *refs: str, model: str | None = None, all: bool = False, cascade: bool = False,
                depth: int | None = None, dry_run: bool = False, message: str = "", author: str | None = None,
                progress: Progress | None = None, hooks: bool = True, commit: bool | None = None) -> ActionResult:
        """Withdraw records from the published view, keeping the public version in ``archived``.

        Pending schedules of the records it moves are cancelled (``ActionResult.cancelled_schedules``).
        """
        return self._withdraw("archive", refs, model=model, all=all, cascade=cascade, depth=depth,
                              dry_run=dry_run, message=message, author=author, progress=progress, hooks=hooks,
                              commit=commit)

    def delete(self, *refs: str, depth: int | None = None, dry_run: bool = False, message: str = "",
               author: str | None = None, force: bool = False, progress: Progress | None = None, hooks: bool = True,
               commit: bool | None = None) -> ActionResult:
        """Delete records: refs and working file go, history stays until gc; ``force`` drops unsaved changes.

        ``depth`` bounds the referrers' ``on_delete`` strategies (and the ``on_unpublish`` ones they set off)
        to that many levels; a strategy beyond it refuses. Pending schedules of the deleted records are
        cancelled (``ActionResult.cancelled_schedules``).
        """
        return self._withdraw("delete", refs, depth=depth, dry_run=dry_run, message=message, author=author,
                              force=force, progress=progress, hooks=hooks, commit=commit)

    def status(self, *refs: str, model: str | None = None) -> StatusResult:
        """Each record's status and unsaved changes."""
        from .unmerged import git_conflicts
        from .workflow.status import status
        return status(self, list(refs), model=model, index=git_conflicts(self, remembered=True))

    def working_file(self, ref: str) -> Path:
        """The working file of ``ref`` (``content/<model>/<id>.yaml``), whether it exists or not."""
        from .records import parse_key
        return self.working_path(parse_key(ref))

    def changed(self) -> list[str]:
        """The records with working changes (a modified, new or removed working file), as ``status`` lists them."""
        return [r.record for r in self.status().records if r.changes is not None]

    def show(self, ref: str) -> ShowResult:
        """A version's exact content: ``model/id[@version]``."""
        from .history import show
        return show(self, ref)

    def log(self, ref: str | None = None, *, limit: int | None = None, patch: bool = False,
            published: bool = False, since: str | dt.datetime | None = None,
            until: str | dt.datetime | None = None) -> LogResult:
        """A record's versions newest first, with its events interleaved; no ``ref``: the site's activity feed.

        ``patch`` adds each version's changes to its parent. For the feed:
        ``published`` keeps the events that moved the published view
        (publish, unpublish, archive, delete); ``since``/``until`` bound it
        (times as ``schedule`` takes them).
        """
        from .history import log
        return log(self, ref, limit=limit, patch=patch, published=published, since=_time_or_none(since),
                   until=_time_or_none(until))

    def diff(self, ref: str, a: str | None = None, b: str | None = None, *, published: bool = False,
             text: bool = False) -> DiffResult:
        """Field-level changes: working file vs current; ``a`` vs working file; ``a`` vs ``b``;
        or, with ``published``, published vs current. ``text`` adds a unified diff of the YAML.
        """
        from .history import diff
        return diff(self, ref, a, b, published=published, text=text)

    def revert(self, ref: str, *, to: str, message: str = "", author: str | None = None,
               force: bool = False, hooks: bool = True, commit: bool | None = None) -> RevertResult:
        """A new version of ``ref`` with the exact content of version ``to`` (e.g. ``published``, ``~2``)."""
        from .automation import Change, automation
        from .workflow.revert import revert
        who = self.author(author)
        with automation(self, "revert", hooks=hooks, commit=commit, author=who, message=message) as auto:
            result = revert(self, ref, to, author=who, message=message, force=force)
            changes = [Change("revert", result.record, result.version, result.parent)] if result.created else []
            if result.created and result.published:
                changes.append(Change("publish", result.record, result.version, reason="revert"))
            return auto.finish(result, changes)

    def fsck(self) -> FsckReport:
        """Check the whole store; ``report.ok`` when nothing is damaged. Changes nothing.

        Refs in merge conflict are warnings, also those only git's index shows
        (one branch deleted the ref). A version a pending schedule pins must exist.
        """
        # A checkout git converted is restored where git holds the site's files: the store, and
        # the working files it compares with the store.
        from .gitio import in_head
        from .store.releases import pinned_problems as release_pin_problems
        from .unmerged import git_conflicts
        from .workflow import schedule as _schedule
        from .workflow.reruns import duplicate_run_violations
        from .workflow.view import check_view
        from .yamlread import stored_reading_problems
        report = self.store.fsck(restore=lambda: in_head(self.root, [STORE_NAME, "content", "models"])
                                 or [STORE_NAME])
        index = git_conflicts(self)
        # Reading the schedules would finish a transaction a crash left; fsck changes nothing.
        pending = self.store.journal_pending()
        pinned = [] if pending else [*_schedule.pinned_problems(self), *release_pin_problems(self.store)]
        # On damaged bytes the view cannot be read whole: the damage is what to fix first.
        violations = [] if pending or report.problems else [*check_view(
            self, self.store.snapshot(conflicts_ok=True), fresh=True, merging=bool(index.refs)).problems(),
            *(v.problem() for v in duplicate_run_violations(self))]
        # Stored versions the YAML 1.2 reading refuses or reads differently: no damage, but what they hold changed.
        reading = [] if pending or report.problems else stored_reading_problems(self.store)
        return dataclasses.replace(report, problems=[*report.problems, *pinned], violations=violations,
                                   warnings=[*report.warnings, *(c.problem() for c in index.refs), *index.warnings,
                                             *reading])

    def journal(self) -> JournalState | None:
        """The transaction a crash left half-done, if any, and what changed under it since
        (``moved``: empty when the next command can finish it). Changes nothing."""
        return self.store.journal_state()

    def finish_journal(self) -> str | None:
        """Finish the transaction a crash left; its id, or None when there was none.

        JournalConflictError (nothing written) when git moved refs it would overwrite.
        """
        return self.store.recover()

    def drop_journal(self) -> DroppedJournal | None:
        """Set aside, unapplied, the transaction a crash left (kept as a file for inspection);
        None when there was none. The refs keep their present values."""
        return self.store.drop_journal()

    def check_view(self, *, fresh: bool = False) -> ViewReport:
        """The whole published view against its rules: every link of every published version
        names a published record, and no record is in a ref state no command makes (what a git
        merge, rebase or revert can leave). Changes nothing; cached by the refs unless ``fresh``.
        A schedule two merged clones both carried out is listed too (``duplicate_schedule_run``).
        A transaction a crash left half-done is reported (StoreDamagedError), not finished: the
        git hooks run this, and a `git checkout` must not finish a save behind the user's back.
        """
        from .unmerged import git_conflicts
        from .workflow.reruns import duplicate_run_violations
        from .workflow.view import check_view
        if self.store.journal_pending():
            raise StoreDamagedError(
                "a transaction was left half-done by a crash: the view is judged once it is finished or dropped",
                problems=[Problem("a transaction was left half-done by a crash", "journal_pending",
                                  hint="Site.journal() says what it holds; Site.finish_journal() finishes it, "
                                       "Site.drop_journal() sets it aside", cause="journal.pending")])
        view = check_view(self, self.store.snapshot(conflicts_ok=True), fresh=fresh,
                          merging=bool(git_conflicts(self).refs))
        return dataclasses.replace(view, violations=[*view.violations, *duplicate_run_violations(self)])

    def gc(self, *, dry_run: bool = False, grace: float | None = None, extra_roots: Iterable[str] = ()) -> GcReport:
        """Remove unreachable objects older than ``grace`` seconds (default 1 hour) and apply each
        model's ``max_versions``. ``extra_roots``: more version ids to keep (schedules).
        """
        from .models import load_models
        from .store import DEFAULT_GRACE
        from .store.releases import pinned_versions as release_pins
        from .workflow import schedule as _schedule
        retention = {name: m.max_versions for name, m in load_models(self).items() if m.max_versions}
        extra = list(extra_roots)

        def roots() -> list[str]:
            # Versions pending schedules and open releases will publish are roots too, whatever
            # max_versions says; read under gc's lock, so a schedule made while gc waited for it counts.
            return [*extra, *_schedule.pinned_versions(self), *release_pins(self.store)]

        return self.store.gc(max_versions=retention, extra_roots=roots, dry_run=dry_run,
                             grace=DEFAULT_GRACE if grace is None else grace)

    def published(self, model: str | None = None, *, resolve_links: int = 0,
                  as_of: str | dt.datetime | None = None) -> Iterator[Record]:
        """The published records of ``model`` (or of all models), sorted, one at a time.

        One snapshot of the refs is read first, so a publish running meanwhile
        is seen whole or not at all. ``resolve_links=N`` puts linked records
        inline, N levels deep (like Flotiq's ``hydrate``). ``as_of``: the
        published view exactly as it stood at that time (ISO 8601 with an
        offset, as ``schedule`` takes it), replayed from the event logs.
        """
        from . import delivery
        return delivery.published(self, model, resolve_links=resolve_links, as_of=_time_or_none(as_of))

    def records(self, model: str | None = None, *, preview: bool = True,
                resolve_links: int = 0) -> Iterator[Record]:
        """With ``preview``, the current version of every record not archived or deleted
        (drafts included, like ``X-Include-Drafts``); without it, the published view.
        """
        from . import delivery
        return delivery.records(self, model, preview=preview, resolve_links=resolve_links)

    def get(self, ref: str, *, version: str = "published", resolve_links: int = 0) -> Record:
        """One record, ``model/id``: ``version`` is ``published``, ``current``, or a version id / ``~N``."""
        from . import delivery
        return delivery.get(self, ref, version=version, resolve_links=resolve_links)

    def export(self, out: str | os.PathLike[str], *, format: str = "json", preview: bool = False,
               force: bool = False, body_in_front_matter: bool = False,
               as_of: str | dt.datetime | None = None, release: str | None = None) -> ExportResult:
        """Write the published view (``preview``: current versions) to ``out``, incrementally.

        A file export wrote and someone edited since is refused (nothing is
        written) and, when stale, kept; ``force`` overwrites or removes it.
        ``body_in_front_matter`` (markdown): no content after the front matter,
        the body stays a field (for Hugo, which runs shortcodes in content).
        ``as_of``: the published view as it stood at that time (see ``published``).
        ``release``: the site as it will be once that release is published (refused, naming each
        problem, when it would not publish); its versions go live at its schedule's time, else now.
        """
        from .export import export as export_view
        planned = None
        if release is not None:
            if preview or as_of is not None:
                raise UsageError("release previews the published view of one release: no preview or as_of with it",
                                 cause="export.release_with")
            from .workflow import release as _release
            view = _release.planned_view(self, release)
            planned = (view.snapshot, view.published_at)
        return export_view(self, out, format=format, preview=preview, force=force, as_of=_time_or_none(as_of),
                           body_in_front_matter=body_in_front_matter, planned=planned)

    def serve(self, *, host: str = "127.0.0.1", port: int = 8750, cache_control: str | None = None,
              cors_origins: Sequence[str] = (), ready: Callable[[str, bool], None] | None = None) -> None:
        """Serve the read-only delivery API (docs/delivery-api.md) until interrupted.

        ``ready(url, drafts)`` is called once the socket is bound; ``drafts``
        says whether a preview token is configured. The web stack (Starlette,
        uvicorn) is imported here only, so no other command pays for it.
        """
        from .serve.app import run
        from .serve.service import load_config

        config = load_config(self, cache_control=cache_control, cors_origins=tuple(cors_origins))
        drafts = bool(config.preview_token)
        run(self, config, host=host, port=port, ready=(lambda url: ready(url, drafts)) if ready else None)

    def audit(self, out: str | os.PathLike[str], *, min_length: int | None = None) -> AuditResult:
        """Search a built site (any files) for text that is in no published version; ``ok`` when none is.

        Leaks: text of drafts, unpublished edits, archived, withdrawn and
        deleted records, unsaved working files, and working files copied as
        is. Stale: text of versions published once and replaced since. Only
        string values of at least ``min_length`` characters are searched (long
        ones sentence by sentence), in the form generators render them in.
        """
        from .audit import DEFAULT_MIN_LENGTH
        from .audit import audit as audit_out

        return audit_out(self, out, min_length=DEFAULT_MIN_LENGTH if min_length is None else min_length)

    # releases

    def release_create(self, name: str, *, message: str = "", author: str | None = None) -> ReleaseResult:
        """A new, empty release ``name`` (lowercase letters, digits, ``-_.``); refused when it exists."""
        from .workflow import release as _release
        return _release.create(self, name, author=self.author(author), message=message)

    def release_add(self, name: str, *refs: str, action: str = "publish",
                    author: str | None = None) -> ReleaseResult:
        """Add records to release ``name``: ``publish`` pins ``REF@V`` or the current version (later saves
        do not change it); ``unpublish`` and ``archive`` name records alone. One entry per record."""
        from .workflow import release as _release
        return _release.add(self, name, refs, action=action, author=self.author(author))

    def release_remove(self, name: str, *refs: str) -> ReleaseResult:
        """Take records out of release ``name``."""
        from .workflow import release as _release
        return _release.remove(self, name, refs)

    def releases(self) -> ReleaseList:
        """Every release: open ones, then published ones."""
        from .workflow import release as _release
        return _release.list_releases(self)

    def release_show(self, name: str) -> ReleaseShow:
        """Release ``name``: its entries against the records now (pins behind current, other releases
        holding a record), and what publishing it now would move, bring in and break. Writes nothing."""
        from .workflow import release as _release
        return _release.show(self, name)

    def release_publish(self, name: str, *, at: str | dt.datetime | None = None, dry_run: bool = False, message: str = "",
                        author: str | None = None, hooks: bool = True,
                        commit: bool | None = None) -> ReleasePublishResult:
        """Publish release ``name`` in one transaction, link strategies applied as a batch publish applies
        them; refused whole, naming each problem, when it would break the published view. ``at``: schedule
        it instead (``run_schedule`` carries it out)."""
        from .automation import Change, automation
        from .workflow import release as _release
        who = self.author(author)
        if at is not None:
            if dry_run:
                raise UsageError("at schedules the release; a dry run plans it now: pick one",
                                 cause="release.at_dry_run")
            with automation(self, "release publish", hooks=False, commit=commit, author=who,
                            message=message) as auto:
                result = _release.schedule_publish(self, name, _time_text(at), author=who, message=message)
                return auto.finish(result, [Change("schedule", e.record, e.version, reason="schedule",
                                                   schedule=result.schedule.id if result.schedule else None)
                                            for e in result.release.entries])
        with automation(self, "release publish", hooks=hooks, commit=commit, author=who, message=message) as auto:
            result = _release.publish(self, name, author=who, message=message, dry_run=dry_run)
            changes = [] if result.dry_run or not result.txn else [
                Change(m.action, m.record, m.version, m.old, reason=m.reason, via=m.via, path=m.path)
                for m in result.moves]
            return auto.finish(result, changes)

    def release_delete(self, name: str, *, author: str | None = None) -> ReleaseResult:
        """Delete release ``name`` (its pending schedule is cancelled with it); published ones too."""
        from .workflow import release as _release
        return _release.delete(self, name, author=self.author(author))

    # review stages, schedules, merges

    def stage(self, ref: str, stage: str, *, message: str = "", author: str | None = None,
              commit: bool | None = None) -> StageResult:
        """Record that the current version of ``ref`` is at review ``stage`` (a new save resets it)."""
        from .automation import Change, automation
        from .models import load_models
        from .workflow.stages import set_stage
        who = self.author(author)
        with automation(self, "stage", hooks=False, commit=commit, author=who, message=message) as auto:
            result = set_stage(self, ref, stage, models=load_models(self), author=who, message=message)
            changes = [Change("stage", result.record, result.version, stage=stage)] if result.changed else []
            return auto.finish(result, changes)

    def schedule(self, action: str, ref: str, *, at: str | dt.datetime, latest: bool = False, message: str = "",
                 author: str | None = None, commit: bool | None = None) -> ScheduleResult:
        """Schedule ``publish`` or ``unpublish`` of ``ref`` at ``at`` (ISO 8601 with offset, or +2h/+3d;
        or an aware ``datetime``).

        A publish pins the version current now, unless ``latest``.
        """
        from .automation import Change, automation
        from .workflow import schedule as _schedule
        who = self.author(author)
        with automation(self, "schedule", hooks=False, commit=commit, author=who, message=message) as auto:
            result = _schedule.schedule_action(self, action, ref, _time_text(at), latest=latest, author=who,
                                               message=message)
            s = result.schedule
            return auto.finish(result, [Change("schedule", s.record, s.version, reason="schedule", schedule=s.id)])

    def schedules(self, *, all: bool = False) -> ScheduleList:
        """Pending and failed schedules in time order; ``all`` adds done and cancelled ones."""
        from .workflow import schedule as _schedule
        return _schedule.list_schedules(self, all_states=all)

    def cancel_schedule(self, id: str, *, message: str = "", author: str | None = None,
                        commit: bool | None = None) -> ScheduleResult:
        """Cancel a pending schedule (or dismiss a failed one)."""
        from .automation import Change, automation
        from .workflow import schedule as _schedule
        who = self.author(author)
        with automation(self, "schedule cancel", hooks=False, commit=commit, author=who, message=message) as auto:
            result = _schedule.cancel(self, id, author=who, message=message)
            s = result.schedule
            return auto.finish(result, [Change("unschedule", s.record, s.version, reason="schedule", schedule=s.id)])

    def acknowledge_schedule(self, id: str, *, message: str = "", author: str | None = None,
                             commit: bool | None = None) -> ScheduleResult:
        """Record that a schedule carried out more than once (two merged clones each ran it) was seen,
        so fsck and status stop reporting it; refused for a schedule that ran once."""
        from .automation import Change, automation
        from .workflow import schedule as _schedule
        who = self.author(author)
        with automation(self, "schedule ack", hooks=False, commit=commit, author=who, message=message) as auto:
            result = _schedule.acknowledge(self, id, author=who, message=message)
            s = result.schedule
            return auto.finish(result, [Change("schedule", s.record, s.version, reason="schedule", schedule=s.id)])

    def next_schedule(self, *, now: str | dt.datetime | None = None) -> NextResult:
        """The next pending scheduled action and its time."""
        from .workflow import schedule as _schedule
        return _schedule.next_due(self, _time_or_none(now))

    def run_schedule(self, *, now: str | dt.datetime | None = None, author: str | None = None, hooks: bool = True,
                     commit: bool | None = None) -> RunResult:
        """Carry out every due scheduled action once, in time order; failures are marked and the rest goes on.

        Runs the hooks of what was done (after_publish, after_unpublish), then after_schedule_run.
        """
        from .automation import Change, automation
        from .hooks import ScheduleDocument
        from .times import iso_utc
        from .workflow import schedule as _schedule
        who = self.author(author)
        with automation(self, "schedule run", hooks=hooks, commit=commit, author=who) as auto:
            result = _schedule.run(self, now=_time_or_none(now), author=who)
            changes = [Change(m.action, m.record, m.version, m.old, reason="schedule" if m.reason == "named"
                              else m.reason, via=m.via, schedule=a.schedule, path=m.path)
                       for a in result.actions if a.outcome == "done" for m in a.moves]
            marks = [a for a in result.actions if a.outcome in ("done", "failed")]
            if marks and not changes:
                # Only schedule states changed (failed, nothing to do): still the run's files to commit.
                changes = [Change("schedule", a.record, a.version, reason="schedule", schedule=a.schedule)
                           for a in marks]
            events = [e for e in ("after_publish", "after_unpublish")
                      if any(c.action == e[len("after_"):] for c in changes)]
            if any(a.outcome == "done" for a in result.actions):
                events.append("after_schedule_run")
            schedules: list[ScheduleDocument] = [
                {"id": a.schedule, "action": a.action, "record": a.record, "version": a.version, "at": iso_utc(a.at),
                 "outcome": a.outcome, "note": a.note, "errors": [p.as_dict() for p in a.errors]}
                for a in result.actions]
            return auto.finish(result, changes, schedules=schedules, events=events)

    def resolve(self, ref: str, *, ours: bool = False, theirs: bool = False, version: str | None = None,
                dry_run: bool = False, message: str = "", author: str | None = None,
                commit: bool | None = None) -> ResolveResult:
        """End a git merge conflict in ``ref``'s refs: take ``ours``, ``theirs``, or ``version``.

        The models' link strategies apply to what the choice publishes or withdraws, in the same
        transaction (``ResolveResult.moves``, ``versions``); ``dry_run`` returns that plan and its problems.
        """
        from .automation import Change, automation
        from .gitio import mark_resolved
        from .unmerged import git_conflicts
        from .workflow.resolve import resolve
        if [ours, theirs, version is not None].count(True) != 1:
            raise UsageError("pick exactly one: ours=True, theirs=True or version=V", cause="resolve.pick_one")
        side = "ours" if ours else "theirs" if theirs else "version"
        who = self.author(author)
        with automation(self, "resolve", hooks=False, commit=commit, author=who, message=message) as auto:
            result = resolve(self, ref, side=side, version=version, author=who, message=message,
                             index=git_conflicts(self), dry_run=dry_run)
            if dry_run:
                return result
            try:
                # As `git add` / `git rm` after a manual fix: git no longer lists these paths as unmerged.
                mark_resolved(self.root, [self.root / p for p in result.settled])
            except PressError as e:
                result = dataclasses.replace(result, warnings=[*result.warnings, *(
                    Problem(p.message, "git_index", p.where, "the refs are resolved; `git add` (or `git rm`) "
                            "their files to tell git") for p in e.problems)])
            return auto.finish(result, [*(Change("resolve", result.record, r.chosen, reason=r.kind)
                                          for r in result.resolved),
                                        *(Change(m.action, m.record, m.version, old=m.old, reason=m.reason,
                                                 via=m.via, path=m.path) for m in result.moves)])

    def install_merge_driver(self) -> DriverInstall:
        """Set up git to merge .press/ refs (descendant wins, else a conflict for ``resolve``)."""
        from .gitio import install_merge_driver
        return install_merge_driver(self.root)

    def setup_git(self, *, hooks: bool = True) -> GitSetup:
        """Set up this clone for git: the attributes (merges, line endings), the merge driver and,
        unless ``hooks=False``, the post-merge, post-rewrite and post-checkout hooks that check the
        published view. Running it again changes nothing."""
        from .githooks import setup_git
        return setup_git(self.root, hooks=hooks)

    @staticmethod
    def merge_driver(base: str, ours: str, theirs: str, path: str) -> DriverOutcome:
        """What git's merge driver runs: merge one store file (``ours`` is rewritten with the result)."""
        from .gitio import run_merge_driver
        return run_merge_driver(Path(base), Path(ours), Path(theirs), path)
