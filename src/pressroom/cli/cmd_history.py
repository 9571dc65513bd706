"""Commands on history and the store's health: log, diff, revert, fsck, gc."""

from __future__ import annotations

import json
import re
from typing import Annotated, Optional

import typer

from ..api import DiffResult, FieldChange, LogEntry, LogResult, duration_seconds
from ..errors import HistoryBrokenError, UsageError
from .completion import complete_ref
from .common import (path_refs, AuthorOpt, CommitOpt, JsonOpt, MessageOpt, NoHooksOpt, after_problems, open_site,
                     author_name, render_after, short)
from .helptext import PressTyper
from .output import (paged, EXIT_CONFLICT, EXIT_DAMAGED, EXIT_OK, EXIT_REFUSED, EXIT_VIEW_BROKEN, MIN_CUT, Fitted,
                     command, cut_to, exit_code_for, fit_width, local_time, say, stderr, stdout)

# Its commands, which cli.app.COMMANDS registers on `press` when one of them is looked up.
app = PressTyper(rich_markup_mode=None)

MARK = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow"),
        "type_changed": ("!", "magenta"), "moved": (">", "cyan")}
EVENT_STYLE = {"publish": "green", "unpublish": "yellow", "archive": "dim", "delete": "red", "revert": "cyan"}


@app.command()
def log(
    ctx: typer.Context,
    ref: Annotated[Optional[str], typer.Argument(callback=path_refs, autocompletion=complete_ref, 
        metavar="REF", help="model/id[@version] (default: its current version); none: the site-wide activity feed.",
        show_default=False)] = None,
    limit: Annotated[Optional[int], typer.Option("-n", "--limit", min=1, metavar="N", help="Show at most N entries.",
                                                 show_default=False)] = None,
    patch: Annotated[bool, typer.Option("-p", "--patch", help="Show each version's changes to its parent.")] = False,
    site_: Annotated[bool, typer.Option("--site", help="Only the events that moved the published view "
                                                       "(publish, unpublish, archive, delete).")] = False,
    since: Annotated[Optional[str], typer.Option("--since", metavar="TIME", help="Events at or after TIME "
                                                 "(as schedule --at takes it).", show_default=False)] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="TIME", help="Events at or before TIME.",
                                                 show_default=False)] = None,
    json_: JsonOpt = False,
) -> None:
    """List a record's versions and events, newest first.

    The events are its publishes, unpublishes, archives and reverts. Each
    version shows its id, time, author and message, and the refs on it (current,
    published, archived). With no REF: the latest events across all records (50
    unless --limit), the site's audit log; --site keeps what changed on the
    site, and --since/--until a period (all of it unless --limit).
    """
    with command("log", json_) as out:
        site = open_site(ctx)
        code, problems = EXIT_OK, []
        try:
            period = since is not None or until is not None
            result = site.log(ref, limit=limit if limit or ref or period else 50, patch=patch, published=site_,
                              since=since, until=until)
        except HistoryBrokenError as e:
            # The versions before the break, then the error, as git log does.
            result, code, problems = e.partial, exit_code_for(e), e.problems
        with paged(not json_):
            out.done(result, lambda: _render_log(result), exit_code=code, errors=problems)


def _render_log(result: LogResult) -> None:
    if result.record is None:
        if not result.items:
            say("no events yet")
        width, fitted = fit_width(), Fitted()
        for e in result.items:
            version = f" {short(e.version)}" if e.version else ""
            line = f"{local_time(e.time)}  {e.record}  {e.action}{version}"
            by, said = f"  by {author_name(e.author)}", f": {_said(e)}" if e.message else ""
            if width is not None:
                by, said = _fit_event(width, line, by, said, fitted)
            say(line + by + said, style=EVENT_STYLE.get(e.action))
        fitted.print_note()
    else:
        shown = {e.version for e in result.entries}
        for e in result.items:
            (_render_version if e.type == "version" else _render_event)(e)
        if result.pruned:
            say("... older history was pruned by gc (max_versions)", style="dim")
        for kind, oid in result.refs.items():
            if oid and oid not in shown and not result.more:
                say(f"{kind}: {short(oid)} (not in this history)", style="dim")
    if result.more:
        say("... more; show them with --limit N", style="dim")


