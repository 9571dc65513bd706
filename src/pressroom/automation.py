"""After a command changed the store: the git commit (``--commit``) and the hooks.

Every store-changing ``Site`` method runs its work inside ``Automation``:

1. before anything changes, ``--commit`` (or ``git: {commit: true}``) checks
   that there is a git work tree, so a command never changes content it
   then cannot commit;
2. the store records every file the command writes (``Store.tracking``);
3. after the change, the command's files are committed, alone (``gitio``),
   with a message saying what happened: ``publish post/hello (+2 by cascade)``.
   The commit holds a whole state of each record the command touched, and
   of each record a committed published version links to: its three refs,
   its event log and pruned marks, the objects its refs name that HEAD
   lacks, and its working file when that holds the current version's bytes
   (a file with unsaved edits is left out, with a warning).
   A clone of the commit then shows what the site shows, even when earlier
   commands ran without ``--commit``;
4. then the hooks of each event run (``hooks``), with the commit id in their
   document, so a hook may push or deploy what was committed.

A failing commit or hook never undoes the content change: it is reported in
``result.after.problems`` (``outcome.AfterResult``) and the command exits 1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import PressError, Problem, Where
from .gitio import commit_paths, require_work_tree
from .hooks import ChangeDocument, HookDocument, ScheduleDocument, run_hooks
from .outcome import AfterResult, GitCommit, HookRun, Outcome
from .records import RecordKey
from .site import CONFIG_NAME, SiteCore
from .store import RefConflictError, RefKind, Snapshot, hash_bytes
from .unmerged import git_conflicts
from .workflow.common import now_iso
from .workflow.publishing import ActionResult
from .workflow.saving import SaveResult
from .workflow.validation import Reader

DOCUMENT_VERSION = 1
# The hook event fired by each action that changes the published view.
EVENT_OF = {"publish": "after_publish", "unpublish": "after_unpublish", "archive": "after_archive",
            "delete": "after_delete"}


@dataclass(frozen=True, slots=True)
class Change:
    """One thing a command did to one record, as commit messages and hooks see it."""

    action: str  # save, revert, publish, unpublish, archive, delete, stage, schedule, unschedule, resolve
    record: str
    version: str | None
    old: str | None = None
    reason: str = "named"  # named, cascade (then ``via``), save, schedule (then ``schedule``), a link strategy
    via: str | None = None
    schedule: str | None = None
    stage: str | None = None
    path: str | None = None  # a link strategy's field (``on_unpublish:clear``: the field cleared)

    def document(self) -> ChangeDocument:
        """This change as the hooks' document lists it."""
        return {"action": self.action, "record": self.record, "version": self.version, "old": self.old,
                "reason": self.reason, "via": self.via, "schedule": self.schedule, "stage": self.stage,
                "path": self.path}


# A store-changing command's result: ``finish`` returns it with ``after`` filled in.
R = TypeVar("R", bound=Outcome)


