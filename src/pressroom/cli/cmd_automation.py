"""Commands for CI and teams: stage, schedule (publish, unpublish, list, cancel, ack, next, run),
resolve, merge-driver (install, run)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Optional

import typer

from ..api import DriverInstall, RunResult, Schedule, ScheduleList, ScheduleResult, Site
from ..errors import Problem
from . import hints
from .helptext import PressTyper
from .completion import complete_ref
from .common import (path_refs, AuthorOpt, CommitOpt, JsonOpt, MessageOpt, NoHooksOpt, after_problems, open_site, render_after,
                     author_name, short)
from .output import EXIT_REFUSED, command, local_time, print_columns, stderr, stdout, utc_time

# Its commands, which cli.app.COMMANDS registers on `press` when one of them is looked up.
app = PressTyper(rich_markup_mode=None)

STATE_STYLE = {"pending": "cyan", "done": "green", "failed": "red", "cancelled": "dim"}
AtOpt = Annotated[str, typer.Option("--at", metavar="TIME",
                                    help="When: ISO 8601 with an offset (2025-06-01T09:00:00+02:00, "
                                         "...Z), or +30m, +2h, +3d, +1w from now.", show_default=False)]
NowOpt = Annotated[Optional[str], typer.Option("--now", metavar="TIME",
                                               help="Act as if it were this time (ISO 8601 with an "
                                                    "offset, or +2h): for tests and catch-up runs.",
                                               show_default=False)]


@app.command()
def stage(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="The record (model/id).")],
    stage_: Annotated[str, typer.Argument(metavar="STAGE", help="A stage its model declares (stages: [...]).")],
    message: MessageOpt = "",
    author: AuthorOpt = None,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Record the review stage of a record's current version.

    The stage is an event, with its author and time. The stage belongs to that
    version: a new save puts the record back at the first stage. A model with
    publish_requires: S publishes only versions at S or a later stage; press
    publish --stage S publishes every record at S. Setting the stage a record
    already has exits 1 (nothing to do).
    """
    with command("stage", json_) as out:
        result = open_site(ctx).stage(ref, stage_, message=message, author=author, commit=commit)

        def render() -> None:
            if result.changed:
                stdout.print(f"{result.record} {short(result.version)}: {result.previous} -> {result.stage}")
            render_after(result)

        errors = after_problems(result, out)
        if not result.changed:
            errors = [Problem(f"nothing to do: {result.record} is already at stage {result.stage}",
                              code="nothing_to_do")]
        out.done(result, render, exit_code=EXIT_REFUSED if errors else 0, errors=errors)


schedule_app = PressTyper(name="schedule", no_args_is_help=True, rich_markup_mode=None,
                           help="Publish and unpublish at a set time.\n\n`schedule run` (from cron or CI) carries "
                                "out what is due, once.")
app.add_typer(schedule_app)


def _describe(s: Schedule) -> str:
    version = "latest" if s.latest else short(s.version) if s.version else ""
    return f"{s.id}  {s.action} {s.record}{' ' + version if version else ''} at {local_time(s.at)}"


def _render_scheduled(result: ScheduleResult, verb: str) -> None:
    stdout.print(f"{verb} {_describe(result.schedule)}")
    render_after(result)


@schedule_app.command("publish")
def schedule_publish(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="The record (model/id).")],
    at: AtOpt,
    latest: Annotated[bool, typer.Option("--latest", help="Publish the version current at that time, not the one "
                                                          "current now.")] = False,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Schedule a publish of the version current now.

    What was reviewed is what goes live. With --latest, whatever is current at
    that time is published. Problems a publish would have now are shown as
    warnings; at run time the publish is validated like press publish (links,
    publish_requires).
    """
    with command("schedule publish", json_) as out:
        result = open_site(ctx).schedule("publish", ref, at=at, latest=latest, message=message, author=author,
                                         commit=commit)
        out.warn(result.warnings)
        errors = after_problems(result, out)
        out.done(result, lambda: _render_scheduled(result, "scheduled"), exit_code=EXIT_REFUSED if errors else 0,
                 errors=errors)


@schedule_app.command("unpublish")
def schedule_unpublish(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="The record (model/id).")],
    at: AtOpt,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Schedule an unpublish: the record goes back to draft."""
    with command("schedule unpublish", json_) as out:
        result = open_site(ctx).schedule("unpublish", ref, at=at, message=message, author=author, commit=commit)
        errors = after_problems(result, out)
        out.done(result, lambda: _render_scheduled(result, "scheduled"), exit_code=EXIT_REFUSED if errors else 0,
                 errors=errors)