# The text a schedule or unschedule event is logged with: "unpublish at 2026-12-01T20:00:00Z (3f9c2a81d0)".
_SCHEDULED_AT = re.compile(r"^((?:cancelled )?(?:publish|unpublish) at )(\S+)( \()")


def _said(e: LogEntry) -> str:
    """An event's message; a schedule's time in it, which the log stores in UTC, as local as the rest."""
    if e.action not in ("schedule", "unschedule"):
        return e.message
    return _SCHEDULED_AT.sub(lambda m: m[1] + local_time(m[2]) + m[3], e.message, count=1)


def _fit_event(width: int, line: str, by: str, said: str, fitted: Fitted) -> tuple[str, str]:
    """An event's author and message in what ``line`` leaves of ``width`` cells: the message is cut,
    then the author left out to give it room, then the message too. The time, record and action
    in ``line`` are never cut.
    """
    # Loaded here, not with the module: rich's Unicode tables cost a piped log 30 ms.
    from rich.cells import cell_len

    room = width - cell_len(line)
    if cell_len(by + said) <= room:
        return by, said
    if said and room - cell_len(by) >= MIN_CUT:
        _note(fitted.cut, "messages")
        return by, cut_to(said, room - cell_len(by))
    if said and room >= MIN_CUT:
        _note(fitted.left_out, "authors")
        if cell_len(said) > room:
            _note(fitted.cut, "messages")
        return "", cut_to(said, room)
    if said:
        _note(fitted.left_out, "messages")
    if cell_len(by) <= room:
        return by, ""
    _note(fitted.left_out, "authors")
    return "", ""


