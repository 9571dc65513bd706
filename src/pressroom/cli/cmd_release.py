"""``press release``: create, add, remove, list, show, publish and delete releases."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Optional

import typer

from ..api import Move, Release, ReleasePublishResult, ReleaseResult, ReleaseShow
from ..errors import UsageError
from .common import (AuthorOpt, CommitOpt, DryRunOpt, JsonOpt, MessageOpt, NoHooksOpt, after_problems, author_name,
                     open_site, path_refs, render_after, short)
from .completion import complete_ref
from .helptext import PressTyper
from .output import Output, command, local_time, print_columns, print_lines, stderr, stdout

app = PressTyper(rich_markup_mode=None)
release_app = PressTyper(name="release", no_args_is_help=True, rich_markup_mode=None,
                         help="Publish, unpublish and archive records together.\n\nA release names records to "
                              "publish (each pinned to a version), unpublish or archive, all in one transaction.")
app.add_typer(release_app)

PAST = {"publish": "published", "unpublish": "unpublished", "archive": "archived"}
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The release's name (e.g. spring-launch).")]
RefsArg = Annotated[list[str], typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF",
                                              help="Records (model/id); to publish, model/id@VERSION pins "
                                                   "that version.")]


def _render_release(release: Release) -> None:
    said = f": {release.message}" if release.message else ""
    state = (f"published {local_time(release.published)} by {author_name(release.published_by)}"
             if release.state == "published" else "open")
    stdout.print(f"release {release.name} ({state}){said}")
    if release.schedule is not None:
        stdout.print(f"scheduled at {local_time(release.schedule.at)} ({release.schedule.id})")


def _done(out: Output, result: ReleaseResult, verb: str) -> None:
    def render() -> None:
        if result.deleted:
            stdout.print(f"deleted release {result.release.name}")
            return
        for e in result.added:
            stdout.print(f"{verb} {e.record}: {e.action}{' ' + short(e.version) if e.version else ''}")
        for r in result.removed:
            stdout.print(f"took {r} out of {result.release.name}")
        if not result.added and not result.removed:
            _render_release(result.release)
        stdout.print(f"{len(result.release.entries)} record(s) in release {result.release.name}", style="dim")

    out.done(result, render)


@release_app.command("create")
def release_create(ctx: typer.Context, name: NameArg, message: MessageOpt = "", author: AuthorOpt = None,
                   json_: JsonOpt = False) -> None:
    """Make a new, empty release.

    NAME: lowercase letters, digits, '-', '_' and '.'.
    """
    with command("release create", json_) as out:
        _done(out, open_site(ctx).release_create(name, message=message, author=author), "created")


@release_app.command("add")
def release_add(
    ctx: typer.Context,
    name: NameArg,
    refs: RefsArg,
    unpublish: Annotated[bool, typer.Option("--unpublish", help="The release unpublishes these records.")] = False,
    archive: Annotated[bool, typer.Option("--archive", help="The release archives these records.")] = False,
    author: AuthorOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add records to a release, to publish, unpublish or archive.

    To publish, each is pinned to its current version, or to V with REF@V;
    with --unpublish or --archive the release takes them out instead.

    A pin is a version: a later save does not change it (release show says the
    pin is behind current; add the record again to pin the new one). A record
    is in a release once: adding it again replaces its entry. Two releases may
    hold the same record.
    """
    with command("release add", json_) as out:
        if unpublish and archive:
            raise UsageError("pick one of --unpublish and --archive")
        action = "unpublish" if unpublish else "archive" if archive else "publish"
        _done(out, open_site(ctx).release_add(name, *refs, action=action, author=author), "added")


@release_app.command("remove")
def release_remove(ctx: typer.Context, name: NameArg, refs: RefsArg, json_: JsonOpt = False) -> None:
    """Take records out of a release."""
    with command("release remove", json_) as out:
        _done(out, open_site(ctx).release_remove(name, *refs), "removed")


@release_app.command("list")
def release_list(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """List the open releases, then the published ones.

    A published release shows who published it and when.
    """
    with command("release list", json_) as out:
        result = open_site(ctx).releases()

        def render() -> None:
            if not result.releases:
                stdout.print("no releases: press release create NAME")
                return
            print_columns(["release", "state", "records", "when", "by", "message"], [(
                [r.name, r.state if r.schedule is None else f"scheduled {local_time(r.schedule.at)}",
                 str(len(r.entries)), local_time(r.published or r.created), author_name(r.published_by or r.author), r.message],
                None if r.state == "open" else "dim") for r in result.releases],
                drop=["message", "by"], cut="message").print_note()

        out.done(result, render)


def _without_problems(result: ReleaseShow | ReleasePublishResult) -> dict[str, object]:
    # Problems go to the envelope's "errors", once.
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "problems"}


