"""Commands that move the published view, and models: publish, unpublish, archive, delete,
validate, new, model list / model show."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, Optional, Protocol

import typer

from ..api import ActionResult, Model, Move, Progress, Site, ValidateResult
from ..errors import Problem, RefusedError, UsageError, Where
from . import hints
from .helptext import PressTyper
from .completion import complete_model, complete_ref
from .common import (path_refs, AllOpt, AuthorOpt, CommitOpt, DryRunOpt, JsonOpt, MessageOpt, ModelOpt, NoHooksOpt, YesOpt,
                     after_problems, open_site, render_after, short)
from .output import Output, command, local_time, print_columns, print_lines, say, stderr, stdout, utc_time
from .progress import bar

# Its commands, which cli.app.COMMANDS registers on `press` when one of them is looked up.
app = PressTyper(rich_markup_mode=None)

RefsArg = Annotated[Optional[list[str]], typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="Records (model/id).", show_default=False)]
CascadeOpt = Annotated[bool, typer.Option("--cascade", help="Also take the linked records along (see above).")]
DepthOpt = Annotated[Optional[int], typer.Option("--depth", min=1, metavar="N",
                                                 help="Follow links N levels (--cascade and the link strategies).",
                                                 show_default=False)]
PublishedModelOpt = Annotated[Optional[str], typer.Option("--model", metavar="MODEL", autocompletion=complete_model,
                                                          help="Every published or updated record "
                                                               "of this model.", show_default=False)]

PAST = {"publish": "published", "unpublish": "unpublished", "archive": "archived", "delete": "deleted"}


def _without_problems(result: ActionResult | ValidateResult) -> dict[str, object]:
    # Problems go to the envelope's "errors", once.
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "problems"}


def _why(m: Move) -> str:
    if m.reason == "named":
        return "named"
    if m.path is None:
        return f"{m.reason}, linked from {m.via}"
    if m.action == "publish" and not m.reason.endswith(":clear"):
        return f"{m.reason}, linked from {m.via} field {m.path}"
    # unpublish and clear: the record's own field links to the record that leaves.
    return f"{m.reason}, its field {m.path} links to {m.via}"


def undo_commands(result: ActionResult) -> list[str]:
    """The commands that undo a done unpublish/archive/delete: the records back, then their schedules."""
    if result.dry_run or result.action == "publish":
        return []
    undo: list[str] = []
    for m in result.moves:
        if m.action == "delete":
            undo.append(f"press revert {m.record} --to {short(m.version)}")
            if m.status_before in ("published", "updated"):
                undo.append(f"press publish {m.record}")
        else:
            undo.append(f"press publish {m.record}@{short(m.old)}")
    for sch in result.cancelled_schedules:
        latest = " --latest" if sch.action == "publish" and sch.version is None else ""
        # UTC, as --at reads it without quoting.
        undo.append(f"press schedule {sch.action} {sch.record} --at {utc_time(sch.at)}{latest}")
    return undo


def _confirm(action: str, plan: Callable[[], ActionResult]) -> None:
    """On a terminal: show what ``action`` would do and ask; declined, nothing changes (exit 1)."""
    result = plan()
    if result.problems or not result.moves:
        # The real run refuses or finds nothing to do, and says so itself.
        return
    verb = PAST[action]
    # On stderr, with the question: stdout keeps only the result (--json stays one envelope).
    for m in result.moves:
        stderr.print(f"would be {verb}: {m.record} {short(m.version)} ({m.status_before} -> {m.status_after})")
    for sch in result.cancelled_schedules:
        stderr.print(f"would be cancelled: schedule {sch.id} ({sch.action} {sch.record} at {local_time(sch.at)})")
    try:
        ok = typer.confirm(hints.CONFIRM.format(action=action.capitalize(), count=len(result.moves)),
                           default=False, err=True)
    except typer.Abort:
        ok = False
    if not ok:
        raise RefusedError(hints.DECLINED.format(verb=verb))


def _ask_first(action: str, *, yes: bool, dry_run: bool, many: bool, plan: Callable[[], ActionResult]) -> None:
    """Ask before a destructive command: ``delete`` always, unpublish/archive when ``many``.

    A delete where no terminal can answer needs ``--yes`` (exit 2); unpublish and
    archive stay scriptable there.
    """
    if yes or dry_run or not (many or action == "delete"):
        return
    if sys.stdin.isatty():
        _confirm(action, plan)
    elif action == "delete":
        raise UsageError(hints.NEEDS_YES.format(action=action), hint=hints.NEEDS_YES_HINT)


def _finish(out: Output, result: ActionResult, named: bool) -> None:
    """Render a publish/unpublish/archive/delete result and pick the exit code."""
    verb = PAST[result.action]
    undo = undo_commands(result)

    def render() -> None:
        if result.dry_run and result.problems:
            # The real command would refuse the lot: a plan of moves would read as a success.
            stderr.print(f"refused: nothing would be {verb}", style="red")
            return
        prefix = "would be " if result.dry_run else ""
        print_lines([f"{prefix}{PAST[m.action]} {m.record} {short(m.version)} ({_why(m)}): "
                     f"{m.status_before} -> {m.status_after}" for m in result.moves])
        print_lines([f"{prefix}saved {v.record} {short(v.version)} on top of {short(v.parent)} ({v.reason})"
                     for v in result.versions])
        if result.moves or not named:
            for s in result.skipped:
                stderr.print(f"skipped {s.record}: {s.why}", style="dim")
        if not result.moves:
            stdout.print(f"nothing to {result.action}")
        else:
            own = sum(1 for m in result.moves if m.action == result.action and not m.reason.endswith(":clear"))
            more = f", {len(result.moves) - own} more moved by link strategies" if own < len(result.moves) else ""
            if result.dry_run:
                stdout.print(f"dry run: {own} record(s) would be {verb}{more}; nothing changed", style="dim")
            else:
                stdout.print(f"{own} record(s) {verb}{more}", style="dim")
        for sch in result.cancelled_schedules:
            stdout.print(f"{'would cancel' if result.dry_run else 'cancelled'} schedule {sch.id}: "
                         f"{sch.action} {sch.record} at {local_time(sch.at)}", style="dim")
        if undo:
            print_lines([f"undo: {line}" for line in undo], style="dim")
        render_after(result)

    errors = list(result.problems) + after_problems(result, out)
    if not result.moves and named and not errors:
        # Asked for these records and none of them can move: say so, exit 1.
        errors = [Problem(f"nothing to {result.action}: {s.why}", code="nothing_to_do",
                          where=Where(record=s.record)) for s in result.skipped]
    data = _without_problems(result)
    if result.action != "publish":
        data["undo"] = undo
    out.done(data, render, exit_code=1 if errors else 0, errors=errors)


@app.command()
def publish(
    ctx: typer.Context,
    refs: Annotated[Optional[list[str]], typer.Argument(callback=path_refs, autocompletion=complete_ref, 
        metavar="REF", help="Records (model/id), or model/id@VERSION to publish that version.",
        show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option("--model", metavar="MODEL", autocompletion=complete_model,
                                                 help="Every draft or updated record of this model.",
                                                 show_default=False)] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every draft or updated record (not archived ones).")] = False,
    cascade: CascadeOpt = False,
    depth: DepthOpt = None,
    dry_run: DryRunOpt = False,
    stage: Annotated[Optional[str], typer.Option("--stage", metavar="STAGE",
                                                 help="Every record whose current version is at this "
                                                      "review stage (with --model: of that model).",
                                                 show_default=False)] = None,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Validate records and publish their current version.

    A batch is one transaction. A published record may only link to published
    records: a link to an unpublished one is refused, naming it, unless that
    record is published in the same command (named, or taken along by --cascade,
    which follows links to any depth, or --depth N). A link field with
    on_publish: publish in its model takes its record along too. If any record
    is invalid, nothing is published and every error is listed. Archived records
    are published again only when named. Naming only records that are already
    published exits 1.
    """
    with command("publish", json_) as out:
        with bar("validating", as_json=json_) as progress_bar:
            result = open_site(ctx).publish(*(refs or []), model=model, all=all_, cascade=cascade, depth=depth,
                                            dry_run=dry_run, message=message, author=author, progress=progress_bar,
                                            stage=stage, hooks=not no_hooks, commit=commit)
        _finish(out, result, named=bool(refs))