def _note(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def _render_version(e: LogEntry) -> None:
    marks = f" ({', '.join(e.refs)})" if e.refs else ""
    say(f"{short(e.version)}{marks}  {local_time(e.time)}  {e.author}", style="bold" if e.refs else None)
    say(f"    {e.message or '(no message)'}")
    if e.changes is not None:
        if not e.changes:
            say("    (no field changes)", style="dim")
        _render_changes(e.changes, indent="    ")
    say()


def _render_event(e: LogEntry) -> None:
    what = {"publish": "published", "unpublish": "unpublished", "archive": "archived",
            "delete": "deleted"}.get(e.action, e.action)
    version = f" {short(e.version)}" if e.version else ""
    line = f"  {what}{version} by {author_name(e.author)} at {local_time(e.time)}"
    say(line + (f": {_said(e)}" if e.message else ""), style=EVENT_STYLE.get(e.action))
    say()


def _value(value: object, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _render_changes(changes: list[FieldChange], indent: str = "") -> None:
    for c in changes:
        sign, style = MARK[c.kind]
        note = "  (not in the model)" if c.not_in_model else ""
        if c.kind == "added":
            line = f"{c.path}: {_value(c.new)}"
        elif c.kind == "removed":
            line = f"{c.path}: {_value(c.old)} (removed)"
        elif c.kind == "moved":
            line = f"{c.path}: moved from position {c.old} to {c.new}"
        elif c.kind == "type_changed":
            line = f"{c.path}: {_value(c.old)} ({c.old_type}) -> {_value(c.new)} ({c.new_type})"
        elif c.text_diff is not None:
            line = f"{c.path}:"
        else:
            line = f"{c.path}: {_value(c.old)} -> {_value(c.new)}"
        say(f"{indent}{sign} {line}{note}", style=style)
        for t in c.text_diff or []:
            say(f"{indent}    {t}", style=_line_style(t))


def _line_style(line: str) -> str | None:
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    return {"+": "green", "-": "red"}.get(line[:1])


@app.command()
def diff(
    ctx: typer.Context,
    ref: Annotated[Optional[str], typer.Argument(
        callback=path_refs, autocompletion=complete_ref, metavar="REF", help="model/id, or model/id@V for V against the working file "
        "(default: every record with working changes).", show_default=False)] = None,
    a: Annotated[Optional[str], typer.Argument(metavar="A",
                                               help="A version (id, @~N, @published, working, or model/id@V).",
                                               show_default=False)] = None,
    b: Annotated[Optional[str], typer.Argument(metavar="B", help="A second version: compare A with it.",
                                               show_default=False)] = None,
    published: Annotated[bool, typer.Option("--published", help="Compare published with current "
                                                                 "(what a publish would change).")] = False,
    text: Annotated[bool, typer.Option("--text", help="Show a unified diff of the YAML text.")] = False,
    stat: Annotated[bool, typer.Option("--stat", help="Show counts of changes only.")] = False,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when there are differences, "
                                                                 "0 when none (like git).")] = False,
    json_: JsonOpt = False,
) -> None:
    """Show what changed in a record, field by field.

    Fields are named by paths like seo.title and tags[2]. Default: the working
    file against current. One version: it against the working file. Two: the
    first against the second. Long strings show a line diff inside the field;
    removed fields and fields the model no longer has are shown and marked. With
    no REF: every record with working changes (as press status lists them), one
    after the other; none, exit 0. Exit 0 whether or not there are differences,
    unless --exit-code.
    """
    with command("diff", json_) as out:
        if text and stat:
            raise UsageError("--text and --stat show different things; pick one")
        site = open_site(ctx)
        if ref is None:
            if published:
                raise UsageError("--published compares one record's versions: name it",
                                 hint="e.g. press diff post/hello --published")
            results = [site.diff(r, text=text) for r in site.changed()]
            for r in results:
                out.warn(r.warnings)

            def render_all() -> None:
                if not results:
                    say("no working changes")
                for r in results:
                    _render_diff(r, text=text, stat=stat)

            with paged(not json_):
                out.done({"records": results}, render_all,
                         exit_code=EXIT_REFUSED if exit_code and any(r.different for r in results) else 0)
            return
        result = site.diff(ref, a, b, published=published, text=text)
        out.warn(result.warnings)
        with paged(not json_):
            out.done(result, lambda: _render_diff(result, text=text, stat=stat),
                     exit_code=EXIT_REFUSED if exit_code and result.different else 0)


def _render_diff(result: DiffResult, *, text: bool, stat: bool) -> None:
    if text:
        for line in result.text or []:
            say(line, style=_line_style(line))
        if not result.text:
            # stdout stays empty, as git diff leaves it, for scripts; a person is told.
            stderr.print("no differences", style="dim")
        return
    if stat:
        counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in result.stat.items() if n)
        say(f"{result.record}: {counts or 'no field changes'}")
        return
    say(f"{result.old.label}{'' if result.old.exists else ' (none)'} -> "
        f"{result.new.label}{'' if result.new.exists else ' (none)'}", style="bold")
    if result.changes:
        _render_changes(result.changes)
    elif result.different:
        say("no field changes; comments or formatting differ (see --text)")
    else:
        say("no changes")