def _why(m: Move) -> str:
    if m.via is None:
        return m.reason
    return f"{m.reason}, via {m.via}" + (f" field {m.path}" if m.path else "")


@release_app.command("show")
def release_show(ctx: typer.Context, name: NameArg, json_: JsonOpt = False) -> None:
    """Show a release's records, what it moves, and whether it passes.

    What publishing it now moves includes what link strategies bring in, at
    which version; it passes when validation and the link rule hold on the
    site as it will be.

    A pin older than the record's current version is marked behind current; a
    record other open releases also hold is named with them. Exits 1 when the
    release would be refused now.
    """
    with command("release show", json_) as out:
        result = open_site(ctx).release_show(name)
        release = result.release

        def render() -> None:
            _render_release(release)
            rows: list[tuple[list[str], str | None]] = []
            for e in result.entries:
                notes = []
                if e.behind:
                    notes.append(f"behind current {short(e.current)}")
                if e.others:
                    notes.append(f"also in {', '.join(e.others)}")
                rows.append(([e.record, e.action, short(e.version) if e.version else "", e.status,
                              "; ".join(notes)], "yellow" if notes else None))
            if rows:
                print_columns(["record", "action", "version", "status", "notes"], rows)
            else:
                stdout.print("no records yet: press release add NAME REF...")
            if result.brought:
                stdout.print("brought in when it is published:")
                print_lines([f"  {m.action} {m.record} {short(m.version)} ({_why(m)})" for m in result.brought])
            print_lines([f"saves {v.record} {short(v.version)} on top of {short(v.parent)} ({v.reason})"
                         for v in result.versions])
            if release.state == "open":
                if result.problems:
                    stderr.print(f"would be refused: {len(result.problems)} problem(s)", style="red")
                else:
                    stdout.print(f"passes: {len(result.moves)} record(s) would move", style="dim")

        out.done({**_without_problems(result), "ok": result.ok}, render,
                 exit_code=1 if result.problems else 0, errors=result.problems)


def _publish_done(out: Output, result: ReleasePublishResult) -> None:
    def render() -> None:
        if result.schedule is not None:
            stdout.print(f"scheduled release {result.release.name} at {local_time(result.schedule.at)} ({result.schedule.id})")
            render_after(result)
            return
        if result.dry_run and result.problems:
            stderr.print(f"refused: release {result.release.name} would not be published", style="red")
            return
        prefix = "would be " if result.dry_run else ""
        print_lines([f"{prefix}{PAST[m.action]} {m.record} "
                     f"{short(m.version)} ({_why(m)}): {m.status_before} -> {m.status_after}"
                     for m in result.moves])
        print_lines([f"{prefix}saved {v.record} {short(v.version)} on top of {short(v.parent)} ({v.reason})"
                     for v in result.versions])
        for s in result.skipped:
            stderr.print(f"skipped {s.record}: {s.why}", style="dim")
        if result.dry_run:
            stdout.print(f"dry run: release {result.release.name} would move {len(result.moves)} record(s); "
                         "nothing changed", style="dim")
        else:
            stdout.print(f"published release {result.release.name}: {len(result.moves)} record(s) moved",
                         style="dim")
        render_after(result)

    out.warn(result.warnings)
    errors = list(result.problems) + after_problems(result, out)
    out.done(_without_problems(result), render, exit_code=1 if errors else 0, errors=errors)


@release_app.command("publish")
def release_publish(
    ctx: typer.Context,
    name: NameArg,
    at: Annotated[Optional[str], typer.Option(
        "--at", metavar="TIME", help="Schedule it instead: ISO 8601 with an offset, or +30m, +2h, +3d, +1w "
        "(press schedule run carries it out).", show_default=False)] = None,
    dry_run: DryRunOpt = False,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Publish a release: all its moves in one transaction.

    Every record it pins is published, and those it names are unpublished or
    archived.

    Link strategies apply as in press publish (records they bring in are
    published at their current version). Anything that would break the
    published view (validation, a link to a record that is not published
    once the release is) refuses the whole release, naming each problem, and
    nothing moves (exit 1). A published release stays, marked with who
    published it and when. --at makes a schedule.
    """
    with command("release publish", json_) as out:
        result = open_site(ctx).release_publish(name, at=at, dry_run=dry_run, message=message, author=author,
                                                hooks=not no_hooks, commit=commit)
        _publish_done(out, result)


@release_app.command("delete")
def release_delete(ctx: typer.Context, name: NameArg, author: AuthorOpt = None, json_: JsonOpt = False) -> None:
    """Delete a release; no record moves.

    Its pending schedule, if any, is cancelled.
    """
    with command("release delete", json_) as out:
        _done(out, open_site(ctx).release_delete(name, author=author), "deleted")