class _Withdraw(Protocol):
    """``Site.unpublish`` or ``Site.archive``: the same options, a different end state."""

    def __call__(self, site: Site, /, *refs: str, model: str | None = None, all: bool = False,
                 cascade: bool = False, depth: int | None = None, dry_run: bool = False, message: str = "",
                 author: str | None = None, progress: Progress | None = None, hooks: bool = True,
                 commit: bool | None = None) -> ActionResult: ...


def _withdraw(method: _Withdraw, action: str, ctx: typer.Context, refs: list[str] | None, model: str | None,
              all_: bool, cascade: bool, depth: int | None, dry_run: bool, message: str, author: str | None,
              json_: bool, no_hooks: bool = False, commit: bool | None = None, yes: bool = False) -> None:
    with command(action, json_) as out:
        site = open_site(ctx)
        _ask_first(action, yes=yes, dry_run=dry_run, many=all_ or model is not None,
                   plan=lambda: method(site, *(refs or []), model=model, all=all_, cascade=cascade, depth=depth,
                                       dry_run=True))
        with bar("reading links", as_json=json_) as progress_bar:
            result = method(site, *(refs or []), model=model, all=all_, cascade=cascade, depth=depth,
                            dry_run=dry_run, message=message, author=author, progress=progress_bar, hooks=not no_hooks,
                            commit=commit)
        _finish(out, result, named=bool(refs))