@app.command()
def revert(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="The record to revert (model/id).")],
    to: Annotated[str, typer.Option("--to", metavar="VERSION",
                                    help="The version to go back to: id, @~N, published, archived.",
                                    show_default=False)],
    message: MessageOpt = "",
    author: AuthorOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite unsaved changes in the working file.")] = False,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Make a new version with the content of an older one.

    The content is exactly the older version's; history is never rewritten. --to
    published throws away unpublished changes. The working file is updated;
    unsaved changes in it are refused unless --force. On a model with
    draft_published: false the revert is published (and validated) at once. A
    deleted record reverted to one of its old version ids comes back (undelete).
    """
    with command("revert", json_) as out:
        result = open_site(ctx).revert(ref, to=to, message=message, author=author, force=force,
                                       hooks=not no_hooks, commit=commit)
        out.warn(result.warnings)

        def render() -> None:
            if not result.created:
                stdout.print(f"{result.record}: current already has the content of {short(result.reverted_to)}; "
                             f"reset {result.working_file}")
                return
            public = " (published)" if result.published else ""
            stdout.print(f"reverted {result.record} to {short(result.reverted_to)}: new version "
                         f"{short(result.version)}{public}")
            if result.warnings:
                stderr.print("saved as a draft; fix the problems above before publishing", style="yellow")
            render_after(result)

        errors = after_problems(result, out)
        out.done(result, render, exit_code=EXIT_REFUSED if errors else 0, errors=errors)


@app.command()
def fsck(
    ctx: typer.Context,
    view_only: Annotated[bool, typer.Option(
        "--view-only", help="Check the published view alone (links closed, ref states), not every object's "
                            "bytes: fast, what the git hooks run after a merge.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Check the store and the published view for damage.

    It checks hashes, refs, parent chains, logs and dangling links. Changes
    nothing. Exit 4 with a list of what is damaged and what to do; exit 5 when
    no byte is damaged but the published view breaks its rules (a git merge,
    rebase or revert left a published record linking to one that is not
    published, or refs no command makes): each violation names the record and
    the command that fixes it.
    """
    with command("fsck", json_) as out:
        site = open_site(ctx)
        if view_only:
            view = site.check_view()

            def render_view() -> None:
                if view.merging:
                    stdout.print("the published view is not judged while refs are in merge conflict: "
                                 "press status lists them, press resolve ends each", style="yellow")
                elif view.ok:
                    stdout.print(f"checked the published view ({view.published} records): no violations")
                else:
                    stdout.print(f"the published view has {len(view.violations)} violation(s)", style="red")

            out.done(view, render_view, exit_code=EXIT_VIEW_BROKEN if view.violations else 0,
                     errors=view.problems())
            return
        report = site.fsck()
        out.warn(report.warnings)

        def render() -> None:
            summary = (f"checked {report.objects} objects ({_size(report.object_bytes)}), {report.refs} refs, "
                       f"{report.versions} versions, {report.log_lines} event-log lines")
            if report.problems:
                stdout.print(f"{summary}: {len(report.problems)} problem(s)", style="red")
            elif report.violations:
                stdout.print(f"{summary}: the published view has {len(report.violations)} violation(s)",
                             style="red")
            else:
                stdout.print(f"{summary}: no problems")

        code = EXIT_DAMAGED if report.problems else EXIT_VIEW_BROKEN if report.violations else 0
        out.done(report, render, exit_code=code, errors=[*report.problems, *report.violations])


journal_app = PressTyper(name="journal", no_args_is_help=True, rich_markup_mode=None,
                          help="Show, finish or drop what a crash left half-done.")
app.add_typer(journal_app)