@schedule_app.command("list")
def schedule_list(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also list done and cancelled schedules.")] = False,
    json_: JsonOpt = False,
) -> None:
    """List pending and failed schedules in time order.

    Failed ones are listed with their errors.
    """
    with command("schedule list", json_) as out:
        result = open_site(ctx).schedules(all=all_)
        out.warn(result.warnings)

        def render() -> None:
            if not result.schedules:
                stdout.print("nothing scheduled")
                return
            # A narrow terminal loses the author first; the id, to cancel with, goes last; never a time.
            fitted = print_columns(["id", "action", "record", "version", "at", "state", "by"],
                                   [([s.id, s.action, s.record, "latest" if s.latest else short(s.version),
                                      local_time(s.at), s.state, author_name(s.author)], STATE_STYLE.get(s.state))
                                    for s in result.schedules],
                                   drop=["by", "version", "state", "id"])
            fitted.print_note()
            for s in result.schedules:
                for e in s.errors:
                    worded = hints.word_stored(e)
                    stderr.print(f"{s.id} failed: {worded.where.record or s.record}: {worded.message}", style="red")
                    if worded.hint:
                        stderr.print(f"  hint: {worded.hint}", style="dim")

        out.done(_as_reported(result), render)


def _as_reported(result: ScheduleList) -> ScheduleList:
    """A failed action's problems as ``--json`` reported them before the file kept their cause and data."""
    return dataclasses.replace(result, schedules=[
        dataclasses.replace(s, errors=[{k: v for k, v in e.items() if k not in ("cause", "data")} for e in s.errors])
        for s in result.schedules])