class Automation:
    """One command's after-steps; see the module docstring."""

    def __init__(self, site: SiteCore, command: str, *, hooks: bool, commit: bool | None, author: str,
                 message: str = ""):
        self.site = site
        self.command = command
        self.run_hooks = hooks
        self.hooks = site.config.hooks
        self.commit = site.config.git_commit if commit is None else commit
        self.author = author
        self.message = message
        self.touched: set[Path] = set()

    def finish(self, result: R, changes: list[Change], *, schedules: list[ScheduleDocument] | None = None,
               events: list[str] | None = None) -> R:
        """``result`` with ``after`` filled in: commit the command's files, then run its hooks.

        ``schedules``: what a ``schedule run`` did with each due schedule, for the hooks' document.
        """
        if not changes:
            return result
        problems: list[Problem] = []
        warnings: list[Problem] = []
        commit: GitCommit | None = None
        if self.commit:
            try:
                paths, versions, warnings = self._state(changes)
                commit = commit_paths(self.site.root, paths, commit_message(self.command, changes, self.message),
                                      self.author, versions=versions)
            except PressError as e:
                problems.extend(Problem(p.message, "git_commit", p.where, p.hint) for p in e.problems)
        runs: list[HookRun] = []
        if self.run_hooks:
            for event in events if events is not None else _events(changes):
                commands = self.hooks.get(event)
                if not commands:
                    continue
                chosen = [c for c in changes if event == "after_schedule_run" or EVENT_OF.get(c.action) == event]
                document = self.document(event, chosen, commit, schedules)
                event_runs = run_hooks(self.site.root, event, commands, document)
                runs.extend(event_runs)
                problems.extend(_hook_problem(r) for r in event_runs if not r.ok)
        after = AfterResult(commit=commit, hooks=runs, problems=problems, warnings=warnings)
        return dataclasses.replace(result, after=after)

    def document(self, event: str, changes: list[Change], commit: GitCommit | None,
                 schedules: list[ScheduleDocument] | None = None) -> HookDocument:
        """The JSON a hook reads on stdin."""
        document: HookDocument = {
            "version": DOCUMENT_VERSION,
            "event": event,
            "command": self.command,
            "site": str(self.site.root),
            "time": now_iso(),
            "author": self.author,
            "message": self.message,
            "records": list(dict.fromkeys(c.record for c in changes)),
            "changes": [c.document() for c in changes],
            # The schedules carried out: the same id in two deploys means two clones each ran it.
            "schedule_ids": list(dict.fromkeys(c.schedule for c in changes if c.schedule)),
            "commit": commit.sha if commit else None,
        }
        if schedules is not None:
            document["schedules"] = schedules
        return document

    def _state(self, changes: list[Change]) -> tuple[list[Path], list[str], list[Problem]]:
        """The files that make a whole state of each record ``changes`` name, and of each record
        their published versions link to; the versions whose objects the commit needs; a
        warning per working file left out.

        A record's refs, log and pruned marks go together: a commit of the
        ``published`` ref alone, over a ``current`` ref saved without
        ``--commit``, checks out as published newer than current. The records
        a committed published version links to come along (one published
        earlier without ``--commit`` would dangle in a clone).
        """
        store = self.site.store
        paths = set(self.touched)
        versions: list[str] = []
        warnings: list[Problem] = []
        # Links only: no snapshot of every ref is needed, and the check cache knows most blobs' links.
        reader: Reader | None = None
        todo = list(dict.fromkeys(c.record for c in changes))
        seen = set(todo)
        while todo:
            record = todo.pop()
            try:
                key = RecordKey(*record.split("/", 1))
                state = store.record_files(record)
            except (TypeError, ValueError):
                continue
            held = state.refs
            versions.extend(held.values())
            paths.update(state.paths)
            if RefKind.PUBLISHED in held:
                reader = reader or Reader(self.site, snapshot=Snapshot())
                try:
                    links = reader.links(record, held[RefKind.PUBLISHED])
                except PressError:
                    links = []  # an unreadable version: fsck says so; the commit still holds the refs
                for _path, target in links:
                    if str(target) not in seen:
                        seen.add(str(target))
                        todo.append(str(target))
            working = self.site.working_path(key)
            if RefKind.CURRENT not in held:
                if not working.exists():
                    paths.add(working)  # a delete: git records the removal
                continue
            problem = self._unsaved(key, working, held[RefKind.CURRENT])
            if problem is None:
                paths.add(working)
            else:
                warnings.append(problem)
        if reader is not None:
            reader.checks.flush()
        return sorted(paths), versions, sorted(warnings, key=lambda w: w.where.record or "")

    def _unsaved(self, key: RecordKey, working: Path, current: str) -> Problem | None:
        """None when the working file holds ``current``'s bytes, else why it stays out of the commit."""
        try:
            data = self.site.read_working(key)
            blob = self.site.store.get_version(current).blob
        except PressError as e:
            data, blob, why = None, "", e.message
        else:
            why = "it is missing" if data is None else "it has unsaved edits"
        if data is not None and hash_bytes(data) == blob:
            return None
        return Problem(f"not committed: the working file differs from current {current[:7]} ({why}); "
                       "the commit holds the saved version",
                       code="unsaved_not_committed", where=Where(file=self.site.rel(working), record=str(key)),
                       hint=f"Site.save('{key}', commit=True) commits the edits; Site.diff('{key}') shows them",
                       cause="commit.unsaved_edits", data={"record": str(key)})