@journal_app.command("show")
def journal_show(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Show the transaction a crash left, if any.

    Each ref or file that changed under it since is listed. Changes nothing.
    Exit 0 when there is none or the next command finishes it; exit 3 when git
    (a pull, a checkout) moved refs it would overwrite.
    """
    with command("journal show", json_) as out:
        state = open_site(ctx).journal()
        moved = [m.problem(state.txn or "") for m in state.moved] if state else []

        def render() -> None:
            if state is None:
                stdout.print("no transaction was left half-done")
            elif state.txn is None:
                stdout.print(f"{state.path}: a transaction left by a crash, unreadable; `press journal drop` "
                             "sets it aside")
            else:
                stdout.print(f"{state.path}: transaction {state.txn[:12]} left by a crash: {state.refs} ref move(s), "
                             f"{state.events} event(s), {state.files} store file(s), "
                             f"{state.working_files} working file(s)")
                stdout.print("  changed since: check out again the commit it was made on, or `press journal drop`"
                             if moved else "  any press command (or `press journal finish`) finishes it")

        out.done(state, render, exit_code=EXIT_CONFLICT if moved else EXIT_OK, errors=moved)


@journal_app.command("finish")
def journal_finish(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Finish the transaction a crash left.

    Any command does this first. Exit 3, nothing written, when refs it would
    move changed since it was written (a git pull or checkout): see `press
    journal show`.
    """
    with command("journal finish", json_) as out:
        txn = open_site(ctx).finish_journal()
        out.done({"txn": txn}, lambda: stdout.print(f"finished transaction {txn[:12]}" if txn
                                                     else "no transaction was left half-done"))


@journal_app.command("drop")
def journal_drop(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Set aside, unapplied, the transaction a crash left.

    Refs keep their present values. The journal is kept beside its place as
    journal.dropped-<txn> (in the git folder in a git work tree, else in
    .press/), to inspect or delete.
    """
    with command("journal drop", json_) as out:
        dropped = open_site(ctx).drop_journal()
        out.done(dropped, lambda: stdout.print(
            f"dropped transaction {(dropped.txn or 'unreadable')[:12]}; kept as {dropped.kept}" if dropped
            else "no transaction was left half-done"))


def parse_duration(text: str) -> float:
    """``30s``, ``15m``, ``2h``, ``7d``, ``1w`` or plain seconds, as seconds."""
    seconds = duration_seconds(text)
    if seconds is None:
        raise UsageError(f"--grace {text!r} is not a duration", hint="e.g. 0, 90s, 15m, 2h, 7d, 1w")
    return seconds


@app.command()
def gc(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be removed, with sizes; "
                                                             "change nothing.")] = False,
    grace: Annotated[Optional[str], typer.Option("--grace", metavar="DURATION",
                                                 help="Spare unreachable objects younger than this "
                                                      "(default 1h): 0, 15m, 2h, 7d.",
                                                 show_default=False)] = None,
    prune_now: Annotated[bool, typer.Option("--prune-now", help="No grace period (same as --grace 0); only "
                                                                 "when no other press is running.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Remove unreachable objects and prune old history.

    History is pruned past each model's max_versions. Never removes a version or
    content that a ref (current, published, archived), a schedule or a kept
    version reaches. Unreachable objects younger than the grace period are
    spared: another press may be about to use them. Holds the store lock while
    it runs.
    """
    with command("gc", json_) as out:
        if grace is not None and prune_now:
            raise UsageError("--grace and --prune-now say the same thing twice; pick one")
        seconds = 0.0 if prune_now else parse_duration(grace) if grace is not None else None
        report = open_site(ctx).gc(dry_run=dry_run, grace=seconds)

        def render() -> None:
            verb = "would remove" if report.dry_run else "removed"
            for o in report.removed if report.dry_run else []:
                what = f"version of {o.record}" if o.kind == "version" else o.kind
                stdout.print(f"{verb} {o.oid[:12]}  {_size(o.size):>9}  {what}")
            for p in report.pruned:
                cut = ", ".join(short(c) for c in p.cut_at)
                stdout.print(f"{p.record}: history {'would start' if report.dry_run else 'starts'} at {cut} "
                             f"(max_versions: {p.max_versions})")
            for t in report.temp_files:
                stdout.print(f"{verb} temp file {t}")
            stdout.print(f"{verb} {len(report.removed)} object(s), {_size(report.removed_bytes)}; kept "
                         f"{report.reachable} reachable" + (f" and {report.young} young unreachable (grace "
                                                            f"{_duration(report.grace_seconds)})"
                                                            if report.young else ""))

        out.done(report, render)


def _size(n: int) -> str:
    """Bytes in the largest unit (up to GiB) that keeps the number at 1 or more."""
    units = ("B", "KiB", "MiB", "GiB")
    size, unit = float(n), 0
    while size >= 1024 and unit < len(units) - 1:
        size, unit = size / 1024, unit + 1
    return f"{n} B" if unit == 0 else f"{size:.1f} {units[unit]}"


def _duration(seconds: float) -> str:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