@schedule_app.command("cancel")
def schedule_cancel(
    ctx: typer.Context,
    id_: Annotated[str, typer.Argument(metavar="ID", help="The schedule's id (press schedule list).")],
    message: MessageOpt = "",
    author: AuthorOpt = None,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Cancel a pending schedule, or dismiss a failed one.

    A done schedule cannot be cancelled.
    """
    with command("schedule cancel", json_) as out:
        result = open_site(ctx).cancel_schedule(id_, message=message, author=author, commit=commit)
        errors = after_problems(result, out)
        out.done(result, lambda: _render_scheduled(result, "cancelled"), exit_code=EXIT_REFUSED if errors else 0,
                 errors=errors)


@schedule_app.command("ack")
def schedule_ack(
    ctx: typer.Context,
    id_: Annotated[str, typer.Argument(metavar="ID", help="The schedule's id (press fsck names it).")],
    message: MessageOpt = "",
    author: AuthorOpt = None,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Acknowledge a schedule carried out more than once.

    Once acknowledged, fsck and status stop reporting it. Two clones that each ran `press
    schedule run` both carry out a due schedule (and run its hooks); after git
    merges them, fsck (exit 5) and status name it. Check what the extra runs'
    hooks did (a second deploy), then acknowledge it. Refused (exit 1) for a
    schedule that ran once.
    """
    with command("schedule ack", json_) as out:
        result = open_site(ctx).acknowledge_schedule(id_, message=message, author=author, commit=commit)
        errors = after_problems(result, out)
        out.done(result, lambda: _render_scheduled(result, "acknowledged"), exit_code=EXIT_REFUSED if errors else 0,
                 errors=errors)


@schedule_app.command("next")
def schedule_next(ctx: typer.Context, now: NowOpt = None, json_: JsonOpt = False) -> None:
    """Print the time of the next pending action.

    Nothing is printed when none is pending, so a pipeline can plan.
    """
    with command("schedule next", json_) as out:
        result = open_site(ctx).next_schedule(now=now)

        def render() -> None:
            if result.next is None:
                stderr.print("nothing scheduled", style="dim")
                return
            # For a pipeline to plan with, so as --json has it, not local.
            stdout.print(utc_time(result.next.at))
            stderr.print(f"{_describe(result.next)}{' (due now)' if result.due else ''}; "
                         f"{result.pending} pending in all", style="dim")

        out.done(result, render)


@schedule_app.command("run")
def schedule_run(
    ctx: typer.Context,
    now: NowOpt = None,
    author: AuthorOpt = None,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Carry out every due action, in time order, exactly once.

    Run it from cron or CI. Each action is checked like the command itself
    (validation, links, publish_requires). One that fails is marked failed with
    its errors and stays listed; the others still run, and the run exits 1. Two
    runs at once, or a run killed halfway, never carry out an action twice: the
    schedule's state is committed with the publish it causes. Hooks:
    after_publish / after_unpublish for what was done, then after_schedule_run.
    """
    with command("schedule run", json_) as out:
        result = open_site(ctx).run_schedule(now=now, author=author, hooks=not no_hooks, commit=commit)
        out.warn(result.warnings)
        errors = result.problems + after_problems(result, out)
        out.done(result, lambda: _render_run(result), exit_code=EXIT_REFUSED if errors or not result.ok else 0,
                 errors=errors)


def _render_run(result: RunResult) -> None:
    for a in result.actions:
        label = f"{a.schedule}  {a.action} {a.record}"
        if a.outcome == "done":
            moved = ", ".join(f"{m.record} {short(m.version)}" for m in a.moves)
            stdout.print(f"{label}: done" + (f" ({moved})" if moved else f" ({a.note})" if a.note else ""),
                         style="green")
        elif a.outcome == "failed":
            stdout.print(f"{label}: failed", style="red")
        else:
            stdout.print(f"{label}: {a.outcome}: {a.note}", style="dim")
    done = sum(a.outcome == "done" for a in result.actions)
    failed = sum(a.outcome == "failed" for a in result.actions)
    tail = f"; next at {local_time(result.next_at)}" if result.next_at else ""
    stdout.print(f"{done} done, {failed} failed, {result.not_due} not due yet (now {local_time(result.now)}){tail}",
                 style="dim")
    render_after(result)


@app.command()
def resolve(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="The record in conflict (model/id).")],
    ours: Annotated[bool, typer.Option("--ours", help="Take this branch's version.")] = False,
    theirs: Annotated[bool, typer.Option("--theirs", help="Take the merged branch's version.")] = False,
    version: Annotated[Optional[str], typer.Option("--version", metavar="VERSION",
                                                   help="Take this version (id or 7+ characters) "
                                                        "from either side's history.",
                                                   show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (each ref, and what the link "
                                                            "strategies move, and why); change nothing.")] = False,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """End a record's git merge conflict by picking a side.

    press status shows the records whose refs are in conflict. Every
    conflicted ref of the record (current, published, archived) takes that
    side, in one transaction logged as resolve events; a side that deleted the
    ref (git's modify/delete) removes it. Their files are marked resolved in
    git. Then commit the merge with git as usual. The link strategies of the
    models apply as for publish and unpublish: a published version taken
    brings in what its on_publish: publish links name, and a side that
    withdraws the record sets off its referrers' on_unpublish (on_delete when
    that side deleted it). A side that would still leave the published view
    with a dangling link is refused (exit 1, nothing changed), naming the
    referrers and the fixes, as unpublish is.
    """
    with command("resolve", json_) as out:
        result = open_site(ctx).resolve(ref, ours=ours, theirs=theirs, version=version, dry_run=dry_run,
                                        message=message, author=author, commit=commit)
        out.warn(result.warnings)

        def render() -> None:
            def side(oid: str | None) -> str:
                return short(oid) if oid else "deleted"

            if result.dry_run and result.problems:
                stderr.print("refused: nothing would be resolved", style="red")
                return
            prefix = "would take: " if result.dry_run else ""
            for r in result.resolved:
                stdout.print(f"{prefix}{result.record} {r.kind}: {side(r.chosen)} ({result.side}; "
                             f"ours {side(r.ours)}, theirs {side(r.theirs)})")
            verb = {"publish": "published", "unpublish": "unpublished"}
            would = "would be " if result.dry_run else ""
            for m in result.moves:
                if m.action == "publish" and not m.reason.endswith(":clear"):
                    why = f"{m.reason}, linked from {m.via} field {m.path}"
                else:  # unpublish and clear: the record's own field links to the record that leaves
                    why = f"{m.reason}, its field {m.path} links to {m.via}"
                stdout.print(f"{would}{verb.get(m.action, m.action)} {m.record} {short(m.version)} ({why}): "
                             f"{m.status_before} -> {m.status_after}")
            for v in result.versions:
                stdout.print(f"{would}saved {v.record} {short(v.version)} on top of {short(v.parent)} ({v.reason})")
            if result.dry_run:
                stdout.print("dry run: nothing changed", style="dim")
            render_after(result)

        errors = list(result.problems) + after_problems(result, out)
        # Problems go to the envelope's "errors", once.
        data = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "problems"}
        out.done(data, render, exit_code=EXIT_REFUSED if errors else 0, errors=errors)


driver_app = PressTyper(name="merge-driver", no_args_is_help=True, rich_markup_mode=None,
                         help="A git merge driver for the files of .press/.\n\nWhen one side's version descends "
                              "from the other's, it takes it; else it leaves a conflict for press resolve.")
app.add_typer(driver_app)


@driver_app.command("install")
def driver_install(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Set up the merge driver in this repository.

    It writes .gitattributes in the site, and merge.pressroom-ref in
    .git/config. The attributes are committed with the site; git config is not,
    so run this once in each clone that merges (CI included). Event logs merge
    with git's union driver. It also writes .gitattributes in .press/, content/
    and models/, which keep git from converting line endings. `press git setup`
    does all this and installs the git hooks.
    """
    with command("merge-driver install", json_) as out:
        result = open_site(ctx).install_merge_driver()
        out.done(result, lambda: _render_driver(result))


def _render_driver(result: DriverInstall) -> None:
    files = ([result.attributes_file] if result.added else []) + list(result.nested_added)
    what = f"added lines to {', '.join(files)}" if files else "attributes already in place"
    stdout.print(f"{what}; git config merge.pressroom-ref.driver set in {result.repository}")


git_app = PressTyper(name="git", no_args_is_help=True, rich_markup_mode=None,
                     help="Set up a git clone: attributes, merge driver and hooks.")
app.add_typer(git_app)


@git_app.command("setup")
def git_setup(
    ctx: typer.Context,
    no_git_hooks: Annotated[bool, typer.Option("--no-git-hooks", help="Write the attributes and the merge driver "
                                                                       "only.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Set up this clone: attributes, merge driver and hooks.

    It writes .gitattributes, sets up the merge driver, and installs git hooks
    that check the published view. Attributes: the merge lines in the site's
    .gitattributes, and a .gitattributes in .press/, content/ and models/ that
    keeps git from converting their bytes, whatever core.autocrlf or a text=auto
    line says; commit them. The merge driver is set in .git/config, and the
    hooks (post-merge, post-rewrite, post-checkout) in the folder git runs hooks
    from (core.hooksPath when set): neither is committed, so run this in every
    clone (CI included). The hooks run `press fsck --view-only` after git
    merges, rebases or checks out, and print what is broken; they cannot stop
    git, and never fail it. A hook already there is kept as <hook>.before-
    pressroom and runs first. Running it again changes nothing.
    """
    with command("git setup", json_) as out:
        result = open_site(ctx).setup_git(hooks=not no_git_hooks)

        def render() -> None:
            _render_driver(result.driver)
            hooks = result.hooks
            if hooks is None:
                return
            for name, what in ((hooks.installed, "installed"), (hooks.chained, "installed, chained to the hook "
                               "that was there (now <hook>.before-pressroom)"), (hooks.updated, "updated"),
                               (hooks.unchanged, "already installed")):
                if name:
                    stdout.print(f"git hooks {', '.join(name)}: {what} in {hooks.hooks_dir}")
            if hooks.behind_pre_commit:
                stdout.print(f"git hooks {', '.join(hooks.behind_pre_commit)}: written as <hook>.legacy, which the "
                             "pre-commit framework's hook runs first")
            stdout.print(f"they run: {hooks.command}")

        out.done(result, render)


@driver_app.command("run")
def driver_run(
    base: Annotated[str, typer.Argument(metavar="BASE", help="%O: the merge base's file.")],
    ours: Annotated[str, typer.Argument(metavar="OURS", help="%A: this branch's file; the result is written here.")],
    theirs: Annotated[str, typer.Argument(metavar="THEIRS", help="%B: the other branch's file.")],
    path: Annotated[str, typer.Argument(metavar="PATH", help="%P: the file's path in the repository.")],
    json_: JsonOpt = False,
) -> None:
    """What git runs for each conflicting .press/ file.

    install sets it up; exit 1 leaves a conflict.
    """
    with command("merge-driver run", json_) as out:
        outcome = Site.merge_driver(base, ours, theirs, path)
        errors = [] if outcome.merged else [Problem(outcome.message, code="merge_conflict")]
        # git shows the driver's stderr during the merge: say what was taken, or why not.
        out.done(outcome, lambda: stderr.print(f"pressroom: {outcome.message}") if outcome.merged else None,
                 exit_code=0 if outcome.merged else EXIT_REFUSED, errors=errors)