@contextmanager
def automation(site: SiteCore, command: str, *, hooks: bool = True, commit: bool | None = None, author: str = "",
               message: str = "") -> Iterator[Automation]:
    """Run a store-changing command inside this block, then ``auto.finish(result, changes)``."""
    auto = Automation(site, command, hooks=hooks, commit=commit, author=author, message=message)
    if command != "resolve":
        # A ref git left unmerged (one branch deleted it) reads like any ref: refuse as for a conflict in
        # a ref file, as git refuses to commit over unmerged paths.
        unmerged = git_conflicts(site).refs
        if unmerged:
            raise RefConflictError(unmerged)
    if not auto.commit:
        # Nothing to commit: no path of every object written is kept (two a record, 100,000 records).
        yield auto
        return
    require_work_tree(site.root)
    with site.store.tracking() as touched:
        auto.touched = touched
        yield auto


def _events(changes: list[Change]) -> list[str]:
    return list(dict.fromkeys(EVENT_OF[c.action] for c in changes if c.action in EVENT_OF))


def _hook_problem(run: HookRun) -> Problem:
    tail = run.output.strip().splitlines()[-20:]
    shown = ("\n    " + "\n    ".join(tail)) if tail else " (no output)"
    how = (f"timed out after {run.timeout:g} s and was stopped (its process group got SIGTERM)" if run.timed_out
           else f"failed with exit code {run.exit_code}")
    more = ("; a longer hooks_timeout (seconds) in pressroom.yaml, or timeout on the hook, gives it more time"
            if run.timed_out else "")
    return Problem(f"hook {run.event} `{run.command}` {how}:{shown}",
                   code="hook_failed", where=Where(file=CONFIG_NAME, path=f"hooks.{run.event}"),
                   hint="the content change was made and stays; fix the hook and run it by hand, "
                        "or pass hooks=False" + more, cause="hooks.failed", data={"more": more})


def commit_message(command: str, changes: list[Change], message: str = "") -> str:
    """``publish post/hello (+2 by cascade)``, then one line per change; a user's message comes first (its
    first line is the subject), as with ``git commit -m``."""
    named = [c for c in changes if c.reason != "cascade"]
    cascade = [c for c in changes if c.reason == "cascade"]
    actions = list(dict.fromkeys(c.action for c in named))
    if command == "schedule run":
        parts = [f"{a} {_names([c.record for c in named if c.action == a])}" for a in actions]
        subject = "schedule run: " + "; ".join(parts)
    elif command == "stage":
        subject = f"stage {_names([c.record for c in named])} {named[0].stage}"
    elif command == "save" and any(c.action == "publish" for c in changes):
        subject = f"save and publish {_names([c.record for c in named if c.action == 'save'])}"
    else:
        subject = f"{command} {_names(list(dict.fromkeys(c.record for c in named)))}"
    if cascade:
        subject += f" (+{len(cascade)} by cascade)"
    body = [f"{c.action} {c.record} {(c.version or c.old or '-')[:12]}"
            + (f" (cascade via {c.via})" if c.reason == "cascade" and c.via else "") for c in changes]
    if message.strip():
        # The user's message leads, as git commit -m does; what press did follows it.
        first, _, rest = message.strip().partition("\n")
        return first + "\n\n" + (rest.strip() + "\n\n" if rest.strip() else "") + subject + "\n\n" + \
            "\n".join(body) + "\n"
    return subject + "\n\n" + "\n".join(body) + "\n"


def _names(records: list[str], shown: int = 3) -> str:
    if len(records) <= shown:
        return ", ".join(records)
    return f"{', '.join(records[:shown])} and {len(records) - shown} more"


# changes of each result


def changes_of_action(result: ActionResult) -> list[Change]:
    """A publish/unpublish/archive/delete result's moves (none for a dry run)."""
    if result.dry_run or not result.txn:
        return []
    return [Change(action=m.action, record=m.record, version=m.version, old=m.old, reason=m.reason, via=m.via,
                   path=m.path) for m in result.moves]


def changes_of_save(result: SaveResult, action: str = "save") -> list[Change]:
    """A save's new versions, and the records it published at once (``draft_published: false``)."""
    out = [Change(action=action, record=s.record, version=s.version, old=s.parent) for s in result.saved]
    saved = {s.record: s for s in result.saved}
    out += [Change(action="publish", record=r, version=saved[r].version if r in saved else None, reason=action)
            for r in result.published]
    return out