@app.command()
def unpublish(
    ctx: typer.Context,
    refs: RefsArg = None,
    model: PublishedModelOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Every published or updated record.")] = False,
    cascade: CascadeOpt = False,
    depth: DepthOpt = None,
    dry_run: DryRunOpt = False,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Take records out of the published view: they become drafts.

    Refused while a record that stays published links to one of them (the
    error names it); naming those referrers in the same command passes.
    A link field's on_unpublish in the referrer's model may say otherwise:
    unpublish takes the referrer out too, clear publishes a new version of it
    without the link (--depth N bounds these). --cascade also unpublishes the
    records they link to that no other published record still needs. With
    --all or --model it asks first on a terminal (--yes: do not ask). Pending
    schedules of the records it unpublishes are cancelled. It prints its undo
    (press publish REF@VERSION).
    """
    _withdraw(Site.unpublish, "unpublish", ctx, refs, model, all_, cascade, depth, dry_run, message, author, json_,
              no_hooks, commit, yes)


@app.command()
def archive(
    ctx: typer.Context,
    refs: RefsArg = None,
    model: PublishedModelOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Every published or updated record.")] = False,
    cascade: CascadeOpt = False,
    depth: DepthOpt = None,
    dry_run: DryRunOpt = False,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Withdraw records from the published view and archive them.

    The public version is kept in the archived ref. Publishing an archived
    record again brings it back; publish --all leaves archived records alone.
    Refused while a record that stays published links to one of them, like
    unpublish (the link fields' on_unpublish applies); --cascade works as for
    unpublish. With --all or --model it asks first on a terminal (--yes: do not
    ask). Pending schedules of the records it archives are cancelled. It prints
    its undo.
    """
    _withdraw(Site.archive, "archive", ctx, refs, model, all_, cascade, depth, dry_run, message, author, json_,
              no_hooks, commit, yes)


@app.command()
def delete(
    ctx: typer.Context,
    refs: Annotated[list[str], typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="Records (model/id).")],
    depth: DepthOpt = None,
    dry_run: DryRunOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Delete even if the working file has unsaved changes.")]
    = False,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Delete records, with their refs and working files.

    History and objects stay in the store until gc, and the event log keeps
    who deleted what. Refused while a published record links to one of them
    (unless that link field's on_delete says unpublish or clear; --depth N
    bounds these), and when a working file has unsaved changes (unless
    --force). On a terminal it shows the plan and asks; elsewhere it needs
    --yes (exit 2 without). Pending schedules of a deleted record are
    cancelled. It prints its undo: press revert REF --to VERSION, then press
    publish REF.
    """
    with command("delete", json_) as out:
        site = open_site(ctx)
        _ask_first("delete", yes=yes, dry_run=dry_run, many=True,
                   plan=lambda: site.delete(*refs, depth=depth, dry_run=True, force=force))
        result = site.delete(*refs, depth=depth, dry_run=dry_run, message=message, author=author, force=force,
                             hooks=not no_hooks, commit=commit)
        _finish(out, result, named=True)


@app.command()
def validate(
    ctx: typer.Context,
    refs: Annotated[Optional[list[str]], typer.Argument(callback=path_refs, autocompletion=complete_ref, 
        metavar="REF", help="Records (model/id), or model/id@VERSION to check a saved version.",
        show_default=False)] = None,
    model: ModelOpt = None,
    all_: AllOpt = False,
    published: Annotated[bool, typer.Option(
        "--published", help="Check the published view against today's models instead: each published "
        "version's schema, and every link naming a published record (every one, unless REF or --model).")] = False,
    json_: JsonOpt = False,
) -> None:
    """Check records against their model and their links.

    Every schema error and broken link is listed, not only the first. Reads the
    working file (what the next save would store), else the current version.
    Each error names the record, the field path (tags[2]), the rule and the
    value. Records named index, _index or _anything (saved before save refused
    them) are reported with how to rename them. Exits 1 when any record is
    invalid. After editing a model file, validate --published tells whether what
    is public still passes. With no REF, --model or --all: every record with
    working changes (as press status lists them); none, exit 0.
    """
    with command("validate", json_) as out:
        site = open_site(ctx)
        if not (refs or model or all_ or published):
            refs = site.changed()
            if not refs:
                out.done({"records": []},
                         lambda: say("nothing to validate: no working changes (see --all)"))
                return
        with bar("validating", as_json=json_) as progress_bar:
            result = site.validate(*(refs or []), model=model, all=all_, published=published, progress=progress_bar)

        def render() -> None:
            if result.ok:
                say(f"{len(result.records)} record(s) valid")
            else:
                say(f"{result.invalid} of {len(result.records)} record(s) invalid, {len(result.problems)} error(s):")

        out.done(_without_problems(result), render, exit_code=0 if result.ok else 1, errors=result.problems)


@app.command()
def new(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(metavar="MODEL", autocompletion=complete_model, help="The model (models/<model>.yaml), or model/id.")],
    id_: Annotated[Optional[str], typer.Argument(metavar="ID", help="The new record's id (lowercase slug).",
                                                 show_default=False)] = None,
    json_: JsonOpt = False,
) -> None:
    """Write a new record's working file from its model.

    The file is content/<model>/<id>.yaml, laid out from the model's schema.
    press new post hello and press new post/hello are the same. Fields with a
    default get it, required fields an empty value, the others are commented
    out. Nothing is saved: fill it in, then press save (save --set fills a field
    in place, a commented-out one included). Ids index, _index and _anything are
    refused: site generators misread such files.
    """
    with command("new", json_) as out:
        if id_ is None and "/" in model:
            model, id_ = model.split("/", 1)
        if id_ is None:
            raise UsageError("name the new record's id", hint=f"e.g. press new {model} hello, or {model}/hello")
        result = open_site(ctx).new(model, id_)

        def render() -> None:
            stdout.print(f"wrote {result.file}: fill it in, then: press save {result.record}")

        out.done(result, render)


model_app = PressTyper(name="model", help="List and show the site's models (models/<model>.yaml).",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(model_app)


def _model_doc(m: Model) -> dict[str, Any]:
    return {
        "name": m.name,
        "file": m.file,
        "options": {k: v for k, v in m.options.items() if k != "schema"},
        "links": [{"field": lf.field, "model": lf.target} for lf in m.link_fields],
        "schema": m.schema,
    }


@model_app.command("list")
def model_list(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """List the models, and content folders without one.

    A content folder without a model file is schema-less.
    """
    with command("model list", json_) as out:
        models = open_site(ctx).models()

        def render() -> None:
            if not models:
                stdout.print("no models yet: write models/<model>.yaml (see docs/publishing.md)")
                return
            rows: list[tuple[list[str], str | None]] = [([m.name, m.file or "(none: schema-less)", "yes" if m.draft_published else "no (publish on save)",
                      ", ".join(f"{lf.field} -> {lf.target}" for lf in m.link_fields),
                      " ".join(str(m.options.get("description") or "").split())], None) for m in models.values()]
            # Prose is cut first; the model's name and whether it has drafts always stay.
            print_columns(["model", "file", "drafts", "links", "description"], rows, cut="description",
                          drop=["description", "links", "file"]).print_note()

        out.done([_model_doc(m) for m in models.values()], render)


@model_app.command("show")
def model_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="MODEL", autocompletion=complete_model, help="The model's name.")],
    json_: JsonOpt = False,
) -> None:
    """Show one model: its options, links and schema."""
    with command("model show", json_) as out:
        model = open_site(ctx).model(name)
        doc = _model_doc(model)

        def render() -> None:
            stdout.print(f"model {model.name} ({model.file or 'no model file: schema-less'})")
            for key, value in doc["options"].items():
                if value not in ("", None):
                    stdout.print(f"  {key}: {json.dumps(value)}")
            for link in doc["links"]:
                stdout.print(f"  link {link['field']} -> {link['model']}")
            schema = model.schema or {}
            required = set(schema.get("required", []))
            for field, prop in (schema.get("properties") or {}).items():
                kind = prop.get("type", "any") if isinstance(prop, dict) else "any"
                stdout.print(f"  field {field}: {kind}{' (required)' if field in required else ''}")

        out.done(doc, render)
